"""The shop sells in CURRENCY, which must be the provider account's: prices are never converted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.config import Settings
from bot.notify.alerts import send_alert
from bot.texts import catalog_admin
from providers.base import Provider, ProviderBalance, ProviderError
from storage.database import Database

logger = logging.getLogger(__name__)


def currency_differs(balance: ProviderBalance, settings: Settings) -> bool:
    """Whether the provider's balance reply names a currency other than the shop's (none named: no)."""
    return bool(balance.currency) and balance.currency.strip().upper() != settings.currency.upper()


async def check_provider_currency(provider: Provider, db: Database, settings: Settings) -> bool:
    """Ask the provider for its balance and alert every admin if its currency is not CURRENCY.

    Run at start-up; a provider that does not answer is left to the other checks (logged, not raised).
    The alert goes out at most once a day for the same pair of currencies, however often the bot restarts.
    """
    try:
        balance = await provider.balance()
    except ProviderError as exc:
        logger.warning("Could not check the provider's currency at start-up: %s", exc)
        return False
    if not currency_differs(balance, settings):
        return False
    theirs, ours = balance.currency.strip().upper(), settings.currency.upper()
    logger.error("The provider's account is in %s but CURRENCY is %s: prices are wrong", theirs, ours)
    day = datetime.now(UTC).date().isoformat()
    await send_alert(
        db,
        settings,
        lambda: catalog_admin.currency_mismatch(theirs, ours),
        f"alert:currency_mismatch:{provider.name}:{theirs}:{ours}:{day}",
    )
    return True
