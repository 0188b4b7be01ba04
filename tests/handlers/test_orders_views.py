"""The customer's order list and detail, Refill and Cancel, end to end through both fakes."""

from __future__ import annotations

from bot import texts
from bot.wallet.money import format_money
from handlers.callbacks import CancelOrderCb, OrderViewCb, RefillCb
from storage.orders import OrderStatus
from storage.refills import RefillPhase, RefillRepo, insert_refill
from tests.handlers.orders_support import complete, outbox_texts, place_direct, poll_refills_now
from tests.handlers.test_ordering import confirm, to_summary
from tests.harness import ADMIN_ID, Shop

USER = 4001
OTHER = 4002


async def test_no_orders_yet(shop: Shop) -> None:
    await shop.register(USER)
    reply = await shop.say(USER, "/orders", "no orders yet")
    assert reply.labels() == []


async def test_list_is_newest_first_and_opens_a_detail(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    await to_summary(shop, USER, link="https://instagram.com/p/first")
    await confirm(shop, USER, "placed")
    second = await place_direct(shop, USER, link="https://instagram.com/p/second", quantity=500)
    listing = await shop.say(USER, texts.BTN_MY_ORDERS, "My orders")
    first, newest = await shop.orders.for_user(USER)
    assert (first.id, newest.id) == (second.id, second.id - 1)
    assert listing.text.index(f"#{second.id}") < listing.text.index(f"#{second.id - 1}")
    assert "Instagram Followers · 500 · Pending" in listing.text
    detail = await shop.tap(USER, texts.order_button(second), f"Order #{second.id}")
    assert "Link: https://instagram.com/p/second" in detail.text
    assert "Quantity: 500" in detail.text and "Charged: 0.59 USD" in detail.text
    assert "Status: Pending" in detail.text and "Delivered: -" in detail.text
    assert "Placed: " in detail.text and " UTC" in detail.text
    assert texts.BTN_REFILL not in detail.labels()
    back = await shop.tap(USER, texts.BTN_ORDERS, "My orders")
    assert texts.order_button(second) in back.labels()


async def test_list_pages(shop: Shop) -> None:
    placed = [
        await place_direct(shop, USER, link=f"https://instagram.com/p/{n}", quantity=50) for n in range(10)
    ]
    first_page = await shop.say(USER, "/orders", "My orders")
    assert "Page 1 of 2" in first_page.text
    assert f"#{placed[-1].id}" in first_page.text and f"#{placed[1].id}" not in first_page.text
    second_page = await shop.tap(USER, texts.BTN_NEXT, "Page 2 of 2")
    assert f"#{placed[0].id}" in second_page.text and f"#{placed[1].id}" in second_page.text
    await shop.tap(USER, texts.BTN_PREV, "Page 1 of 2")


async def test_detail_after_a_partial_delivery(shop: Shop) -> None:
    order = await place_direct(shop, USER, link="https://instagram.com/p/x#partial=250")
    order = await complete(shop, order)
    assert order.status == OrderStatus.PARTIAL
    await shop.say(USER, "/orders", "My orders")
    detail = await shop.tap(USER, texts.order_button(order), f"Order #{order.id}")
    assert "Delivered: 750" in detail.text and "Status: Partial" in detail.text
    assert f"Refunded: {format_money(order.refunded, 'USD')}" in detail.text
    assert f"Start count: {order.start_count:,}" in detail.text and "Finished: " in detail.text


async def test_another_users_order_is_never_shown_or_acted_on(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/private"))
    active = await place_direct(shop, USER, link="https://instagram.com/p/active")
    await shop.register(OTHER)
    await shop.say(OTHER, "/orders", "no orders yet")
    forged = [
        OrderViewCb(order_id=order.id).pack(),
        RefillCb(order_id=order.id).pack(),
        CancelOrderCb(order_id=active.id, sure=True).pack(),
        CancelOrderCb(order_id=active.id).pack(),
        OrderViewCb(order_id=999_999).pack(),
    ]
    for data in forged:
        callback = await shop.tg.press_data(OTHER, data)
        answer = await shop.tg.wait_for_answer(callback)
        assert answer.text == texts.ORDER_NOT_FOUND and answer.show_alert
    assert all("private" not in m.text and "active" not in m.text for m in shop.tg.messages(OTHER))
    assert shop.provider.calls("refill") == [] and shop.provider.calls("cancel") == []
    assert await RefillRepo(shop.db).for_order(order.id) == []


def last_labels(shop: Shop, user: int) -> list[str]:
    message = shop.tg.last_message(user)
    assert message is not None
    return message.labels()


async def _open_detail(shop: Shop, user: int, order_id: int) -> None:
    order = await shop.orders.get(order_id)
    assert order is not None
    await shop.say(user, "/orders", "My orders")
    await shop.tap(user, texts.order_button(order), f"Order #{order.id}")


async def test_refill_followed_to_completed(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    assert order.status == OrderStatus.COMPLETED
    await _open_detail(shop, USER, order.id)
    reply = await shop.tap(USER, texts.BTN_REFILL, "Refill requested")
    assert "Refill: in progress" in reply.text and texts.BTN_REFILL not in reply.labels()
    [call] = shop.provider.calls("refill")
    assert call["order"] == order.provider_order_id
    [refill] = await RefillRepo(shop.db).for_order(order.id)
    assert refill.status == RefillPhase.PENDING and refill.provider_refill_id in shop.provider.refills
    assert (await poll_refills_now(shop)).completed == 0  # still pending at the provider
    shop.provider.tick()
    assert (await poll_refills_now(shop)).completed == 1
    notice = await shop.tg.wait_for_message(USER, f"The refill of order #{order.id}")
    assert notice.text.endswith("(Instagram Followers) is done.")
    assert (await poll_refills_now(shop)).completed == 0  # told once
    assert sum("refill of order" in text for text in await outbox_texts(shop, USER)) == 1
    [refill] = await RefillRepo(shop.db).for_order(order.id)
    assert refill.status == RefillPhase.COMPLETED and refill.provider_status == "Completed"
    assert await shop.users.balance(USER) == 0  # a refill never moves money
    await _open_detail(shop, USER, order.id)
    assert texts.BTN_REFILL in last_labels(shop, USER)  # may ask again


async def test_refill_rejected_by_the_provider_later(shop: Shop) -> None:
    order = await complete(
        shop, await place_direct(shop, USER, link="https://instagram.com/p/r#refill_reject")
    )
    await _open_detail(shop, USER, order.id)
    await shop.tap(USER, texts.BTN_REFILL, "Refill requested")
    shop.provider.tick()
    assert (await poll_refills_now(shop)).rejected == 1
    await shop.tg.wait_for_message(USER, f"rejected the refill of order #{order.id}")
    [refill] = await RefillRepo(shop.db).for_order(order.id)
    assert refill.status == RefillPhase.REJECTED


async def test_refill_status_set_by_the_provider(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    await _open_detail(shop, USER, order.id)
    await shop.tap(USER, texts.BTN_REFILL, "Refill requested")
    [refill] = await RefillRepo(shop.db).for_order(order.id)
    shop.provider.set_refill_status(refill.provider_refill_id, "In progress")
    await poll_refills_now(shop)
    [refill] = await RefillRepo(shop.db).for_order(order.id)
    assert (refill.status, refill.provider_status) == (RefillPhase.PENDING, "In progress")
    shop.provider.set_refill_status(refill.provider_refill_id, "Rejected")
    await poll_refills_now(shop)
    await shop.tg.wait_for_message(USER, "rejected the refill")


async def test_refill_not_eligible_at_the_provider_stores_nothing(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    assert order.provider_order_id is not None
    shop.provider.set_status(order.provider_order_id, "In progress")  # the panel disagrees
    await _open_detail(shop, USER, order.id)
    reply = await shop.tap(USER, texts.BTN_REFILL, "cannot be refilled")
    assert texts.BTN_REFILL in reply.labels()
    assert await RefillRepo(shop.db).for_order(order.id) == []


async def test_refill_with_the_provider_down_says_try_later(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    await _open_detail(shop, USER, order.id)
    shop.provider.fail("refill", "http502_html")
    await shop.tap(USER, texts.BTN_REFILL, "try again in a few minutes")
    assert await RefillRepo(shop.db).for_order(order.id) == []


async def test_refill_of_an_order_in_progress_is_refused_before_the_provider(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    await _open_detail(shop, USER, order.id)
    assert texts.BTN_REFILL not in last_labels(shop, USER)
    callback = await shop.tg.press_data(USER, RefillCb(order_id=order.id).pack())
    await shop.tg.wait_for_answer(callback)
    await shop.tg.wait_for_message(USER, "cannot be refilled")
    assert shop.provider.calls("refill") == []


async def test_cancel_is_requested_then_refunded_exactly_once(shop: Shop) -> None:
    order = await place_direct(shop, USER, provider_service_id="2", quantity=1000)
    assert await shop.users.balance(USER) == 0
    await _open_detail(shop, USER, order.id)
    question = await shop.tap(
        USER, texts.BTN_CANCEL_ORDER, f"Cancel order #{order.id} (Instagram Likes, 1,000)?"
    )
    assert texts.BTN_CANCEL_ORDER_SURE in question.labels()
    assert shop.provider.calls("cancel") == []  # asking is not sending
    reply = await shop.tap(USER, texts.BTN_CANCEL_ORDER_SURE, "Cancellation requested")
    assert "Cancellation: requested" in reply.text and texts.BTN_CANCEL_ORDER not in reply.labels()
    [call] = shop.provider.calls("cancel")
    assert call["orders"] == order.provider_order_id
    assert await shop.users.balance(USER) == 0  # no money until the provider's status says so
    shop.provider.tick()
    await shop.poll()
    await shop.poll()
    assert await shop.users.balance(USER) == order.charge
    refunds = [e for e in await shop.ledger.entries_for_order(order.id) if e.kind.value == "refund"]
    assert [e.amount for e in refunds] == [order.charge]
    assert (await shop.only_order(USER)).status == OrderStatus.CANCELED
    await shop.tg.wait_for_message(USER, "Canceled")


async def test_second_cancel_is_not_sent_again(shop: Shop) -> None:
    order = await place_direct(shop, USER, provider_service_id="2")
    await _open_detail(shop, USER, order.id)
    await shop.tap(USER, texts.BTN_CANCEL_ORDER, "Whatever is not delivered")
    await shop.tap(USER, texts.BTN_CANCEL_ORDER_SURE, "Cancellation requested")
    callback = await shop.tg.press_data(USER, CancelOrderCb(order_id=order.id, sure=True).pack())
    await shop.tg.wait_for_answer(callback)
    await shop.tg.wait_for_message(USER, "already requested")
    assert len(shop.provider.calls("cancel")) == 1


async def test_cancel_refused_by_the_provider(shop: Shop) -> None:
    order = await place_direct(shop, USER, provider_service_id="2")
    shop.provider.services["2"]["cancel"] = False  # the panel changed its mind since the last sync
    await _open_detail(shop, USER, order.id)
    await shop.tap(USER, texts.BTN_CANCEL_ORDER, "Whatever is not delivered")
    reply = await shop.tap(USER, texts.BTN_CANCEL_ORDER_SURE, "did not accept the cancellation")
    assert texts.BTN_CANCEL_ORDER in reply.labels()  # nothing recorded: may try again
    assert (await shop.only_order(USER)).status == OrderStatus.PENDING


async def test_cancel_with_the_provider_down_says_try_later(shop: Shop) -> None:
    order = await place_direct(shop, USER, provider_service_id="2")
    await _open_detail(shop, USER, order.id)
    await shop.tap(USER, texts.BTN_CANCEL_ORDER, "Whatever is not delivered")
    shop.provider.fail("cancel", "http500")
    await shop.tap(USER, texts.BTN_CANCEL_ORDER_SURE, "try again in a few minutes")
    assert await shop.users.balance(USER) == 0


async def test_finished_order_offers_no_cancel_and_a_forged_one_changes_nothing(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER, provider_service_id="2"))
    await _open_detail(shop, USER, order.id)
    assert texts.BTN_CANCEL_ORDER not in last_labels(shop, USER)
    callback = await shop.tg.press_data(USER, CancelOrderCb(order_id=order.id, sure=True).pack())
    await shop.tg.wait_for_answer(callback)
    await shop.tg.wait_for_message(USER, "cannot be canceled any more")
    assert shop.provider.calls("cancel") == []


async def test_refill_the_provider_forgot_is_closed_after_three_cycles(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    async with shop.db.transaction() as tx:
        await insert_refill(tx, order.id, "777")  # an id the provider does not know
    for _ in range(2):
        assert (await poll_refills_now(shop)).rejected == 0
    [refill] = await RefillRepo(shop.db).for_order(order.id)
    assert (refill.status, refill.bad_polls) == (RefillPhase.PENDING, 2)
    assert (await poll_refills_now(shop)).rejected == 1
    await shop.tg.wait_for_message(USER, "rejected the refill")
    lost = await shop.tg.wait_for_message(ADMIN_ID, "Refill 777 of order")
    assert "can no longer be followed (the provider does not know it)" in lost.text
    assert (await poll_refills_now(shop)).checked == 0


async def test_a_refill_reply_with_an_unusable_id_is_not_stored(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    shop.provider.refill_reply_id = "7,8"
    await _open_detail(shop, USER, order.id)
    await shop.tap(USER, texts.BTN_REFILL, "could not reach the service provider")
    assert await RefillRepo(shop.db).for_order(order.id) == []
    # A later refill with a clean id is followed as usual.
    shop.provider.refill_reply_id = None
    await _open_detail(shop, USER, order.id)
    await shop.tap(USER, texts.BTN_REFILL, "Refill requested")
    [refill] = await RefillRepo(shop.db).for_order(order.id)
    assert refill.status == RefillPhase.PENDING


async def test_a_stored_refill_id_with_a_comma_does_not_stop_refill_polling(shop: Shop) -> None:
    broken = await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/r1"))
    healthy = await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/r2"))
    async with shop.db.transaction() as tx:
        await insert_refill(tx, broken.id, "12, 13")  # stored before ids were checked
    await _open_detail(shop, USER, healthy.id)
    await shop.tap(USER, texts.BTN_REFILL, "Refill requested")
    shop.provider.tick()
    report = await poll_refills_now(shop)
    assert report.completed == 1 and report.rejected == 1
    [good] = await RefillRepo(shop.db).for_order(healthy.id)
    [bad] = await RefillRepo(shop.db).for_order(broken.id)
    assert good.status == RefillPhase.COMPLETED and bad.status == RefillPhase.REJECTED
    alert = await shop.tg.wait_for_message(ADMIN_ID, f"of order #{broken.id} can no longer be followed")
    assert "its id is not usable" in alert.text
    asked = [call.get("refills") or call.get("refill", "") for call in shop.provider.calls("refill_status")]
    assert asked and not any("12" in ids and "13" in ids for ids in asked)


async def test_refill_poll_survives_the_provider_being_down(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    await _open_detail(shop, USER, order.id)
    await shop.tap(USER, texts.BTN_REFILL, "Refill requested")
    shop.provider.tick()
    shop.provider.fail("refill_status", "http500")
    assert (await poll_refills_now(shop)).failed_requests == 1
    [refill] = await RefillRepo(shop.db).for_order(order.id)
    assert refill.status == RefillPhase.PENDING
    assert (await poll_refills_now(shop)).completed == 1
