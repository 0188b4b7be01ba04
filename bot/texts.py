"""Every user-facing string, in one place. Values that come from users or the provider are escaped here."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING

from bot.money import format_money
from storage.catalog import Service
from storage.ledger import LedgerEntry
from storage.orders import Order
from storage.refills import Refill

if TYPE_CHECKING:
    from bot.reports import PeriodReport


def q(value: object) -> str:
    """Escape any user- or provider-supplied value for Telegram HTML."""
    return escape(str(value), quote=False)


BTN_NEW_ORDER = "🛒 New order"
BTN_BALANCE = "💰 Balance"
BTN_MY_ORDERS = "📦 My orders"
BTN_HISTORY = "🧾 History"
BTN_HELP = "❓ Help"

COMMANDS: list[tuple[str, str]] = [
    ("start", "Main menu"),
    ("order", "Place a new order"),
    ("balance", "Show your balance"),
    ("orders", "Your orders"),
    ("history", "Wallet history"),
    ("cancel", "Leave the current step"),
    ("help", "How this shop works"),
]


def welcome(name: str, shop_hint: str = "") -> str:
    return (
        f"Welcome, <b>{q(name)}</b>!\n\n"
        "Here you can order followers, likes, views and more for your social media.\n"
        "Pay from your wallet balance; anything that is not delivered comes back to it.\n\n"
        "Use the menu below to start."
    )


def balance(amount: int, currency: str) -> str:
    return f"Balance: <b>{format_money(amount, currency)}</b>"


HELP = (
    "<b>How it works</b>\n"
    "1. Tap <b>New order</b> (or /order), pick a category and a service.\n"
    "2. Send the link and the quantity, check the total and confirm.\n"
    "3. The price is taken from your wallet. If an order is only partly delivered or canceled, "
    "the undelivered part comes back to your wallet automatically.\n"
    "4. In /orders you can follow each order, ask for a refill of a completed order or cancel one "
    "that has not finished, where the service allows it.\n\n"
    "<b>Commands</b>\n"
    "/order – new order\n/balance – your balance\n/orders – your orders\n"
    "/history – wallet movements\n/cancel – leave the current step\n\n"
    "To top up your wallet, contact the shop's administrator."
)

NOT_AVAILABLE = "Sorry, this command is not available."
ERROR_APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
UNKNOWN_INPUT = "I didn't understand that. Use the menu below or /help."

TOPUP_USAGE = (
    "Usage: <code>/topup &lt;user_id&gt; &lt;amount&gt; [note]</code>\n"
    "Example: <code>/topup 123456789 10.50 bank transfer</code>"
)


def usage_error(reason: str, usage: str) -> str:
    return f"⚠️ {q(reason)}.\n{usage}"


def topup_done(user_label: str, amount: int, new_balance: int, currency: str) -> str:
    return (
        f"✅ Credited {format_money(amount, currency)} to {q(user_label)}.\n"
        f"New balance: <b>{format_money(new_balance, currency)}</b>"
    )


def topup_received(amount: int, new_balance: int, currency: str, note: str) -> str:
    text = (
        f"💰 Your wallet was credited with <b>{format_money(amount, currency)}</b>.\n"
        f"Balance: <b>{format_money(new_balance, currency)}</b>"
    )
    if note:
        text += f"\nNote: {q(note)}"
    return text


STALE_BUTTON = "This button is no longer active. Please start again from the menu."

# --- Ordering -------------------------------------------------------------------------------------

REASON_UNREACHABLE = "we could not reach the service provider. Please try again in a few minutes"
ATTENTION_UNKNOWN = "placement outcome unknown: check the provider's panel, then /resolve"

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
    return (
        f"⚠️ <b>Order #{order.id} needs checking.</b>\n"
        "The provider did not answer clearly, so the order may or may not exist there. "
        "It was not refunded and will not be sent again.\n"
        f"User: <code>{order.user_id}</code>\n"
        f"Service: {q(order.service_name)}\n"
        f"Link: {q(order.link)}\n"
        f"Quantity: {order.quantity:,}\n\n"
        "Find it in the provider's panel, then send "
        f"<code>/resolve {order.id} placed &lt;provider order id&gt;</code> "
        f"or <code>/resolve {order.id} refund</code>."
    )


# --- Catalogue --------------------------------------------------------------------------------------

BTN_BACK = "« Back"
BTN_CANCEL = "✖ Cancel"
BTN_CONFIRM = "✅ Confirm"
BTN_ORDER = "🛒 Order"
BTN_PREV = "‹ Prev"
BTN_NEXT = "Next ›"
BTN_CATEGORIES = "« Categories"

CATALOG_EMPTY = "The catalogue is empty right now. Please try again later."
CHOOSE_CATEGORY = "🛒 <b>New order</b>\nChoose a category:"
SERVICE_GONE = "This service is no longer available. Please choose another one."
CATEGORY_GONE = "This category has no services right now. Please choose another one."


def page_suffix(page: int, pages: int) -> str:
    return f"\n\nPage {page + 1} of {pages}" if pages > 1 else ""


def services_header(category: str) -> str:
    return f"🛒 <b>{q(category)}</b>\nChoose a service (price per 1,000):"


def service_line(name: str, price_per_1000: int, minimum: int, maximum: int, currency: str) -> str:
    return f"• {q(name)}: {format_money(price_per_1000, currency)}, {minimum:,}–{maximum:,}"


def service_button(name: str, price_per_1000: int, currency: str) -> str:
    short = name if len(name) <= 40 else name[:39] + "…"
    return f"{short} · {format_money(price_per_1000, currency)}"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def service_card(service: Service, price_per_1000: int, currency: str) -> str:
    text = (
        f"<b>{q(service.name)}</b>\n"
        f"Category: {q(service.category)}\n\n"
        f"Price: <b>{format_money(price_per_1000, currency)}</b> per 1,000\n"
        f"Order from {service.min_quantity:,} to {service.max_quantity:,}\n"
        f"Refill: {yes_no(service.refill)} · Cancel: {yes_no(service.cancel)}"
    )
    if service.description:
        description = (
            service.description if len(service.description) <= 1500 else service.description[:1500] + "…"
        )
        text += f"\n\n{q(description)}"
    return text


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
    undelivered = min(max(int(remains), 0), order.quantity) if isinstance(remains, int) else 0
    if status == "completed":
        delivered = order.quantity
    elif status == "canceled":
        delivered = order.quantity - undelivered if isinstance(remains, int) else 0
    else:
        delivered = order.quantity - undelivered
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


# --- Admin toolkit ----------------------------------------------------------------------------------

ADMIN_HELP = (
    "<b>Admin commands</b>\n"
    "<b>Users and money</b>\n"
    "/user &lt;id|@username&gt; – balance, orders, last orders\n"
    "/topup &lt;user_id&gt; &lt;amount&gt; [note] – credit a wallet\n"
    "/deduct &lt;user_id&gt; &lt;amount&gt; [note] – debit a wallet (never below zero)\n"
    "<b>Orders</b>\n"
    "/order &lt;id&gt; – everything about an order\n"
    "/refund &lt;order_id&gt; [amount] [note] – refund a finished order (up to what is left)\n"
    "/resolve &lt;order_id&gt; placed &lt;provider order id&gt; – the provider has it\n"
    "/resolve &lt;order_id&gt; refund [note] – the provider does not have it: refund in full\n"
    "/attention – orders waiting for an admin\n"
    "<b>Shop</b>\n"
    "/markup &lt;percent&gt; – shop-wide markup\n"
    "/price &lt;service_id&gt; &lt;percent|default&gt; – a service's own markup\n"
    "/service &lt;service_id&gt; on|off – show or hide a service\n"
    "/sync – refresh the catalogue now\n"
    "/stats – users, orders, turnover and margin\n"
    "/provider – the provider balance"
)


def _usage(command: str, example: str) -> str:
    return f"Usage: <code>{command}</code>\nExample: <code>{example}</code>"


USER_USAGE = _usage("/user &lt;id|@username&gt;", "/user @alice")
DEDUCT_USAGE = _usage("/deduct &lt;user_id&gt; &lt;amount&gt; [note]", "/deduct 123456789 5 chargeback")
ORDER_USAGE = _usage("/order &lt;order_id&gt;", "/order 42")
REFUND_USAGE = _usage("/refund &lt;order_id&gt; [amount] [note]", "/refund 42 1.50 late delivery")
RESOLVE_USAGE = (
    "Usage: <code>/resolve &lt;order_id&gt; placed &lt;provider order id&gt;</code> or "
    "<code>/resolve &lt;order_id&gt; refund [note]</code>\nExample: <code>/resolve 42 placed 23517</code>"
)
MARKUP_USAGE = _usage("/markup &lt;percent&gt;", "/markup 35")
PRICE_USAGE = _usage("/price &lt;service_id&gt; &lt;percent|default&gt;", "/price 12 50")
SERVICE_USAGE = _usage("/service &lt;service_id&gt; on|off", "/service 12 off")


def user_card(
    user_id: int,
    label: str,
    balance_amount: int,
    blocked: bool,
    registered: str,
    counts: Mapping[str, int],
    recent: list[Order],
    currency: str,
) -> str:
    total = sum(counts.values())
    by_status = ", ".join(f"{status_word(s)} {n}" for s, n in sorted(counts.items())) or "none"
    lines = [
        f"👤 <b>{q(label)}</b> (<code>{user_id}</code>)",
        f"Balance: <b>{format_money(balance_amount, currency)}</b>",
        f"Blocked the bot: {yes_no(blocked)}",
        f"Registered: {when(registered)}",
        f"Orders: {total} ({by_status})",
    ]
    if recent:
        lines.append("\n<b>Last orders</b>")
        lines.extend(f"{order_line(order)} · {format_money(order.charge, currency)}" for order in recent)
    return "\n".join(lines)


def deduct_done(user_label: str, amount: int, new_balance: int, currency: str) -> str:
    return (
        f"✅ Deducted {format_money(amount, currency)} from {q(user_label)}.\n"
        f"New balance: <b>{format_money(new_balance, currency)}</b>"
    )


def deduct_short(user_label: str, amount: int, balance_amount: int, currency: str) -> str:
    return (
        f"⚠️ {q(user_label)} has only {format_money(balance_amount, currency)}; "
        f"cannot deduct {format_money(amount, currency)}. Nothing changed."
    )


def deduct_received(amount: int, new_balance: int, currency: str, note: str) -> str:
    text = (
        f"💰 <b>{format_money(amount, currency)}</b> was deducted from your wallet.\n"
        f"Balance: <b>{format_money(new_balance, currency)}</b>"
    )
    if note:
        text += f"\nNote: {q(note)}"
    return text


ALREADY_APPLIED = "This command was already applied; nothing changed."


def admin_order_card(
    order: Order,
    user_label: str,
    currency: str,
    *,
    margin: int | None,
    refills: list[Refill],
    entries: list[LedgerEntry],
) -> str:
    """Everything about one order, for admins, with its refills and ledger rows."""
    delivered = order.delivered
    provider_charge = "-" if order.provider_charge is None else f"{order.provider_charge} {currency}"
    lines = [
        f"📦 <b>Order #{order.id}</b> · {status_word(order.status)} (<code>{order.status}</code>)",
        f"User: {q(user_label)} (<code>{order.user_id}</code>)",
        f"Service: {q(order.service_name)} (#{order.service_id})",
        f"Link: {q(order.link)}",
        f"Quantity: {order.quantity:,} · delivered {'-' if delivered is None else f'{delivered:,}'}"
        f" · start {'-' if order.start_count is None else order.start_count}"
        f" · remains {'-' if order.remains is None else order.remains}",
        f"Provider: {q(order.provider)} · order <code>{q(order.provider_order_id or '-')}</code>"
        f" · status {q(order.provider_status or '-')}",
        f"Charged: {format_money(order.charge, currency)}"
        f" · refunded {format_money(order.refunded, currency)}",
        f"Provider charge: {q(provider_charge)}",
        f"Margin: {'-' if margin is None else format_money(margin, currency)}",
        f"Placed: {when(order.created_at)} · updated {when(order.updated_at)}"
        + (f" · finished {when(order.finished_at)}" if order.finished_at else ""),
    ]
    if order.error:
        lines.append(f"Error: {q(order.error)}")
    if order.attention:
        lines.append(f"⚠️ Attention: {q(order.attention)}")
    if order.bad_polls:
        lines.append(f"Bad polls in a row: {order.bad_polls}")
    for refill in refills:
        lines.append(
            f"Refill <code>{q(refill.provider_refill_id)}</code>: {refill.status} "
            f"({q(refill.provider_status or '-')}, {when(refill.created_at)})"
        )
    for entry in entries:
        sign = "+" if entry.amount > 0 else "−"
        admin = f", admin <code>{entry.admin_id}</code>" if entry.admin_id is not None else ""
        lines.append(
            f"Ledger: {entry.kind} {sign}{format_money(abs(entry.amount), currency)} "
            f"({when(entry.created_at)}{admin})"
        )
    return "\n".join(lines)


def no_such_order(order_id: int) -> str:
    return f"⚠️ There is no order #{order_id}."


def refund_done(order_id: int, amount: int, refunded: int, charge: int, currency: str) -> str:
    return (
        f"✅ Refunded {format_money(amount, currency)} for order #{order_id} "
        f"({format_money(refunded, currency)} of {format_money(charge, currency)} refunded in total)."
    )


def refund_too_much(order_id: int, left: int, currency: str) -> str:
    if left == 0:
        return f"⚠️ Order #{order_id} is already refunded in full. Nothing changed."
    return f"⚠️ At most {format_money(left, currency)} can still be refunded for order #{order_id}."


def refund_active(order_id: int, status: str) -> str:
    if status == "unknown":
        return f"⚠️ Order #{order_id} is being checked: settle it with /resolve. Nothing changed."
    return (
        f"⚠️ Order #{order_id} is {status_word(status)}: the provider may still refund it. "
        "Wait until it is finished (or cancel it). Nothing changed."
    )


def refund_received(order_id: int, amount: int, new_balance: int, currency: str, note: str) -> str:
    text = (
        f"💰 {format_money(amount, currency)} for order #{order_id} was returned to your balance "
        f"(now {format_money(new_balance, currency)})."
    )
    if note:
        text += f"\nNote: {q(note)}"
    return text


def resolve_not_unknown(order_id: int, status: str) -> str:
    return f"Order #{order_id} is no longer being checked (it is {status_word(status)}). Nothing changed."


def resolve_id_taken(provider_order_id: str, order_id: int) -> str:
    return f"⚠️ Provider order {q(provider_order_id)} already belongs to order #{order_id}. Nothing changed."


def resolved_placed(order_id: int, provider_order_id: str) -> str:
    return (
        f"✅ Order #{order_id} is now pending as provider order <code>{q(provider_order_id)}</code>; "
        "its status is followed from now on."
    )


def resolved_refunded(order_id: int, amount: int, currency: str) -> str:
    return f"✅ Order #{order_id} marked not placed; {format_money(amount, currency)} refunded."


def order_confirmed_notice(order_id: int) -> str:
    return (
        f"✅ Order #{order_id} was confirmed by the provider and is pending now. "
        "You will get a message when its status changes."
    )


def order_refunded_notice(order_id: int, amount: int, new_balance: int, currency: str) -> str:
    return (
        f"❌ Order #{order_id} could not be placed after all.\n"
        f"💰 {format_money(amount, currency)} was returned to your balance "
        f"(now {format_money(new_balance, currency)})."
    )


def markup_set(percent: str) -> str:
    return f"✅ The shop-wide markup is now {q(percent)}%. New prices apply to new summaries."


def price_set(service_id: int, name: str, percent: str | None, global_percent: str) -> str:
    if percent is None:
        return f"✅ Service #{service_id} ({q(name)}) uses the shop-wide markup ({q(global_percent)}%) again."
    return f"✅ Service #{service_id} ({q(name)}) now has its own markup of {q(percent)}%."


def service_switched(service_id: int, name: str, enabled: bool, available: bool) -> str:
    text = f"✅ Service #{service_id} ({q(name)}) is now {'on' if enabled else 'off'}."
    if enabled and not available:
        text += (
            "\nCustomers still cannot see it: the provider no longer lists it, or its type is not supported."
        )
    return text


def no_such_service(service_id: int) -> str:
    return f"⚠️ There is no service #{service_id}."


def sync_done(added: int, updated: int, disabled: int, unchanged: int, seconds: float) -> str:
    return (
        f"✅ Catalogue synced in {seconds:.1f} s: {added} added, {updated} updated, "
        f"{disabled} disabled, {unchanged} unchanged."
    )


def sync_failed(reason: str) -> str:
    return f"⚠️ The catalogue sync failed: {q(reason)}\nThe previous catalogue stays in place."


def provider_failed(reason: str) -> str:
    return f"⚠️ The provider did not answer: {q(reason)}"


def provider_balance(amount: str, currency: str, spent_24h: str, low: bool, mismatch: bool) -> str:
    text = f"🏦 Provider balance: <b>{q(amount)} {q(currency)}</b>\nSpent in the last 24 h: {q(spent_24h)}"
    if low:
        text += "\n⚠️ <b>Low balance</b>: less than one day of orders at the current pace. Top it up."
    if mismatch:
        text += "\n⚠️ The provider's currency differs from the shop's; prices assume they are the same."
    return text


def stats(
    users: int, counts: Mapping[str, int], rows: list[PeriodReport], attention: int, currency: str
) -> str:
    by_status = "\n".join(f"  {status_word(s)}: {n:,}" for s, n in sorted(counts.items())) or "  none"
    lines = [f"📊 <b>Shop statistics</b>\nUsers: {users:,}\nOrders by status:\n{by_status}"]
    for row in rows:
        lines.append(
            f"\n<b>{q(row.label)}</b>: {row.orders:,} orders\n"
            f"  Turnover: {format_money(row.turnover, currency)}\n"
            f"  Refunds: {format_money(row.refunds, currency)}\n"
            f"  Provider cost: {format_money(row.provider_cost, currency)}\n"
            f"  Margin: <b>{format_money(row.margin, currency)}</b>"
        )
    if attention:
        lines.append(f"\n⚠️ {attention} order(s) need attention: /attention")
    return "\n".join(lines)


ATTENTION_NONE = "✅ No order needs attention."


def attention_list(orders: list[Order]) -> str:
    lines = [
        f"<b>#{o.id}</b> · {status_word(o.status)} · user <code>{o.user_id}</code> · {q(o.attention or '')}"
        for o in orders
    ]
    return (
        "⚠️ <b>Orders needing attention</b>\n\n" + "\n".join(lines) + "\n\nSee <code>/order &lt;id&gt;</code>."
    )


def admin_refill_lost(order_id: int, provider_refill_id: str) -> str:
    return (
        f"⚠️ The provider no longer knows refill <code>{q(provider_refill_id)}</code> of order #{order_id}; "
        "it was closed as rejected and the customer told."
    )


def admin_provider_failing(provider: str, failures: int, reason: str) -> str:
    return (
        f"⚠️ Provider <b>{q(provider)}</b> failed {failures} time(s) in a row: {q(reason)}\n"
        "Order statuses are not being updated. Check the panel and /provider."
    )
