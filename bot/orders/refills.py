"""Refills: ask the provider to refill a completed order, then follow it until Completed or Rejected.

A refill never moves money; the customer hears the outcome through the outbox, queued in the same
transaction as the status change, so a restart can neither lose nor repeat the message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot import texts
from bot.config import Settings
from bot.i18n import N_, _
from bot.notify.alerts import alert_admins
from bot.notify.notices import notify
from providers.base import (
    Provider,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    RefillState,
    RefillStatus,
    RejectReason,
)
from providers.parsing import is_usable_order_id
from storage.catalog import Service
from storage.database import Database, Tx
from storage.orders import Order, OrderStatus
from storage.refills import Refill, RefillPhase, RefillRepo, finish_refill, insert_refill, note_poll

logger = logging.getLogger(__name__)

# Cycles in which the provider does not know a refill id before it is closed as rejected.
GIVE_UP_AFTER_NOT_FOUND = 3


class RefillOutcome(StrEnum):
    REQUESTED = "requested"
    ALREADY_PENDING = "already_pending"
    NOT_ELIGIBLE = "not_eligible"  # our rules or the provider's "not eligible"
    REFUSED = "refused"  # any other refusal by the provider
    UNAVAILABLE = "unavailable"  # no usable answer; nothing stored, the customer may try later


def can_refill(order: Order, service: Service | None) -> bool:
    """A completed order of a service that offers refills, with a provider order to refill."""
    return (
        order.status == OrderStatus.COMPLETED
        and order.provider_order_id is not None
        and service is not None
        and service.refill
    )


async def request_refill(
    db: Database, provider: Provider, order: Order, service: Service | None
) -> RefillOutcome:
    """Send one `refill` for the order and store the refill id; nothing is stored on a refusal."""
    if not can_refill(order, service) or order.provider != provider.name:
        return RefillOutcome.NOT_ELIGIBLE
    assert order.provider_order_id is not None
    latest = await RefillRepo(db).latest_for_order(order.id)
    if latest is not None and latest.status == RefillPhase.PENDING:
        return RefillOutcome.ALREADY_PENDING
    try:
        refill_id = await provider.refill(order.provider_order_id)
    except ProviderRejected as exc:
        logger.info("Provider refused a refill of order %s: %s", order.id, exc)
        if exc.reason == RejectReason.NOT_ELIGIBLE:
            return RefillOutcome.NOT_ELIGIBLE
        return RefillOutcome.REFUSED
    except ProviderUnavailable as exc:
        logger.warning("Refill of order %s not requested, provider unavailable: %s", order.id, exc)
        return RefillOutcome.UNAVAILABLE
    async with db.transaction() as tx:
        stored = await insert_refill(tx, order.id, refill_id)
    if stored is None:
        # Another request got there first; the provider may now hold two, but only one is followed.
        logger.warning(
            "Order %s already had a pending refill; refill %s is not followed", order.id, refill_id
        )
        return RefillOutcome.ALREADY_PENDING
    logger.info("Refill %s requested for order %s", refill_id, order.id)
    return RefillOutcome.REQUESTED


@dataclass(slots=True)
class RefillPollReport:
    checked: int = 0
    completed: int = 0
    rejected: int = 0
    failed_requests: int = 0


async def poll_refills(
    db: Database, providers: Mapping[str, Provider], settings: Settings
) -> RefillPollReport:
    """One cycle: ask each provider about its pending refills and record the final ones."""
    report = RefillPollReport()
    by_provider: dict[str, list[Refill]] = {}
    for refill in await RefillRepo(db).pending():
        by_provider.setdefault(refill.provider, []).append(refill)
    for name, refills in by_provider.items():
        usable = [refill for refill in refills if is_usable_order_id(refill.provider_refill_id)]
        for refill in refills:
            if refill not in usable:
                # Stored before ids were checked at the door; it would break the comma-joined request.
                await _give_up(db, settings, refill, N_("its id is not usable"), report)
        refills = usable
        if not refills:
            continue
        provider = providers.get(name)
        if provider is None:
            logger.error(
                "%d pending refills belong to provider %r, which is not configured", len(refills), name
            )
            continue
        try:
            statuses = await provider.refill_statuses(sorted({r.provider_refill_id for r in refills}))
        except ProviderError as exc:
            report.failed_requests += 1
            logger.warning("Refill status request failed (%s); trying again next cycle", exc)
            continue
        except Exception:
            # A bug for one provider's refills must not stop the others; the ids say which.
            report.failed_requests += 1
            logger.exception("Refill status check failed for refills %s", [r.id for r in refills])
            continue
        for refill in refills:
            status = statuses.get(refill.provider_refill_id)
            if status is not None:
                report.checked += 1
                await _apply(db, settings, refill, status, report)
    return report


async def _apply(
    db: Database, settings: Settings, refill: Refill, status: RefillStatus, report: RefillPollReport
) -> None:
    """Record one refill status: a final one with the customer's notice, in one transaction."""
    raw = status.raw_status or None
    async with db.transaction() as tx:
        if status.not_found:
            bad = refill.bad_polls + 1
            if bad < GIVE_UP_AFTER_NOT_FOUND:
                await note_poll(tx, refill.id, provider_status=refill.provider_status, bad_polls=bad)
                return
            await _reject_lost(tx, settings, refill, N_("the provider does not know it"), report)
            return
        if status.state == RefillState.PENDING:
            if raw != refill.provider_status or refill.bad_polls:
                await note_poll(tx, refill.id, provider_status=raw, bad_polls=0)
            return
        done = status.state == RefillState.COMPLETED
        phase = RefillPhase.COMPLETED if done else RefillPhase.REJECTED
        if await finish_refill(tx, refill.id, phase, raw):
            await _tell_customer(tx, refill, done=done)
            if done:
                report.completed += 1
            else:
                report.rejected += 1


async def _reject_lost(
    tx: Tx, settings: Settings, refill: Refill, why: str, report: RefillPollReport
) -> None:
    """Stop following a refill we can no longer check: the customer and every admin are told once."""
    if await finish_refill(tx, refill.id, RefillPhase.REJECTED, why):
        await _tell_customer(tx, refill, done=False)
        await alert_admins(
            tx,
            settings,
            lambda: texts.admin_refill_lost(refill.order_id, refill.provider_refill_id, _(why)),
            f"alert:refill_lost:{refill.id}",
        )
        report.rejected += 1


async def _give_up(
    db: Database, settings: Settings, refill: Refill, why: str, report: RefillPollReport
) -> None:
    async with db.transaction() as tx:
        await _reject_lost(tx, settings, refill, why, report)


async def _tell_customer(tx: Tx, refill: Refill, *, done: bool) -> None:
    await notify(
        tx,
        refill.user_id,
        lambda: texts.refill_finished(refill.order_id, refill.service_name, done),
        ref=f"notice:refill:{refill.id}",
    )


async def refill_poll_job(db: Database, providers: Mapping[str, Provider], settings: Settings) -> None:
    """Scheduler entry: one refill poll cycle; a failure is logged and the next cycle tries again."""
    try:
        await poll_refills(db, providers, settings)
    except Exception:
        logger.exception("Refill poll cycle failed")
