"""Health probes of webhook mode: /healthz (the process answers) and /readyz (what it needs answers too)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiohttp import web

logger = logging.getLogger(__name__)

OK = "ok"


class Readiness:
    """Check the database, Telegram (getMe, cached briefly) and Redis when one is configured.

    A check that fails or takes longer than `timeout` seconds makes the instance not ready; the
    answer names the check and the kind of failure, never a message that could carry a secret.
    """

    def __init__(
        self,
        bot: Bot,
        dp: Dispatcher,
        *,
        telegram_cache_seconds: float = 5.0,
        timeout: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._dp = dp
        self.telegram_cache_seconds = telegram_cache_seconds
        self._timeout = timeout
        self._clock = clock
        # (checked at, outcome): a probe storm asks Telegram at most once per cache period.
        self._telegram: tuple[float, str] | None = None
        self._telegram_lock = asyncio.Lock()
        self._was_ready = True

    def routes(self) -> list[web.RouteDef]:
        """Return the GET /healthz and GET /readyz routes."""
        return [web.get("/healthz", self.healthz), web.get("/readyz", self.readyz)]

    async def healthz(self, request: web.Request) -> web.Response:
        """Answer 200 while the process serves requests at all."""
        return web.json_response({"status": OK})

    async def readyz(self, request: web.Request) -> web.Response:
        """Answer 200 when every check passes, else 503 naming the checks that failed."""
        checks = await self.checks()
        failed = sorted(name for name, outcome in checks.items() if outcome != OK)
        self._log_change(failed, checks)
        if failed:
            return web.json_response(
                {"status": "unavailable", "failed": failed, "checks": checks}, status=503
            )
        return web.json_response({"status": OK, "checks": checks})

    async def checks(self) -> dict[str, str]:
        """Run every check concurrently; return each one's outcome ("ok" or the kind of failure)."""
        probes: dict[str, Awaitable[str]] = {
            "database": self._run(self._database),
            "telegram": self._telegram_outcome(),
        }
        # The Redis client is optional workflow data: absent or None means not configured.
        if self._dp.workflow_data.get("redis") is not None:
            probes["redis"] = self._run(self._redis)
        outcomes = await asyncio.gather(*probes.values())
        return dict(zip(probes, outcomes, strict=True))

    async def _run(self, probe: Callable[[], Awaitable[Any]]) -> str:
        try:
            async with asyncio.timeout(self._timeout):
                await probe()
        except TimeoutError:
            return "timeout"
        except Exception as exc:  # any failure of a dependency means "not ready", whatever it is
            return type(exc).__name__
        return OK

    async def _database(self) -> None:
        await self._dp["db"].fetchval("SELECT 1")

    async def _redis(self) -> None:
        await self._dp["redis"].ping()

    async def _telegram_outcome(self) -> str:
        async with self._telegram_lock:
            now = self._clock()
            if self._telegram is not None and now - self._telegram[0] < self.telegram_cache_seconds:
                return self._telegram[1]
            outcome = await self._run(self._get_me)
            self._telegram = (self._clock(), outcome)
            return outcome

    async def _get_me(self) -> None:
        await self._bot.get_me(request_timeout=max(1, int(self._timeout)))

    def _log_change(self, failed: list[str], checks: dict[str, str]) -> None:
        """Log when readiness changes, not on every probe (load balancers ask every few seconds)."""
        ready = not failed
        if ready != self._was_ready:
            if ready:
                logger.info("Ready again")
            else:
                logger.warning("Not ready: %s", ", ".join(f"{name} {checks[name]}" for name in failed))
        self._was_ready = ready
