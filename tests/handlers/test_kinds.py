"""Ordering services of every kind end to end: each kind's own inputs, price and `add` parameters.

The services are real entries of a panel's `services` reply (tests/data/services-kinds-smmpanelus.json),
added to the fake provider as given and synced; a few kinds that panel does not sell are written in the
same shape.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.catalog.sync import sync_catalog
from handlers.callbacks import OrderServiceCb, ServiceCb
from storage.orders import OrderStatus
from tests.fakes.telegram_types import SentMessage
from tests.harness import ADMIN_ID, Shop, counted, open_category

USER = 2101
REAL: dict[str, dict[str, Any]] = {
    entry["service"]: entry
    for entry in json.loads(
        (Path(__file__).parent.parent / "data" / "services-kinds-smmpanelus.json").read_text("utf-8")
    )
}
PACKAGE = "33649"  # Package, 1.3871 per package (a VK bundle)
COMMENTS = "28475"  # Custom Comments, 163.9785 per 1000, 1..100,000 (Instagram)
POLL = "24828"  # Poll, 0.8245 per 1000, 10..75,000 (Telegram)
COMMENT_LIKES = "34246"  # Comment Likes, 2.9973 per 1000, 10..1,000 (TikTok)
SUBSCRIPTIONS = ("32955", "33118")  # Subscriptions (Telegram auto views)
# Kinds that panel does not sell, in the same shape (and in other spellings of the type).
MENTIONS_LIST = {
    "service": "9001", "name": "Instagram Mentions [Custom List]", "type": "mentions_custom_list",
    "rate": "2.00", "min": "2", "max": "10", "dripfeed": False, "refill": False, "cancel": False,
    "category": "Instagram Mentions",
}  # fmt: skip
SMALL_COMMENTS = {
    "service": "9002", "name": "Instagram Custom Comments [max 5]", "type": "Custom comments",
    "rate": "8", "min": "1", "max": "5", "dripfeed": False, "refill": False, "cancel": False,
    "category": "Instagram Comments",
}  # fmt: skip


async def stock(shop: Shop, *entries: dict[str, Any]) -> None:
    """Put services on the provider's list as given, then sync the catalogue."""
    for entry in entries:
        shop.provider.services[str(entry["service"])] = dict(entry)
    await sync_catalog(shop.dep("provider"), shop.catalog)


async def open_form(shop: Shop, user: int, provider_service_id: str, expect: str) -> SentMessage:
    """Tap the Order button of a service's card (its callback data) and wait for the first question."""
    service = await shop.service(provider_service_id)
    await shop.say(user, "/balance", "Balance")  # a message to tap on
    mark = shop.tg.mark()
    callback = await shop.tg.press_data(user, OrderServiceCb(service_id=service.id).pack())
    question = await shop.tg.wait_for_message(user, expect, since=mark)
    await shop.tg.wait_for_answer(callback)
    return question


async def confirm(shop: Shop, user: int) -> SentMessage:
    return await shop.tap(user, texts.BTN_CONFIRM, "placed")


async def nothing_ordered(shop: Shop, user: int, balance: int) -> None:
    assert shop.provider.calls("add") == []
    assert await shop.orders.count_for_user(user) == 0
    assert await shop.users.balance(user) == balance


async def test_a_package_is_priced_per_package_and_sent_without_quantity(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await stock(shop, REAL[PACKAGE])
    await open_form(shop, USER, PACKAGE, "Send the link to the VK page")
    summary = await shop.say(USER, "https://vk.com/wall-1_2", "Total")
    # 1.3871 for one package x 1.30 = 1.80323 -> 1.81 (not 1.3871 / 1000 of it).
    assert "Quantity: 1\n" in summary.text and "Total: 1.81 USD" in summary.text
    assert "Balance after: 8.19 USD" in summary.text
    await confirm(shop, USER)
    [add] = shop.provider.calls("add")
    assert {name: value for name, value in add.items() if name != "key"} == {
        "action": "add",
        "service": PACKAGE,
        "link": "https://vk.com/wall-1_2",
    }
    order = await shop.only_order(USER)
    assert (order.quantity, order.charge, order.extra) == (1, 181, {})
    assert await shop.users.balance(USER) == 1000 - 181
    # The provider bills one package at its rate: below what the customer paid.
    assert shop.provider.orders[order.provider_order_id or ""].charge == Decimal("1.38710")


@pytest.mark.parametrize(
    ("status", "remains", "refund"),
    [("Canceled", 1, 181), ("Partial", 1, 181), ("Partial", 0, 0), ("Completed", 0, 0)],
)
async def test_a_package_settles_all_or_nothing(shop: Shop, status: str, remains: int, refund: int) -> None:
    # A package is one indivisible unit (quantity 1): Canceled refunds it whole; Partial refunds by
    # remains clamped to 0..1, as the provider itself refunds us (charge x remains / quantity).
    await shop.fund(USER, 1000)
    await stock(shop, REAL[PACKAGE])
    await open_form(shop, USER, PACKAGE, "Send the link")
    await shop.say(USER, "https://vk.com/wall-1_2", "Total")
    await confirm(shop, USER)
    order = await shop.only_order(USER)
    shop.provider.set_status(order.provider_order_id or "", status, remains=remains)
    await shop.poll()
    settled = await shop.only_order(USER)
    assert settled.status == OrderStatus(status.lower()) and settled.refunded == refund
    assert await shop.users.balance(USER) == 1000 - 181 + refund


async def test_custom_comments_three_lines_are_three_comments_sent_as_typed(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await stock(shop, REAL[COMMENTS])
    await open_form(shop, USER, COMMENTS, "Send the link to the Instagram")
    ask = await shop.say(USER, "https://www.instagram.com/p/Cx1/", "Send the comments, one per line")
    assert "From 1 to 100,000 lines." in ask.text
    typed = "Great photo!\n\n   Love it 😍  \nWow <3 & <b>more</b>"
    summary = await shop.say(USER, typed, "Total")
    # Three comments at 163.9785 per 1000 x 1.30 = 0.6395 -> 0.64.
    assert "Quantity: 3\n" in summary.text and "Total: 0.64 USD" in summary.text
    assert "3 comments:\nGreat photo!\nLove it 😍\nWow <3 & <b>more</b>" in summary.text
    assert "&lt;b&gt;more&lt;/b&gt;" in summary.html  # escaped once, shown as typed
    await confirm(shop, USER)
    [add] = shop.provider.calls("add")
    sent = "Great photo!\nLove it 😍\nWow <3 & <b>more</b>"
    assert add["comments"] == sent and "quantity" not in add and add["service"] == COMMENTS
    order = await shop.only_order(USER)
    assert (order.quantity, order.charge, order.extra) == (3, 64, {"comments": sent})
    assert shop.provider.orders[order.provider_order_id or ""].quantity == 3
    assert await shop.users.balance(USER) == 1000 - 64
    # The admin's order card shows them too, escaped.
    card = await shop.say(ADMIN_ID, f"/order {order.id}", f"Order #{order.id}")
    assert "3 comments:\nGreat photo!" in card.text and "&lt;b&gt;more" in card.html


async def test_a_price_change_requotes_with_the_same_comments(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await stock(shop, REAL[COMMENTS])
    await open_form(shop, USER, COMMENTS, "Send the link")
    await shop.say(USER, "https://instagram.com/p/a", "Send the comments")
    await shop.say(USER, "one\ntwo", "Total")
    shop.provider.services[COMMENTS]["rate"] = "300"
    await sync_catalog(shop.dep("provider"), shop.catalog)
    requote = await shop.tap(USER, texts.BTN_CONFIRM, "price of this order has changed")
    assert "Total: 0.78 USD" in requote.text and "2 comments:\none\ntwo" in requote.text
    assert shop.provider.calls("add") == []
    await confirm(shop, USER)
    [add] = shop.provider.calls("add")
    assert add["comments"] == "one\ntwo"
    assert await shop.users.balance(USER) == 1000 - 78


async def test_a_poll_order_sends_the_answer_number(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await stock(shop, REAL[POLL])
    await open_form(shop, USER, POLL, "Send the link to the Telegram")
    await shop.say(USER, "https://t.me/somechannel/15", "How many?")
    await shop.say(USER, "100", "Which answer should get the votes?")
    await shop.restart()  # the form keeps its place across a restart
    for bad in ("first", "0", "1000"):
        reply = await shop.say(USER, bad, "whole number from 1 to 100")
        assert "Total" not in reply.text
    summary = await shop.say(USER, "2", "Total")
    # 100 votes at 0.8245 per 1000 x 1.30 = 0.1072 -> 0.11.
    assert "Quantity: 100\n" in summary.text and "Total: 0.11 USD" in summary.text
    assert "Answer number: 2" in summary.text
    await confirm(shop, USER)
    [add] = shop.provider.calls("add")
    assert (add["link"], add["quantity"], add["answer_number"]) == ("https://t.me/somechannel/15", "100", "2")
    assert "runs" not in add and "interval" not in add


async def test_comment_likes_send_the_comments_author(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await stock(shop, REAL[COMMENT_LIKES])
    await open_form(shop, USER, COMMENT_LIKES, "Send the link to the TikTok")
    await shop.say(USER, "https://www.tiktok.com/@someone/video/1", "How many?")
    await shop.say(USER, "50", "username of the comment's author")
    reply = await shop.say(USER, "john smith", "is not a username")
    assert "no spaces" in reply.text and "Total" not in reply.text
    summary = await shop.say(USER, "@author.name", "Total")
    assert "Username: @author.name" in summary.text and "Total: 0.20 USD" in summary.text
    await confirm(shop, USER)
    [add] = shop.provider.calls("add")
    assert (add["username"], add["quantity"]) == ("@author.name", "50")
    assert (await shop.only_order(USER)).extra == {"username": "@author.name"}


async def test_mentions_of_a_custom_list_count_the_usernames(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await stock(shop, MENTIONS_LIST)
    await open_form(shop, USER, "9001", "Send the link to the Instagram")
    ask = await shop.say(USER, "https://instagram.com/p/abc", "usernames to mention")
    assert "From 2 to 10 lines." in ask.text
    summary = await shop.say(USER, "@one\n@two\n@three", "Total")
    assert "Quantity: 3\n" in summary.text and "3 usernames:\n@one\n@two\n@three" in summary.text
    await confirm(shop, USER)
    [add] = shop.provider.calls("add")
    assert add["usernames"] == "@one\n@two\n@three" and "quantity" not in add
    assert shop.provider.orders[(await shop.only_order(USER)).provider_order_id or ""].quantity == 3


async def test_subscriptions_are_not_offered(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    menu = await shop.say(USER, "/order", "Choose a platform")
    before = counted(menu, "Telegram")
    await stock(shop, *(REAL[key] for key in SUBSCRIPTIONS))
    menu = await shop.say(USER, "/order", "Choose a platform")
    assert counted(menu, "Telegram") == before  # same count: not listed
    listing = await open_category(shop, USER, "Telegram")
    assert "Автоматические" not in listing.text
    for key in SUBSCRIPTIONS:
        service = await shop.service(key)
        assert service.kind == "subscriptions" and not service.available
        # A forged Order button for it is refused, and no form starts.
        mark = shop.tg.mark()
        callback = await shop.tg.press_data(USER, OrderServiceCb(service_id=service.id).pack())
        answer = await shop.tg.wait_for_answer(callback)
        assert answer.text == texts.SERVICE_GONE and answer.show_alert
        assert not [m for m in shop.tg.messages(USER) if m.revision > mark]
    reply = await shop.say(USER, "100", "")
    assert "Total" not in reply.text
    await nothing_ordered(shop, USER, 1000)


async def test_bad_comments_are_refused_politely_and_change_nothing(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await stock(shop, SMALL_COMMENTS)
    await open_form(shop, USER, "9002", "Send the link")
    await shop.say(USER, "https://instagram.com/p/abc", "Send the comments")
    cases = [
        ("\u3164", "This cannot be empty"),
        ("1\n2\n3\n4\n5\n6", "Please send at most 5 lines; you sent 6."),
        ("ok\n" + "x" * 501, "Line 2 is too long: at most 500 characters, please."),
    ]
    for text, hint in cases:
        reply = await shop.say(USER, text, hint)
        assert "Total" not in reply.text and reply.labels() == [texts.BTN_CANCEL]
    await nothing_ordered(shop, USER, 1000)
    # Still at the comments step: good comments move on.
    summary = await shop.say(USER, "nice\ncool", "Total")
    assert "Quantity: 2\n" in summary.text


async def test_too_few_comments_for_the_service_from_its_card(shop: Shop) -> None:
    # The demo catalogue's Custom Comments (10..100), reached through the catalogue and its card.
    await shop.fund(USER, 1000)
    listing = await open_category(shop, USER, "Instagram")
    label = next(label for label in listing.labels() if label.startswith("Instagram Custom Comments"))
    await shop.tap(USER, label, "Price:")
    await shop.tap(USER, texts.BTN_ORDER, "Send the link")
    ask = await shop.say(USER, "https://instagram.com/p/abc", "Send the comments")
    assert "From 10 to 100 lines." in ask.text
    await shop.say(USER, "one\ntwo\nthree", "Please send at least 10 lines; you sent 3.")
    await nothing_ordered(shop, USER, 1000)
    summary = await shop.say(USER, "\n".join(f"comment {n}" for n in range(10)), "Total")
    # 10 comments at 8 per 1000 x 1.30 = 0.104 -> 0.11.
    assert "Quantity: 10\n" in summary.text and "Total: 0.11 USD" in summary.text
    await confirm(shop, USER)
    [add] = shop.provider.calls("add")
    assert add["comments"].split("\n") == [f"comment {n}" for n in range(10)]


async def test_a_link_sent_first_skips_only_the_link_step(shop: Shop) -> None:
    # The link-first path (handlers/links.py) carries the link into the form: the kind's own steps remain.
    await shop.fund(USER, 1000)
    await stock(shop, REAL[PACKAGE], REAL[COMMENTS])
    await shop.say(USER, "https://www.instagram.com/p/Cx1/", "Instagram")
    service = await shop.service(COMMENTS)
    mark = shop.tg.mark()
    await shop.tg.press_data(USER, OrderServiceCb(service_id=service.id).pack())
    ask = await shop.tg.wait_for_message(USER, "Send the comments", since=mark)
    assert "Send the link" not in ask.text
    await shop.say(USER, "one\ntwo", "Total")
    # A package needs nothing more than the link: straight to its summary.
    await shop.say(USER, "https://vk.com/wall-1_2", "VK")
    package = await shop.service(PACKAGE)
    mark = shop.tg.mark()
    await shop.tg.press_data(USER, OrderServiceCb(service_id=package.id).pack())
    summary = await shop.tg.wait_for_message(USER, "Total: 1.81 USD", since=mark)
    assert "https://vk.com/wall-1_2" in summary.text and texts.BTN_CONFIRM in summary.labels()
    await confirm(shop, USER)
    [add] = shop.provider.calls("add")
    assert (add["service"], add["link"]) == (PACKAGE, "https://vk.com/wall-1_2") and "quantity" not in add


async def test_a_package_card_shows_the_price_of_one_package(shop: Shop) -> None:
    await stock(shop, REAL[PACKAGE])
    service = await shop.service(PACKAGE)
    await shop.say(USER, "/balance", "Balance")  # a message to tap on
    mark = shop.tg.mark()
    callback = await shop.tg.press_data(USER, ServiceCb(service_id=service.id).pack())
    card = await shop.tg.wait_for_message(USER, "Price:", since=mark)
    await shop.tg.wait_for_answer(callback)
    assert "Price: 1.81 USD per package" in card.text
    assert "per 1,000" not in card.text and "Order from" not in card.text
