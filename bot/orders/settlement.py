"""Apply provider statuses to orders: transition, refund and notice in one transaction per batch.

A batch is written with a handful of set-based statements, so settling thousands of transitions stays
fast. Every refund row has the unique reference `refund:order:<id>`; if one was somehow written before,
the whole batch rolls back and is settled order by order, where the duplicate is skipped. An admin's
`/settle` goes through the same plan and write, so its refund and notice are the automatic ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot import texts
from bot.config import Settings
from bot.i18n import N_, _, use_locale
from bot.notify.alerts import admin_copies
from bot.notify.notices import Render
from bot.texts import catalog_admin
from bot.wallet.money import MINOR_PER_MAJOR, proportional_floor
from providers.base import RemoteState, StatusReport
from storage.database import Database, Tx
from storage.errors import CONFLICTS
from storage.ledger import apply_entries, order_refund
from storage.orders import (
    ACTIVE,
    ROW_ATTENTION,
    ROW_BAD_POLLS,
    ROW_CHARGE,
    ROW_PROVIDER_CHARGE,
    ROW_PROVIDER_STATUS,
    ROW_REMAINS,
    ROW_START_COUNT,
    ROW_STATUS,
    Move,
    Order,
    OrderRow,
    OrderStatus,
    transition_many,
    versions,
)
from storage.outbox import enqueue_many
from storage.users import locales_of

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


@dataclass(slots=True, kw_only=True)  # seven counters: never by position
class SettleReport:
    """What settling a batch did: transitions by final status, cents refunded, orders flagged."""

    changed: int = 0
    completed: int = 0
    partial: int = 0
    canceled: int = 0
    refunded: int = 0  # cents
    flagged: int = 0
    skipped: int = 0  # raced or no longer active


@dataclass(slots=True)
class Plan:
    """What one status report does to one order, decided from the order as it was read."""

    order: Order
    status: OrderStatus
    fields: dict[str, object]
    refund: int = 0
    notice_ref: str | None = None
    alert: tuple[Render, str] | None = None  # the admins' alert and its reference
    admin_id: int | None = None  # who settled it by hand, for the ledger row


def _flag(
    plan: Plan, why: str, key: str, settings: Settings, *, shown: Render | None = None, once: bool = False
) -> Plan:
    """Set the order's attention and alert every admin.

    `why` is stored in English (a msgid, translated where it is shown); `shown` renders it for the
    alert when it carries a value and so is no msgid itself. The reference carries the version of the
    order the flag was decided on: the same flag decided twice (concurrent cycles) goes out once, and a
    problem that comes back after being cleared is new, unless `once`: then it is alerted once per order.
    """
    order = plan.order
    plan.fields["attention"] = why
    ref = f"alert:flag:{order.id}:{key}" + ("" if once else f":{order.updated_at}")
    plan.alert = (lambda: texts.admin_flagged(order, shown() if shown is not None else _(why)), ref)
    return plan


def repeats(order: Order, report: StatusReport) -> bool:
    """Tell cheaply whether a report only repeats what an unflagged active order records.

    True implies plan_change returns None: most orders of most poll cycles, checked without building
    anything. False decides nothing (plan_change does).
    """
    return _repeats(
        report,
        order.status,
        order.attention,
        order.bad_polls,
        order.provider_status,
        order.start_count,
        order.remains,
        order.charge,
        order.provider_charge,
    )


def row_repeats(row: OrderRow, report: StatusReport) -> bool:
    """repeats() on an order as read, before an Order is built from it (the poller's idle orders)."""
    provider_charge = row[ROW_PROVIDER_CHARGE]
    return _repeats(
        report,
        row[ROW_STATUS],
        row[ROW_ATTENTION],
        row[ROW_BAD_POLLS],
        row[ROW_PROVIDER_STATUS],
        row[ROW_START_COUNT],
        row[ROW_REMAINS],
        row[ROW_CHARGE],
        # Only read when the report carries no charge of its own.
        None if provider_charge is None or report.charge is not None else Decimal(provider_charge),
    )


def _repeats(
    report: StatusReport,
    status: str,
    attention: str | None,
    bad_polls: int,
    provider_status: str | None,
    start_count: int | None,
    remains: int | None,
    charge: int,
    provider_charge: Decimal | None,
) -> bool:
    # `status` is an OrderStatus or its stored text: a StrEnum equals its value.
    return (
        attention is None
        and bad_polls == 0
        and not report.not_found
        and _STATE_TO_STATUS.get(report.state) == status
        and status in ACTIVE
        and (report.raw_status or None) == provider_status
        and (report.start_count is None or report.start_count == start_count)
        and (report.remains is None or report.remains == remains)
        and _charge_above(charge, provider_charge, report) is None
    )


def plan_change(order: Order, report: StatusReport, settings: Settings) -> Plan | None:
    """Decide what a status report means for an active order; None when nothing changes."""
    return None if repeats(order, report) else decide(order, report, settings)


def decide(order: Order, report: StatusReport, settings: Settings) -> Plan | None:
    """plan_change without the shortcut for reports that change nothing."""
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
        plan = Plan(order, order.status, {**common, "bad_polls": bad})
        if report.not_found:
            plan.fields.pop("provider_status", None)
        if bad < FLAG_AFTER_BAD_POLLS or order.attention is not None:
            return plan
        if report.not_found:
            return _flag(plan, N_("the provider does not know this order id"), "not_found", settings)
        said = report.raw_status or report.error or "?"
        why = texts.msgid("ATTENTION_PROVIDER_REPORTS").format(status=said)

        def shown() -> str:
            return texts.ATTENTION_PROVIDER_REPORTS.format(status=said)

        return _flag(plan, why, "bad_status", settings, shown=shown)

    status = _STATE_TO_STATUS[state]
    if status == OrderStatus.PARTIAL and report.remains is None:
        # Without `remains` the undelivered share is unknown: never guess with money.
        why = N_("Partial without a remains figure: settle it by hand")
        if order.attention == why:
            return None
        return _flag(Plan(order, order.status, common), why, "partial_without_remains", settings)

    # A usable answer: whatever was flagged has gone away (or is settled now), unless the provider
    # charges more than the customer paid.
    overcharge = _overcharge(order, report, settings)
    common.update(bad_polls=0, attention=None if overcharge is None else overcharge[0])
    if status in ACTIVE:
        unchanged = (
            status == order.status
            and order.bad_polls == 0
            and order.attention == common["attention"]
            and common.get("start_count", order.start_count) == order.start_count
            and common.get("remains", order.remains) == order.remains
            and (report.raw_status or None) == order.provider_status
        )
        return None if unchanged else _price_guard(Plan(order, status, common), overcharge, settings)

    refund = 0
    if status == OrderStatus.CANCELED:
        refund = order.charge - order.refunded
    elif status == OrderStatus.PARTIAL:
        refund = max(
            proportional_floor(order.charge, report.remains or 0, order.quantity) - order.refunded, 0
        )
    # A finished order leaves the attention list (nothing is left to settle); an overcharge is alerted.
    fields = {**common, "attention": None, "refunded": order.refunded + refund}
    plan = Plan(order, status, fields, refund=refund, notice_ref=f"notice:settled:{order.id}")
    return _price_guard(plan, overcharge, settings)


def _overcharge(order: Order, report: StatusReport, settings: Settings) -> tuple[str, Render] | None:
    """The attention (stored, shown) when the provider charges more than the customer paid, else None.

    The last charge the provider reported counts when this reply carries none. A per-package rate
    taken per 1000, a wrong CURRENCY or a price rise shows up here on the first order.
    """
    charge = _charge_above(order.charge, order.provider_charge, report)
    if charge is None:
        return None
    figures = catalog_admin.provider_charge_above_paid(str(charge), order.charge, settings.currency)
    return (
        catalog_admin.ATTENTION_PROVIDER_CHARGE.format(**figures),
        lambda: _(catalog_admin.ATTENTION_PROVIDER_CHARGE).format(**figures),
    )


def _charge_above(paid: int, provider_charge: Decimal | None, report: StatusReport) -> Decimal | None:
    """The provider's charge (this report's, else the last one stored) when above `paid` cents, else None."""
    charge = report.charge if report.charge is not None else provider_charge
    if charge is None or charge * MINOR_PER_MAJOR <= paid:
        return None
    return charge


def _price_guard(plan: Plan, overcharge: tuple[str, Render] | None, settings: Settings) -> Plan:
    """Flag an overcharged order and alert the admins, once per order; money moves as planned."""
    if overcharge is None or plan.order.attention == overcharge[0]:
        return plan  # nothing wrong, or flagged (and alerted) on an earlier status already
    why, shown = overcharge
    attention = plan.fields["attention"]
    _flag(plan, why, "provider_charge", settings, shown=shown, once=True)
    if plan.status not in ACTIVE:
        plan.fields["attention"] = attention
    return plan


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
            await write_plans(tx, settings, plans, report)
        return report
    except CONFLICTS:
        logger.warning("Batch settlement hit a duplicate; settling %d orders one by one", len(plans))
    report = SettleReport()
    for plan in plans:
        try:
            async with db.transaction() as tx:
                await write_plans(tx, settings, [plan], report)
        except CONFLICTS:
            logger.error("Order %s was already settled; skipping it", plan.order.id)
            report.skipped += 1
    return report


async def write_plans(tx: Tx, settings: Settings, plans: list[Plan], report: SettleReport) -> None:
    """Write plans inside the caller's transaction, skipping orders changed since they were read."""
    # Each await is a trip to the database thread and back through the event loop, which a poll cycle
    # keeps busy: independent reads go together, and the orders move while the notices are rendered.
    # Every notice is in its reader's language: the customers' and the admins' locales come with the
    # versions.
    readers = [*(plan.order.user_id for plan in plans), *settings.admin_ids]
    current, locales = await asyncio.gather(
        versions(tx, [plan.order.id for plan in plans]), locales_of(tx, readers)
    )
    live: list[Plan] = []
    for plan in plans:
        order = plan.order
        now = current.get(order.id)
        if now == (order.status, order.updated_at):
            live.append(plan)
        elif now is not None and now[0] not in ACTIVE:
            logger.info("Order %s is %s already; a report of %s moves nothing", order.id, now[0], plan.status)
    report.skipped += len(plans) - len(live)
    if not live:
        return

    refunds = [plan for plan in live if plan.refund > 0]
    entries = [
        order_refund(p.order, p.refund, f"Order #{p.order.id} {p.status}", p.admin_id) for p in refunds
    ]
    balances = await apply_entries(tx, entries)
    balance_after = {plan.order.id: balance for plan, balance in zip(refunds, balances, strict=True)}
    report.refunded += sum(plan.refund for plan in refunds)

    moves = [Move(p.order.id, (p.order.status,), p.status, p.fields) for p in live]
    moving = asyncio.ensure_future(transition_many(tx, moves))
    try:
        await asyncio.sleep(0)  # let the update reach the database thread before rendering
        settled = _settled_notices(live, locales, balance_after, settings.currency)
    finally:
        await moving  # never leave a statement of this transaction behind
    notices: list[tuple[int, str, str | None]] = []
    for plan, text in zip(live, settled, strict=True):
        order = plan.order
        if plan.notice_ref is not None and text is not None:
            notices.append((order.user_id, text, plan.notice_ref))
        if plan.alert is not None:
            notices.extend(admin_copies(settings, *plan.alert, locales))
            report.flagged += 1
        if plan.status != order.status:
            report.changed += 1
            report.completed += plan.status == OrderStatus.COMPLETED
            report.partial += plan.status == OrderStatus.PARTIAL
            report.canceled += plan.status == OrderStatus.CANCELED
    if notices:
        await enqueue_many(tx, notices)


def _settled_notices(
    plans: list[Plan], locales: Mapping[int, str], balance_after: Mapping[int, int], currency: str
) -> list[str | None]:
    """Each plan's notice to its customer (None for a plan without one), in the customer's language.

    Rendered a language at a time: switching the locale for every notice costs more than the text.
    """
    by_locale: dict[str | None, list[int]] = {}
    for index, plan in enumerate(plans):
        if plan.notice_ref is not None:
            by_locale.setdefault(locales.get(plan.order.user_id), []).append(index)
    rendered: list[str | None] = [None] * len(plans)
    for locale, indexes in by_locale.items():
        with use_locale(locale):
            for index in indexes:
                plan = plans[index]
                after = balance_after.get(plan.order.id, 0)
                rendered[index] = texts.order_settled(
                    plan.order, plan.status, plan.fields, plan.refund, after, currency
                )
    return rendered
