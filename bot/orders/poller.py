"""Scheduler job: poll the provider for every active order (100 ids a request) and settle the changes."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot import texts
from bot.config import Settings
from bot.notify.alerts import alert_admins, send_alert
from bot.orders.settlement import SettleReport, settle
from providers.base import Provider, StatusReport
from providers.parsing import is_usable_order_id
from storage.database import Database
from storage.orders import Order, OrderRepo, OrderStatus, transition

logger = logging.getLogger(__name__)


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


async def _poll_page(
    db: Database, page: list[Order], providers: Mapping[str, Provider], settings: Settings, report: PollReport
) -> None:
    """Poll one page of active orders; an unexpected error loses its own chunk, never the cycle."""
    by_provider: dict[str, dict[str, list[Order]]] = {}
    unusable: list[Order] = []
    for order in page:
        assert order.provider_order_id is not None
        if not is_usable_order_id(order.provider_order_id):
            unusable.append(order)
            continue
        by_provider.setdefault(order.provider, {}).setdefault(order.provider_order_id, []).append(order)
    for order in unusable:
        await _park_unusable(db, settings, order, report)
    for name, by_id in by_provider.items():
        provider = providers.get(name)
        if provider is None:
            logger.error("%d active orders belong to provider %r, which is not configured", len(by_id), name)
            continue
        try:
            chunks = await provider.statuses_chunked(list(by_id))
        except Exception as exc:
            # Provider failures come back per chunk; anything raised here is a bug. Skip these orders only.
            report.requests += 1
            report.failed_requests += 1
            report.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception(
                "Status requests to %s failed unexpectedly; orders %s are skipped this cycle",
                name,
                _ids(order for orders in by_id.values() for order in orders),
            )
            continue
        for chunk in chunks:
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
            try:
                _add(report.settled, await settle(db, settings, pairs))
            except Exception:
                # Settlement is one transaction per chunk, so nothing of this chunk was written.
                report.failed_settles += 1
                logger.exception(
                    "Settling orders %s failed; they are skipped this cycle",
                    _ids(order for order, _ in pairs),
                )


def _ids(orders: Iterable[Order]) -> str:
    """Our order ids for a log line (never the provider's key or reply)."""
    return ", ".join(str(order_id) for order_id in sorted({order.id for order in orders})) or "-"


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
            lambda: texts.admin_provider_failing(names, streak.cycles, report.last_error),
            ref=f"alert:poll_failing:{names}:{int(streak.since)}",
        )
