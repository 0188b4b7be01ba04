"""The audit's pure parts: when an alert is new, and a long list of problems still fits one message."""

from __future__ import annotations

import re
from datetime import date

from bot import texts
from bot.admin.audit import alert_ref
from storage.audit import AuditFindings, BalanceProblem, OrderIssue, OrderProblem, StrayEntry

DAY = date(2026, 3, 1)
TELEGRAM_LIMIT = 4096


def findings(*users: int, orders: tuple[OrderProblem, ...] = ()) -> AuditFindings:
    balances = tuple(BalanceProblem(user, 101, 100) for user in users)
    return AuditFindings(10, 10, balances, len(balances), orders, len(orders))


def order(order_id: int, *issues: OrderIssue) -> OrderProblem:
    return OrderProblem(order_id, 1, "partial", 117, 36, 117, 35, issues)


def test_the_same_findings_the_same_day_share_one_alert() -> None:
    first = alert_ref(findings(1, 2, orders=(order(5, OrderIssue.REFUNDS),)), DAY)
    assert first == alert_ref(findings(2, 1, orders=(order(5, OrderIssue.REFUNDS),)), DAY)
    assert first.startswith("alert:audit:2026-03-01:")


def test_new_findings_or_a_new_day_alert_again() -> None:
    base = findings(1, orders=(order(5, OrderIssue.REFUNDS),))
    refs = {
        alert_ref(base, DAY),
        alert_ref(base, date(2026, 3, 2)),
        alert_ref(findings(1, 3, orders=(order(5, OrderIssue.REFUNDS),)), DAY),
        alert_ref(findings(1, orders=(order(5, OrderIssue.REFUNDS, OrderIssue.OVER_REFUNDED),)), DAY),
        alert_ref(findings(1, orders=(order(6, OrderIssue.REFUNDS),)), DAY),
    }
    assert len(refs) == 5


def test_the_longest_report_fits_one_telegram_message() -> None:
    user, row, cents = 10**13, 10**12, -(10**12)  # beyond any Telegram id, ledger size or wallet
    worst = AuditFindings(
        users_checked=10**9,
        orders_checked=10**9,
        balances=tuple(BalanceProblem(user + i, -cents, cents) for i in range(100)),
        balance_count=10**9,
        orders=tuple(
            OrderProblem(row + i, user, "in_progress", cents, cents, cents, cents, tuple(OrderIssue))
            for i in range(100)
        ),
        order_count=10**9,
        strays=tuple(StrayEntry(row + i, user, "refund", row) for i in range(100)),
        stray_count=10**9,
    )
    html = texts.audit_problems(worst, "USDT")
    visible = re.sub(r"<[^>]+>", "", html)
    assert len(visible) <= TELEGRAM_LIMIT, len(visible)
    assert f"User <code>{user}</code>" in html and f"Order #{row} " in html and f"Row #{row}:" in html
