"""End-to-end harness: the real bot (aiogram, httpx) against fake Telegram and a fake provider over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.orders.poller import PollReport, poll_once
from bot.wallet.credits import top_up
from bot.webhook import WebhookServer
from bot.webhook_setup import set_webhook
from storage.catalog import CatalogRepo, Service
from storage.database import Database
from storage.ledger import LedgerRepo
from storage.orders import Order, OrderRepo
from storage.users import UserRepo
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_types import SentMessage

TOKEN = "123456:TEST-TOKEN-not-for-logs"
PROVIDER_KEY = "prov-secret-key-9f3a"
WEBHOOK_SECRET = "hook-secret_5e2b-not-for-logs"
ADMIN_ID = 900
OTHER_ADMIN_ID = 901


def demo_catalogue(provider: FakeProvider) -> None:
    """A small catalogue: two Instagram services, a YouTube one, a Telegram one and a non-Default one."""
    provider.add_service(
        "1", name="Instagram Followers", category="Instagram", rate="0.90", min=50, max=10000, refill=True
    )
    provider.add_service(
        "2", name="Instagram Likes", category="Instagram", rate="0.27819", min=10, max=5000, cancel=True
    )
    provider.add_service("3", name="YouTube Views", category="YouTube", rate="1.50", min=100, max=100000)
    provider.add_service(
        "4", name="Telegram Post Views", category="Telegram", rate="0.05", min=100, max=50000
    )
    provider.add_service(
        "5",
        name="Instagram Custom Comments",
        category="Instagram",
        type="Custom Comments",
        rate="8",
        min=10,
        max=100,
    )


@dataclass
class Shop:
    """A running bot with its two fakes; tests act as users through `tg`."""

    tg: FakeTelegram
    provider: FakeProvider
    settings: Settings
    bot: Bot | None = None
    dp: Dispatcher | None = None
    task: asyncio.Task[None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Build the bot with the project's own factories and start long polling."""
        self.bot = create_bot(self.settings)
        self.dp = create_dispatcher(self.settings, self.bot)
        started = asyncio.Event()
        self.dp.startup.register(started.set)
        self.task = asyncio.create_task(
            self.dp.start_polling(self.bot, handle_signals=False, polling_timeout=1, close_bot_session=True)
        )
        waiter = asyncio.create_task(started.wait())
        done, _ = await asyncio.wait({waiter, self.task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if self.task in done:
            waiter.cancel()
            self.task.result()  # re-raise the start-up failure
        assert waiter in done, "the bot did not start within 15 s"
        await self.tg.wait_polling()

    async def stop(self) -> None:
        """Stop polling; the dispatcher's shutdown hook closes the database and the http client."""
        if self.dp is None or self.task is None:
            return
        try:
            async with asyncio.timeout(20):
                with contextlib.suppress(RuntimeError):
                    await self.dp.stop_polling()
                await self.task
        except TimeoutError:
            stacks = "\n".join(_task_stack(task) for task in asyncio.all_tasks())
            raise AssertionError(f"the bot did not stop within 20 s; tasks:\n{stacks}") from None
        self.dp = self.bot = self.task = None

    async def restart(self, **overrides: Any) -> None:
        """Stop and start again on the same database file, optionally with changed settings."""
        await self.stop()
        if overrides:
            self.settings = self.settings.model_copy(update=overrides)
        await self.start()

    # ------------------------------------------------------------------ dependencies

    def dep(self, name: str) -> Any:
        assert self.dp is not None
        return self.dp[name]

    @property
    def db(self) -> Database:
        return self.dep("db")  # type: ignore[no-any-return]

    @property
    def users(self) -> UserRepo:
        return self.dep("users")  # type: ignore[no-any-return]

    @property
    def orders(self) -> OrderRepo:
        return self.dep("orders")  # type: ignore[no-any-return]

    @property
    def catalog(self) -> CatalogRepo:
        return self.dep("catalog")  # type: ignore[no-any-return]

    @property
    def ledger(self) -> LedgerRepo:
        return LedgerRepo(self.db)

    # ------------------------------------------------------------------ acting

    async def say(self, user_id: int, text: str, expect: str, *, timeout: float = 5.0) -> SentMessage:
        """Send a text as the user and wait for a new or edited bot message containing `expect`."""
        mark = self.tg.mark()
        await self.tg.send_text(user_id, text)
        return await self.tg.wait_for_message(user_id, expect, timeout=timeout, since=mark)

    async def tap(self, user_id: int, label: str, expect: str, *, timeout: float = 5.0) -> SentMessage:
        """Press an inline button by label and wait for a bot message containing `expect`."""
        mark = self.tg.mark()
        callback_id = await self.tg.press(user_id, label)
        message = await self.tg.wait_for_message(user_id, expect, timeout=timeout, since=mark)
        await self.tg.wait_for_answer(callback_id, timeout=timeout)
        return message

    async def register(self, user_id: int, *, username: str | None = None) -> None:
        """/start as a user."""
        mark = self.tg.mark()
        await self.tg.send_text(user_id, "/start", username=username or f"user{user_id}")
        await self.tg.wait_for_message(user_id, "Welcome", since=mark)

    async def fund(self, user_id: int, cents: int) -> None:
        """Credit a wallet through the top-up use-case (as an admin would)."""
        if await self.users.get(user_id) is None:
            await self.register(user_id)
        await top_up(
            self.db,
            self.settings,
            user_id=user_id,
            amount=cents,
            admin_id=ADMIN_ID,
            note="test funds",
            ref=f"test-fund:{user_id}:{cents}:{len(self.extra)}",
        )
        self.extra[f"fund-{len(self.extra)}"] = cents

    async def service(self, provider_service_id: str) -> Service:
        """Our service row for a provider service id."""
        row = await self.db.fetchone(
            "SELECT id FROM services WHERE provider_service_id = ?", (provider_service_id,)
        )
        assert row is not None, f"service {provider_service_id} was not synced"
        service = await self.catalog.get(int(row[0]))
        assert service is not None
        return service

    async def poll(self) -> PollReport:
        """Run one status poll cycle now."""
        return await poll_once(self.db, self.orders, {"main": self.dep("provider")}, self.settings)

    async def only_order(self, user_id: int) -> Order:
        [order] = await self.orders.for_user(user_id)
        return order

    async def drained(self, *, timeout: float = 30.0) -> None:
        """Wait until every queued message was accepted by Telegram (or is held for a blocked user).

        Telegram's answer reaches the fake before the sender commits the message as sent.
        """
        outbox = self.dep("outbox")
        deadline = asyncio.get_running_loop().time() + timeout
        while await outbox.pending_count():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the outbox did not drain")
            await asyncio.sleep(0.05)

    async def assert_ledger_balanced(self) -> None:
        """The money invariant: every cached balance equals the sum of its ledger rows."""
        assert await self.ledger.mismatches() == []


@dataclass
class WebhookShop(Shop):
    """The shop in webhook mode: the real aiohttp server on a free loopback port, which the fake posts to.

    Its settings need WEBHOOK_URL (only its path is used here) and WEBHOOK_SECRET.
    """

    server: WebhookServer | None = None
    telegram_cache_seconds: float = 0.5

    async def start(self) -> None:
        """Build the bot with the project's factories, serve webhook mode and register it as a deploy does."""
        self.bot = create_bot(self.settings)
        self.dp = create_dispatcher(self.settings, self.bot)
        self.server = WebhookServer(
            self.settings,
            self.bot,
            self.dp,
            host="127.0.0.1",
            port=0,
            telegram_cache_seconds=self.telegram_cache_seconds,
        )
        await self.server.start()
        # `python -m bot set-webhook`, with this server's own address as the public URL.
        await set_webhook(
            self.bot, self.dp, self.settings.model_copy(update={"webhook_url": self.server.url})
        )

    async def stop(self) -> None:
        """Stop the server; requests in flight finish, then the shutdown hook closes everything."""
        if self.server is None:
            return
        server, self.server = self.server, None
        await server.stop()
        self.dp = self.bot = None


# Environment variables the bot reads; a test's own values replace any the developer has exported.
BOT_SETTING_PREFIXES = (
    "BOT_", "ADMIN_", "TELEGRAM_", "DATABASE_", "REDIS_", "PROVIDER_", "WEBHOOK_", "LOG_", "POLL_",
    "SHUTDOWN_",
)  # fmt: skip


def fake_env(
    tg: FakeTelegram, provider: FakeProvider, db_path: Path, url: str | None = None, **extra: str
) -> dict[str, str]:
    """The settings of `python -m bot` pointed at the fakes and at the test's database (for `spawn_bot`)."""
    return {
        "BOT_TOKEN": TOKEN,
        "ADMIN_IDS": f"{ADMIN_ID},{OTHER_ADMIN_ID}",
        "TELEGRAM_API_URL": tg.base_url,
        "DATABASE_PATH": str(db_path),
        **({"DATABASE_URL": url} if url else {}),
        "PROVIDER_URL": provider.url,
        "PROVIDER_KEY": PROVIDER_KEY,
        **extra,
    }


async def spawn_bot(
    env: Mapping[str, str], cwd: Path, *args: str, log: Path | None = None
) -> asyncio.subprocess.Process:
    """Start `python -m bot [args]` in `cwd` with this environment, minus any bot setting, plus `env`.

    Its output is appended to `log`, or dropped: never a pipe left unread, which would stall the bot
    once its buffer filled up.
    """
    base = {k: v for k, v in os.environ.items() if not k.startswith(BOT_SETTING_PREFIXES)}
    out = log.open("ab") if log is not None else None
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            env={**base, **env},
            cwd=cwd,
            stdout=out or subprocess.DEVNULL,
            stderr=out or subprocess.DEVNULL,
        )
    finally:
        if out is not None:
            out.close()


async def stop_bot(process: asyncio.subprocess.Process, *, timeout: float = 20.0) -> int:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds; return the exit code."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(timeout):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode


def tail(path: Path, chars: int = 3000) -> str:
    """The end of a log file, for an assertion message."""
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-chars:]
    return f"({path} not readable)"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _task_stack(task: asyncio.Task[Any]) -> str:
    """Describe where a task waits, following the chain of awaited coroutines."""
    parts = []
    awaited: Any = task.get_coro()
    while awaited is not None and len(parts) < 30:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            parts.append(type(awaited).__name__)
            break
        parts.append(f"{frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_code.co_name}:{frame.f_lineno}")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return f"{task.get_name()}: " + " -> ".join(parts)


# The PostgreSQL URL of the running test's schema, when it runs on PostgreSQL (set by tests/conftest.py).
DATABASE_URL: str | None = None


def make_settings(tg: FakeTelegram, provider: FakeProvider, db_path: Path, **overrides: Any) -> Settings:
    """Settings as an operator would write them, pointed at the fakes (and at the test's database)."""
    values: dict[str, Any] = {
        "database_url": DATABASE_URL,
        "bot_token": TOKEN,
        "admin_ids": f"{ADMIN_ID},{OTHER_ADMIN_ID}",
        "telegram_api_url": tg.base_url,
        "database_path": db_path,
        "provider_url": provider.url,
        "provider_key": PROVIDER_KEY,
        "poll_interval_seconds": 3600,
        "catalog_sync_minutes": 600,
        "markup_percent": Decimal(30),
        "currency": "USD",
        "provider_timeout_seconds": 2,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def secrets_in(text: str) -> list[str]:
    """Return which secrets appear in the text (should be none)."""
    return [
        secret for secret in (TOKEN, TOKEN.split(":", 1)[1], PROVIDER_KEY, WEBHOOK_SECRET) if secret in text
    ]


logging.getLogger("aiogram.event").setLevel(logging.INFO)
# Statement-level debug logs of aiosqlite drown everything else.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


def counted(message: SentMessage, name: str) -> str:
    """The label of the button for `name` (platforms and categories carry a count: "Instagram · 3")."""
    labels = [label for label in message.labels() if label.rsplit(" · ", 1)[0] == name]
    assert labels, f"no button for {name!r}; buttons: {message.labels()}"
    return labels[0]


async def open_category(
    shop: Shop,
    user_id: int,
    category: str = "Instagram",
    platform: str | None = None,
    *,
    timeout: float = 5.0,
) -> SentMessage:
    """/order, tap the platform (by default named like the category), tap the category: its services."""
    menu = await shop.say(user_id, "/order", "Choose a platform", timeout=timeout)
    platform_label = counted(menu, platform or category)
    categories = await shop.tap(user_id, platform_label, "Choose a category", timeout=timeout)
    return await shop.tap(user_id, counted(categories, category), "Choose a service", timeout=timeout)


async def place(
    shop: Shop,
    user_id: int,
    *,
    link: str = "https://instagram.com/p/abc",
    quantity: int = 1000,
    provider_service_id: str = "1",
) -> Order:
    """Place an order through the placement use-case (the conversation is tested elsewhere)."""
    from bot.orders.placement import PlaceOutcome, place_order, quote

    service = await shop.service(provider_service_id)
    priced = await quote(shop.dep("ordering"), service, quantity)
    if await shop.users.balance(user_id) < priced.total:
        await shop.fund(user_id, priced.total)
    result = await place_order(
        shop.dep("ordering"),
        user_id=user_id,
        service_id=service.id,
        link=link,
        quantity=quantity,
        quoted_total=priced.total,
        quote_key=f"test:{user_id}:{link}:{quantity}:{len(shop.extra)}",
    )
    shop.extra[f"order-{len(shop.extra)}"] = result
    assert result.outcome is PlaceOutcome.PLACED and result.order is not None, result
    return result.order
