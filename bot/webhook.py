"""Webhook mode: an aiohttp server that hands Telegram's updates to the dispatcher, and the health probes.

Each update is handled before Telegram gets its answer (`handle_in_background=False`), so an
instance that dies mid-update never answers and Telegram sends that update again, to this instance
or another one behind the same URL. An exception inside a handler is not such a case: the errors
router logs it and apologises to the user, and the update is answered 200 like any other, exactly
as in long polling (redelivering it would repeat the apology and whatever the handler did before
failing). Only a failure outside the handlers (an error handler that fails itself) answers 500,
which Telegram retries too.

Instances never set or delete the webhook: `python -m bot set-webhook` does, once per deploy.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.config import Settings
from bot.health import Readiness

logger = logging.getLogger(__name__)


class WebhookServer:
    """Serve Telegram's updates on WEBHOOK_PATH and /healthz, /readyz on WEBHOOK_HOST:WEBHOOK_PORT."""

    def __init__(
        self,
        settings: Settings,
        bot: Bot,
        dp: Dispatcher,
        *,
        host: str | None = None,
        port: int | None = None,
        telegram_cache_seconds: float = 5.0,
    ) -> None:
        """Build the server; `host` and `port` override the settings (port 0 picks a free one)."""
        if settings.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required in webhook mode")
        self.settings = settings
        self.bot = bot
        self.dp = dp
        self.host = settings.webhook_host if host is None else host
        self.port = settings.webhook_port if port is None else port
        self.readiness = Readiness(bot, dp, telegram_cache_seconds=telegram_cache_seconds)
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """Return http://host:port of the running server (for tests and logs)."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """Return the URL of the update endpoint on this server itself (not the public WEBHOOK_URL)."""
        return self.base_url + self.settings.webhook_path

    def create_app(self) -> web.Application:
        """Build the aiohttp application: the update endpoint, the probes and the dispatcher's hooks."""
        app = web.Application()
        assert self.settings.webhook_secret is not None
        updates = SimpleRequestHandler(
            self.dp,
            self.bot,
            handle_in_background=False,
            secret_token=self.settings.webhook_secret.get_secret_value(),
        )
        # Not `updates.register()` nor aiogram's `setup_application()`: both hook aiohttp's on_shutdown,
        # which runs before the requests in flight finish; those would lose the database and the Bot
        # session mid-update. The dispatcher's shutdown runs in on_cleanup, after they finished.
        app.router.add_post(self.settings.webhook_path, updates.handle)
        app.router.add_routes(self.readiness.routes())
        app.on_startup.append(self._startup)
        app.on_cleanup.append(self._cleanup)
        return app

    async def start(self) -> None:
        """Run the dispatcher's startup hooks, then listen; the port is known afterwards."""
        # shutdown_timeout: how long requests in flight may finish on stop, as polling's grace period.
        runner = web.AppRunner(
            self.create_app(), access_log=None, shutdown_timeout=self.settings.shutdown_grace_seconds
        )
        try:
            await runner.setup()
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        logger.info(
            "Webhook mode: listening on %s:%d, updates on %s",
            self.host,
            self.port,
            self.settings.webhook_path,
        )

    async def stop(self) -> None:
        """Stop listening, let requests in flight finish (bounded), then run the shutdown hooks."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def _workflow_data(self) -> dict[str, Any]:
        # What start_polling hands the startup and shutdown hooks.
        return {"dispatcher": self.dp, "bots": (self.bot,), **self.dp.workflow_data, "bot": self.bot}

    async def _startup(self, app: web.Application) -> None:
        try:
            await self.dp.emit_startup(**self._workflow_data())
        except BaseException:
            await self.bot.session.close()
            raise

    async def _cleanup(self, app: web.Application) -> None:
        try:
            await self.dp.emit_shutdown(**self._workflow_data())
        finally:
            await self.bot.session.close()


async def run_webhook(settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    """Serve webhook mode until SIGTERM or SIGINT, then stop gracefully."""
    server = WebhookServer(settings, bot, dp)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    try:
        await server.start()
        await stopping.wait()
        logger.info("Stopping: requests in flight may take up to %.0fs", settings.shutdown_grace_seconds)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await server.stop()
