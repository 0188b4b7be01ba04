"""Search end to end: /search <words>, the Search button, result pages, a result ordered to the end."""

from __future__ import annotations

from bot import texts
from bot.catalog.sync import sync_catalog
from bot.texts import browse
from handlers.keyboards import PAGE_SIZE
from tests.handlers.test_browse import real_catalogue
from tests.handlers.test_ordering import FOLLOWERS, confirm
from tests.harness import Shop

USER = 5201
FOUND = " USD, "  # a results page: a line with a price and limits ("Nothing found" has none)
# 0.50 x 1.30 per 1000
MEMBERS = texts.service_button("👥 Подписчики Телеграм | Живые", 65, "USD")


async def cyrillic_services(shop: Shop) -> None:
    shop.provider.add_service(
        "33649", name="👥 Подписчики Телеграм | Живые", category="Телеграм — подписчики", rate="0.50", min=100
    )
    shop.provider.add_service(
        "33650", name="👀 Просмотры Телеграм", category="Телеграм — просмотры", rate="0.10", min=100
    )
    await sync_catalog(shop.dep("provider"), shop.catalog)


async def test_search_with_cyrillic_words_then_order_the_result(shop: Shop) -> None:
    await cyrillic_services(shop)
    await shop.fund(USER, 1000)
    results = await shop.say(USER, "/search ПОДПИСЧИКИ живые", FOUND)
    assert "1 service found for “ПОДПИСЧИКИ живые”" in results.text
    assert "• 👥 Подписчики Телеграм | Живые: 0.65 USD, 100–10,000" in results.text
    assert "Просмотры" not in results.text
    card = await shop.tap(USER, MEMBERS, "Price:")
    assert "Телеграм — подписчики" in card.text
    await shop.tap(USER, texts.BTN_ORDER, "Send the link")
    await shop.say(USER, "https://t.me/shop_channel", "How many?")
    summary = await shop.say(USER, "1000", "Total")
    assert "Total: 0.65 USD" in summary.text
    await confirm(shop, USER, "placed")
    [add] = shop.provider.calls("add")
    assert (add["service"], add["link"], add["quantity"]) == ("33649", "https://t.me/shop_channel", "1000")
    assert await shop.users.balance(USER) == 1000 - 65


async def test_search_by_service_number_ours_or_the_providers(shop: Shop) -> None:
    await cyrillic_services(shop)
    views = await shop.service("33650")
    by_provider_id = await shop.say(USER, "/search 33650", FOUND)
    assert "1 service found" in by_provider_id.text and "Просмотры Телеграм" in by_provider_id.text
    by_our_id = await shop.say(USER, f"/search #{views.id}", FOUND)
    first_line = by_our_id.text.split("\n\n")[1].splitlines()[0]
    assert "Просмотры Телеграм" in first_line  # the exact number comes first


async def test_results_page_both_ways_and_a_card_goes_back_to_its_page(shop: Shop) -> None:
    await real_catalogue(shop)
    results = await shop.say(USER, "/search ПОДПИСЧИКИ", FOUND)
    assert "Page 1 of" in results.text
    total_pages = int(results.text.rsplit("Page 1 of ", 1)[1])
    assert total_pages > 2
    assert len([label for label in results.labels() if " · " in label]) == PAGE_SIZE
    await shop.tap(USER, texts.BTN_NEXT, f"Page 2 of {total_pages}")
    page3 = await shop.tap(USER, texts.BTN_NEXT, f"Page 3 of {total_pages}")
    await shop.tap(USER, texts.BTN_PREV, f"Page 2 of {total_pages}")
    page3 = await shop.tap(USER, texts.BTN_NEXT, f"Page 3 of {total_pages}")
    card = await shop.tap(USER, page3.labels()[0], "Price:")
    assert texts.BTN_ORDER in card.labels()
    back = await shop.tap(USER, texts.BTN_BACK, f"Page 3 of {total_pages}")
    assert back.labels() == page3.labels()


async def test_search_button_asks_for_words_and_the_card_continues_the_order(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await shop.say(USER, "/order", "Choose a platform")
    await shop.tap(USER, browse.BTN_SEARCH, "Send a few words")
    results = await shop.say(USER, "instagram FOLLOW", FOUND)
    assert "Instagram Followers: 1.17 USD, 50–10,000" in results.text
    await shop.tap(USER, FOLLOWERS, "Price:")
    await shop.tap(USER, texts.BTN_ORDER, "Send the link")
    await shop.say(USER, "https://instagram.com/p/found", "How many?")
    await shop.say(USER, "1000", "Total")
    await confirm(shop, USER, "placed")
    [add] = shop.provider.calls("add")
    assert (add["service"], add["link"]) == ("1", "https://instagram.com/p/found")


async def test_nothing_found_offers_a_new_search_and_the_platforms(shop: Shop) -> None:
    reply = await shop.say(USER, "/search spotify monthly listeners", "Nothing found")
    assert "“spotify monthly listeners”" in reply.text
    assert reply.labels() == [browse.BTN_NEW_SEARCH, browse.BTN_PLATFORMS]
    await shop.tap(USER, browse.BTN_NEW_SEARCH, "Send a few words")
    await shop.say(USER, "youtube", FOUND)
    await shop.say(USER, "/search zzzz", "Nothing found")
    await shop.tap(USER, browse.BTN_PLATFORMS, "Choose a platform")


async def test_bare_search_asks_and_bad_queries_are_asked_again(shop: Shop) -> None:
    await shop.say(USER, "/search", "Send a few words")
    await shop.say(USER, "x" * 101, "at most 100 characters")
    await shop.say(USER, "!", "at least two letters")
    await shop.say(USER, "   ", "at least two letters")
    results = await shop.say(USER, "views", FOUND)
    assert "YouTube Views" in results.text and "Telegram Post Views" in results.text
    # Overlong words after /search get the same polite answer, then the words are asked for.
    await shop.say(USER, "/search " + "слово " * 30, "at most 100 characters")
    await shop.say(USER, "likes", FOUND)
    assert shop.provider.calls("add") == []


async def test_a_search_can_be_cancelled_by_button_or_command(shop: Shop) -> None:
    await shop.say(USER, "/search", "Send a few words")
    await shop.tap(USER, texts.BTN_CANCEL, "Search cancelled")
    reply = await shop.say(USER, "likes", "didn't understand")  # no longer searching
    assert "found" not in reply.text
    await shop.say(USER, "/order", "Choose a platform")
    await shop.tap(USER, browse.BTN_SEARCH, "Send a few words")
    await shop.say(USER, "/cancel", "Search cancelled")
    await shop.say(USER, "likes", "didn't understand")


async def test_an_old_results_page_after_the_search_was_left_is_refused_politely(shop: Shop) -> None:
    await shop.say(USER, "/search instagram", FOUND)
    await shop.say(USER, "/order", "Choose a platform")  # a new order forgets the search
    callback = await shop.tg.press_data(USER, "found:0")
    answer = await shop.tg.wait_for_answer(callback)
    assert "search has expired" in (answer.text or "")
