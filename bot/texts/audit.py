"""The ledger audit: the answer to /audit and the alert admins get when something does not add up."""

from __future__ import annotations

from bot.i18n import N_, _, ngettext
from bot.texts.ordering import status_word
from bot.wallet.money import format_amount, format_money
from storage.audit import AuditFindings, OrderIssue

# Problems listed per kind; the rest are counted, so the message stays under Telegram's 4096 characters.
AUDIT_SHOWN = 8

_ISSUES = {
    OrderIssue.CHARGE: N_("charge ≠ ledger"),
    OrderIssue.REFUNDS: N_("refunds ≠ ledger"),
    OrderIssue.OVER_REFUNDED: N_("refunded more than charged"),
    OrderIssue.NOT_REFUNDED: N_("not refunded in full"),
    OrderIssue.EARLY_REFUND: N_("refunded before it finished"),
    OrderIssue.WRONG_USER: N_("a row is on another wallet"),
}


def _checked(users: int, orders: int) -> dict[str, str]:
    """The counts of users and orders checked, as words ("3 user(s)"), for `.format`."""
    # English keeps its "(s)"; languages with other plural rules choose a form by the count.
    return {
        "users": ngettext("{count} user(s)", "{count} user(s)", users).format(count=f"{users:,}"),
        "orders": ngettext("{count} order(s)", "{count} order(s)", orders).format(count=f"{orders:,}"),
    }


def audit_clean(users: int, orders: int) -> str:
    return _(
        "✅ <b>Ledger audit: clean.</b>\n"
        "Checked {users} and {orders}: every balance equals the sum of its ledger "
        "rows, and every order's charge and refunds match its ledger rows."
    ).format(**_checked(users, orders))


def _more(shown: int, total: int) -> list[str]:
    return [_("… and {count} more").format(count=f"{total - shown:,}")] if total > shown else []


def audit_problems(findings: AuditFindings, currency: str) -> str:
    """List what the audit found: user ids, order ids and ledger rows, a few of each."""
    total = findings.balance_count + findings.order_count + findings.stray_count
    lines = [
        ngettext(
            "🚨 <b>Ledger audit: {count} problem(s).</b>",
            "🚨 <b>Ledger audit: {count} problem(s).</b>",
            total,
        ).format(count=f"{total:,}"),
        _("Checked {users} and {orders}.").format(
            **_checked(findings.users_checked, findings.orders_checked)
        ),
    ]
    if findings.balance_count:
        shown = findings.balances[:AUDIT_SHOWN]
        lines.append("\n" + _("<b>Balances that differ from their ledger</b>"))
        lines.extend(
            _("User <code>{user_id}</code>: balance {balance}, ledger {ledger}").format(
                user_id=p.user_id,
                balance=format_money(p.balance, currency),
                ledger=format_money(p.ledger_sum, currency),
            )
            for p in shown
        )
        lines.extend(_more(len(shown), findings.balance_count))
    if findings.order_count:
        shown_orders = findings.orders[:AUDIT_SHOWN]
        lines.append("\n" + _("<b>Orders that differ from their ledger</b>"))
        lines.extend(
            _(
                "Order #{order_id} (user <code>{user_id}</code>, {status}): {issues} "
                "(charged {charge}, ledger {ledger_charge}; refunded {refunded}, ledger {ledger_refunds})"
            ).format(
                order_id=p.order_id,
                user_id=p.user_id,
                status=status_word(p.status),
                issues="; ".join(_(_ISSUES[issue]) for issue in p.issues),
                charge=format_money(p.charge, currency),
                ledger_charge=format_amount(p.ledger_charge),
                refunded=format_amount(p.refunded),
                ledger_refunds=format_amount(p.ledger_refunds),
            )
            for p in shown_orders
        )
        lines.extend(_more(len(shown_orders), findings.order_count))
    if findings.stray_count:
        shown_strays = findings.strays[:AUDIT_SHOWN]
        lines.append("\n" + _("<b>Ledger rows of orders that do not exist</b>"))
        # The row's kind is the ledger's own word (charge, refund, ...), shown as stored.
        lines.extend(
            _("Row #{entry_id}: {kind} of user <code>{user_id}</code>, order {order}").format(
                entry_id=s.entry_id,
                kind=s.kind,
                user_id=s.user_id,
                order="-" if s.order_id is None else f"#{s.order_id}",
            )
            for s in shown_strays
        )
        lines.extend(_more(len(shown_strays), findings.stray_count))
    lines.append("\n" + _("Nothing was changed. Look at them with /user and /order; /audit checks again."))
    return "\n".join(lines)
