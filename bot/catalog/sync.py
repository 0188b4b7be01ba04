"""Catalogue sync: copy the provider's service list into SQLite, keeping the old one if the sync fails.

Texts arrive clean (`providers.parsing.clean_text`); the platform of each service is computed here
(`bot.catalog.platforms`). The report says what customers cannot see and why: services of a kind the bot
cannot order (`storage.catalog.ORDERABLE_KINDS`, read at each sync), and entries skipped as unreadable.
Drip-feed is not a kind: a service that offers it is sold as an ordinary one-off order, and the bot never
sends `runs` / `interval`, so no drip-feed order (whose final charge is open-ended) is ever placed.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import storage.catalog
from bot.catalog.platforms import detect_platform
from bot.i18n import N_
from providers.base import Provider, ProviderError, ProviderService, ProviderUnavailable, ServiceKind
from providers.parsing import ServiceList, Unreadable, clean_text
from storage.catalog import CatalogRepo, ServiceData, SyncCounts

logger = logging.getLogger(__name__)

MAX_NAME = 200
MAX_CATEGORY = 100
MAX_DESCRIPTION = 2000


@dataclass(frozen=True, slots=True)
class HiddenType:
    """Services customers cannot see because the bot cannot take orders of their type."""

    kind: str  # providers.base.ServiceKind value
    type_name: str  # the provider's spelling, as the admin knows it ("Subscriptions", "Web Traffic")
    count: int


@dataclass(frozen=True, slots=True)
class SyncReport:
    counts: SyncCounts
    seconds: float
    hidden: tuple[HiddenType, ...] = ()  # by type, most first
    unreadable: Mapping[str, int] = field(default_factory=dict)  # providers.parsing.Unreadable -> count

    @property
    def hidden_total(self) -> int:
        return sum(item.count for item in self.hidden)

    @property
    def unreadable_total(self) -> int:
        return sum(self.unreadable.values())


def _service_data(service: ProviderService) -> ServiceData:
    category = (clean_text(service.category) or "Other")[:MAX_CATEGORY]
    name = (clean_text(service.name) or f"Service {service.service_id}")[:MAX_NAME]
    return ServiceData(
        provider_service_id=service.service_id,
        category=category,
        name=name,
        type=clean_text(service.type) or "Default",
        rate=service.rate,
        min_quantity=service.min,
        max_quantity=service.max,
        refill=service.refill,
        cancel=service.cancel,
        dripfeed=service.dripfeed,
        description=service.description.strip()[:MAX_DESCRIPTION],
        kind=service.kind.value,
        platform=detect_platform(category, name),
    )


def _usable(service: ProviderService) -> bool:
    """Drop entries no customer could order sensibly (negative prices, inverted limits)."""
    return service.rate >= 0 and 0 < service.min <= service.max


def hidden_types(items: list[ServiceData], orderable: frozenset[str]) -> tuple[HiddenType, ...]:
    """Count the services of kinds outside `orderable`, by kind (an unknown type by its own name)."""
    counts: Counter[tuple[str, str]] = Counter()
    spellings: dict[tuple[str, str], Counter[str]] = {}
    for item in items:
        if item.kind in orderable:
            continue
        # Unknown types stay apart ("Web Traffic", "SEO"): the admin wants to know which they are.
        key = (item.kind, item.type.casefold() if item.kind == ServiceKind.UNKNOWN else "")
        counts[key] += 1
        spellings.setdefault(key, Counter())[item.type] += 1
    hidden = [
        HiddenType(kind, spellings[(kind, folded)].most_common(1)[0][0], count)
        for (kind, folded), count in counts.items()
    ]
    return tuple(sorted(hidden, key=lambda item: (-item.count, item.type_name.casefold())))


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
    unreadable: Counter[str] = Counter(services.unreadable if isinstance(services, ServiceList) else {})
    items = []
    for service in services:
        if _usable(service):
            items.append(_service_data(service))
        else:
            logger.warning("Skipping provider service %s: unusable price or limits", service.service_id)
            unreadable[Unreadable.BAD_LIMITS] += 1
    counts = await catalog.apply_sync(provider.name, items)
    # Read at each sync: the kinds the bot can order grow as it learns them.
    hidden = hidden_types(items, storage.catalog.ORDERABLE_KINDS)
    seconds = time.perf_counter() - started
    report = SyncReport(counts=counts, seconds=seconds, hidden=hidden, unreadable=dict(unreadable))
    logger.info(
        "Catalogue synced in %.2fs: %d added, %d updated, %d disabled, %d hidden by type, %d unreadable",
        seconds,
        counts.added,
        counts.updated,
        counts.disabled,
        report.hidden_total,
        report.unreadable_total,
    )
    return report


async def scheduled_sync(provider: Provider, catalog: CatalogRepo) -> None:
    """Scheduler job: sync, logging (not raising) a provider failure so the old catalogue stays."""
    try:
        await sync_catalog(provider, catalog)
    except ProviderError as exc:
        logger.warning("Catalogue sync failed, keeping the previous catalogue: %s", exc)
