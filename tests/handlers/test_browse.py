"""Browsing by platform end to end: platforms, categories, services, the card; paging, Back, stale buttons."""

from __future__ import annotations

from pathlib import Path

from bot import texts
from bot.catalog.sync import sync_catalog
from bot.texts import browse
from handlers.keyboards import CATEGORIES_PAGE, PAGE_SIZE, PLATFORMS_PAGE
from tests.fakes.telegram_types import SentMessage
from tests.harness import Shop, counted, open_category

USER = 5101
REAL = Path(__file__).resolve().parents[1] / "data" / "services-smmpanelus-2024-09-20.json"


async def real_catalogue(shop: Shop) -> None:
    """Replace the demo catalogue with a real panel's (1,633 services, 358 categories, Cyrillic names)."""
    shop.provider.load_services_json(REAL)
    await sync_catalog(shop.dep("provider"), shop.catalog)


def catalogue_buttons(message: SentMessage) -> list[str]:
    """The platform or category buttons of a screen ("name · count"), without paging and Back."""
    return [label for label in message.labels() if " · " in label]


async def test_platforms_first_with_counts_then_categories_then_services(shop: Shop) -> None:
    # Hidden services count nowhere: a platform with only Subscriptions (never sold) is not offered.
    shop.provider.add_service("90", name="TikTok Auto Views", category="TikTok", type="Subscriptions")
    await sync_catalog(shop.dep("provider"), shop.catalog)
    menu = await shop.say(USER, "/order", "Choose a platform")
    assert "search" in menu.text
    assert catalogue_buttons(menu) == ["Instagram · 3", "Telegram · 1", "YouTube · 1"]  # the most first
    assert [len(row) for row in menu.buttons] == [2, 1, 2]  # two platforms a row; Search and Cancel
    assert menu.labels()[-2:] == [browse.BTN_SEARCH, texts.BTN_CANCEL]
    instagram = await shop.tap(USER, "Instagram · 3", "Choose a category")
    assert "<b>Instagram</b>" in instagram.html
    assert catalogue_buttons(instagram) == ["Instagram · 3"]
    listing = await shop.tap(USER, "Instagram · 3", "Choose a service")
    assert "Instagram Followers: 1.17 USD, 50–10,000" in listing.text
    # Back from the categories returns to the platforms.
    await shop.tap(USER, texts.BTN_CATEGORIES, "Choose a category")
    back = await shop.tap(USER, browse.BTN_PLATFORMS, "Choose a platform")
    assert catalogue_buttons(back) == catalogue_buttons(menu)
    # A service switched off leaves the counts; the New order button opens the same first screen.
    service = await shop.service("4")
    await shop.catalog.set_enabled(service.id, False)
    again = await shop.say(USER, texts.BTN_NEW_ORDER, "Choose a platform")
    assert catalogue_buttons(again) == ["Instagram · 3", "YouTube · 1"]


async def test_a_real_catalogue_pages_every_level_both_ways_with_back(shop: Shop) -> None:
    await real_catalogue(shop)
    assert len(await shop.catalog.categories()) >= 300
    found = await shop.catalog.platforms()
    assert found[-1][0] == "other" and len(found) > PLATFORMS_PAGE
    # Level 1: platforms, two pages; "Other" last.
    first = await shop.say(USER, "/order", "Choose a platform")
    assert "Page 1 of 2" in first.text
    assert len(catalogue_buttons(first)) == PLATFORMS_PAGE
    assert catalogue_buttons(first)[0] == f"Telegram · {found[0][1]}"
    second = await shop.tap(USER, texts.BTN_NEXT, "Page 2 of 2")
    assert catalogue_buttons(second)[-1] == f"Other · {found[-1][1]:,}"
    assert texts.BTN_NEXT not in second.labels()
    first = await shop.tap(USER, texts.BTN_PREV, "Page 1 of 2")
    # Level 2: Telegram's categories, with their counts, paged.
    telegram = await shop.catalog.categories(platform="telegram")
    total_pages = -(-len(telegram) // CATEGORIES_PAGE)
    assert total_pages >= 3
    page1 = await shop.tap(USER, counted(first, "Telegram"), f"Page 1 of {total_pages}")
    assert "Choose a category" in page1.text
    assert len(catalogue_buttons(page1)) == CATEGORIES_PAGE
    assert all(label.rsplit(" · ", 1)[1].isdigit() for label in catalogue_buttons(page1))
    await shop.tap(USER, texts.BTN_NEXT, f"Page 2 of {total_pages}")
    page3 = await shop.tap(USER, texts.BTN_NEXT, f"Page 3 of {total_pages}")
    await shop.tap(USER, texts.BTN_PREV, f"Page 2 of {total_pages}")
    page3 = await shop.tap(USER, texts.BTN_NEXT, f"Page 3 of {total_pages}")
    # Level 3: the biggest category on page 3, its services paged.
    chunk = telegram[2 * CATEGORIES_PAGE : 3 * CATEGORIES_PAGE]
    biggest = max(chunk, key=lambda category: category.services)
    assert biggest.services > PAGE_SIZE
    label = next(b for b in catalogue_buttons(page3) if b.endswith(f" · {biggest.services}"))
    service_pages = -(-biggest.services // PAGE_SIZE)
    services = await shop.tap(USER, label, f"Page 1 of {service_pages}")
    assert "Choose a service" in services.text
    services = await shop.tap(USER, texts.BTN_NEXT, f"Page 2 of {service_pages}")
    # Level 4: a card; Back to the same services page, then to the categories page it came from.
    service_label = services.labels()[0]
    card = await shop.tap(USER, service_label, "Price:")
    assert texts.BTN_ORDER in card.labels()
    back = await shop.tap(USER, texts.BTN_BACK, f"Page 2 of {service_pages}")
    assert service_label in back.labels()
    await shop.tap(USER, texts.BTN_PREV, f"Page 1 of {service_pages}")
    categories = await shop.tap(USER, texts.BTN_CATEGORIES, f"Page 3 of {total_pages}")
    assert label in categories.labels()
    platforms = await shop.tap(USER, browse.BTN_PLATFORMS, "Page 1 of 2")
    assert counted(platforms, "Telegram") in platforms.labels()
    assert shop.tg.unanswered_callbacks() == []


async def test_back_to_platforms_returns_to_the_page_of_the_platform(shop: Shop) -> None:
    await real_catalogue(shop)
    await shop.say(USER, "/order", "Page 1 of 2")
    second = await shop.tap(USER, texts.BTN_NEXT, "Page 2 of 2")
    other = await shop.tap(USER, counted(second, "Other"), "Choose a category")
    assert "<b>Other</b>" in other.html
    await shop.tap(USER, browse.BTN_PLATFORMS, "Page 2 of 2")


async def test_stale_and_forged_buttons_are_answered_politely(shop: Shop) -> None:
    await open_category(shop, USER)
    youtube = await shop.service("3")
    await shop.catalog.set_enabled(youtube.id, False)
    cases = [
        ("plat:youtube:0", "This platform has no services right now"),  # emptied since
        ("plat:nosuch:3", "This platform has no services right now"),
        ("plat:Bad Key:0", "no longer active"),  # not a platform key at all
        ("cat:99999:0:instagram", "This category has no services right now"),
        ("cat:1:0:telegram", "This category has no services right now"),  # not Telegram's
        ("cat:99999999999999999999999:0:", "no longer active"),
        ("cat:1:0", "no longer active"),  # a keyboard from before platforms
        ("cats:0", "no longer active"),
        (f"svc:{youtube.id}:0:0", "no longer available"),
        ("svc:1:0:7", "no longer active"),
        ("plats:-5", ""),  # clamped to the first page
        ("cat:1:999:instagram", ""),  # clamped to the last page
    ]
    for data, expected in cases:
        callback = await shop.tg.press_data(USER, data)
        answer = await shop.tg.wait_for_answer(callback)
        assert expected in (answer.text or ""), data
    assert texts.ERROR_APOLOGY not in [m.text for m in shop.tg.messages(USER)]
    # After a gone platform the customer sees the platforms again; the catalogue still works.
    listing = await open_category(shop, USER)
    assert "Instagram Followers" in listing.text
