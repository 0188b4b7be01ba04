"""Composition root: the only module that knows every part. Tests build the bot with the same factories."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramUnauthorizedError
from aiogram.fsm.strategy import FSMStrategy
from aiogram.types import BotCommand
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import texts
from bot.admin.audit import AUDIT_DELAY_MINUTES, audit_job
from bot.catalog.currency import check_provider_currency
from bot.catalog.sync import scheduled_sync
from bot.config import Settings
from bot.fsm_storage import create_fsm
from bot.growth.broadcasts import PROGRESS_SECONDS as BROADCAST_PROGRESS_SECONDS
from bot.growth.broadcasts import broadcast_job
from bot.i18n import DEFAULT_LOCALE, LANGUAGES, use_locale
from bot.leadership import Leaders, create_leaders
from bot.middlewares import CheckoutFirstFSM, RegisterUser
from bot.notify.housekeeping import HOUSEKEEPING_DELAY_MINUTES, housekeeping_job
from bot.notify.notifier import Notifier
from bot.orders.placement import OrderingDeps, recover_interrupted, stale_placement_seconds
from bot.orders.poller import FailureStreak, poll_job
from bot.orders.refills import refill_poll_job
from bot.scheduler import create_scheduler
from bot.support.topics import ForumTopics
from bot.wallet.stars_reconcile import RECONCILE_DELAY_MINUTES, reconcile_job
from bot.warmup import freeze_startup_objects, pin_response_models
from handlers import get_routers
from providers.base import Provider
from providers.smm_v2 import SmmV2Client
from providers.unconfigured import UnconfiguredProvider
from storage.broadcasts import BroadcastRepo
from storage.cancels import CancelRepo
from storage.catalog import CatalogRepo
from storage.database import Database, open_database
from storage.fsm import FsmRepo
from storage.ledger import LedgerRepo
from storage.orders import OrderRepo
from storage.outbox import OUTBOX_TOPIC, OutboxRepo
from storage.quotes import QuoteRepo
from storage.refills import RefillRepo
from storage.stats import StatsRepo
from storage.tickets import TicketRepo
from storage.users import UserRepo

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)


def create_bot(settings: Settings) -> Bot:
    """Build the Bot client, pointed at TELEGRAM_API_URL when one is set."""
    pin_response_models()
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    else:
        session = AiohttpSession()
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_http_client(settings: Settings) -> httpx.AsyncClient:
    """The one shared HTTP client for provider calls, with explicit timeouts."""
    timeout = httpx.Timeout(
        settings.provider_timeout_seconds, connect=min(5.0, settings.provider_timeout_seconds)
    )
    return httpx.AsyncClient(
        timeout=timeout,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        headers={"User-Agent": "smm-storefront-bot"},
    )


def create_redis(settings: Settings) -> Redis | None:
    """The Redis client shared by FSM storage, event isolation and job leases; None without REDIS_URL."""
    if settings.redis_url is None:
        return None
    from redis.asyncio import Redis  # the client library loads only when it is used

    return Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=30,
    )


def create_provider(settings: Settings, http: httpx.AsyncClient) -> Provider:
    """The upstream panel client (a refusing stand-in until PROVIDER_KEY is set)."""
    key = settings.provider_key.get_secret_value()
    if not key:
        logger.warning("PROVIDER_KEY is empty: the catalogue stays empty and no order can be placed")
        return UnconfiguredProvider(name="main")
    return SmmV2Client(settings.provider_url, key, http, name="main")


def create_dispatcher(
    settings: Settings,
    bot: Bot,
    *,
    provider: Provider | None = None,
    http: httpx.AsyncClient | None = None,
) -> Dispatcher:
    """Build the dispatcher with every dependency in its workflow data and lifecycle hooks registered."""
    db = open_database(settings.postgres_url, settings.database_path)
    http = http or create_http_client(settings)
    provider = provider or create_provider(settings, http)
    users = UserRepo(db)
    outbox = OutboxRepo(db)
    catalog = CatalogRepo(db)
    orders = OrderRepo(db)
    notifier = Notifier(bot, outbox, users)
    db.on_commit(OUTBOX_TOPIC, notifier.wake)
    redis = create_redis(settings)
    # In Redis with REDIS_URL (shared by every instance), else in SQLite; updates of one user run one at
    # a time either way, so a double tap cannot race through a conversation.
    storage, isolation = create_fsm(FsmRepo(db), redis)
    # Which instance runs each background job; the outbox sender runs only on its leader too.
    leaders = create_leaders(settings, namespace=str(bot.id), redis=redis)
    leaders["outbox_sender"].on_change(notifier.lead)
    dp = Dispatcher(
        storage=storage,
        fsm_strategy=FSMStrategy.USER_IN_CHAT,
        events_isolation=isolation,
        disable_fsm=True,  # replaced below by the same middleware that lets pre-checkout queries through
        settings=settings,
        db=db,
        http=http,
        provider=provider,
        users=users,
        ledger=LedgerRepo(db),
        outbox=outbox,
        catalog=catalog,
        orders=orders,
        quotes=QuoteRepo(db),
        refills=RefillRepo(db),
        cancels=CancelRepo(db),
        stats=StatsRepo(db),
        tickets=TicketRepo(db),
        broadcasts=BroadcastRepo(db),
        topics=ForumTopics(bot, db, settings),
        notifier=notifier,
        scheduler=create_scheduler(),
        redis=redis,  # None without REDIS_URL; the readiness probe pings it
        leaders=leaders,
        ordering=OrderingDeps(db=db, catalog=catalog, orders=orders, provider=provider, settings=settings),
    )
    dp.fsm = CheckoutFirstFSM(storage=storage, strategy=FSMStrategy.USER_IN_CHAT, events_isolation=isolation)
    dp.update.outer_middleware(dp.fsm)
    # Registration reads the user's stored language and renders the update in it.
    registration = RegisterUser(users)
    dp["registration"] = registration
    for observer in (dp.message, dp.callback_query, dp.pre_checkout_query):
        observer.outer_middleware(registration)
    dp.include_routers(*get_routers())
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def on_startup(
    bot: Bot,
    db: Database,
    notifier: Notifier,
    scheduler: AsyncIOScheduler,
    settings: Settings,
    provider: Provider,
    catalog: CatalogRepo,
    ordering: OrderingDeps,
    orders: OrderRepo,
    outbox: OutboxRepo,
    leaders: Leaders,
) -> None:
    """Open the database, recover interrupted work, publish commands and start background jobs."""
    await db.connect()
    if db.dialect == "sqlite":
        await recover_interrupted(ordering)  # the one process: whatever is left in `submitting` is ours
    else:
        # Other instances may be placing orders right now: only stale ones are parked, by one instance.
        scheduler.add_job(
            leaders.guard("stale_placements", recover_interrupted),
            "interval",
            seconds=10,
            args=(ordering,),
            kwargs={"stale_after": stale_placement_seconds(settings)},
            id="stale_placements",
            replace_existing=True,
            next_run_time=datetime.now(UTC) + timedelta(seconds=5),
        )
    try:
        if settings.webhook_url is None:
            # Polling only: in webhook mode `python -m bot set-webhook` owns the webhook, so instances
            # never race to set or delete it.
            await bot.delete_webhook(drop_pending_updates=False)
        await publish_commands(bot)
    except TelegramAPIError as exc:
        # Updates keep coming on their own; the command list is cosmetic and is set again on the next start.
        logger.warning("Could not reach Telegram at start-up (%s); carrying on", exc)
    # Every instance schedules every job; a run on one that does not lead the job returns at once.
    scheduler.add_job(
        leaders.guard("catalog_sync", scheduled_sync),
        "interval",
        minutes=settings.catalog_sync_minutes,
        args=(provider, catalog),
        id="catalog_sync",
        replace_existing=True,
    )
    scheduler.add_job(
        leaders.guard("status_poll", poll_job),
        "interval",
        seconds=settings.poll_interval_seconds,
        args=(db, orders, {provider.name: provider}, settings, FailureStreak()),
        id="status_poll",
        replace_existing=True,
    )
    scheduler.add_job(
        leaders.guard("refill_poll", refill_poll_job),
        "interval",
        seconds=settings.poll_interval_seconds,
        args=(db, {provider.name: provider}, settings),
        id="refill_poll",
        replace_existing=True,
    )
    scheduler.add_job(
        leaders.guard("housekeeping", housekeeping_job),
        "interval",
        hours=24,
        args=(outbox,),
        id="housekeeping",
        replace_existing=True,
        # A bot restarted more often than daily still cleans up: the first run is soon after start.
        next_run_time=datetime.now(UTC) + timedelta(minutes=HOUSEKEEPING_DELAY_MINUTES),
    )
    scheduler.add_job(
        leaders.guard("ledger_audit", audit_job),
        "interval",
        hours=24,
        args=(db, settings),
        id="ledger_audit",
        replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=AUDIT_DELAY_MINUTES),
    )
    scheduler.add_job(
        leaders.guard("broadcast_progress", broadcast_job),
        "interval",
        seconds=BROADCAST_PROGRESS_SECONDS,
        args=(db, settings, bot),
        id="broadcast_progress",
        replace_existing=True,
    )
    scheduler.add_job(
        leaders.guard("stars_reconciliation", reconcile_job),
        "interval",
        hours=24,
        args=(db, settings, bot),
        id="stars_reconciliation",
        replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=RECONCILE_DELAY_MINUTES),
    )
    # Leading a job lasts across its runs; leading the outbox starts the notifier (notifier.lead).
    await leaders.start()
    if leaders["catalog_sync"].is_leader:
        await scheduled_sync(provider, catalog)
    await check_provider_currency(provider, db, settings)
    scheduler.start()
    freeze_startup_objects()
    logger.info("Bot started")


async def publish_commands(bot: Bot) -> None:
    """Set the command menu in every language (Telegram shows it by the user's app language).

    The English list is also the default, for every other language.
    """
    for locale in LANGUAGES:
        with use_locale(locale):
            commands = [BotCommand(command=name, description=text) for name, text in texts.commands()]
        await bot.set_my_commands(commands, language_code=None if locale == DEFAULT_LOCALE else locale)


async def on_shutdown(
    db: Database,
    scheduler: AsyncIOScheduler,
    http: httpx.AsyncClient,
    settings: Settings,
    ordering: OrderingDeps,
    leaders: Leaders,
    redis: Redis | None,
) -> None:
    """Let placements and job runs in flight finish (bounded), then stop background work, close resources."""
    if scheduler.running:
        scheduler.pause()  # no new runs; the one running (a poll cycle, say) ends on its own below
    # Updates have stopped; a Confirm already being placed gets its `add` answer and its result shown
    # before the HTTP client and the database close, instead of being parked at the next start.
    grace = settings.shutdown_grace_seconds
    cut_off, jobs_cut_off = await asyncio.gather(ordering.placements.drain(grace), leaders.drain(grace))
    if cut_off:
        # SQLite: the next start parks them. PostgreSQL: an instance's stale-placement job does, once they
        # have waited longer than any placement takes.
        when = "at the next start" if db.dialect == "sqlite" else "by the stale-placement check"
        logger.warning(
            "%d placement(s) did not finish within %.0fs; they are parked for an admin %s",
            cut_off,
            grace,
            when,
        )
    if jobs_cut_off:
        logger.warning("%d background job run(s) did not finish within %.0fs; cut off", jobs_cut_off, grace)
    if scheduler.running:
        scheduler.shutdown(wait=False)
    # Step down from every job: the notifier stops (after the messages handed to Telegram) and the
    # leases are released, so another instance takes over at its next attempt.
    await leaders.stop()
    await http.aclose()
    await db.close()
    if redis is not None:
        await redis.aclose()
    logger.info("Bot stopped")


async def wait_for_telegram(bot: Bot, *, max_delay: float = 60.0) -> None:
    """Retry getMe with back-off until Telegram answers; an invalid token is raised at once."""
    delay = 1.0
    while True:
        try:
            await bot.me()
            return
        except TelegramUnauthorizedError:
            raise
        except (TelegramAPIError, ClientDecodeError) as exc:
            logger.warning("Telegram is not reachable yet (%s); retrying in %.0fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)


async def run(settings: Settings) -> None:
    """Run the bot until interrupted: long polling, or a webhook server when WEBHOOK_URL is set."""
    bot = create_bot(settings)
    try:
        await wait_for_telegram(bot)
    except BaseException:
        await bot.session.close()
        raise
    dp = create_dispatcher(settings, bot)
    if settings.webhook_url is not None:
        from bot.webhook import run_webhook  # the web server loads only in webhook mode

        await run_webhook(settings, bot, dp)
    else:
        await dp.start_polling(bot)
