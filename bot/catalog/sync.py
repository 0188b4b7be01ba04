"""Catalogue sync: copy the provider's service list into SQLite, keeping the old one if the sync fails."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bot.i18n import N_
from providers.base import Provider, ProviderError, ProviderService, ProviderUnavailable
from storage.catalog import CatalogRepo, ServiceData, SyncCounts

logger = logging.getLogger(__name__)

MAX_NAME = 200
MAX_CATEGORY = 100
MAX_DESCRIPTION = 2000


@dataclass(frozen=True, slots=True)
class SyncReport:
    counts: SyncCounts
    seconds: float


def _service_data(service: ProviderService) -> ServiceData:
    return ServiceData(
        provider_service_id=service.service_id,
        category=(service.category.strip() or "Other")[:MAX_CATEGORY],
        name=(service.name.strip() or f"Service {service.service_id}")[:MAX_NAME],
        type=service.type.strip() or "Default",
        rate=service.rate,
        min_quantity=service.min,
        max_quantity=service.max,
        refill=service.refill,
        cancel=service.cancel,
        dripfeed=service.dripfeed,
        description=service.description.strip()[:MAX_DESCRIPTION],
        kind=service.kind.value,
    )


def _usable(service: ProviderService) -> bool:
    """Drop entries no customer could order sensibly (negative prices, inverted limits)."""
    return service.rate >= 0 and 0 < service.min <= service.max


async def sync_catalog(provider: Provider, catalog: CatalogRepo) -> SyncReport:
    """Fetch the provider's services and apply them; on ProviderError the catalogue stays as it was."""
    started = time.perf_counter()
    services = await provider.services()
    if not services and (await catalog.count())["total"] > 0:
        # An empty list from a panel that listed services before is far more likely a glitch than a
        # real closing-down sale; disabling the whole shop on it would be the wrong bet.
        raise ProviderUnavailable(
            N_("the provider returned an empty service list"),  # shown to the admin who ran /sync
            reached=True,
            provider=provider.name,
            action="services",
        )
    items = []
    for service in services:
        if _usable(service):
            items.append(_service_data(service))
        else:
            logger.warning("Skipping provider service %s: unusable price or limits", service.service_id)
    counts = await catalog.apply_sync(provider.name, items)
    seconds = time.perf_counter() - started
    logger.info(
        "Catalogue synced in %.2fs: %d added, %d updated, %d disabled",
        seconds,
        counts.added,
        counts.updated,
        counts.disabled,
    )
    return SyncReport(counts=counts, seconds=seconds)


async def scheduled_sync(provider: Provider, catalog: CatalogRepo) -> None:
    """Scheduler job: sync, logging (not raising) a provider failure so the old catalogue stays."""
    try:
        await sync_catalog(provider, catalog)
    except ProviderError as exc:
        logger.warning("Catalogue sync failed, keeping the previous catalogue: %s", exc)
