"""The customer's order views, refills, cancellation and wallet history.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import N_, _
from bot.texts.catalog import page_suffix
from bot.texts.common import q
from bot.texts.ordering import status_word
from bot.wallet.money import format_money
from storage.orders import Order

if TYPE_CHECKING:
    pass


# --- Order views, refills, cancellation, wallet history ---------------------------------------------

BTN_REFILL = N_("🔄 Refill")
BTN_CANCEL_ORDER = N_("✖ Cancel order")
BTN_CANCEL_ORDER_SURE = N_("Yes, cancel it")
BTN_KEEP_ORDER = N_("« Keep it")
BTN_ORDERS = N_("« My orders")

ORDERS_EMPTY = N_("📦 You have no orders yet. Tap <b>New order</b> to place one.")
HISTORY_EMPTY = N_("🧾 Your wallet has no movements yet.")
ORDER_NOT_FOUND = N_("Order not found.")

REFILL_REQUESTED = N_("🔄 Refill requested. You will get a message when the provider finishes it.")
REFILL_ALREADY = N_("A refill of this order is already under way. You will get a message when it is done.")
REFILL_NOT_ELIGIBLE = N_("This order cannot be refilled right now.")
REFILL_REFUSED = N_("The provider did not accept a refill for this order. Please try again later.")
PROVIDER_TRY_LATER = N_("We could not reach the service provider. Please try again in a few minutes.")
CANCEL_REQUESTED = N_(
    "✖ Cancellation requested. The provider confirms it within a while: whatever is not delivered "
    "comes back to your balance, and you will get a message."
)
CANCEL_ALREADY = N_(
    "Cancellation of this order was already requested. You will get a message when it is done."
)
CANCEL_NOT_ALLOWED = N_("This order cannot be canceled any more.")
CANCEL_REFUSED = N_("The provider did not accept the cancellation: the order may be almost done.")

# Outcomes by name -> msgids of the constants above (translated where shown).
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
    return _(_REFILL_OUTCOMES.get(outcome, REFILL_REFUSED))


def cancel_outcome(outcome: str) -> str:
    return _(_CANCEL_OUTCOMES.get(outcome, CANCEL_REFUSED))


_ENTRY_WORDS = {
    "topup": N_("Top-up"),
    "charge": N_("Order"),
    "refund": N_("Refund"),
    "adjustment": N_("Adjustment"),
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
    return (
        _("📦 <b>My orders</b>")
        + f"\n\n{lines}{page_suffix(page, pages)}\n\n"
        + _("Tap an order for details.")
    )


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
        _(
            "📦 <b>Order #{order_id}</b>\n\n"
            "Service: {service}\n"
            "Link: {link}\n"
            "Quantity: {quantity}\n"
            "Delivered: {delivered}\n"
            "Start count: {start_count}\n"
            "Charged: {charged}"
        ).format(
            order_id=order.id,
            service=q(order.service_name),
            link=q(order.link),
            quantity=f"{order.quantity:,}",
            delivered="-" if delivered is None else f"{delivered:,}",
            start_count="-" if order.start_count is None else f"{order.start_count:,}",
            charged=format_money(order.charge, currency),
        )
    ]
    if order.refunded:
        lines.append(_("Refunded: {amount}").format(amount=format_money(order.refunded, currency)))
    lines.append(_("Status: <b>{status}</b>").format(status=status_word(order.status)))
    if cancel_requested and order.status in ("pending", "in_progress"):
        lines.append(_("Cancellation: requested"))
    if refill_status is not None:
        word = _REFILL_WORDS.get(refill_status)
        lines.append(
            _("Refill: {refill_status} ({refill_time})").format(
                refill_status=refill_status if word is None else _(word), refill_time=when(refill_at)
            )
        )
    lines.append(_("Placed: {time}").format(time=when(order.created_at)))
    if order.finished_at:
        lines.append(_("Finished: {time}").format(time=when(order.finished_at)))
    return "\n".join(lines)


_REFILL_WORDS = {"pending": N_("in progress"), "completed": N_("done"), "rejected": N_("rejected")}


def cancel_question(order: Order) -> str:
    return _(
        "Cancel order <b>#{order_id}</b> ({service}, {quantity})?\n"
        "Whatever is not delivered comes back to your balance once the provider confirms."
    ).format(order_id=order.id, service=q(order.service_name), quantity=f"{order.quantity:,}")


def refill_finished(order_id: int, service_name: str, done: bool) -> str:
    if done:
        return _("✅ The refill of order <b>#{order_id}</b> ({service}) is done.").format(
            order_id=order_id, service=q(service_name)
        )
    return _(
        "❌ The provider rejected the refill of order <b>#{order_id}</b> ({service}).\n"
        "If the count drops again, contact the shop's administrator."
    ).format(order_id=order_id, service=q(service_name))


# Entries named by their reference rather than their kind (longest prefix first).
_REF_WORDS = (
    ("stars-refund-undo:", N_("Telegram Stars refund reversed")),
    ("stars-refunded:", N_("Telegram Stars refund")),
    ("stars-refund:", N_("Telegram Stars refund")),
    ("stars:", N_("Top-up (Telegram Stars)")),
    ("referral-reversal:", N_("Referral reward taken back")),
    ("referral:", N_("Referral reward")),
)


def history_line(
    kind: str, amount: int, currency: str, created_at: str, order_id: int | None, note: str, ref: str = ""
) -> str:
    sign = "+" if amount > 0 else "−"
    words = [f"{when(created_at)[:16]}", f"<b>{sign}{format_money(abs(amount), currency)}</b>"]
    word = next((word for prefix, word in _REF_WORDS if ref.startswith(prefix)), _ENTRY_WORDS.get(kind))
    words.append((kind if word is None else _(word)) + (f" #{order_id}" if order_id is not None else ""))
    text = " · ".join(words)
    # Notes the shop writes itself for an order ("Order #12 ...") repeat the entry; an admin's note is shown.
    if note and not note.startswith("Order #"):
        text += f"\n    <i>{q(note)}</i>"
    return text


def history_page(lines: list[str], balance_now: int, currency: str, page: int, pages: int) -> str:
    body = "\n".join(lines)
    return (
        _("🧾 <b>Wallet history</b>\nBalance: <b>{balance}</b>").format(
            balance=format_money(balance_now, currency)
        )
        + f"\n\n{body}{page_suffix(page, pages)}"
    )
