"""The ledger audit: the answer to /audit and the alert admins get when something does not add up."""

from __future__ import annotations

from bot.texts.ordering import status_word
from bot.wallet.money import format_amount, format_money
from storage.audit import AuditFindings, OrderIssue

# Problems listed per kind; the rest are counted, so the message stays under Telegram's 4096 characters.
AUDIT_SHOWN = 8

_ISSUES = {
    OrderIssue.CHARGE: "charge ≠ ledger",
    OrderIssue.REFUNDS: "refunds ≠ ledger",
    OrderIssue.OVER_REFUNDED: "refunded more than charged",
    OrderIssue.NOT_REFUNDED: "not refunded in full",
    OrderIssue.EARLY_REFUND: "refunded before it finished",
    OrderIssue.WRONG_USER: "a row is on another wallet",
}


def audit_clean(users: int, orders: int) -> str:
    return (
        "✅ <b>Ledger audit: clean.</b>\n"
        f"Checked {users:,} user(s) and {orders:,} order(s): every balance equals the sum of its ledger "
        "rows, and every order's charge and refunds match its ledger rows."
    )


def _more(shown: int, total: int) -> list[str]:
    return [f"… and {total - shown:,} more"] if total > shown else []


def audit_problems(findings: AuditFindings, currency: str) -> str:
    """List what the audit found: user ids, order ids and ledger rows, a few of each."""
    total = findings.balance_count + findings.order_count + findings.stray_count
    lines = [
        f"🚨 <b>Ledger audit: {total:,} problem(s).</b>",
        f"Checked {findings.users_checked:,} user(s) and {findings.orders_checked:,} order(s).",
    ]
    if findings.balance_count:
        shown = findings.balances[:AUDIT_SHOWN]
        lines.append("\n<b>Balances that differ from their ledger</b>")
        lines.extend(
            f"User <code>{p.user_id}</code>: balance {format_money(p.balance, currency)}, "
            f"ledger {format_money(p.ledger_sum, currency)}"
            for p in shown
        )
        lines.extend(_more(len(shown), findings.balance_count))
    if findings.order_count:
        shown_orders = findings.orders[:AUDIT_SHOWN]
        lines.append("\n<b>Orders that differ from their ledger</b>")
        lines.extend(
            f"Order #{p.order_id} (user <code>{p.user_id}</code>, {status_word(p.status)}): "
            + "; ".join(_ISSUES[issue] for issue in p.issues)
            + f" (charged {format_money(p.charge, currency)}, ledger {format_amount(p.ledger_charge)}; "
            f"refunded {format_amount(p.refunded)}, ledger {format_amount(p.ledger_refunds)})"
            for p in shown_orders
        )
        lines.extend(_more(len(shown_orders), findings.order_count))
    if findings.stray_count:
        shown_strays = findings.strays[:AUDIT_SHOWN]
        lines.append("\n<b>Ledger rows of orders that do not exist</b>")
        lines.extend(
            f"Row #{s.entry_id}: {s.kind} of user <code>{s.user_id}</code>, order "
            f"{'-' if s.order_id is None else f'#{s.order_id}'}"
            for s in shown_strays
        )
        lines.extend(_more(len(shown_strays), findings.stray_count))
    lines.append("\nNothing was changed. Look at them with /user and /order; /audit checks again.")
    return "\n".join(lines)
