"""Scheduler job: poll the provider for every active order (100 ids a request) and settle the changes."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot import texts
from bot.config import Settings
from bot.notify.alerts import send_alert
from bot.orders.settlement import SettleReport, settle
from providers.base import Provider, StatusReport
from storage.database import Database
from storage.orders import Order, OrderRepo

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class PollReport:
    orders: int = 0
    requests: int = 0
    failed_requests: int = 0
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
    request skips its orders until the next cycle; it never changes them.
    """
    started = time.perf_counter()
    report = PollReport()
    after_id = 0
    while True:
        page = await orders.active(after_id=after_id, limit=page_size)
        if not page:
            break
        after_id = page[-1].id
        report.orders += len(page)
        await _poll_page(db, page, providers, settings, report)
    report.seconds = time.perf_counter() - started
    if report.settled.changed or report.failed_requests:
        logger.info(
            "Poll: %d active, %d requests (%d failed), %d changed, %d refunded cents, %.2fs",
            report.orders,
            report.requests,
            report.failed_requests,
            report.settled.changed,
            report.settled.refunded,
            report.seconds,
        )
    return report


async def _poll_page(
    db: Database, page: list[Order], providers: Mapping[str, Provider], settings: Settings, report: PollReport
) -> None:
    by_provider: dict[str, dict[str, list[Order]]] = {}
    for order in page:
        assert order.provider_order_id is not None
        by_provider.setdefault(order.provider, {}).setdefault(order.provider_order_id, []).append(order)
    for name, by_id in by_provider.items():
        provider = providers.get(name)
        if provider is None:
            logger.error("%d active orders belong to provider %r, which is not configured", len(by_id), name)
            continue
        for chunk in await provider.statuses_chunked(list(by_id)):
            report.requests += 1
            if chunk.error is not None:
                report.failed_requests += 1
                report.last_error = str(chunk.error)
                logger.warning(
                    "Status request for %d orders failed (%s); they are skipped this cycle",
                    len(chunk.order_ids),
                    chunk.error,
                )
                continue
            pairs: list[tuple[Order, StatusReport]] = []
            for provider_order_id, status in chunk.statuses.items():
                pairs.extend((order, status) for order in by_id.get(provider_order_id, ()))
            _add(report.settled, await settle(db, settings, pairs))


def _add(total: SettleReport, part: SettleReport) -> None:
    for name in SettleReport.__slots__:
        setattr(total, name, getattr(total, name) + getattr(part, name))


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
            texts.admin_provider_failing(names, streak.cycles, report.last_error),
            ref=f"alert:poll_failing:{names}:{int(streak.since)}",
        )
