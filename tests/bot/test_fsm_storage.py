"""Where conversations live: SQLite for one instance, Redis (real, on 127.0.0.1) shared by several."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis

from bot import texts
from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.fsm_storage import SQLiteStorage
from bot.leadership import LocalLeadership
from bot.leadership.redis_lease import RedisLeadership
from bot.wallet.credits import top_up
from handlers.states import OrderForm
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_types import SentMessage
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, counted, make_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
USER = 3001
FOLLOWERS = texts.service_button("Instagram Followers", 117, "USD")


def unique_token() -> str:
    """A bot token of this test's own: its bot id namespaces every Redis key the bot writes."""
    return f"{10**9 + secrets.randbelow(10**12)}:TEST-TOKEN-not-for-logs"


async def forget_keys(bot_id: int) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        for pattern in (f"fsm:{bot_id}:*", f"leader:{bot_id}:*"):
            keys = [key async for key in client.scan_iter(match=pattern)]
            if keys:
                await client.delete(*keys)
    finally:
        await client.aclose()


async def close_unstarted(dp: Dispatcher, bot: Bot) -> None:
    """Close what create_dispatcher opened for a dispatcher that never started."""
    await dp["http"].aclose()
    if dp["redis"] is not None:
        await dp["redis"].aclose()
    await bot.session.close()


async def test_without_redis_conversations_stay_in_sqlite(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, bot_token=unique_token(), database_path=tmp_path / "bot.db")  # type: ignore[call-arg]
    bot = create_bot(settings)
    dp = create_dispatcher(settings, bot)
    try:
        assert isinstance(dp.fsm.storage, SQLiteStorage)
        assert isinstance(dp.fsm.events_isolation, SimpleEventIsolation)
        assert dp["redis"] is None
        assert isinstance(dp["leaders"]["outbox_sender"], LocalLeadership)
    finally:
        await close_unstarted(dp, bot)


async def test_with_redis_a_conversation_written_by_one_instance_is_read_by_another(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=unique_token(), database_path=tmp_path / "bot.db", redis_url=REDIS_URL
    )
    # Two instances: two dispatchers built from the same settings, as two processes would.
    first_bot, second_bot = create_bot(settings), create_bot(settings)
    first, second = create_dispatcher(settings, first_bot), create_dispatcher(settings, second_bot)
    try:
        for dp in (first, second):
            assert isinstance(dp.fsm.storage, RedisStorage)
            assert isinstance(dp.fsm.events_isolation, RedisEventIsolation)
            assert isinstance(dp["redis"], Redis) and await dp["redis"].ping()
            assert isinstance(dp["leaders"]["outbox_sender"], RedisLeadership)
        on_first = first.fsm.resolve_context(first_bot, chat_id=USER, user_id=USER)
        on_second = second.fsm.resolve_context(second_bot, chat_id=USER, user_id=USER)
        assert on_first is not None and on_second is not None

        await on_first.set_state(OrderForm.link)
        await on_first.update_data(service_id=7)
        assert await on_second.get_state() == OrderForm.link.state
        assert await on_second.get_data() == {"service_id": 7}
        # And back: no instance keeps a stale copy of what another changed.
        await on_second.clear()
        assert await on_first.get_state() is None and await on_first.get_data() == {}
        # Keys carry the bot id and the destiny, like the SQLite storage's.
        await on_first.set_state(OrderForm.link)
        assert (
            await first["redis"].get(f"fsm:{first_bot.id}:{USER}:{USER}:default:state") == b"OrderForm:link"
        )
    finally:
        await close_unstarted(first, first_bot)
        await close_unstarted(second, second_bot)
        await forget_keys(first_bot.id)


@dataclass
class Instance:
    """One running bot instance, fed updates by hand (as a webhook behind a load balancer is)."""

    bot: Bot
    dp: Dispatcher

    def _hook_data(self) -> dict[str, Any]:
        return {"dispatcher": self.dp, "bots": [self.bot], **self.dp.workflow_data}

    async def start(self) -> None:
        await self.dp.emit_startup(bot=self.bot, **self._hook_data())

    async def stop(self) -> None:
        try:
            await self.dp.emit_shutdown(bot=self.bot, **self._hook_data())
        finally:
            await self.bot.session.close()

    def leads(self, job: str) -> bool:
        return bool(self.dp["leaders"][job].is_leader)


class Balancer:
    """Takes the updates users produced on the fake Telegram and hands each to the instance chosen."""

    def __init__(self, tg: FakeTelegram) -> None:
        self.tg = tg
        self.offset: int | None = None

    async def take(self) -> list[dict[str, Any]]:
        # A long poll: waits (up to 2 s) for an update when none is queued yet.
        updates = await self.tg.updates.get(offset=self.offset, limit=100, timeout=2, allowed_updates=None)
        if updates:
            self.offset = int(updates[-1]["update_id"]) + 1
        return updates

    async def to(self, instance: Instance) -> None:
        for update in await self.take():
            await instance.dp.feed_raw_update(instance.bot, update)


@dataclass
class Cluster:
    """Instances of one shop sharing its database and Redis, and the fakes they talk to."""

    tg: FakeTelegram
    provider: FakeProvider
    make: Callable[[], Instance]


@pytest.fixture
async def cluster(
    database_url: str | None, fake_provider: FakeProvider, tmp_path: Path
) -> AsyncIterator[Cluster]:
    """Build instances of one shop on the test's database (SQLite or PostgreSQL) and Redis."""
    token = unique_token()
    made: list[Instance] = []
    async with FakeTelegram(token=token) as tg:
        for admin in (ADMIN_ID, OTHER_ADMIN_ID):
            tg.add_user(admin)
        settings = make_settings(
            tg, fake_provider, tmp_path / "shop.db", bot_token=token, redis_url=REDIS_URL
        )

        def make() -> Instance:
            bot = create_bot(settings)
            instance = Instance(bot, create_dispatcher(settings, bot))
            made.append(instance)
            return instance

        try:
            yield Cluster(tg, fake_provider, make)
        finally:
            for instance in reversed(made):
                await instance.stop()
            await forget_keys(int(token.split(":")[0]))
        assert tg.internal_errors == [] and tg.unknown_calls == []


async def test_a_conversation_hops_between_two_running_instances(cluster: Cluster) -> None:
    tg = cluster.tg
    first, second = cluster.make(), cluster.make()
    await first.start()
    await second.start()
    # The first one started leads every job and sends the outbox; the second stands by.
    assert all(first.leads(job) and not second.leads(job) for job in ("outbox_sender", "status_poll"))
    balancer = Balancer(tg)

    async def step(instance: Instance, action: Awaitable[object], expect: str) -> SentMessage:
        """The user acts, the balancer hands the update to `instance`, and the bot answers."""
        mark = tg.mark()
        await action
        await balancer.to(instance)
        return await tg.wait_for_message(USER, expect, since=mark)

    await step(second, tg.send_text(USER, "/start"), "Welcome")
    db = first.dp["db"]
    await top_up(
        db, first.dp["settings"], user_id=USER, amount=1000, admin_id=ADMIN_ID, note="funds", ref="hop-test"
    )
    menu = await step(first, tg.send_text(USER, "/order"), "Choose a platform")
    categories = await step(second, tg.press(USER, counted(menu, "Instagram")), "Choose a category")
    await step(first, tg.press(USER, counted(categories, "Instagram")), "Choose a service")
    await step(second, tg.press(USER, FOLLOWERS), "Price:")
    # One instance asks for the link, the other takes it, and the first reads what the second stored:
    # with a per-process cache (the SQLite storage) the first would still be waiting for a link.
    await step(first, tg.press(USER, texts.BTN_ORDER), "Send the link")
    await step(second, tg.send_text(USER, "https://instagram.com/p/hop"), "How many?")
    await step(first, tg.send_text(USER, "1000"), "Total")
    await step(second, tg.press(USER, texts.BTN_CONFIRM), "placed")

    [add] = cluster.provider.calls("add")  # one order placed, once, whichever instance took each step
    assert add["link"] == "https://instagram.com/p/hop" and add["quantity"] == "1000"
    assert await db.fetchval("SELECT balance FROM users WHERE id = ?", (USER,)) == 1000 - 117
    on_first = first.dp.fsm.resolve_context(first.bot, chat_id=USER, user_id=USER)
    assert on_first is not None and await on_first.get_state() is None  # the conversation ended


async def test_a_pre_checkout_query_skips_a_user_lock_held_by_another_instance(cluster: Cluster) -> None:
    tg = cluster.tg
    instance = cluster.make()
    await instance.start()
    balancer = Balancer(tg)
    mark = tg.mark()
    await tg.send_text(USER, "/start")
    await balancer.to(instance)
    await tg.wait_for_message(USER, "Welcome", since=mark)

    isolation = instance.dp.fsm.events_isolation
    assert isinstance(isolation, RedisEventIsolation)
    key = StorageKey(bot_id=instance.bot.id, chat_id=USER, user_id=USER)
    async with isolation.lock(key):  # another instance is busy with one of this user's updates
        mark = tg.mark()
        await tg.send_text(USER, "/balance")
        waiting = asyncio.create_task(balancer.to(instance))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # the message waits for the user's lock, wherever it is held
        answer = asyncio.create_task(tg.pre_checkout(USER, payload="forged", total_amount=500, timeout=2))
        await balancer.to(instance)  # answered although the lock is still held
        assert not (await answer).ok
        assert not waiting.done()
    await waiting
    await tg.wait_for_message(USER, "Balance", since=mark)
