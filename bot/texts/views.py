"""The customer's order views, refills, cancellation and wallet history.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.texts.catalog import page_suffix
from bot.texts.common import q
from bot.texts.ordering import status_word
from bot.wallet.money import format_money
from storage.orders import Order

if TYPE_CHECKING:
    pass


# --- Order views, refills, cancellation, wallet history ---------------------------------------------

BTN_REFILL = "🔄 Refill"
BTN_CANCEL_ORDER = "✖ Cancel order"
BTN_CANCEL_ORDER_SURE = "Yes, cancel it"
BTN_KEEP_ORDER = "« Keep it"
BTN_ORDERS = "« My orders"

ORDERS_EMPTY = "📦 You have no orders yet. Tap <b>New order</b> to place one."
HISTORY_EMPTY = "🧾 Your wallet has no movements yet."
ORDER_NOT_FOUND = "Order not found."

REFILL_REQUESTED = "🔄 Refill requested. You will get a message when the provider finishes it."
REFILL_ALREADY = "A refill of this order is already under way. You will get a message when it is done."
REFILL_NOT_ELIGIBLE = "This order cannot be refilled right now."
REFILL_REFUSED = "The provider did not accept a refill for this order. Please try again later."
PROVIDER_TRY_LATER = "We could not reach the service provider. Please try again in a few minutes."
CANCEL_REQUESTED = (
    "✖ Cancellation requested. The provider confirms it within a while: whatever is not delivered "
    "comes back to your balance, and you will get a message."
)
CANCEL_ALREADY = "Cancellation of this order was already requested. You will get a message when it is done."
CANCEL_NOT_ALLOWED = "This order cannot be canceled any more."
CANCEL_REFUSED = "The provider did not accept the cancellation: the order may be almost done."

_REFILL_OUTCOMES = {
    "requested": REFILL_REQUESTED,
    "already_pending": REFILL_ALREADY,
    "not_eligible": REFILL_NOT_ELIGIBLE,
    "refused": REFILL_REFUSED,
    "unavailable": PROVIDER_TRY_LATER,
}
_CANCEL_OUTCOMES = {
    "requested": CANCEL_REQUESTED,
    "already_requested": CANCEL_ALREADY,
    "not_allowed": CANCEL_NOT_ALLOWED,
    "refused": CANCEL_REFUSED,
    "unavailable": PROVIDER_TRY_LATER,
}


def refill_outcome(outcome: str) -> str:
    return _REFILL_OUTCOMES.get(outcome, REFILL_REFUSED)


def cancel_outcome(outcome: str) -> str:
    return _CANCEL_OUTCOMES.get(outcome, CANCEL_REFUSED)


_ENTRY_WORDS = {
    "topup": "Top-up",
    "charge": "Order",
    "refund": "Refund",
    "adjustment": "Adjustment",
}


def when(iso: str | None) -> str:
    """Show a stored UTC timestamp as "2024-05-01 12:30 UTC"."""
    if not iso:
        return "-"
    return f"{iso[:10]} {iso[11:16]} UTC"


def order_line(order: Order) -> str:
    return f"<b>#{order.id}</b> · {q(order.service_name)} · {order.quantity:,} · {status_word(order.status)}"


def order_button(order: Order) -> str:
    name = order.service_name if len(order.service_name) <= 28 else order.service_name[:27] + "…"
    return f"#{order.id} · {status_word(order.status)} · {name}"


def orders_page(orders: list[Order], page: int, pages: int) -> str:
    lines = "\n".join(order_line(order) for order in orders)
    return f"📦 <b>My orders</b>\n\n{lines}{page_suffix(page, pages)}\n\nTap an order for details."


def order_detail(
    order: Order,
    currency: str,
    *,
    refill_status: str | None = None,
    refill_at: str | None = None,
    cancel_requested: bool = False,
) -> str:
    """A customer's view of one order."""
    delivered = order.delivered
    lines = [
        f"📦 <b>Order #{order.id}</b>",
        "",
        f"Service: {q(order.service_name)}",
        f"Link: {q(order.link)}",
        f"Quantity: {order.quantity:,}",
        f"Delivered: {'-' if delivered is None else f'{delivered:,}'}",
        f"Start count: {'-' if order.start_count is None else f'{order.start_count:,}'}",
        f"Charged: {format_money(order.charge, currency)}",
    ]
    if order.refunded:
        lines.append(f"Refunded: {format_money(order.refunded, currency)}")
    lines.append(f"Status: <b>{status_word(order.status)}</b>")
    if cancel_requested and order.status in ("pending", "in_progress"):
        lines.append("Cancellation: requested")
    if refill_status is not None:
        lines.append(f"Refill: {_REFILL_WORDS.get(refill_status, refill_status)} ({when(refill_at)})")
    lines.append(f"Placed: {when(order.created_at)}")
    if order.finished_at:
        lines.append(f"Finished: {when(order.finished_at)}")
    return "\n".join(lines)


_REFILL_WORDS = {"pending": "in progress", "completed": "done", "rejected": "rejected"}


def cancel_question(order: Order) -> str:
    return (
        f"Cancel order <b>#{order.id}</b> ({q(order.service_name)}, {order.quantity:,})?\n"
        "Whatever is not delivered comes back to your balance once the provider confirms."
    )


def refill_finished(order_id: int, service_name: str, done: bool) -> str:
    if done:
        return f"✅ The refill of order <b>#{order_id}</b> ({q(service_name)}) is done."
    return (
        f"❌ The provider rejected the refill of order <b>#{order_id}</b> ({q(service_name)}).\n"
        "If the count drops again, contact the shop's administrator."
    )


def history_line(
    kind: str, amount: int, currency: str, created_at: str, order_id: int | None, note: str
) -> str:
    sign = "+" if amount > 0 else "−"
    words = [f"{when(created_at)[:16]}", f"<b>{sign}{format_money(abs(amount), currency)}</b>"]
    words.append(_ENTRY_WORDS.get(kind, kind) + (f" #{order_id}" if order_id is not None else ""))
    text = " · ".join(words)
    if note and not note.startswith("Order #"):
        text += f"\n    <i>{q(note)}</i>"
    return text


def history_page(lines: list[str], balance_now: int, currency: str, page: int, pages: int) -> str:
    body = "\n".join(lines)
    return (
        f"🧾 <b>Wallet history</b>\nBalance: <b>{format_money(balance_now, currency)}</b>\n\n"
        f"{body}{page_suffix(page, pages)}"
    )
