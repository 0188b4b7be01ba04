"""Status polling and settlement end to end: refunds exactly once, notices always delivered."""

from __future__ import annotations

import asyncio

from storage.orders import OrderStatus
from tests.harness import ADMIN_ID, Shop, place

USER = 4001


async def refund_rows(shop: Shop, order_id: int) -> list[int]:
    rows = await shop.db.fetchall(
        "SELECT amount FROM ledger WHERE order_id = ? AND kind = 'refund' ORDER BY id", (order_id,)
    )
    return [row[0] for row in rows]


async def test_partial_refunds_the_undelivered_share_and_tells_the_user(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    order = await place(shop, USER, link="https://instagram.com/p/x#partial=300")
    shop.provider.tick(2)  # Pending -> In progress -> Partial
    report = await shop.poll()
    assert report.settled.partial == 1
    expected = order.charge * 300 // 1000  # 117 x 30 % = 35.1 -> 35 cents, rounded down
    assert await refund_rows(shop, order.id) == [expected]
    balance = 1000 - order.charge + expected
    assert await shop.users.balance(USER) == balance
    notice = await shop.tg.wait_for_message(USER, f"Order #{order.id} is Partial")
    assert "700 of 1,000 delivered" in notice.text
    assert f"0.35 USD returned to your balance (now {balance // 100}.{balance % 100:02d} USD)" in notice.text
    assert "Instagram Followers" in notice.text and "https://instagram.com/p/x#partial=300" in notice.text
    assert "new orders" in notice.text
    settled = await shop.orders.get(order.id)
    assert settled is not None and settled.status == OrderStatus.PARTIAL and settled.refunded == expected
    assert settled.remains == 300 and settled.provider_charge is not None


async def test_canceled_refunds_everything_whatever_remains_says(shop: Shop) -> None:
    order = await place(shop, USER)
    shop.provider.set_status(order.provider_order_id or "", "Canceled", remains=5)
    await shop.poll()
    assert await refund_rows(shop, order.id) == [order.charge]
    assert await shop.users.balance(USER) == order.charge  # funded with exactly the charge
    notice = await shop.tg.wait_for_message(USER, "is Canceled")
    assert f"{order.charge / 100:.2f} USD returned" in notice.text


async def test_other_spellings_of_canceled_refund_in_full(shop: Shop) -> None:
    orders = [await place(shop, USER, link=f"https://instagram.com/p/{i}") for i in range(3)]
    for order, word in zip(orders, ["Cancelled", "Refunded", "canceled"], strict=True):
        shop.provider.set_status(order.provider_order_id or "", word, remains=0)
    await shop.poll()
    for order in orders:
        assert await refund_rows(shop, order.id) == [order.charge]


async def test_completed_refunds_nothing(shop: Shop) -> None:
    order = await place(shop, USER)
    shop.provider.tick(2)
    await shop.poll()
    assert await refund_rows(shop, order.id) == []
    notice = await shop.tg.wait_for_message(USER, "is Completed")
    assert "1,000 of 1,000 delivered" in notice.text and "returned" not in notice.text
    assert await shop.users.balance(USER) == 0


async def test_over_delivery_refunds_nothing(shop: Shop) -> None:
    order = await place(shop, USER)
    shop.provider.set_status(order.provider_order_id or "", "Partial", remains=-20)
    await shop.poll()
    assert await refund_rows(shop, order.id) == []
    assert (await shop.orders.get(order.id)).status == OrderStatus.PARTIAL  # type: ignore[union-attr]


async def test_refund_is_written_once_whatever_the_provider_repeats(shop: Shop) -> None:
    order = await place(shop, USER, link="https://instagram.com/p/x#partial=500")
    shop.provider.tick(2)
    await asyncio.gather(shop.poll(), shop.poll(), shop.poll())
    await shop.poll()
    await shop.restart()
    await shop.poll()
    assert await refund_rows(shop, order.id) == [order.charge * 500 // 1000]
    await shop.tg.wait_for_message(USER, "is Partial")
    notices = [m for m in shop.tg.messages(USER) if "is Partial" in m.text]
    assert len(notices) == 1


async def test_in_progress_is_recorded_without_money(shop: Shop) -> None:
    order = await place(shop, USER)
    shop.provider.tick(1)
    await shop.poll()
    current = await shop.orders.get(order.id)
    assert (
        current is not None and current.status == OrderStatus.IN_PROGRESS and current.start_count is not None
    )
    assert await shop.ledger.count(USER) == 2  # the funding and the charge only


async def test_a_thousand_active_orders_take_ten_status_requests(shop: Shop) -> None:
    orders = [
        await place(shop, 5000 + i % 40, link=f"https://instagram.com/p/{i}", quantity=50)
        for i in range(1000)
    ]
    assert len({o.provider_order_id for o in orders}) == 1000
    before = len(shop.provider.calls("status"))
    report = await shop.poll()
    assert len(shop.provider.calls("status")) - before == 10
    assert report.requests == 10 and report.orders == 1000


async def test_garbage_for_a_whole_cycle_changes_no_order(shop: Shop) -> None:
    orders = [await place(shop, USER, link=f"https://instagram.com/p/{i}") for i in range(5)]
    shop.provider.tick(2)
    for mode in ("invalid_json", "http502_html", "html200", "empty", "truncated_json"):
        shop.provider.fail("status", mode, count=None)
        report = await shop.poll()
        shop.provider.clear_faults()
        assert report.failed_requests == report.requests == 1
        for order in orders:
            current = await shop.orders.get(order.id)
            assert current is not None and current.status == OrderStatus.PENDING and current.bad_polls == 0
    await shop.poll()
    statuses = [(await shop.orders.get(o.id)).status for o in orders]  # type: ignore[union-attr]
    assert statuses == [OrderStatus.COMPLETED] * len(orders)


async def test_unknown_order_id_is_flagged_after_several_cycles_never_settled(shop: Shop) -> None:
    order = await place(shop, USER)
    del shop.provider.orders[order.provider_order_id or ""]
    for _ in range(2):
        await shop.poll()
    current = await shop.orders.get(order.id)
    assert current is not None and current.attention is None and current.bad_polls == 2
    await shop.poll()
    current = await shop.orders.get(order.id)
    assert current is not None and current.attention is not None and current.status == OrderStatus.PENDING
    alert = await shop.tg.wait_for_message(ADMIN_ID, f"Order #{order.id} needs attention")
    assert "does not know" in alert.text
    await shop.poll()
    alerts = [m for m in shop.tg.messages(ADMIN_ID) if f"Order #{order.id} needs attention" in m.text]
    assert len(alerts) == 1
    assert await refund_rows(shop, order.id) == []


async def test_fail_status_is_flagged_not_settled(shop: Shop) -> None:
    order = await place(shop, USER)
    shop.provider.set_status(order.provider_order_id or "", "Fail")
    for _ in range(3):
        await shop.poll()
    current = await shop.orders.get(order.id)
    assert current is not None and current.status == OrderStatus.PENDING and current.attention is not None
    await shop.tg.wait_for_message(ADMIN_ID, "reports “Fail”")
    assert await refund_rows(shop, order.id) == []


async def test_partial_without_remains_is_flagged_not_guessed(shop: Shop) -> None:
    order = await place(shop, USER)
    shop.provider.set_status(order.provider_order_id or "", "Partial", remains="")
    await shop.poll()
    current = await shop.orders.get(order.id)
    assert current is not None and current.status == OrderStatus.PENDING and current.attention is not None
    assert await refund_rows(shop, order.id) == []
    await shop.tg.wait_for_message(ADMIN_ID, "without a remains figure")


async def test_the_scheduler_polls_on_its_own(shop: Shop) -> None:
    await shop.restart(poll_interval_seconds=0.2)
    order = await place(shop, USER, link="https://instagram.com/p/x#partial=300")
    shop.provider.tick(2)
    notice = await shop.tg.wait_for_message(USER, f"Order #{order.id} is Partial", timeout=5)
    assert "700 of 1,000 delivered" in notice.text


async def test_admins_hear_once_of_a_provider_that_stays_down(shop: Shop) -> None:
    from bot.orders.poller import FailureStreak, poll_job

    await place(shop, USER)
    shop.provider.fail("status", "http502_html", count=None)
    streak = FailureStreak(threshold=3)
    providers = {"main": shop.dep("provider")}
    for _ in range(2):
        await poll_job(shop.db, shop.orders, providers, shop.settings, streak)
    assert not [m for m in shop.tg.messages(ADMIN_ID) if "failed" in m.text and "in a row" in m.text]
    for _ in range(3):
        await poll_job(shop.db, shop.orders, providers, shop.settings, streak)
    alert = await shop.tg.wait_for_message(ADMIN_ID, "in a row")
    assert "3 time(s)" in alert.text and "502" in alert.text
    await asyncio.sleep(0.3)
    assert len([m for m in shop.tg.messages(ADMIN_ID) if "in a row" in m.text]) == 1
    shop.provider.clear_faults()
    await poll_job(shop.db, shop.orders, providers, shop.settings, streak)
    assert streak.cycles == 0
