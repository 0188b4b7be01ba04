"""Placing an order: the conversation, its results and the settlement notices.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.texts.common import q
from bot.wallet.money import format_money
from storage.orders import Order, undelivered

if TYPE_CHECKING:
    pass


# --- Ordering -------------------------------------------------------------------------------------

REASON_UNREACHABLE = "we could not reach the service provider. Please try again in a few minutes"
ATTENTION_UNKNOWN = "placement outcome unknown: check the provider's panel, then /resolve"
ATTENTION_BAD_PROVIDER_ID = "unusable provider order id: find the order on the panel, then /resolve"

_REJECT_REASONS = {
    "link": "the provider could not use this link. Please check that it is correct and public",
    "quantity": "the provider does not accept this quantity for the service right now",
    "service": "this service is not available at the moment",
    "duplicate": "there is already an active order for this link. Please wait until it is completed",
    "funds": "the shop cannot accept orders right now. Please try again later",
    "bad_key": "the shop cannot accept orders right now. Please try again later",
}


def reject_reason(reason: str) -> str:
    """Plain words for a provider's refusal, by its classified reason."""
    return _REJECT_REASONS.get(reason, "the provider refused the order")


def admin_provider_refused(order_id: int, message: str) -> str:
    return (
        f"⚠️ The provider refused order #{order_id}: <i>{q(message)}</i>\n"
        "The customer was refunded. Check the provider account (balance, API key)."
    )


def admin_unknown_order(order: Order) -> str:
    return _order_to_check(
        order,
        "The provider did not answer clearly, so the order may or may not exist there. "
        "It was not refunded and will not be sent again.",
    )


def admin_bad_provider_id(order: Order) -> str:
    return _order_to_check(
        order,
        f"Its provider order id <code>{q(order.provider_order_id or '-')}</code> cannot be sent to the "
        "provider, so its status is no longer checked. It was parked, not refunded.",
    )


def _order_to_check(order: Order, why: str) -> str:
    """An alert about a parked order: why, the order, and the two ways to settle it."""
    return (
        f"⚠️ <b>Order #{order.id} needs checking.</b>\n{why}\n"
        f"User: <code>{order.user_id}</code>\n"
        f"Service: {q(order.service_name)}\n"
        f"Link: {q(order.link)}\n"
        f"Quantity: {order.quantity:,}\n\n"
        "Find it in the provider's panel, then send "
        f"<code>/resolve {order.id} placed &lt;provider order id&gt;</code> "
        f"or <code>/resolve {order.id} refund</code>."
    )


# --- Order conversation ----------------------------------------------------------------------------


def ask_link(service_name: str, platforms: list[str]) -> str:
    where = f" to the {' or '.join(platforms)} page or post" if platforms else ""
    return f"<b>{q(service_name)}</b>\n\nSend the link{where} for this order.\nSend /cancel to stop."


def ask_quantity(minimum: int, maximum: int) -> str:
    return f"How many? Send a whole number from {minimum:,} to {maximum:,}.\nSend /cancel to stop."


def summary(
    service_name: str, link: str, quantity: int, total: int, balance_after: int, currency: str
) -> str:
    return (
        "<b>Please check your order</b>\n\n"
        f"Service: {q(service_name)}\n"
        f"Link: {q(link)}\n"
        f"Quantity: {quantity:,}\n"
        f"<b>Total: {format_money(total, currency)}</b>\n"
        f"Balance after: {format_money(balance_after, currency)}"
    )


def summary_short(
    service_name: str, link: str, quantity: int, total: int, balance: int, currency: str
) -> str:
    shortfall = total - balance
    return (
        "<b>Not enough balance</b>\n\n"
        f"Service: {q(service_name)}\n"
        f"Link: {q(link)}\n"
        f"Quantity: {quantity:,}\n"
        f"Total: <b>{format_money(total, currency)}</b>\n"
        f"Your balance: {format_money(balance, currency)}\n"
        f"Missing: <b>{format_money(shortfall, currency)}</b>\n\n"
        "To top up your wallet, contact the shop's administrator, then order again."
    )


ORDER_CANCELLED = "Order cancelled. Nothing was charged."
NOTHING_TO_CANCEL = "There is nothing to cancel."
PLACING = "⏳ Placing your order…"
CONFIRM_AFTER_RESTART = "The shop is restarting; nothing was charged. Please press Confirm again in a minute."
SUMMARY_EXPIRED = "This summary has expired. Please start a new order."
SEND_TEXT = "Please send the answer as a text message, or /cancel to stop."


def order_placed(order_id: int, total: int, balance: int, currency: str) -> str:
    return (
        f"✅ <b>Order #{order_id} placed.</b>\n"
        f"Charged {format_money(total, currency)}; balance {format_money(balance, currency)}.\n"
        "You will get a message when its status changes. See /orders at any time."
    )


def order_already_placed(order_id: int) -> str:
    return f"This summary was already confirmed as order #{order_id}. See /orders."


def order_not_placed(order_id: int, reason: str, total: int, balance: int, currency: str) -> str:
    return (
        f"❌ Order #{order_id} could not be placed: {q(reason)}.\n"
        f"{format_money(total, currency)} was returned to your balance "
        f"(now {format_money(balance, currency)})."
    )


def order_parked(order_id: int) -> str:
    return (
        f"⏳ Order #{order_id}: the provider did not confirm it in time, so we are checking it.\n"
        "If it did not go through, the money comes back to your balance. You will get a message either way."
    )


def price_changed(total: int, currency: str) -> str:
    return (
        f"The price of this order has changed to <b>{format_money(total, currency)}</b>. "
        "Please check the new summary."
    )


def insufficient_at_confirm(shortfall: int, currency: str) -> str:
    return (
        f"Not enough balance for this order: {format_money(shortfall, currency)} missing.\n"
        "To top up your wallet, contact the shop's administrator."
    )


# --- Settlement ------------------------------------------------------------------------------------

_STATUS_WORDS = {
    "submitting": "Being placed",
    "pending": "Pending",
    "in_progress": "In progress",
    "completed": "Completed",
    "partial": "Partial",
    "canceled": "Canceled",
    "failed": "Not placed",
    "unknown": "Being checked",
}
REFUND_IS_BALANCE = "Refunds are added to your wallet balance and can be used for new orders."


def status_word(status: str) -> str:
    return _STATUS_WORDS.get(status, status)


def order_settled(
    order: Order, status: str, fields: Mapping[str, object], refund: int, balance: int, currency: str
) -> str:
    """The customer's notice for a finished order (Completed, Partial or Canceled)."""
    remains = fields.get("remains", order.remains)
    if status == "completed":
        delivered = order.quantity
    elif isinstance(remains, int):
        delivered = order.quantity - undelivered(remains, order.quantity)
    else:
        delivered = 0  # canceled without a remains figure (a Partial always has one)
    head = {
        "completed": "✅",
        "partial": "⚠️",
        "canceled": "❌",
    }.get(status, "ℹ️")
    text = (
        f"{head} <b>Order #{order.id} is {status_word(status)}</b>: "
        f"{delivered:,} of {order.quantity:,} delivered.\n"
        f"Service: {q(order.service_name)}\nLink: {q(order.link)}"
    )
    if refund > 0:
        text += (
            f"\n\n💰 {format_money(refund, currency)} returned to your balance "
            f"(now {format_money(balance, currency)}).\n{REFUND_IS_BALANCE}"
        )
    return text


def admin_flagged(order: Order, why: str) -> str:
    return (
        f"⚠️ <b>Order #{order.id} needs attention</b>: {q(why)}.\n"
        f"Provider order: <code>{q(order.provider_order_id or '-')}</code>, "
        f"user <code>{order.user_id}</code>\n"
        f"Service: {q(order.service_name)}\nLink: {q(order.link)}\nQuantity: {order.quantity:,}\n"
        f"See <code>/order {order.id}</code>."
    )
