"""Admin commands, cards and alerts.

Values that come from users or the provider are escaped here (`q`). Command names and their argument
syntax stay as they are in every language; only the explanations are translated. Reasons stored on an
order (`error`, `attention`) are English msgids, translated where they are shown here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.i18n import N_, _, ngettext
from bot.texts.catalog import yes_no
from bot.texts.common import q
from bot.texts.growth import referral_figures
from bot.texts.kinds import kind_details
from bot.texts.ordering import status_word
from bot.texts.stars import topups_by_method
from bot.texts.views import order_line, when
from bot.wallet.money import format_money
from storage.ledger import LedgerEntry
from storage.orders import Order
from storage.refills import Refill

if TYPE_CHECKING:
    from bot.admin.reports import PeriodReport


# --- Admin toolkit ----------------------------------------------------------------------------------

ADMIN_HELP = N_(
    "<b>Admin commands</b>\n"
    "<b>Users and money</b>\n"
    "/user &lt;id|@username&gt; – balance, orders, last orders\n"
    "/topup &lt;user_id&gt; &lt;amount&gt; [note] – credit a wallet\n"
    "/deduct &lt;user_id&gt; &lt;amount&gt; [note] – debit a wallet (never below zero)\n"
    "/refundstars &lt;charge_id&gt; – refund a Telegram Stars payment (while the wallet covers it)\n"
    "/stars – Stars income, reconciliation with Telegram and the latest payments\n"
    "/audit – check every balance and order against the ledger\n"
    "<b>Orders</b>\n"
    "/order &lt;id&gt; – everything about an order\n"
    "/refund &lt;order_id&gt; [amount] [note] – refund a finished order (up to what is left)\n"
    "/resolve &lt;order_id&gt; placed &lt;provider order id&gt; – the provider has it\n"
    "/resolve &lt;order_id&gt; refund [note] – the provider does not have it: refund in full\n"
    "/settle &lt;order_id&gt; completed|canceled|partial &lt;remains&gt; – settle a flagged or stuck order\n"
    "/attention [page] – orders waiting for an admin\n"
    "<b>Support</b>\n"
    "/tickets – open tickets, those waiting for an answer first\n"
    "/ticket &lt;n&gt; – a ticket's thread, with Reply and Close\n"
    "<b>Shop</b>\n"
    "/markup &lt;percent&gt; – shop-wide markup\n"
    "/price &lt;service_id&gt; &lt;percent|default&gt; – a service's own markup\n"
    "/service &lt;service_id&gt; on|off – show or hide a service\n"
    "/sync – refresh the catalogue now\n"
    "/stats – users, orders, turnover and margin\n"
    "/broadcast – send a message to all users (or the active ones, or one language)\n"
    "/broadcast_cancel – stop the broadcast being sent\n"
    "/provider – the provider balance"
)

# One whole msgid per command (as TOPUP_USAGE): the example's free-text note is worded per language.
USER_USAGE = N_("Usage: <code>/user &lt;id|@username&gt;</code>\nExample: <code>/user @alice</code>")
DEDUCT_USAGE = N_(
    "Usage: <code>/deduct &lt;user_id&gt; &lt;amount&gt; [topup:&lt;entry&gt;] [note]</code>\n"
    "Example: <code>/deduct 123456789 5 chargeback</code>\n"
    "Naming a top-up (its entry is listed by /user) also takes back the referral reward it paid."
)
ORDER_USAGE = N_("Usage: <code>/order &lt;order_id&gt;</code>\nExample: <code>/order 42</code>")
REFUND_USAGE = N_(
    "Usage: <code>/refund &lt;order_id&gt; [amount] [note]</code>\n"
    "Example: <code>/refund 42 1.50 late delivery</code>"
)
RESOLVE_USAGE = N_(
    "Usage: <code>/resolve &lt;order_id&gt; placed &lt;provider order id&gt;</code> or "
    "<code>/resolve &lt;order_id&gt; refund [note]</code>\nExample: <code>/resolve 42 placed 23517</code>"
)
SETTLE_USAGE = N_(
    "Usage: <code>/settle &lt;order_id&gt; completed</code>, <code>/settle &lt;order_id&gt; canceled</code> "
    "or <code>/settle &lt;order_id&gt; partial &lt;remains&gt;</code>\n"
    "Example: <code>/settle 42 partial 300</code> (300 units were not delivered)"
)
ATTENTION_USAGE = N_("Usage: <code>/attention [page]</code>\nExample: <code>/attention 2</code>")
MARKUP_USAGE = N_("Usage: <code>/markup &lt;percent&gt;</code>\nExample: <code>/markup 35</code>")
PRICE_USAGE = N_(
    "Usage: <code>/price &lt;service_id&gt; &lt;percent|default&gt;</code>\n"
    "Example: <code>/price 12 50</code>"
)
SERVICE_USAGE = N_(
    "Usage: <code>/service &lt;service_id&gt; on|off</code>\nExample: <code>/service 12 off</code>"
)


def _note(note: str) -> str:
    """The optional note line under a wallet notice (empty without a note)."""
    return "\n" + _("Note: {note}").format(note=q(note)) if note else ""


def user_card(
    user_id: int,
    label: str,
    balance_amount: int,
    blocked: bool,
    registered: str,
    counts: Mapping[str, int],
    recent: list[Order],
    currency: str,
    topups: Sequence[tuple[int, int, str]] = (),  # (ledger entry id, cents, when)
) -> str:
    total = sum(counts.values())
    by_status = ", ".join(f"{status_word(s)} {n}" for s, n in sorted(counts.items())) or _("none")
    lines = [
        f"👤 <b>{q(label)}</b> (<code>{user_id}</code>)",
        _("Balance: <b>{amount}</b>").format(amount=format_money(balance_amount, currency)),
        _("Blocked the bot: {answer}").format(answer=yes_no(blocked)),
        _("Registered: {date}").format(date=when(registered)),
        _("Orders: {total} ({by_status})").format(total=total, by_status=by_status),
    ]
    if recent:
        lines.append("\n" + _("<b>Last orders</b>"))
        lines.extend(f"{order_line(order)} · {format_money(order.charge, currency)}" for order in recent)
    if topups:
        lines.append("\n" + _("<b>Last top-ups</b> (for /deduct … topup:&lt;entry&gt;)"))
        lines.extend(
            f"<code>topup:{entry}</code> · {format_money(amount, currency)} · {when(at)}"
            for entry, amount, at in topups
        )
    return "\n".join(lines)


def deduct_done(user_label: str, amount: int, new_balance: int, currency: str) -> str:
    return _("✅ Deducted {amount} from {user}.\nNew balance: <b>{new_balance}</b>").format(
        amount=format_money(amount, currency),
        user=q(user_label),
        new_balance=format_money(new_balance, currency),
    )


def deduct_short(user_label: str, amount: int, balance_amount: int, currency: str) -> str:
    return _("⚠️ {user} has only {balance}; cannot deduct {amount}. Nothing changed.").format(
        user=q(user_label),
        balance=format_money(balance_amount, currency),
        amount=format_money(amount, currency),
    )


def deduct_received(amount: int, new_balance: int, currency: str, note: str) -> str:
    text = _("💰 <b>{amount}</b> was deducted from your wallet.\nBalance: <b>{new_balance}</b>").format(
        amount=format_money(amount, currency), new_balance=format_money(new_balance, currency)
    )
    return text + _note(note)


ALREADY_APPLIED = N_("This command was already applied; nothing changed.")


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
    placed = _("Placed: {placed} · updated {updated}").format(
        placed=when(order.created_at), updated=when(order.updated_at)
    )
    if order.finished_at:
        placed += " · " + _("finished {finished}").format(finished=when(order.finished_at))
    lines = [
        _("📦 <b>Order #{order_id}</b> · {status} (<code>{code}</code>)").format(
            order_id=order.id, status=status_word(order.status), code=order.status
        ),
        _("User: {user} (<code>{user_id}</code>)").format(user=q(user_label), user_id=order.user_id),
        _("Service: {service} (#{service_id})").format(
            service=q(order.service_name), service_id=order.service_id
        ),
        _("Link: {link}").format(link=q(order.link)),
        _("Quantity: {quantity} · delivered {delivered} · start {start} · remains {remains}").format(
            quantity=f"{order.quantity:,}",
            delivered="-" if delivered is None else f"{delivered:,}",
            start="-" if order.start_count is None else order.start_count,
            remains="-" if order.remains is None else order.remains,
        ),
        # Comments, usernames, ...: the `add` parameters of the service's kind, if any.
        *filter(None, [kind_details(order.extra)]),
        _("Provider: {provider} · order <code>{provider_order_id}</code> · status {provider_status}").format(
            provider=q(order.provider),
            provider_order_id=q(order.provider_order_id or "-"),
            provider_status=q(order.provider_status or "-"),
        ),
        _("Charged: {charged} · refunded {refunded}").format(
            charged=format_money(order.charge, currency), refunded=format_money(order.refunded, currency)
        ),
        _("Provider charge: {charge}").format(charge=q(provider_charge)),
        _("Margin: {margin}").format(margin="-" if margin is None else format_money(margin, currency)),
        placed,
    ]
    if order.error:
        lines.append(_("Error: {error}").format(error=q(_(order.error))))
    if order.attention:
        lines.append(_("⚠️ Attention: {reason}").format(reason=q(_(order.attention))))
    if order.bad_polls:
        lines.append(_("Bad polls in a row: {count}").format(count=order.bad_polls))
    for refill in refills:
        lines.append(
            _("Refill <code>{refill_id}</code>: {status} ({provider_status}, {created})").format(
                refill_id=q(refill.provider_refill_id),
                status=refill.status,
                provider_status=q(refill.provider_status or "-"),
                created=when(refill.created_at),
            )
        )
    for entry in entries:
        sign = "+" if entry.amount > 0 else "−"
        admin = (
            _(", admin <code>{admin_id}</code>").format(admin_id=entry.admin_id)
            if entry.admin_id is not None
            else ""
        )
        lines.append(
            _("Ledger: {kind} {amount} ({created}{admin})").format(
                kind=entry.kind,
                amount=sign + format_money(abs(entry.amount), currency),
                created=when(entry.created_at),
                admin=admin,
            )
        )
    return "\n".join(lines)


def no_such_order(order_id: int) -> str:
    return _("⚠️ There is no order #{order_id}.").format(order_id=order_id)


def refund_done(order_id: int, amount: int, refunded: int, charge: int, currency: str) -> str:
    return _("✅ Refunded {amount} for order #{order_id} ({refunded} of {charge} refunded in total).").format(
        amount=format_money(amount, currency),
        order_id=order_id,
        refunded=format_money(refunded, currency),
        charge=format_money(charge, currency),
    )


def refund_too_much(order_id: int, left: int, currency: str) -> str:
    if left == 0:
        return _("⚠️ Order #{order_id} is already refunded in full. Nothing changed.").format(
            order_id=order_id
        )
    return _("⚠️ At most {left} can still be refunded for order #{order_id}.").format(
        left=format_money(left, currency), order_id=order_id
    )


def _being_checked(order_id: int) -> str:
    return _("⚠️ Order #{order_id} is being checked: settle it with /resolve. Nothing changed.").format(
        order_id=order_id
    )


def refund_active(order_id: int, status: str) -> str:
    if status == "unknown":
        return _being_checked(order_id)
    return _(
        "⚠️ Order #{order_id} is {status}: the provider may still refund it. "
        "Wait until it is finished (or cancel it). Nothing changed."
    ).format(order_id=order_id, status=status_word(status))


def refund_received(order_id: int, amount: int, new_balance: int, currency: str, note: str) -> str:
    text = _("💰 {amount} for order #{order_id} was returned to your balance (now {new_balance}).").format(
        amount=format_money(amount, currency),
        order_id=order_id,
        new_balance=format_money(new_balance, currency),
    )
    return text + _note(note)


def resolve_not_unknown(order_id: int, status: str) -> str:
    return _("Order #{order_id} is no longer being checked (it is {status}). Nothing changed.").format(
        order_id=order_id, status=status_word(status)
    )


def resolve_id_taken(provider_order_id: str, order_id: int) -> str:
    return _(
        "⚠️ Provider order {provider_order_id} already belongs to order #{order_id}. Nothing changed."
    ).format(provider_order_id=q(provider_order_id), order_id=order_id)


def resolved_placed(order_id: int, provider_order_id: str) -> str:
    return _(
        "✅ Order #{order_id} is now pending as provider order <code>{provider_order_id}</code>; "
        "its status is followed from now on."
    ).format(order_id=order_id, provider_order_id=q(provider_order_id))


def resolved_refunded(order_id: int, amount: int, currency: str) -> str:
    return _("✅ Order #{order_id} marked not placed; {amount} refunded.").format(
        order_id=order_id, amount=format_money(amount, currency)
    )


def order_confirmed_notice(order_id: int) -> str:
    return _(
        "✅ Order #{order_id} was confirmed by the provider and is pending now. "
        "You will get a message when its status changes."
    ).format(order_id=order_id)


def order_refunded_notice(order_id: int, amount: int, new_balance: int, currency: str) -> str:
    return _(
        "❌ Order #{order_id} could not be placed after all.\n"
        "💰 {amount} was returned to your balance (now {new_balance})."
    ).format(
        order_id=order_id,
        amount=format_money(amount, currency),
        new_balance=format_money(new_balance, currency),
    )


def settle_done(order: Order, refund: int, currency: str) -> str:
    values = {
        "order_id": order.id,
        "status": status_word(order.status),
        "delivered": "-" if order.delivered is None else f"{order.delivered:,}",
        "quantity": f"{order.quantity:,}",
    }
    if refund:
        return _(
            "✅ Order #{order_id} settled as {status}: {delivered} of {quantity} delivered; "
            "{refund} refunded. The customer was told."
        ).format(refund=format_money(refund, currency), **values)
    return _(
        "✅ Order #{order_id} settled as {status}: {delivered} of {quantity} delivered; "
        "nothing refunded. The customer was told."
    ).format(**values)


def settle_not_active(order_id: int, status: str) -> str:
    if status == "unknown":
        return _being_checked(order_id)
    if status == "submitting":
        return _("⚠️ Order #{order_id} is still being placed. Nothing changed.").format(order_id=order_id)
    return _("Order #{order_id} is already {status}. Nothing changed.").format(
        order_id=order_id, status=status_word(status)
    )


def settle_remains_range(order_id: int, quantity: int) -> str:
    return _(
        "For order #{order_id} (quantity {quantity}) the remains of a partial must be from 1 to "
        "{most}: none left is “completed”, all of it “canceled”"
    ).format(order_id=order_id, quantity=f"{quantity:,}", most=f"{quantity - 1:,}")


def markup_set(percent: str) -> str:
    return _("✅ The shop-wide markup is now {percent}%. New prices apply to new summaries.").format(
        percent=q(percent)
    )


def price_set(service_id: int, name: str, percent: str | None, global_percent: str) -> str:
    if percent is None:
        return _("✅ Service #{service_id} ({name}) uses the shop-wide markup ({percent}%) again.").format(
            service_id=service_id, name=q(name), percent=q(global_percent)
        )
    return _("✅ Service #{service_id} ({name}) now has its own markup of {percent}%.").format(
        service_id=service_id, name=q(name), percent=q(percent)
    )


def service_switched(service_id: int, name: str, enabled: bool, available: bool) -> str:
    if enabled:
        text = _("✅ Service #{service_id} ({name}) is now on.")
    else:
        text = _("✅ Service #{service_id} ({name}) is now off.")
    text = text.format(service_id=service_id, name=q(name))
    if enabled and not available:
        text += "\n" + _(
            "Customers still cannot see it: the provider no longer lists it, or its type is not supported."
        )
    return text


def no_such_service(service_id: int) -> str:
    return _("⚠️ There is no service #{service_id}.").format(service_id=service_id)


def sync_done(added: int, updated: int, disabled: int, unchanged: int, seconds: float) -> str:
    return _(
        "✅ Catalogue synced in {seconds} s: {added} added, {updated} updated, "
        "{disabled} disabled, {unchanged} unchanged."
    ).format(seconds=f"{seconds:.1f}", added=added, updated=updated, disabled=disabled, unchanged=unchanged)


def sync_failed(reason: str) -> str:
    return _("⚠️ The catalogue sync failed: {reason}\nThe previous catalogue stays in place.").format(
        reason=q(reason)
    )


def provider_failed(reason: str) -> str:
    return _("⚠️ The provider did not answer: {reason}").format(reason=q(reason))


def provider_balance(amount: str, currency: str, spent_24h: str, low: bool) -> str:
    text = _("🏦 Provider balance: <b>{amount} {currency}</b>\nSpent in the last 24 h: {spent}").format(
        amount=q(amount), currency=q(currency), spent=q(spent_24h)
    )
    if low:
        text += "\n" + _("⚠️ <b>Low balance</b>: less than one day of orders at the current pace. Top it up.")
    return text


def stats(
    users: int, counts: Mapping[str, int], rows: list[PeriodReport], attention: int, currency: str
) -> str:
    by_status = "\n".join(f"  {status_word(s)}: {n:,}" for s, n in sorted(counts.items())) or "  " + _("none")
    lines = [
        _("📊 <b>Shop statistics</b>\nUsers: {users}\nOrders by status:\n{by_status}").format(
            users=f"{users:,}", by_status=by_status
        )
    ]
    for row in rows:
        # The period's label comes from bot/admin/reports.py in English; unknown msgids come back as they are.
        orders = ngettext("<b>{period}</b>: {count} order", "<b>{period}</b>: {count} orders", row.orders)
        figures = _(
            "  Turnover: {turnover}\n  Refunds: {refunds}\n  Provider cost: {cost}\n  Margin: <b>{margin}</b>"
        )
        lines.append(
            "\n"
            + orders.format(period=q(_(row.label)), count=f"{row.orders:,}")
            + "\n"
            + figures.format(
                turnover=format_money(row.turnover, currency),
                refunds=format_money(row.refunds, currency),
                cost=format_money(row.provider_cost, currency),
                margin=format_money(row.margin, currency),
            )
            + "\n"
            + topups_by_method(row.topups_stars, row.topups_admin, currency)
            + "\n"
            + referral_figures(row.referred, row.rewards, currency)
        )
    if attention:
        # English keeps its "order(s)" wording in both forms; other languages decline the noun.
        needs = ngettext(
            "⚠️ {count} order(s) need attention: /attention",
            "⚠️ {count} order(s) need attention: /attention",
            attention,
        )
        lines.append("\n" + needs.format(count=attention))
    return "\n".join(lines)


ATTENTION_NONE = N_("✅ No order needs attention.")


def attention_list(orders: list[Order], page: int, pages: int, count: int) -> str:
    """One page of flagged orders: parked ones (money held) first, then the newest."""
    line = _("<b>#{order_id}</b> · {status} · user <code>{user_id}</code> · {reason}")
    lines = [
        line.format(
            order_id=o.id,
            status=status_word(o.status),
            user_id=o.user_id,
            # The stored reason is an English msgid (never translate "": gettext gives the catalogue header).
            reason=q(_(o.attention)) if o.attention else "",
        )
        for o in orders
    ]
    header = ngettext(
        "⚠️ <b>Orders needing attention: {count}</b> (page {page} of {pages})",
        "⚠️ <b>Orders needing attention: {count}</b> (page {page} of {pages})",
        count,
    ).format(count=f"{count:,}", page=page + 1, pages=pages)
    return (
        header
        + "\n\n"
        + "\n".join(lines)
        + "\n\n"
        + _("See <code>/order &lt;id&gt;</code>; settle with /resolve (parked) or /settle.")
    )


def admin_refill_lost(order_id: int, provider_refill_id: str, why: str) -> str:
    return _(
        "⚠️ Refill <code>{refill_id}</code> of order #{order_id} can no longer be followed "
        "({why}); it was closed as rejected and the customer told."
    ).format(refill_id=q(provider_refill_id), order_id=order_id, why=q(why))


def admin_provider_failing(provider: str, failures: int, reason: str) -> str:
    # English keeps its "time(s)" wording in both forms; other languages decline the noun.
    return ngettext(
        "⚠️ Provider <b>{provider}</b> failed {failures} time(s) in a row: {reason}\n"
        "Order statuses are not being updated. Check the panel and /provider.",
        "⚠️ Provider <b>{provider}</b> failed {failures} time(s) in a row: {reason}\n"
        "Order statuses are not being updated. Check the panel and /provider.",
        failures,
    ).format(provider=q(provider), failures=failures, reason=q(reason))
