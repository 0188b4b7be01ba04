"""Admin commands about the shop: markups, services, catalogue sync, statistics, the provider balance."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot import texts
from bot.admin.reports import balance_is_low, period_reports
from bot.catalog.currency import currency_differs
from bot.catalog.shop import global_markup, set_global_markup, set_service_markup, switch_service
from bot.catalog.sync import sync_catalog
from bot.config import Settings
from bot.i18n import _
from bot.texts import catalog_admin
from handlers.admin import SERVICE_NUMBER, UsageError, admin_router, parse_id, parse_percent
from handlers.filters import Command
from handlers.routing import Router
from providers.base import Provider, ProviderError
from storage.catalog import CatalogRepo
from storage.orders import OrderRepo
from storage.stats import StatsRepo, iso
from storage.tickets import TicketRepo
from storage.users import UserRepo

logger = logging.getLogger(__name__)


def _words(command: CommandObject, count: int) -> list[str]:
    """Exactly `count` words of arguments."""
    words = (command.args or "").split()
    if len(words) != count:
        raise UsageError(_("Missing arguments") if len(words) < count else _("Too many arguments"))
    return words


async def cmd_markup(message: Message, command: CommandObject, catalog: CatalogRepo) -> None:
    """Set the shop-wide markup: /markup <percent>."""
    assert message.from_user is not None
    try:
        [word] = _words(command, 1)
        percent = parse_percent(word)
    except UsageError as exc:
        await message.answer(texts.usage_error(str(exc), texts.MARKUP_USAGE))
        return
    await set_global_markup(catalog, percent)
    logger.info("Admin %s set the global markup to %s%%", message.from_user.id, percent)
    await message.answer(texts.markup_set(str(percent)))


async def cmd_price(
    message: Message, command: CommandObject, catalog: CatalogRepo, settings: Settings
) -> None:
    """Give a service its own markup, or back to the shop-wide one: /price <service_id> <percent|default>."""
    assert message.from_user is not None
    try:
        word_id, word_percent = _words(command, 2)
        service_id = parse_id(word_id, SERVICE_NUMBER)
        percent = None if word_percent.lower() == "default" else parse_percent(word_percent)
    except UsageError as exc:
        await message.answer(texts.usage_error(str(exc), texts.PRICE_USAGE))
        return
    service = await catalog.get(service_id)
    if service is None or not await set_service_markup(catalog, service_id, percent):
        await message.answer(texts.no_such_service(service_id))
        return
    logger.info("Admin %s set the markup of service %s to %s", message.from_user.id, service_id, percent)
    shop_wide = await global_markup(catalog, settings)
    await message.answer(
        texts.price_set(service_id, service.name, None if percent is None else str(percent), str(shop_wide))
    )


async def cmd_service(message: Message, command: CommandObject, catalog: CatalogRepo) -> None:
    """Show or hide a service for customers: /service <service_id> on|off."""
    assert message.from_user is not None
    try:
        word_id, switch = _words(command, 2)
        service_id = parse_id(word_id, SERVICE_NUMBER)
        if switch.lower() not in ("on", "off"):
            raise UsageError(_("“{word}” is neither “on” nor “off”").format(word=switch))
    except UsageError as exc:
        await message.answer(texts.usage_error(str(exc), texts.SERVICE_USAGE))
        return
    enabled = switch.lower() == "on"
    if not await switch_service(catalog, service_id, enabled):
        await message.answer(texts.no_such_service(service_id))
        return
    service = await catalog.get(service_id)
    assert service is not None
    logger.info("Admin %s switched service %s %s", message.from_user.id, service_id, switch.lower())
    await message.answer(texts.service_switched(service_id, service.name, enabled, service.available))


async def cmd_sync(message: Message, provider: Provider, catalog: CatalogRepo) -> None:
    """Refresh the catalogue now; on a provider failure the old catalogue stays."""
    try:
        report = await sync_catalog(provider, catalog)
    except ProviderError as exc:
        # Provider errors never carry the key (providers/base.py), so the reason is safe to show.
        logger.warning("Catalogue sync asked by an admin failed: %s", exc)
        await message.answer(texts.sync_failed(exc.message))
        return
    await message.answer(catalog_admin.sync_report(report))


async def cmd_stats(
    message: Message,
    stats: StatsRepo,
    users: UserRepo,
    orders: OrderRepo,
    tickets: TicketRepo,
    settings: Settings,
) -> None:
    """Users, orders by status, money for today, 7 and 30 days, and how support keeps up."""
    reports = await period_reports(stats)
    attention = await orders.count_needing_attention()
    support = await tickets.figures(iso(datetime.now(UTC) - timedelta(days=7)))
    text = texts.stats(
        await users.count(), await orders.counts_by_status(), reports, attention, settings.currency
    )
    figures = texts.support_figures(
        support.open_tickets, support.answered, support.median_first_answer_seconds
    )
    await message.answer(f"{text}\n\n{figures}")


async def cmd_provider(message: Message, provider: Provider, stats: StatsRepo, settings: Settings) -> None:
    """The provider balance, flagged low when it would not last another day at the last day's pace."""
    try:
        balance = await provider.balance()
    except ProviderError as exc:
        await message.answer(texts.provider_failed(exc.message))
        return
    spent = await stats.provider_cost_since(datetime.now(UTC) - timedelta(days=1))
    text = texts.provider_balance(
        str(balance.amount),
        balance.currency or settings.currency,
        f"{spent} {settings.currency}",
        low=balance_is_low(balance.amount, spent),
    )  # a currency other than CURRENCY is said below, naming both
    if currency_differs(balance, settings):
        text += "\n" + catalog_admin.currency_mismatch(balance.currency.strip().upper(), settings.currency)
    await message.answer(text)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = admin_router(__name__)
    router.message.register(cmd_markup, Command("markup"))
    router.message.register(cmd_price, Command("price"))
    router.message.register(cmd_service, Command("service"))
    router.message.register(cmd_sync, Command("sync"))
    router.message.register(cmd_stats, Command("stats"))
    router.message.register(cmd_provider, Command("provider"))
    return router
