"""Customer cancellation: one `cancel` request; the money moves later, when a status says Canceled/Partial."""

from __future__ import annotations

import logging
from enum import StrEnum

from providers.base import Provider, ProviderRejected, ProviderUnavailable
from storage.cancels import CancelRepo
from storage.catalog import Service
from storage.database import Database
from storage.orders import ACTIVE, Order

logger = logging.getLogger(__name__)


class CancelOutcome(StrEnum):
    REQUESTED = "requested"
    ALREADY_REQUESTED = "already_requested"
    NOT_ALLOWED = "not_allowed"  # our rules: finished, or the service has no cancel
    REFUSED = "refused"  # the provider said no
    UNAVAILABLE = "unavailable"  # no usable answer; the customer may try later


def can_cancel(order: Order, service: Service | None) -> bool:
    """An order the provider is still working on, of a service that offers cancellation."""
    return (
        order.status in ACTIVE
        and order.provider_order_id is not None
        and service is not None
        and service.cancel
    )


async def request_cancel(
    db: Database, provider: Provider, order: Order, service: Service | None
) -> CancelOutcome:
    """Ask the provider to cancel the order once; settlement refunds it when the status arrives."""
    if not can_cancel(order, service) or order.provider != provider.name:
        return CancelOutcome.NOT_ALLOWED
    assert order.provider_order_id is not None
    repo = CancelRepo(db)
    if await repo.requested(order.id):
        return CancelOutcome.ALREADY_REQUESTED
    try:
        results = await provider.cancel([order.provider_order_id])
    except ProviderRejected as exc:
        # Panels without the action answer "Incorrect request": a refusal, not an outage.
        logger.info("Provider refused to cancel order %s: %s", order.id, exc)
        return CancelOutcome.REFUSED
    except ProviderUnavailable as exc:
        logger.warning("Cancel of order %s not sent, provider unavailable: %s", order.id, exc)
        return CancelOutcome.UNAVAILABLE
    result = results.get(order.provider_order_id)
    if result is None:
        logger.warning("Cancel reply for order %s did not mention it", order.id)
        return CancelOutcome.UNAVAILABLE
    if not result.accepted:
        logger.info("Provider refused to cancel order %s: %s", order.id, result.error)
        return CancelOutcome.REFUSED
    await repo.record(order.id)
    logger.info("Cancel of order %s accepted by the provider", order.id)
    return CancelOutcome.REQUESTED
