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
