"""Scheduler job: poll the provider for every active order (100 ids a request) and settle the changes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot import texts
from bot.config import Settings
from bot.notify.alerts import alert_admins, send_alert
from bot.orders.poll_cycle import Cycle
from bot.orders.settlement import SettleReport, settle
from providers.base import Provider
from storage.database import Database
from storage.orders import ROW_ID, Order, OrderRepo, OrderStatus, order_from_row, transition

logger = logging.getLogger(__name__)

_FIRST_PAGE = 200  # active orders


@dataclass(slots=True)
class PollReport:
    orders: int = 0
    requests: int = 0
    failed_requests: int = 0
    failed_settles: int = 0  # chunks whose statuses could not be applied (a bug, logged with the ids)
    parked: int = 0  # orders taken out of polling because their stored provider id is unusable
    seconds: float = 0.0
    settled: SettleReport = field(default_factory=SettleReport)
    last_error: str = ""


async def poll_once(
    db: Database,
    orders: OrderRepo,
    providers: Mapping[str, Provider],
    settings: Settings,
    *,
    page_size: int = 1000,
) -> PollReport:
    """One cycle: ask each provider about its active orders and apply what changed.

    Active orders are read a page at a time, so memory stays flat however many there are. A failed
    request skips its orders until the next cycle; it never changes them. Requests run back to back
    across pages (the next page is read while this one's requests go out), each provider never having
    more than its `concurrency` at once, and replies are settled as they arrive (see poll_cycle).
    """
    started = time.perf_counter()
    report = PollReport()
    cycle = Cycle(db, providers, settings, report, settle)  # this module's settle, as it is now
    try:
        # A short first page gets the first requests out sooner; the others are read while requests
        # are in flight.
        page = await orders.active_rows(after_id=0, limit=min(page_size, _FIRST_PAGE))
        while page:
            report.orders += len(page)
            upcoming = asyncio.ensure_future(orders.active_rows(after_id=page[-1][ROW_ID], limit=page_size))
            try:
                for row in await cycle.submit(page):
                    await _park_unusable(db, settings, order_from_row(row), report)
            except BaseException:
                upcoming.cancel()
                await asyncio.gather(upcoming, return_exceptions=True)
                raise
            page = await upcoming
        await cycle.close()
    except asyncio.CancelledError:
        await cycle.cancel()
        raise
    except Exception:
        await cycle.close()  # what was asked is still settled (a no-op if closing failed)
        raise
    report.seconds = time.perf_counter() - started
    if report.settled.changed or report.failed_requests or report.failed_settles or report.parked:
        logger.info(
            "Poll: %d active, %d requests (%d failed), %d changed, %d refunded cents, "
            "%d chunks not settled, %d parked, %.2fs",
            report.orders,
            report.requests,
            report.failed_requests,
            report.settled.changed,
            report.settled.refunded,
            report.failed_settles,
            report.parked,
            report.seconds,
        )
    return report


async def _park_unusable(db: Database, settings: Settings, order: Order, report: PollReport) -> None:
    """Park an order whose stored provider id cannot go into a request, and alert every admin once."""
    try:
        async with db.transaction() as tx:
            moved = await transition(
                tx,
                order.id,
                expected=order.status,
                status=OrderStatus.UNKNOWN,
                attention=texts.msgid("ATTENTION_BAD_PROVIDER_ID"),  # stored in English
            )
            if moved:
                await alert_admins(
                    tx,
                    settings,
                    lambda: texts.admin_bad_provider_id(order),
                    f"alert:bad_provider_id:{order.id}",
                )
    except Exception:
        logger.exception("Could not park order %s, whose provider order id is unusable", order.id)
        return
    if moved:
        report.parked += 1
        logger.warning("Order %s has an unusable provider order id; parked for an admin", order.id)


@dataclass(slots=True)
class FailureStreak:
    """Counts poll cycles in a row in which every status request failed, to alert admins once."""

    threshold: int = 3
    cycles: int = 0
    since: float = 0.0

    def record(self, report: PollReport) -> bool:
        """Update the streak with a cycle's report; True exactly when it reaches the threshold."""
        if report.requests == 0:
            return False
        if report.failed_requests < report.requests:
            self.cycles = 0
            return False
        if self.cycles == 0:
            self.since = time.time()
        self.cycles += 1
        return self.cycles == self.threshold


async def poll_job(
    db: Database,
    orders: OrderRepo,
    providers: Mapping[str, Provider],
    settings: Settings,
    streak: FailureStreak | None = None,
) -> None:
    """Scheduler entry: one poll cycle; failures are logged, and admins hear of a provider that stays down."""
    try:
        report = await poll_once(db, orders, providers, settings)
    except Exception:
        logger.exception("Status poll cycle failed")
        return
    if streak is not None and streak.record(report):
        names = ", ".join(sorted(providers))
        await send_alert(
            db,
            settings,
            lambda: texts.admin_provider_failing(names, streak.cycles, report.last_error),
            ref=f"alert:poll_failing:{names}:{int(streak.since)}",
        )
