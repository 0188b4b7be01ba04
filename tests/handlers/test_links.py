"""A link sent first: its platform's services are offered, and the order takes the link without asking."""

from __future__ import annotations

import pytest

from bot import texts
from bot.catalog.sync import sync_catalog
from bot.texts import browse
from tests.handlers.test_ordering import FOLLOWERS, confirm
from tests.harness import Shop, counted, open_category

USER = 5301
VIEWS = texts.service_button("Telegram Post Views", 7, "USD")  # 0.05 x 1.30 = 0.065 -> 0.07


async def test_an_instagram_link_first_is_ordered_without_asking_for_it_again(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    link = "https://www.instagram.com/p/Cx_first/?igsh=1"
    offer = await shop.say(USER, link, "Choose a category")
    assert f"Your link: {link}" in offer.text and "<b>Instagram</b>" in offer.html
    await shop.tap(USER, counted(offer, "Instagram"), "Choose a service")
    await shop.tap(USER, FOLLOWERS, "Price:")
    asked = await shop.tap(USER, texts.BTN_ORDER, "How many?")
    assert f"Link: {link}" in asked.text and "Send the link" not in asked.text
    summary = await shop.say(USER, "1000", "Total")
    assert f"Link: {link}" in summary.text and "Total: 1.17 USD" in summary.text
    await confirm(shop, USER, "placed")
    [add] = shop.provider.calls("add")
    assert (add["service"], add["link"], add["quantity"]) == ("1", link, "1000")
    # The link was for that order only: the next order asks for one.
    await open_category(shop, USER)
    await shop.tap(USER, FOLLOWERS, "Price:")
    await shop.tap(USER, texts.BTN_ORDER, "Send the link")


async def test_a_telegram_short_link_offers_telegram(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    offer = await shop.say(USER, "t.me/shop_news/42", "Choose a category")
    assert "<b>Telegram</b>" in offer.html
    await shop.tap(USER, counted(offer, "Telegram"), "Choose a service")
    await shop.tap(USER, VIEWS, "Price:")
    await shop.tap(USER, texts.BTN_ORDER, "How many?")
    await shop.say(USER, "1000", "Total")
    await confirm(shop, USER, "placed")
    [add] = shop.provider.calls("add")
    assert (add["service"], add["link"]) == ("4", "t.me/shop_news/42")


async def test_an_unknown_site_offers_every_platform_and_a_link_that_does_not_fit_is_asked_again(
    shop: Shop,
) -> None:
    await shop.fund(USER, 1000)
    link = "https://example.org/my-page"
    offer = await shop.say(USER, link, "Choose a platform")
    assert f"Your link: {link}" in offer.text and "could not tell which platform" in offer.text
    instagram = await shop.tap(USER, counted(offer, "Instagram"), "Choose a category")
    assert f"Link: {link}" in instagram.text  # carried while browsing
    await shop.tap(USER, counted(instagram, "Instagram"), "Choose a service")
    await shop.tap(USER, FOLLOWERS, "Price:")
    asked = await shop.tap(USER, texts.BTN_ORDER, "does not fit")
    assert "link to Instagram" in asked.text and "Send the link" in asked.text
    await shop.say(USER, "https://instagram.com/p/right", "How many?")
    await shop.say(USER, "1000", "Total")
    await confirm(shop, USER, "placed")
    [add] = shop.provider.calls("add")
    assert add["link"] == "https://instagram.com/p/right"


async def test_a_platform_without_services_offers_the_others(shop: Shop) -> None:
    offer = await shop.say(USER, "https://www.tiktok.com/@someone/video/1", "Choose a platform")
    assert "no TikTok services right now" in offer.text
    assert counted(offer, "Instagram") in offer.labels()


async def test_the_link_survives_browsing_back_and_a_search(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    link = "https://youtu.be/abc123"
    offer = await shop.say(USER, link, "Choose a category")
    assert "<b>YouTube</b>" in offer.html
    platforms = await shop.tap(USER, browse.BTN_PLATFORMS, "Choose a platform")
    assert f"Link: {link}" in platforms.text
    await shop.tap(USER, browse.BTN_SEARCH, "Send a few words")
    await shop.say(USER, "youtube views", "USD")
    await shop.tap(USER, texts.service_button("YouTube Views", 195, "USD"), "Price:")
    await shop.tap(USER, texts.BTN_ORDER, "How many?")
    await shop.say(USER, "100", "Total")
    await confirm(shop, USER, "placed")
    [add] = shop.provider.calls("add")
    assert (add["service"], add["link"], add["quantity"]) == ("3", link, "100")


@pytest.mark.parametrize(
    "text", ["hello", "1.5", "e.g.", "https://instagram.com/p/x and more", "example.org"]
)
async def test_text_that_is_not_just_a_link_is_not_taken_for_one(shop: Shop, text: str) -> None:
    reply = await shop.say(USER, text, "didn't understand")
    assert "Your link" not in reply.text


async def test_a_link_inside_the_form_is_the_answer_not_a_new_start(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    offer = await shop.say(USER, "https://instagram.com/p/first", "Choose a category")
    await shop.tap(USER, counted(offer, "Instagram"), "Choose a service")
    await shop.tap(USER, FOLLOWERS, "Price:")
    await shop.tap(USER, texts.BTN_ORDER, "How many?")
    reply = await shop.say(USER, "https://instagram.com/p/second", "whole number")
    assert "Your link" not in reply.text


async def test_a_package_for_a_link_sent_first_goes_straight_to_the_summary(shop: Shop) -> None:
    shop.provider.add_service(
        "60", name="Instagram Starter Pack", category="Instagram", type="Package", rate="2", min=1, max=1
    )
    await sync_catalog(shop.dep("provider"), shop.catalog)
    await shop.fund(USER, 1000)
    link = "https://instagram.com/p/pack"
    offer = await shop.say(USER, link, "Choose a category")
    await shop.tap(USER, counted(offer, "Instagram"), "Choose a service")
    await shop.tap(USER, texts.service_button("Instagram Starter Pack", 260, "USD"), "Price:")
    summary = await shop.tap(USER, texts.BTN_ORDER, "Total")  # nothing left to ask
    assert f"Link: {link}" in summary.text and "Total: 2.60 USD" in summary.text
    await confirm(shop, USER, "placed")
    [add] = shop.provider.calls("add")
    assert (add["service"], add["link"]) == ("60", link) and "quantity" not in add
