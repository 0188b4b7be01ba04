"""/settle end to end: a flagged or stuck order is settled by an admin exactly once, as the poller would."""

from __future__ import annotations

import pytest

from bot import texts
from bot.orders.settlement import settle
from providers.base import RemoteState, StatusReport
from storage.ledger import EntryKind, LedgerEntry
from storage.orders import Order, OrderStatus
from tests.handlers.orders_support import complete, outbox_texts, place_direct
from tests.handlers.test_admin_orders import park
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, Shop

USER = 4801


async def refunds_of(shop: Shop, order_id: int) -> list[LedgerEntry]:
    return [e for e in await shop.ledger.entries_for_order(order_id) if e.kind == EntryKind.REFUND]


async def current(shop: Shop, order_id: int) -> Order:
    order = await shop.orders.get(order_id)
    assert order is not None
    return order


async def flag_with_fail(shop: Shop, order: Order) -> Order:
    """The provider says Fail for three cycles: the order is flagged and stays active."""
    shop.provider.set_status(order.provider_order_id or "", "Fail")
    for _ in range(3):
        await shop.poll()
    flagged = await current(shop, order.id)
    assert flagged.status == OrderStatus.PENDING and flagged.attention is not None
    return flagged


async def flag_alerts(shop: Shop, order_id: int) -> int:
    """How many "needs attention" alerts were queued for the first admin about this order."""
    return sum(f"Order #{order_id} needs attention" in text for text in await outbox_texts(shop, ADMIN_ID))


async def redeliver_last(shop: Shop, user_id: int) -> None:
    """Queue the user's last message again, as Telegram does when it thinks an update was lost."""
    chat = shop.tg._chat_of(user_id)
    last = max((m for m in chat.messages.values() if not m.from_bot), key=lambda m: m.message_id)
    shop.tg.enqueue_update({"message": shop.tg.message_object(chat, last)})


# -- settling ------------------------------------------------------------------------------------------


async def test_a_failing_order_settled_as_canceled_is_refunded_once(shop: Shop) -> None:
    order = await flag_with_fail(shop, await place_direct(shop, USER))
    await shop.tg.wait_for_message(ADMIN_ID, "reports “Fail”")

    reply = await shop.say(ADMIN_ID, f"/settle {order.id} canceled", "settled as Canceled")
    assert "0 of 1,000 delivered; 1.17 USD refunded" in reply.text and "customer was told" in reply.text
    notice = await shop.tg.wait_for_message(USER, f"Order #{order.id} is Canceled")
    assert "1.17 USD returned to your balance (now 1.17 USD)" in notice.text
    [refund] = await refunds_of(shop, order.id)
    assert (refund.ref, refund.amount, refund.admin_id) == (f"refund:order:{order.id}", 117, ADMIN_ID)
    settled = await current(shop, order.id)
    assert settled.status == OrderStatus.CANCELED and settled.refunded == 117 and settled.attention is None
    assert settled.provider_status == "Fail"  # the provider's last word stays on the card

    # The same command again, and the same update delivered twice: nothing more moves.
    again = await shop.say(OTHER_ADMIN_ID, f"/settle {order.id} canceled", "already Canceled")
    assert "Nothing changed" in again.text
    mark = shop.tg.mark()
    await redeliver_last(shop, ADMIN_ID)
    await shop.tg.wait_for_message(ADMIN_ID, "already Canceled", since=mark)

    # The provider finally says Canceled too: the order is final, so no money moves again.
    shop.provider.set_status(order.provider_order_id or "", "Canceled", remains=1000)
    await shop.poll()
    assert [e.amount for e in await refunds_of(shop, order.id)] == [117]
    assert await shop.users.balance(USER) == 117
    assert sum(f"Order #{order.id} is Canceled" in t for t in await outbox_texts(shop, USER)) == 1


async def test_an_order_the_provider_does_not_know_settled_as_completed(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    del shop.provider.orders[order.provider_order_id or ""]
    for _ in range(3):
        await shop.poll()
    await shop.tg.wait_for_message(ADMIN_ID, "does not know this order id")

    reply = await shop.say(ADMIN_ID, f"/settle {order.id} completed", "settled as Completed")
    assert "1,000 of 1,000 delivered; nothing refunded" in reply.text
    notice = await shop.tg.wait_for_message(USER, f"Order #{order.id} is Completed")
    assert "1,000 of 1,000 delivered" in notice.text and "returned" not in notice.text
    settled = await current(shop, order.id)
    assert settled.status == OrderStatus.COMPLETED and settled.attention is None
    polled_before = len(shop.provider.calls("status"))
    await shop.poll()
    assert len(shop.provider.calls("status")) == polled_before  # a final order is not asked about
    assert await refunds_of(shop, order.id) == [] and await shop.users.balance(USER) == 0


async def test_partial_without_remains_settled_by_hand_with_remains(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    shop.provider.set_status(order.provider_order_id or "", "Partial", remains="")
    await shop.poll()
    await shop.tg.wait_for_message(ADMIN_ID, "without a remains figure")

    reply = await shop.say(ADMIN_ID, f"/settle {order.id} partial 300", "settled as Partial")
    assert "700 of 1,000 delivered; 0.35 USD refunded" in reply.text  # 1.17 x 30 % = 0.351, rounded down
    notice = await shop.tg.wait_for_message(USER, f"Order #{order.id} is Partial")
    assert "700 of 1,000 delivered" in notice.text and "0.35 USD returned" in notice.text
    [refund] = await refunds_of(shop, order.id)
    assert (refund.ref, refund.amount) == (f"refund:order:{order.id}", 35)
    settled = await current(shop, order.id)
    assert (settled.status, settled.remains, settled.refunded) == (OrderStatus.PARTIAL, 300, 35)
    assert settled.attention is None
    assert await shop.users.balance(USER) == 35


async def test_a_stuck_order_that_was_never_flagged_can_be_settled(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    shop.provider.tick(1)
    await shop.poll()
    assert (await current(shop, order.id)).status == OrderStatus.IN_PROGRESS
    await shop.say(ADMIN_ID, f"/settle {order.id} partial 999", "1 of 1,000 delivered; 1.16 USD refunded")
    assert [e.amount for e in await refunds_of(shop, order.id)] == [116]


async def test_a_report_read_before_the_settlement_moves_no_money(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    stale = await place_direct(shop, USER)
    await shop.say(ADMIN_ID, f"/settle {stale.id} canceled", "settled as Canceled")
    # A poll cycle that read the order before /settle now applies the provider's Canceled.
    said = StatusReport(stale.provider_order_id or "", RemoteState.CANCELED, "Canceled", None, None, 0, None)
    report = await settle(shop.db, shop.settings, [(stale, said)])
    assert (report.changed, report.refunded, report.skipped) == (0, 0, 1)
    assert [e.amount for e in await refunds_of(shop, stale.id)] == [117]
    assert f"Order {stale.id} is canceled already" in caplog.text


# -- refusals ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        "",
        "{order}",
        "x canceled",
        "0 canceled",
        "{order} done",
        "{order} canceled now",
        "{order} completed 5",
        "{order} partial",
        "{order} partial -1",
        "{order} partial 1.5",
        "{order} partial 3 4",
        "{order} partial 0",
        "{order} partial 1000",
        "{order} partial 1001",
    ],
)
async def test_malformed_settle_changes_nothing(shop: Shop, args: str) -> None:
    order = await place_direct(shop, USER)
    reply = await shop.say(ADMIN_ID, f"/settle {args.format(order=order.id)}".strip(), "Usage")
    assert "/settle" in reply.text
    after = await current(shop, order.id)
    assert after.status == OrderStatus.PENDING and after.updated_at == order.updated_at
    assert await refunds_of(shop, order.id) == [] and await shop.users.balance(USER) == 0


async def test_remains_of_none_or_all_point_to_completed_or_canceled(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    reply = await shop.say(ADMIN_ID, f"/settle {order.id} partial 0", "Usage")
    assert "from 1 to 999" in reply.text and "“completed”" in reply.text and "“canceled”" in reply.text


async def test_settle_is_not_available_to_customers(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    await shop.say(USER, f"/settle {order.id} canceled", texts.NOT_AVAILABLE)
    assert (await current(shop, order.id)).status == OrderStatus.PENDING
    assert await refunds_of(shop, order.id) == [] and await shop.users.balance(USER) == 0


async def test_settle_refuses_orders_that_are_not_active(shop: Shop) -> None:
    parked = await park(shop)
    reply = await shop.say(ADMIN_ID, f"/settle {parked.id} canceled", "settle it with /resolve")
    assert "Nothing changed" in reply.text
    assert (await current(shop, parked.id)).status == OrderStatus.UNKNOWN

    done = await complete(shop, await place_direct(shop, USER + 1))
    await shop.say(ADMIN_ID, f"/settle {done.id} canceled", f"Order #{done.id} is already Completed")
    assert await refunds_of(shop, done.id) == [] and await refunds_of(shop, parked.id) == []
    await shop.say(ADMIN_ID, "/settle 4242 canceled", "no order #4242")


# -- the attention flag's life cycle -------------------------------------------------------------------


async def test_attention_is_cleared_when_the_order_finishes(shop: Shop) -> None:
    order = await flag_with_fail(shop, await place_direct(shop, USER))
    shop.provider.set_status(order.provider_order_id or "", "Completed", remains=0)
    await shop.poll()
    finished = await current(shop, order.id)
    assert finished.status == OrderStatus.COMPLETED and finished.attention is None
    await shop.say(ADMIN_ID, "/attention", texts.ATTENTION_NONE)


async def test_a_problem_that_comes_back_after_clearing_alerts_again(shop: Shop) -> None:
    order = await flag_with_fail(shop, await place_direct(shop, USER))
    await shop.tg.wait_for_message(ADMIN_ID, f"Order #{order.id} needs attention")
    shop.provider.set_status(order.provider_order_id or "", "In progress")
    await shop.poll()
    recovered = await current(shop, order.id)
    assert recovered.status == OrderStatus.IN_PROGRESS
    assert recovered.attention is None and recovered.bad_polls == 0
    assert await flag_alerts(shop, order.id) == 1

    shop.provider.set_status(order.provider_order_id or "", "Error")
    for _ in range(4):
        await shop.poll()
    assert (await current(shop, order.id)).attention is not None
    await shop.tg.wait_for_message(ADMIN_ID, "reports “Error”")
    assert await flag_alerts(shop, order.id) == 2  # one more for the new problem, however long it lasts
    assert await refunds_of(shop, order.id) == []


async def test_attention_lists_parked_first_then_newest_in_pages_with_the_count(shop: Shop) -> None:
    parked = await park(shop)  # the oldest order, but its money is held: always on top
    flagged = [await place_direct(shop, USER + 1, link=f"https://instagram.com/p/{i}") for i in range(11)]
    for order in flagged:
        shop.provider.set_status(order.provider_order_id or "", "Partial", remains="")
    await shop.poll()

    first = await shop.say(ADMIN_ID, "/attention", "needing attention")
    assert "Orders needing attention: 12 (page 1 of 2)" in first.text
    expected = [parked.id, *(o.id for o in reversed(flagged))]
    shown = [int(line.split(" ")[0][1:]) for line in first.text.splitlines() if line.startswith("#")]
    assert shown == expected[:10]
    assert first.text.index(f"#{parked.id} · Being checked") < first.text.index(f"#{flagged[-1].id} ·")

    second = await shop.tap(ADMIN_ID, texts.BTN_NEXT, "page 2 of 2")
    shown = [int(line.split(" ")[0][1:]) for line in second.text.splitlines() if line.startswith("#")]
    assert shown == expected[10:]
    back = await shop.tap(ADMIN_ID, texts.BTN_PREV, "page 1 of 2")
    assert f"#{parked.id} · Being checked" in back.text
    typed = await shop.say(ADMIN_ID, "/attention 2", "page 2 of 2")
    assert f"#{flagged[0].id} ·" in typed.text and f"#{parked.id} ·" not in typed.text
    await shop.say(ADMIN_ID, "/attention two", "Usage")

    await shop.say(ADMIN_ID, f"/settle {flagged[0].id} partial 10", "settled as Partial")
    after = await shop.say(ADMIN_ID, "/attention 2", "needing attention")
    assert "Orders needing attention: 11 (page 2 of 2)" in after.text
