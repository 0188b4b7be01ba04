"""Shop-wide values that admins can change at run time."""

from __future__ import annotations

from decimal import Decimal

from bot.config import Settings
from storage.catalog import CatalogRepo

MARKUP_KEY = "markup_percent"


async def global_markup(catalog: CatalogRepo, settings: Settings) -> Decimal:
    """The markup set by /markup, or MARKUP_PERCENT from the settings if none was set."""
    stored = await catalog.get_setting(MARKUP_KEY)
    return settings.markup_percent if stored is None else Decimal(stored)


async def set_global_markup(catalog: CatalogRepo, percent: Decimal) -> None:
    """Set the shop-wide markup (overrides MARKUP_PERCENT until changed again)."""
    await catalog.set_setting(MARKUP_KEY, str(percent))


async def set_service_markup(catalog: CatalogRepo, service_id: int, percent: Decimal | None) -> bool:
    """Give a service its own markup, or None for the shop-wide one; False if there is no such service."""
    return await catalog.set_markup(service_id, percent)


async def switch_service(catalog: CatalogRepo, service_id: int, enabled: bool) -> bool:
    """Show or hide a service for customers; False if there is no such service."""
    return await catalog.set_enabled(service_id, enabled)
