"""Admin order commands end to end: /order <id>, /refund, /resolve, /attention."""

from __future__ import annotations

import pytest

from bot import texts
from storage.ledger import EntryKind
from storage.orders import Order, OrderStatus
from tests.handlers.orders_support import complete, outbox_texts, place_direct
from tests.handlers.test_ordering import confirm, to_summary
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, Shop

USER = 4301


async def park(shop: Shop, fault: str = "http502_html") -> Order:
    """An order whose placement outcome is unknown (charged, not refunded, flagged)."""
    await shop.fund(USER, 1000)
    await to_summary(shop, USER)
    shop.provider.fail("add", fault)
    await confirm(shop, USER, "checking it", timeout=10)
    order = await shop.only_order(USER)
    assert order.status == OrderStatus.UNKNOWN and order.attention is not None
    return order


async def refunds_of(shop: Shop, order_id: int) -> list[int]:
    return [e.amount for e in await shop.ledger.entries_for_order(order_id) if e.kind == EntryKind.REFUND]


# -- /order --------------------------------------------------------------------------------------------


async def test_order_card_shows_provider_side_and_margin(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/<x>"))
    card = await shop.say(ADMIN_ID, f"/order {order.id}", f"Order #{order.id}")
    assert f"Provider: main · order {order.provider_order_id} · status Completed" in card.text
    assert "Charged: 1.17 USD · refunded 0.00 USD" in card.text
    assert "Provider charge: 0.90000 USD" in card.text and "Margin: 0.27 USD" in card.text
    assert "Link: https://instagram.com/p/<x>" in card.text  # escaped, shown literally
    assert "Ledger: charge −1.17 USD" in card.text


async def test_order_card_before_the_provider_charge_is_known(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    card = await shop.say(ADMIN_ID, f"/order {order.id}", f"Order #{order.id}")
    assert "Provider charge: -" in card.text and "Margin: -" in card.text


async def test_order_card_of_a_missing_order(shop: Shop) -> None:
    reply = await shop.say(ADMIN_ID, "/order 4242", "no order #4242")
    assert "Usage" not in reply.text


async def test_bare_order_still_starts_the_conversation_for_admins(shop: Shop) -> None:
    await shop.say(ADMIN_ID, "/order", "Choose a platform")
    await shop.say(ADMIN_ID, "/order abc", "Choose a platform")


# -- /refund -------------------------------------------------------------------------------------------


async def test_full_manual_refund_of_a_completed_order(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    reply = await shop.say(ADMIN_ID, f"/refund {order.id} all slow delivery", "Refunded")
    assert "Refunded 1.17 USD" in reply.text and "1.17 USD of 1.17 USD" in reply.text
    assert await shop.users.balance(USER) == 117
    [entry] = [e for e in await shop.ledger.entries_for_order(order.id) if e.kind == EntryKind.REFUND]
    assert (entry.amount, entry.admin_id, entry.note) == (117, ADMIN_ID, "slow delivery")
    assert entry.ref.startswith("refund:manual:")
    assert (await shop.only_order(USER)).refunded == 117
    notice = await shop.tg.wait_for_message(USER, f"for order #{order.id} was returned")
    assert "slow delivery" in notice.text
    again = await shop.say(ADMIN_ID, f"/refund {order.id}", "already refunded in full")
    assert "Nothing changed" in again.text
    assert await shop.users.balance(USER) == 117


async def test_partial_manual_refunds_are_capped_at_the_charge(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    await shop.say(ADMIN_ID, f"/refund {order.id} 0.50", "Refunded 0.50 USD")
    reply = await shop.say(ADMIN_ID, f"/refund {order.id} 0.70", "At most 0.67 USD")
    assert "At most" in reply.text
    await shop.say(ADMIN_ID, f"/refund {order.id} 0.67", "1.17 USD of 1.17 USD")
    assert await refunds_of(shop, order.id) == [50, 67]
    assert await shop.users.balance(USER) == 117


async def test_refund_of_a_partial_order_tops_up_the_automatic_refund(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/p#partial=500"))
    assert order.status == OrderStatus.PARTIAL and order.refunded == 58
    await shop.say(ADMIN_ID, f"/refund {order.id}", "Refunded 0.59 USD")
    assert await refunds_of(shop, order.id) == [58, 59]


async def test_refund_of_an_active_order_is_refused(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    reply = await shop.say(ADMIN_ID, f"/refund {order.id}", "Nothing changed")
    assert "Pending" in reply.text
    assert await shop.users.balance(USER) == 0 and await refunds_of(shop, order.id) == []


@pytest.mark.parametrize("args", ["", "x", "{order} abc", "{order} -1", "{order} 0", "{order} 1.005", "0"])
async def test_malformed_refund_changes_nothing(shop: Shop, args: str) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    reply = await shop.say(ADMIN_ID, f"/refund {args.format(order=order.id)}".strip(), "Usage")
    assert "/refund" in reply.text
    assert await shop.users.balance(USER) == 0 and await refunds_of(shop, order.id) == []


async def test_refund_of_a_missing_order(shop: Shop) -> None:
    await shop.say(ADMIN_ID, "/refund 4242", "no order #4242")


# -- /resolve ------------------------------------------------------------------------------------------


async def test_resolve_placed_hands_the_order_to_the_poller(shop: Shop) -> None:
    order = await park(shop, "lost_ack")  # the provider created it but the answer was lost
    [provider_order_id] = list(shop.provider.orders)
    reply = await shop.say(ADMIN_ID, f"/resolve {order.id} placed {provider_order_id}", "is now pending")
    assert provider_order_id in reply.text
    resolved = await shop.only_order(USER)
    assert resolved.status == OrderStatus.PENDING and resolved.attention is None
    assert resolved.provider_order_id == provider_order_id
    await shop.tg.wait_for_message(USER, f"Order #{order.id} was confirmed")
    again = await shop.say(ADMIN_ID, f"/resolve {order.id} refund", "no longer being checked")
    assert "Nothing changed" in again.text
    done = await complete(shop, resolved)
    assert done.status == OrderStatus.COMPLETED
    assert await shop.users.balance(USER) == 1000 - 117 and await refunds_of(shop, order.id) == []


async def test_resolve_refund_refunds_once_with_the_settlement_reference(shop: Shop) -> None:
    order = await park(shop)
    reply = await shop.say(ADMIN_ID, f"/resolve {order.id} refund not on the panel", "marked not placed")
    assert "1.17 USD refunded" in reply.text
    resolved = await shop.only_order(USER)
    assert resolved.status == OrderStatus.FAILED and resolved.attention is None and resolved.refunded == 117
    [entry] = [e for e in await shop.ledger.entries_for_order(order.id) if e.kind == EntryKind.REFUND]
    assert (entry.ref, entry.amount, entry.admin_id, entry.note) == (
        f"refund:order:{order.id}",
        117,
        ADMIN_ID,
        "not on the panel",
    )
    await shop.tg.wait_for_message(USER, "could not be placed after all")
    for second in (f"/resolve {order.id} refund", f"/resolve {order.id} placed 123"):
        again = await shop.say(OTHER_ADMIN_ID, second, "no longer being checked")
        assert "Not placed" in again.text
    await shop.poll()
    assert await shop.users.balance(USER) == 1000 and await refunds_of(shop, order.id) == [117]
    assert sum("after all" in text for text in await outbox_texts(shop, USER)) == 1


async def test_resolve_placed_refuses_another_orders_provider_id(shop: Shop) -> None:
    other = await place_direct(shop, USER + 1)
    order = await park(shop)
    reply = await shop.say(
        ADMIN_ID, f"/resolve {order.id} placed {other.provider_order_id}", "already belongs"
    )
    assert f"order #{other.id}" in reply.text
    assert (await shop.orders.get(order.id)).status == OrderStatus.UNKNOWN  # type: ignore[union-attr]


async def test_resolve_of_an_order_that_was_never_unknown(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    await shop.say(ADMIN_ID, f"/resolve {order.id} refund", "no longer being checked")
    assert await shop.users.balance(USER) == 0


@pytest.mark.parametrize(
    "args",
    [
        "",
        "{order}",
        "x refund",
        "{order} maybe",
        "{order} placed",
        "{order} placed a b",
        "{order} placed <b>",
    ],
)
async def test_malformed_resolve_changes_nothing(shop: Shop, args: str) -> None:
    order = await park(shop)
    reply = await shop.say(ADMIN_ID, f"/resolve {args.format(order=order.id)}".strip(), "Usage")
    assert "/resolve" in reply.text
    assert (await shop.only_order(USER)).status == OrderStatus.UNKNOWN
    assert await shop.users.balance(USER) == 1000 - 117


# -- /attention ----------------------------------------------------------------------------------------


async def test_attention_lists_parked_orders(shop: Shop) -> None:
    await shop.say(ADMIN_ID, "/attention", texts.ATTENTION_NONE)
    order = await park(shop)
    reply = await shop.say(ADMIN_ID, "/attention", "needing attention")
    assert f"#{order.id} · Being checked · user {USER}" in reply.text
    await shop.say(ADMIN_ID, f"/resolve {order.id} refund", "marked not placed")
    await shop.say(ADMIN_ID, "/attention", texts.ATTENTION_NONE)
