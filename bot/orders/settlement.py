"""Apply provider statuses to orders: transition, refund and notice in one transaction per batch.

A batch is written with a handful of set-based statements, so settling thousands of transitions stays
fast. Every refund row has the unique reference `refund:order:<id>`; if one was somehow written before,
the whole batch rolls back and is settled order by order, where the duplicate is skipped.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiosqlite

from bot import texts
from bot.config import Settings
from bot.wallet.money import proportional_floor
from providers.base import RemoteState, StatusReport
from storage.database import Database, select_all
from storage.orders import ACTIVE, Order, OrderStatus
from storage.outbox import enqueue_many

logger = logging.getLogger(__name__)

# Cycles of Fail/Error, an unknown id or an unrecognised status before an admin is asked to look.
FLAG_AFTER_BAD_POLLS = 3

_STATE_TO_STATUS = {
    RemoteState.PENDING: OrderStatus.PENDING,
    RemoteState.IN_PROGRESS: OrderStatus.IN_PROGRESS,
    RemoteState.COMPLETED: OrderStatus.COMPLETED,
    RemoteState.PARTIAL: OrderStatus.PARTIAL,
    RemoteState.CANCELED: OrderStatus.CANCELED,
}


@dataclass(slots=True)
class SettleReport:
    changed: int = 0
    completed: int = 0
    partial: int = 0
    canceled: int = 0
    refunded: int = 0  # cents
    flagged: int = 0
    skipped: int = 0  # raced or no longer active


@dataclass(slots=True)
class _Plan:
    order: Order
    status: OrderStatus
    fields: dict[str, object]
    refund: int = 0
    notice: str | None = None
    notice_ref: str | None = None
    alerts: list[tuple[int, str, str]] = field(default_factory=list)


def _clamp(remains: int | None, quantity: int) -> int | None:
    return None if remains is None else min(max(remains, 0), quantity)


def _alerts(order: Order, why: str, key: str, settings: Settings) -> list[tuple[int, str, str]]:
    """One alert per admin; the reference makes a repeated flag for the same reason a no-op."""
    return [
        (admin, texts.admin_flagged(order, why), f"alert:flag:{order.id}:{key}:{admin}")
        for admin in sorted(settings.admin_ids)
    ]


def plan_change(order: Order, report: StatusReport, settings: Settings) -> _Plan | None:
    """Decide what a status report means for an active order; None when nothing changes."""
    state = report.state
    common: dict[str, object] = {"provider_status": report.raw_status or None}
    if report.start_count is not None:
        common["start_count"] = report.start_count
    if report.remains is not None:
        common["remains"] = report.remains
    if report.charge is not None:
        common["provider_charge"] = str(report.charge)

    if report.not_found or state in (RemoteState.FAILED, RemoteState.UNKNOWN):
        bad = order.bad_polls + 1
        plan = _Plan(order, order.status, {**common, "bad_polls": bad})
        if report.not_found:
            plan.fields.pop("provider_status", None)
        if bad >= FLAG_AFTER_BAD_POLLS and order.attention is None:
            if report.not_found:
                why, key = "the provider does not know this order id", "not_found"
            else:
                why, key = f"the provider reports “{report.raw_status or report.error or '?'}”", "bad_status"
            plan.fields["attention"] = why
            plan.alerts = _alerts(order, why, key, settings)
        return plan

    status = _STATE_TO_STATUS[state]
    if status == OrderStatus.PARTIAL and report.remains is None:
        # Without `remains` the undelivered share is unknown: never guess with money.
        why = "Partial without a remains figure: settle it by hand"
        if order.attention == why:
            return None
        plan = _Plan(order, order.status, {**common, "attention": why})
        plan.alerts = _alerts(order, why, "partial_without_remains", settings)
        return plan

    if status in ACTIVE:
        unchanged = (
            status == order.status
            and order.bad_polls == 0
            and common.get("start_count", order.start_count) == order.start_count
            and common.get("remains", order.remains) == order.remains
            and (report.raw_status or None) == order.provider_status
        )
        if unchanged:
            return None
        return _Plan(order, status, {**common, "bad_polls": 0})

    refund = 0
    if status == OrderStatus.CANCELED:
        refund = order.charge - order.refunded
    elif status == OrderStatus.PARTIAL:
        refund = max(
            proportional_floor(order.charge, report.remains or 0, order.quantity) - order.refunded, 0
        )
    fields = {**common, "bad_polls": 0, "refunded": order.refunded + refund}
    return _Plan(order, status, fields, refund=refund, notice_ref=f"notice:settled:{order.id}")


async def settle(
    db: Database, settings: Settings, pairs: Iterable[tuple[Order, StatusReport]]
) -> SettleReport:
    """Apply status reports to their orders in one transaction (falling back to one per order)."""
    plans = [plan for order, status in pairs if (plan := plan_change(order, status, settings)) is not None]
    report = SettleReport()
    if not plans:
        return report
    try:
        async with db.transaction() as tx:
            await _write(tx, settings, plans, report)
        return report
    except sqlite3.IntegrityError:
        logger.warning("Batch settlement hit a duplicate; settling %d orders one by one", len(plans))
    report = SettleReport()
    for plan in plans:
        try:
            async with db.transaction() as tx:
                await _write(tx, settings, [plan], report)
        except sqlite3.IntegrityError:
            logger.error("Order %s was already settled; skipping it", plan.order.id)
            report.skipped += 1
    return report


async def _write(
    tx: aiosqlite.Connection, settings: Settings, plans: list[_Plan], report: SettleReport
) -> None:
    """Write a batch of plans inside one transaction, re-checking each order's current status."""
    ids = [plan.order.id for plan in plans]
    current: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ",".join("?" * len(part))
        found = await select_all(tx, f"SELECT id, status FROM orders WHERE id IN ({marks})", tuple(part))  # noqa: S608
        current.update({row[0]: row[1] for row in found})
    live = [plan for plan in plans if current.get(plan.order.id) == plan.order.status.value]
    report.skipped += len(plans) - len(live)
    if not live:
        return

    users = sorted({plan.order.user_id for plan in live if plan.refund > 0})
    balances: dict[int, int] = {}
    for start in range(0, len(users), 500):
        part = users[start : start + 500]
        marks = ",".join("?" * len(part))
        found = await select_all(tx, f"SELECT id, balance FROM users WHERE id IN ({marks})", tuple(part))  # noqa: S608
        balances.update({row[0]: row[1] for row in found})

    updates: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
    ledger_rows: list[tuple[object, ...]] = []
    notices: list[tuple[int, str, str | None]] = []
    for plan in live:
        order = plan.order
        names = tuple(sorted(plan.fields))
        updates.setdefault(names, []).append(
            (plan.status.value, *(plan.fields[name] for name in names), order.id, order.status.value)
        )
        balance_after = balances.get(order.user_id, 0)
        if plan.refund > 0:
            balance_after += plan.refund
            balances[order.user_id] = balance_after
            ledger_rows.append(
                (
                    order.user_id,
                    plan.refund,
                    f"refund:order:{order.id}",
                    order.id,
                    f"Order #{order.id} {plan.status.value}",
                    balance_after,
                )
            )
            report.refunded += plan.refund
        if plan.notice_ref is not None:
            text = texts.order_settled(
                order, plan.status, plan.fields, plan.refund, balance_after, settings.currency
            )
            notices.append((order.user_id, text, plan.notice_ref))
        notices.extend(plan.alerts)
        if plan.alerts:
            report.flagged += 1
        if plan.status != order.status:
            report.changed += 1
            if plan.status == OrderStatus.COMPLETED:
                report.completed += 1
            elif plan.status == OrderStatus.PARTIAL:
                report.partial += 1
            elif plan.status == OrderStatus.CANCELED:
                report.canceled += 1

    for names, rows in updates.items():
        assignments = ", ".join(["status = ?", *(f"{name} = ?" for name in names)])
        sql = (
            f"UPDATE orders SET {assignments}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "  # noqa: S608
            "finished_at = CASE WHEN ? IN ('completed', 'partial', 'canceled') THEN "
            "COALESCE(finished_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ELSE finished_at END "
            "WHERE id = ? AND status = ?"
        )
        params = [(row[0], *row[1:-2], row[0], row[-2], row[-1]) for row in rows]
        await tx.executemany(sql, params)
    if ledger_rows:
        # A plain INSERT: a reference written before raises and rolls the whole batch back.
        await tx.executemany(
            "INSERT INTO ledger (user_id, amount, kind, ref, order_id, note, balance_after) "
            "VALUES (?, ?, 'refund', ?, ?, ?, ?)",
            ledger_rows,
        )
        totals: dict[int, int] = {}
        for row in ledger_rows:
            user_id, amount = int(row[0]), int(row[1])  # type: ignore[call-overload]
            totals[user_id] = totals.get(user_id, 0) + amount
        await tx.executemany(
            "UPDATE users SET balance = balance + ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE id = ?",
            [(amount, user_id) for user_id, amount in totals.items()],
        )
    if notices:
        await enqueue_many(tx, notices)
