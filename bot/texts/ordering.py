"""Placing an order: the conversation, its results and the settlement notices.

Values that come from users or the provider are escaped here (`q`). Reasons stored on an order (its
`error` and `attention`) are English msgids, translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from typing import TYPE_CHECKING

from bot.i18n import N_, _
from bot.texts.common import q
from bot.wallet.money import format_money
from storage.orders import Order, undelivered

if TYPE_CHECKING:
    pass


# --- Ordering -------------------------------------------------------------------------------------

# Stored on orders in English (`texts.msgid(...)`) and translated where they are shown.
REASON_UNREACHABLE = N_("we could not reach the service provider. Please try again in a few minutes")
ATTENTION_UNKNOWN = N_("placement outcome unknown: check the provider's panel, then /resolve")
ATTENTION_BAD_PROVIDER_ID = N_("unusable provider order id: find the order on the panel, then /resolve")
# An attention for a status the provider sends that we cannot use: format the English msgid to store it.
ATTENTION_PROVIDER_REPORTS = N_("the provider reports “{status}”")

_REJECT_REASONS = {
    "link": N_("the provider could not use this link. Please check that it is correct and public"),
    "quantity": N_("the provider does not accept this quantity for the service right now"),
    "service": N_("this service is not available at the moment"),
    "duplicate": N_("there is already an active order for this link. Please wait until it is completed"),
    "funds": N_("the shop cannot accept orders right now. Please try again later"),
    "bad_key": N_("the shop cannot accept orders right now. Please try again later"),
}
_REJECTED = N_("the provider refused the order")


def reject_reason(reason: str) -> str:
    """Plain words for a provider's refusal, by its classified reason: the English msgid to store.

    It is kept on the order as it is and translated where it is shown (`order_not_placed`).
    """
    return _REJECT_REASONS.get(reason, _REJECTED)


def admin_provider_refused(order_id: int, message: str) -> str:
    return _(
        "⚠️ The provider refused order #{order_id}: <i>{message}</i>\n"
        "The customer was refunded. Check the provider account (balance, API key)."
    ).format(order_id=order_id, message=q(message))


def admin_unknown_order(order: Order) -> str:
    return _order_to_check(
        order,
        _(
            "The provider did not answer clearly, so the order may or may not exist there. "
            "It was not refunded and will not be sent again."
        ),
    )


def admin_bad_provider_id(order: Order) -> str:
    return _order_to_check(
        order,
        _(
            "Its provider order id <code>{provider_order_id}</code> cannot be sent to the "
            "provider, so its status is no longer checked. It was parked, not refunded."
        ).format(provider_order_id=q(order.provider_order_id or "-")),
    )


def _order_to_check(order: Order, why: str) -> str:
    """An alert about a parked order: why, the order, and the two ways to settle it."""
    return _(
        "⚠️ <b>Order #{order_id} needs checking.</b>\n{why}\n"
        "User: <code>{user_id}</code>\n"
        "Service: {service}\n"
        "Link: {link}\n"
        "Quantity: {quantity}\n\n"
        "Find it in the provider's panel, then send "
        "<code>/resolve {order_id} placed &lt;provider order id&gt;</code> "
        "or <code>/resolve {order_id} refund</code>."
    ).format(
        order_id=order.id,
        why=why,
        user_id=order.user_id,
        service=q(order.service_name),
        link=q(order.link),
        quantity=f"{order.quantity:,}",
    )


# --- Order conversation ----------------------------------------------------------------------------


def ask_link(service_name: str, platforms: list[str]) -> str:
    if not platforms:
        return _("<b>{service}</b>\n\nSend the link for this order.\nSend /cancel to stop.").format(
            service=q(service_name)
        )
    # Platform names are brands: only the word between them is translated.
    either = reduce(lambda one, another: _("{one} or {another}").format(one=one, another=another), platforms)
    return _(
        "<b>{service}</b>\n\nSend the link to the {platforms} page or post for this order.\n"
        "Send /cancel to stop."
    ).format(service=q(service_name), platforms=either)


def ask_quantity(minimum: int, maximum: int) -> str:
    return _("How many? Send a whole number from {minimum} to {maximum}.\nSend /cancel to stop.").format(
        minimum=f"{minimum:,}", maximum=f"{maximum:,}"
    )


def summary(
    service_name: str, link: str, quantity: int, total: int, balance_after: int, currency: str
) -> str:
    return _(
        "<b>Please check your order</b>\n\n"
        "Service: {service}\n"
        "Link: {link}\n"
        "Quantity: {quantity}\n"
        "<b>Total: {total}</b>\n"
        "Balance after: {balance_after}"
    ).format(
        service=q(service_name),
        link=q(link),
        quantity=f"{quantity:,}",
        total=format_money(total, currency),
        balance_after=format_money(balance_after, currency),
    )


def summary_short(
    service_name: str, link: str, quantity: int, total: int, balance: int, currency: str
) -> str:
    shortfall = total - balance
    return _(
        "<b>Not enough balance</b>\n\n"
        "Service: {service}\n"
        "Link: {link}\n"
        "Quantity: {quantity}\n"
        "Total: <b>{total}</b>\n"
        "Your balance: {balance}\n"
        "Missing: <b>{missing}</b>\n\n"
        "Top up your wallet with /topup, then order again."
    ).format(
        service=q(service_name),
        link=q(link),
        quantity=f"{quantity:,}",
        total=format_money(total, currency),
        balance=format_money(balance, currency),
        missing=format_money(shortfall, currency),
    )


ORDER_CANCELLED = N_("Order cancelled. Nothing was charged.")
NOTHING_TO_CANCEL = N_("There is nothing to cancel.")
PLACING = N_("⏳ Placing your order…")
CONFIRM_AFTER_RESTART = N_(
    "The shop is restarting; nothing was charged. Please press Confirm again in a minute."
)
SUMMARY_EXPIRED = N_("This summary has expired. Please start a new order.")
SEND_TEXT = N_("Please send the answer as a text message, or /cancel to stop.")


def order_placed(order_id: int, total: int, balance: int, currency: str) -> str:
    return _(
        "✅ <b>Order #{order_id} placed.</b>\n"
        "Charged {total}; balance {balance}.\n"
        "You will get a message when its status changes. See /orders at any time."
    ).format(order_id=order_id, total=format_money(total, currency), balance=format_money(balance, currency))


def order_already_placed(order_id: int) -> str:
    return _("This summary was already confirmed as order #{order_id}. See /orders.").format(
        order_id=order_id
    )


def order_not_placed(order_id: int, reason: str, total: int, balance: int, currency: str) -> str:
    """The customer's notice for a refused order; `reason` is a stored msgid (or already translated)."""
    return _(
        "❌ Order #{order_id} could not be placed: {reason}.\n"
        "{total} was returned to your balance (now {balance})."
    ).format(
        order_id=order_id,
        reason=q(_(reason)),
        total=format_money(total, currency),
        balance=format_money(balance, currency),
    )


def order_parked(order_id: int) -> str:
    return _(
        "⏳ Order #{order_id}: the provider did not confirm it in time, so we are checking it.\n"
        "If it did not go through, the money comes back to your balance. You will get a message either way."
    ).format(order_id=order_id)


def price_changed(total: int, currency: str) -> str:
    return _("The price of this order has changed to <b>{total}</b>. Please check the new summary.").format(
        total=format_money(total, currency)
    )


def insufficient_at_confirm(shortfall: int, currency: str) -> str:
    return _("Not enough balance for this order: {missing} missing.\nTop up your wallet with /topup.").format(
        missing=format_money(shortfall, currency)
    )


# --- Settlement ------------------------------------------------------------------------------------

_STATUS_WORDS = {
    "submitting": N_("Being placed"),
    "pending": N_("Pending"),
    "in_progress": N_("In progress"),
    "completed": N_("Completed"),
    "partial": N_("Partial"),
    "canceled": N_("Canceled"),
    "failed": N_("Not placed"),
    "unknown": N_("Being checked"),
}
REFUND_IS_BALANCE = N_("Refunds are added to your wallet balance and can be used for new orders.")

# The headline of a finished order, whole per status (so each language can word it its own way).
_SETTLED_HEADLINES = {
    "completed": N_("✅ <b>Order #{order_id} is Completed</b>: {delivered} of {quantity} delivered."),
    "partial": N_("⚠️ <b>Order #{order_id} is Partial</b>: {delivered} of {quantity} delivered."),
    "canceled": N_("❌ <b>Order #{order_id} is Canceled</b>: {delivered} of {quantity} delivered."),
}


def status_word(status: str) -> str:
    word = _STATUS_WORDS.get(status)
    return status if word is None else _(word)


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
    headline = _SETTLED_HEADLINES.get(status)
    if headline is None:
        headline = _("ℹ️ <b>Order #{order_id} is {status}</b>: {delivered} of {quantity} delivered.")
    else:
        headline = _(headline)
    text = (
        headline.format(
            order_id=order.id,
            status=status_word(status),
            delivered=f"{delivered:,}",
            quantity=f"{order.quantity:,}",
        )
        + "\n"
        + _("Service: {service}\nLink: {link}").format(service=q(order.service_name), link=q(order.link))
    )
    if refund > 0:
        text += (
            "\n\n"
            + _("💰 {refund} returned to your balance (now {balance}).").format(
                refund=format_money(refund, currency), balance=format_money(balance, currency)
            )
            + "\n"
            + _(REFUND_IS_BALANCE)
        )
    return text


def admin_flagged(order: Order, why: str) -> str:
    """Every admin's alert for a flagged order; `why` is a stored msgid (or already translated)."""
    return _(
        "⚠️ <b>Order #{order_id} needs attention</b>: {why}.\n"
        "Provider order: <code>{provider_order_id}</code>, user <code>{user_id}</code>\n"
        "Service: {service}\nLink: {link}\nQuantity: {quantity}\n"
        "See <code>/order {order_id}</code>."
    ).format(
        order_id=order.id,
        why=q(_(why)),
        provider_order_id=q(order.provider_order_id or "-"),
        user_id=order.user_id,
        service=q(order.service_name),
        link=q(order.link),
        quantity=f"{order.quantity:,}",
    )
