"""Admin commands, cards and alerts.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.texts.catalog import yes_no
from bot.texts.common import q
from bot.texts.ordering import status_word
from bot.texts.views import order_line, when
from bot.wallet.money import format_money
from storage.ledger import LedgerEntry
from storage.orders import Order
from storage.refills import Refill

if TYPE_CHECKING:
    from bot.admin.reports import PeriodReport


# --- Admin toolkit ----------------------------------------------------------------------------------

ADMIN_HELP = (
    "<b>Admin commands</b>\n"
    "<b>Users and money</b>\n"
    "/user &lt;id|@username&gt; – balance, orders, last orders\n"
    "/topup &lt;user_id&gt; &lt;amount&gt; [note] – credit a wallet\n"
    "/deduct &lt;user_id&gt; &lt;amount&gt; [note] – debit a wallet (never below zero)\n"
    "/audit – check every balance and order against the ledger\n"
    "<b>Orders</b>\n"
    "/order &lt;id&gt; – everything about an order\n"
    "/refund &lt;order_id&gt; [amount] [note] – refund a finished order (up to what is left)\n"
    "/resolve &lt;order_id&gt; placed &lt;provider order id&gt; – the provider has it\n"
    "/resolve &lt;order_id&gt; refund [note] – the provider does not have it: refund in full\n"
    "/settle &lt;order_id&gt; completed|canceled|partial &lt;remains&gt; – settle a flagged or stuck order\n"
    "/attention [page] – orders waiting for an admin\n"
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
SETTLE_USAGE = (
    "Usage: <code>/settle &lt;order_id&gt; completed</code>, <code>/settle &lt;order_id&gt; canceled</code> "
    "or <code>/settle &lt;order_id&gt; partial &lt;remains&gt;</code>\n"
    "Example: <code>/settle 42 partial 300</code> (300 units were not delivered)"
)
ATTENTION_USAGE = _usage("/attention [page]", "/attention 2")
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


def settle_done(order: Order, refund: int, currency: str) -> str:
    delivered = "-" if order.delivered is None else f"{order.delivered:,}"
    money = f"{format_money(refund, currency)} refunded" if refund else "nothing refunded"
    return (
        f"✅ Order #{order.id} settled as {status_word(order.status)}: {delivered} of {order.quantity:,} "
        f"delivered; {money}. The customer was told."
    )


def settle_not_active(order_id: int, status: str) -> str:
    if status == "unknown":
        return f"⚠️ Order #{order_id} is being checked: settle it with /resolve. Nothing changed."
    if status == "submitting":
        return f"⚠️ Order #{order_id} is still being placed. Nothing changed."
    return f"Order #{order_id} is already {status_word(status)}. Nothing changed."


def settle_remains_range(order_id: int, quantity: int) -> str:
    return (
        f"For order #{order_id} (quantity {quantity:,}) the remains of a partial must be from 1 to "
        f"{quantity - 1:,}: none left is “completed”, all of it “canceled”"
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


def attention_list(orders: list[Order], page: int, pages: int, count: int) -> str:
    """One page of flagged orders: parked ones (money held) first, then the newest."""
    lines = [
        f"<b>#{o.id}</b> · {status_word(o.status)} · user <code>{o.user_id}</code> · {q(o.attention or '')}"
        for o in orders
    ]
    return (
        f"⚠️ <b>Orders needing attention: {count:,}</b> (page {page + 1} of {pages})\n\n"
        + "\n".join(lines)
        + "\n\nSee <code>/order &lt;id&gt;</code>; settle with /resolve (parked) or /settle."
    )


def admin_refill_lost(order_id: int, provider_refill_id: str, why: str) -> str:
    return (
        f"⚠️ Refill <code>{q(provider_refill_id)}</code> of order #{order_id} can no longer be followed "
        f"({q(why)}); it was closed as rejected and the customer told."
    )


def admin_provider_failing(provider: str, failures: int, reason: str) -> str:
    return (
        f"⚠️ Provider <b>{q(provider)}</b> failed {failures} time(s) in a row: {q(reason)}\n"
        "Order statuses are not being updated. Check the panel and /provider."
    )
