"""The ordering conversation end to end: browse, link, quantity, summary, confirm, and every outcome."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from storage.database import is_postgres
from storage.orders import OrderStatus
from tests.fakes.telegram_types import SentMessage
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, Shop, counted, open_category

USER = 2001
FOLLOWERS = texts.service_button("Instagram Followers", 117, "USD")  # 0.90 x 1.30 per 1000
LIKES = texts.service_button("Instagram Likes", 37, "USD")  # 0.27819 x 1.30 = 0.3616 -> 0.37


async def open_service(shop: Shop, user: int, category: str = "Instagram", service: str = FOLLOWERS) -> None:
    await open_category(shop, user, category)
    await shop.tap(user, service, "Price:")
    await shop.tap(user, texts.BTN_ORDER, "Send the link")


async def to_summary(
    shop: Shop, user: int, link: str = "https://instagram.com/p/abc", quantity: str = "1000", **kw: str
) -> SentMessage:
    await open_service(shop, user, **kw)
    await shop.say(user, link, "How many?")
    return await shop.say(user, quantity, "Total")


async def confirm(shop: Shop, user: int, expect: str, *, timeout: float = 5.0) -> SentMessage:
    return await shop.tap(user, texts.BTN_CONFIRM, expect, timeout=timeout)


async def test_happy_path_charges_exactly_the_quote_and_sends_one_add(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    summary = await to_summary(shop, USER, link="https://www.instagram.com/p/Cx_1?igsh=abc", quantity="1 000")
    assert "Total: 1.17 USD" in summary.text
    assert "Balance after: 8.83 USD" in summary.text
    placed = await confirm(shop, USER, "placed")
    order = await shop.only_order(USER)
    assert f"Order #{order.id} placed" in placed.text
    [add] = shop.provider.calls("add")
    assert add["link"] == "https://www.instagram.com/p/Cx_1?igsh=abc"
    assert add["quantity"] == "1000"
    assert add["service"] == "1"
    assert await shop.users.balance(USER) == 1000 - 117
    assert order.status == OrderStatus.PENDING and order.charge == 117
    assert order.provider_order_id is not None and order.provider_order_id in shop.provider.orders
    assert shop.tg.unanswered_callbacks() == []


async def test_catalogue_pages_and_service_card(shop: Shop) -> None:
    menu = await shop.say(USER, "/order", "Choose a platform")
    assert {"Instagram", "YouTube", "Telegram"} <= {label.rsplit(" · ", 1)[0] for label in menu.labels()}
    categories = await shop.tap(USER, counted(menu, "Instagram"), "Choose a category")
    listing = await shop.tap(USER, counted(categories, "Instagram"), "Choose a service")
    assert "Instagram Followers: 1.17 USD, 50–10,000" in listing.text
    # Custom Comments is orderable now (tests/handlers/test_kinds.py); Subscriptions stay hidden there.
    assert "Instagram Custom Comments: 10.40 USD, 10–100" in listing.text
    card = await shop.tap(USER, FOLLOWERS, "Price:")
    assert "1.17 USD" in card.text and "Refill: yes" in card.text
    back = await shop.tap(USER, texts.BTN_BACK, "Choose a service")
    assert FOLLOWERS in back.labels()
    await shop.tap(USER, texts.BTN_CATEGORIES, "Choose a category")


@pytest.mark.parametrize(
    ("link", "hint"),
    [
        ("not a link", "spaces"),
        ("instagram.com/p/x", "https://"),
        ("https://youtube.com/watch?v=1", "link to Instagram"),
        ("https://instagram.com/" + "x" * 600, "too long"),
        ("ftp://instagram.com/p/x", "https://"),
    ],
)
async def test_bad_links_are_refused_and_nothing_is_sent(shop: Shop, link: str, hint: str) -> None:
    await shop.fund(USER, 1000)
    await open_service(shop, USER)
    reply = await shop.say(USER, link, hint)
    assert "How many?" not in reply.text
    assert shop.provider.calls("add") == []
    assert await shop.users.balance(USER) == 1000
    # The conversation is still at the link step: a good link moves on.
    await shop.say(USER, "https://instagram.com/p/ok", "How many?")


@pytest.mark.parametrize("quantity", ["abc", "-5", "0", "1e3", "49", "10001", "99999999999999999999", "1.5"])
async def test_bad_quantities_are_refused_with_the_range(shop: Shop, quantity: str) -> None:
    await shop.fund(USER, 1000)
    await open_service(shop, USER)
    await shop.say(USER, "https://instagram.com/p/abc", "How many?")
    reply = await shop.say(USER, quantity, "50 to 10,000")
    assert "Total" not in reply.text
    assert shop.provider.calls("add") == []
    assert await shop.orders.count_for_user(USER) == 0
    assert await shop.users.balance(USER) == 1000


async def test_not_enough_balance_shows_the_shortfall_and_no_confirm(shop: Shop) -> None:
    await shop.fund(USER, 100)
    summary = await to_summary(shop, USER, quantity="1000")
    assert "Not enough balance" in summary.text
    assert "Missing: 0.17 USD" in summary.text
    assert texts.BTN_CONFIRM not in summary.labels()
    assert await shop.orders.count_for_user(USER) == 0


async def test_cancel_leaves_from_any_step(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await open_service(shop, USER)
    await shop.say(USER, "/cancel", "cancelled")
    # Outside the form a link is only offered the catalogue (handlers/links.py), never taken as an answer.
    reply = await shop.say(USER, "https://instagram.com/p/abc", "Your link")
    assert "How many" not in reply.text
    await open_service(shop, USER)
    await shop.say(USER, "https://instagram.com/p/abc", "How many?")
    await shop.tap(USER, texts.BTN_CANCEL, "cancelled")
    assert await shop.orders.count_for_user(USER) == 0
    summary = await to_summary(shop, USER)
    assert summary is not None
    await shop.tap(USER, texts.BTN_CANCEL, "cancelled")
    assert await shop.orders.count_for_user(USER) == 0 and await shop.users.balance(USER) == 1000


async def test_double_confirm_places_one_order(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    summary = shop.tg.last_message(USER)
    assert summary is not None
    confirm_data = summary.button(texts.BTN_CONFIRM).callback_data  # type: ignore[union-attr]
    first = await shop.tg.press_data(USER, confirm_data, message_id=summary.message_id)
    second = await shop.tg.press_data(USER, confirm_data, message_id=summary.message_id)
    await shop.tg.wait_for_message(USER, "placed")
    await shop.tg.wait_for_answer(first)
    answer = await shop.tg.wait_for_answer(second)
    assert "already confirmed" in (answer.text or "")
    assert len(shop.provider.calls("add")) == 1
    assert await shop.orders.count_for_user(USER) == 1
    assert await shop.users.balance(USER) == 1000 - 117


async def test_old_summary_confirmed_again_after_restart_places_nothing_new(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    summary = shop.tg.last_message(USER)
    assert summary is not None
    data = summary.button(texts.BTN_CONFIRM).callback_data  # type: ignore[union-attr]
    await confirm(shop, USER, "placed")
    await shop.restart()
    callback = await shop.tg.press_data(USER, data, message_id=summary.message_id)
    answer = await shop.tg.wait_for_answer(callback)
    assert "already confirmed" in (answer.text or "")
    assert len(shop.provider.calls("add")) == 1


async def test_summary_from_before_a_restart_still_confirms(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    await shop.restart()
    await confirm(shop, USER, "placed")
    assert len(shop.provider.calls("add")) == 1


async def test_restart_mid_conversation_keeps_the_customers_place(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await open_service(shop, USER)
    await shop.say(USER, "https://instagram.com/p/abc", "How many?")
    await shop.restart()
    summary = await shop.say(USER, "500", "Total")
    assert "Quantity: 500" in summary.text and "https://instagram.com/p/abc" in summary.text


async def test_forged_confirm_of_another_users_summary_is_refused(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await shop.fund(USER + 1, 1000)
    await to_summary(shop, USER)
    summary = shop.tg.last_message(USER)
    assert summary is not None
    data = summary.button(texts.BTN_CONFIRM).callback_data  # type: ignore[union-attr]
    await shop.say(USER + 1, "/balance", "Balance")
    callback = await shop.tg.press_data(USER + 1, data)
    answer = await shop.tg.wait_for_answer(callback)
    assert "expired" in (answer.text or "")
    assert shop.provider.calls("add") == []
    assert await shop.users.balance(USER) == 1000 and await shop.users.balance(USER + 1) == 1000


async def test_price_change_between_summary_and_confirm_requotes(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    shop.provider.services["1"]["rate"] = "1.00"
    await shop.say(ADMIN_ID, "/balance", "Balance")  # admin is known
    from bot.catalog.sync import sync_catalog

    await sync_catalog(shop.dep("provider"), shop.catalog)
    requote = await confirm(shop, USER, "price of this order has changed")
    assert "Total: 1.30 USD" in requote.text
    assert shop.provider.calls("add") == [] and await shop.users.balance(USER) == 1000
    await confirm(shop, USER, "placed")
    assert await shop.users.balance(USER) == 1000 - 130


async def test_fifty_users_ordering_concurrently_are_charged_exactly(shop: Shop) -> None:
    users = list(range(3000, 3050))
    for user in users:
        await shop.fund(user, 500)
    await asyncio.gather(*(to_summary(shop, user, link=f"https://instagram.com/p/{user}") for user in users))
    await asyncio.gather(*(confirm(shop, user, "placed") for user in users))
    for user in users:
        assert await shop.users.balance(user) == 500 - 117
        assert await shop.orders.count_for_user(user) == 1
    assert len(shop.provider.calls("add")) == 50


async def test_two_summaries_with_funds_for_one_place_one_order(shop: Shop) -> None:
    await shop.fund(USER, 150)
    first = await to_summary(shop, USER, link="https://instagram.com/p/one")
    second = await to_summary(shop, USER, link="https://instagram.com/p/two")
    one = first.button(texts.BTN_CONFIRM).callback_data  # type: ignore[union-attr]
    two = second.button(texts.BTN_CONFIRM).callback_data  # type: ignore[union-attr]
    ids = await asyncio.gather(
        shop.tg.press_data(USER, one, message_id=first.message_id),
        shop.tg.press_data(USER, two, message_id=second.message_id),
    )
    for callback in ids:
        await shop.tg.wait_for_answer(callback)
    await shop.tg.wait_for(lambda: any("Not enough balance" in m.text for m in shop.tg.messages(USER)))
    await shop.tg.wait_for(lambda: any("placed" in m.text for m in shop.tg.messages(USER)))
    assert await shop.orders.count_for_user(USER) == 1
    assert len(shop.provider.calls("add")) == 1
    assert await shop.users.balance(USER) == 150 - 117


async def test_provider_rejection_refunds_with_the_reason(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER, link="https://instagram.com/p/x#fail")
    reply = await confirm(shop, USER, "could not be placed")
    assert "link" in reply.text and "1.17 USD was returned" in reply.text
    order = await shop.only_order(USER)
    assert order.status == OrderStatus.FAILED and order.refunded == order.charge
    assert await shop.users.balance(USER) == 1000
    assert len(shop.provider.calls("add")) == 1


async def test_provider_out_of_funds_refunds_and_alerts_admins(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    shop.provider.balance = shop.provider.balance * 0
    await to_summary(shop, USER)
    reply = await confirm(shop, USER, "could not be placed")
    assert "cannot accept orders right now" in reply.text
    assert await shop.users.balance(USER) == 1000
    alert = await shop.tg.wait_for_message(ADMIN_ID, "refused order")
    assert "Not enough funds" in alert.text


async def test_unreachable_provider_refunds(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    await shop.provider.stop()  # connection refused from now on
    reply = await confirm(shop, USER, "could not be placed")
    assert "could not reach" in reply.text
    order = await shop.only_order(USER)
    assert order.status == OrderStatus.FAILED
    assert await shop.users.balance(USER) == 1000
    await shop.provider.start()


@pytest.mark.parametrize("fault", ["http502_html", "timeout", "lost_ack", "invalid_json"])
async def test_unclear_answers_park_the_order_without_refund_or_retry(shop: Shop, fault: str) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    shop.provider.fail("add", fault, delay=3.0)
    reply = await confirm(shop, USER, "checking it", timeout=10)
    order = await shop.only_order(USER)
    assert f"Order #{order.id}" in reply.text
    assert order.status == OrderStatus.UNKNOWN and order.attention is not None
    assert await shop.users.balance(USER) == 1000 - 117  # not refunded
    assert len(shop.provider.calls("add")) == 1  # never sent again
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        alert = await shop.tg.wait_for_message(admin, f"Order #{order.id} needs checking")
        assert (
            "https://instagram.com/p/abc" in alert.text and "1,000" in alert.text and str(USER) in alert.text
        )
    await shop.poll()
    assert (await shop.only_order(USER)).status == OrderStatus.UNKNOWN


async def test_interrupted_placement_is_parked_at_start_up(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    service = await shop.service("1")
    order_id = await _submitting_order(shop, service.id, "crash-1")
    in_flight = None
    if is_postgres(shop.db):
        # Several instances: an order is parked only once it has been `submitting` longer than any
        # placement takes; one another instance is placing right now is left alone.
        async with shop.db.transaction() as tx:
            await tx.execute(
                "UPDATE orders SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour') "
                "WHERE id = ?",
                (order_id,),
            )
        in_flight = await _submitting_order(shop, service.id, "crash-2")
    await shop.restart()
    await shop.tg.wait_for_message(ADMIN_ID, f"Order #{order_id} needs checking", timeout=15)
    parked = await shop.orders.get(order_id)
    assert parked is not None and parked.status == OrderStatus.UNKNOWN
    if in_flight is not None:
        untouched = await shop.orders.get(in_flight)
        assert untouched is not None and untouched.status == OrderStatus.SUBMITTING
        assert f"Order #{in_flight} " not in " ".join(m.text for m in shop.tg.messages(ADMIN_ID))


async def _submitting_order(shop: Shop, service_id: int, quote_key: str) -> int:
    """An order charged and left in `submitting`, as a placement in flight (or cut short) leaves it."""
    from storage.ledger import EntryKind, apply_entry
    from storage.orders import insert_order

    async with shop.db.transaction() as tx:
        order_id = await insert_order(
            tx,
            user_id=USER,
            service_id=service_id,
            provider="main",
            link="https://instagram.com/p/z",
            quantity=100,
            charge=12,
            quote_key=quote_key,
        )
        assert order_id is not None
        await apply_entry(tx, user_id=USER, amount=-12, kind=EntryKind.CHARGE, ref=f"charge:order:{order_id}")
    return order_id


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=200).filter(lambda t: t.strip() and not t.startswith("/")))
async def test_arbitrary_text_at_the_link_and_quantity_steps_never_orders(shop: Shop, text: str) -> None:
    if await shop.users.balance(USER) == 0:
        await shop.fund(USER, 100_000)
    await open_service(shop, USER)
    mark = shop.tg.mark()
    await shop.tg.send_text(USER, text)
    await shop.tg.wait_for(lambda: any(m.revision > mark for m in shop.tg.messages(USER)), timeout=5)
    if any("How many?" in m.text and m.revision > mark for m in shop.tg.messages(USER)):
        mark = shop.tg.mark()
        await shop.tg.send_text(USER, text)
        await shop.tg.wait_for(lambda: any(m.revision > mark for m in shop.tg.messages(USER)), timeout=5)
    await shop.say(USER, "/cancel", "cancel")
    assert shop.provider.calls("add") == []
    assert await shop.orders.count_for_user(USER) == 0


async def test_a_slow_provider_shows_progress_then_the_result(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    shop.provider.latency = 1.0
    mark = shop.tg.mark()
    callback = await shop.tg.press(USER, texts.BTN_CONFIRM)
    answer = await shop.tg.wait_for_answer(callback)
    assert answer.text == texts.PLACING
    progress = await shop.tg.wait_for_message(USER, "Placing your order", since=mark)
    assert progress.buttons == []  # no second Confirm while the provider answers
    await shop.tg.wait_for_message(USER, "placed", since=mark)
    shop.provider.latency = 0.0


async def test_a_wait_for_the_database_is_not_shown_as_progress(shop: Shop) -> None:
    # Only the provider's own time earns the "Placing…" edit: in a burst every Confirm waits its turn
    # for the database, and an edit each would double the calls to Telegram when the bot is busiest.
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    mark = shop.tg.mark()
    async with shop.db.transaction():
        callback = await shop.tg.press(USER, texts.BTN_CONFIRM)
        await shop.tg.wait_for_answer(callback)
        await asyncio.sleep(0.6)
    await shop.tg.wait_for_message(USER, "placed", since=mark)
    edits = [str(r.params.get("text", "")) for r in shop.tg.requests if r.method == "editMessageText"]
    assert "placed" in edits[-1]
    assert not any("Placing your order" in text for text in edits)


@pytest.mark.parametrize(("status", "retry_after"), [(502, None), (429, 1)])
async def test_a_failed_result_edit_still_brings_the_result_through_the_outbox(
    shop: Shop, status: int, retry_after: int | None
) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    mark = shop.tg.mark()
    shop.tg.fail_next("editMessageText", status, retry_after=retry_after)
    callback = await shop.tg.press(USER, texts.BTN_CONFIRM)
    await shop.tg.wait_for_answer(callback)
    # The callback is answered before the order exists: read it once the result has arrived.
    result = await shop.tg.wait_for_message(USER, " placed", timeout=10, since=mark)
    order = await shop.only_order(USER)
    assert f"Order #{order.id} placed" in result.text
    assert "balance 8.83 USD" in result.text
    assert [r.status for r in shop.tg.requests if r.method == "editMessageText"][-1] == status
    assert texts.ERROR_APOLOGY not in [m.text for m in shop.tg.messages(USER)]
    assert len([m for m in shop.tg.messages(USER) if f"Order #{order.id} placed" in m.text]) == 1
    assert order.status == OrderStatus.PENDING and len(shop.provider.calls("add")) == 1
    assert await shop.users.balance(USER) == 1000 - 117


async def test_a_result_shown_by_the_edit_is_not_sent_again(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    placed = await confirm(shop, USER, "placed")
    order = await shop.only_order(USER)
    await shop.restart()  # a restart sends results still held for a handler; this one was shown
    await shop.say(USER, "/balance", "Balance")
    assert await shop.dep("outbox").pending_count() == 0
    copies = [m for m in shop.tg.messages(USER) if f"Order #{order.id} placed" in m.text]
    assert [m.message_id for m in copies] == [placed.message_id]
