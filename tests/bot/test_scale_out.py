"""Scale-out end to end: two `python -m bot` processes on one PostgreSQL schema and one Redis, deployed as
the README says (migrate, set-webhook, start), with the fake Telegram delivering updates to them in turn
like a load balancer in front of both.

The acceptance test of running several instances: a conversation hops between them without losing its
place and a Confirm places one order; one instance polls statuses and one sends notices; and when the
leader is killed with SIGKILL mid-settlement, the other takes over within 30 s and every refund is written
once. PostgreSQL and Redis are the local servers (CI has both).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import os
import secrets
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from redis.asyncio import Redis

from bot import texts
from bot.config import Settings
from bot.orders.placement import OrderingDeps, PlaceOutcome, place_order, quote
from providers.smm_v2 import SmmV2Client
from storage.audit import AuditRepo
from storage.catalog import CatalogRepo
from storage.database import Database
from storage.ledger import EntryKind, LedgerRepo, NewEntry, apply_entries
from storage.orders import Order, OrderRepo
from storage.postgres import PostgresDatabase
from storage.users import UserRepo, ensure_user
from tests.databases import PostgresServer
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_types import SentMessage
from tests.fakes.telegram_webhook import Delivery
from tests.harness import (
    ADMIN_ID,
    OTHER_ADMIN_ID,
    PROVIDER_KEY,
    WEBHOOK_SECRET,
    counted,
    demo_catalogue,
    free_port,
    spawn_bot,
    stop_bot,
    tail,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
HOOK_PATH = "/tg/hook"
POLL_SECONDS = 1.0
TAKEOVER_LIMIT = 30.0  # the bound: a dead leader's jobs run elsewhere within this
FOLLOWERS = texts.service_button("Instagram Followers", 117, "USD")  # 0.90 per 1000 + 30 %: 1.17


def unique_token() -> str:
    """A bot token of this test's own: its bot id namespaces every Redis key, so runs never collide."""
    return f"{10**9 + secrets.randbelow(10**12)}:TEST-TOKEN-not-for-logs"


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], *, timeout: float, description: str
) -> None:
    """Retry a check (plain or async) every 0.1 s until it is true; fail after `timeout` seconds."""

    async def holds() -> bool:
        outcome = check()
        return bool(await outcome) if inspect.isawaitable(outcome) else bool(outcome)

    try:
        async with asyncio.timeout(timeout):
            while not await holds():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"{description}: not within {timeout:g}s") from None


# ---------------------------------------------------------------------- the cluster


@dataclass
class Instance:
    """One `python -m bot` process in webhook mode, logging JSON lines to its own file."""

    name: str
    port: int
    env: dict[str, str]
    workdir: Path
    process: asyncio.subprocess.Process | None = None
    exit_code: int | None = None
    killed: bool = False

    @property
    def hook(self) -> str:
        return f"http://127.0.0.1:{self.port}{HOOK_PATH}"

    @property
    def log(self) -> Path:
        return self.workdir / "bot.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def records(self) -> list[dict[str, Any]]:
        """Every log record so far (LOG_FORMAT=json: one object a line)."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return [json.loads(line) for line in lines if line.strip()]

    def logged(self, message: str) -> bool:
        return any(message in record["message"] for record in self.records())

    async def start(self) -> None:
        self.process = await spawn_bot(self.env, self.workdir, log=self.log)

    async def ready(self) -> bool:
        """Whether /readyz answers 200 (database, Telegram and Redis reachable); fail if the process died."""
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{tail(self.log)}")
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session,
                session.get(f"http://127.0.0.1:{self.port}/readyz") as response,
            ):
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def kill(self) -> None:
        """SIGKILL: no shutdown hook, no lease released, connections cut mid-request."""
        assert self.process is not None
        self.killed = True
        self.process.send_signal(signal.SIGKILL)
        self.exit_code = await self.process.wait()


@dataclass
class Cluster:
    """Two instances of one shop, the fakes they talk to, and the test's handles on PostgreSQL and Redis."""

    tg: FakeTelegram
    provider: FakeProvider
    db: Database
    redis: Redis
    token: str
    settings: Settings  # the instances' settings, for setting up data in this process
    instances: list[Instance]

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":", 1)[0])

    async def leader(self, job: str) -> Instance | None:
        """The instance whose token is in `leader:<bot id>:<job>` (`host:pid:random`, README)."""
        token = await self.redis.get(f"leader:{self.bot_id}:{job}")
        if token is None:
            return None
        text = token.decode() if isinstance(token, bytes) else str(token)
        pid = int(text.split(":")[-2])
        return next((i for i in self.instances if i.process is not None and i.pid == pid), None)

    async def scalar(self, sql: str, params: tuple[object, ...] = ()) -> int:
        return int(await self.db.fetchval(sql, params) or 0)


async def run_command(env: dict[str, str], workdir: Path, command: str) -> str:
    """Run `python -m bot <command>` to completion; return its output (it must succeed)."""
    log = workdir / f"{command}.log"
    process = await spawn_bot(env, workdir, command, log=log)
    try:
        async with asyncio.timeout(60):
            code = await process.wait()
    finally:
        await stop_bot(process, timeout=5)
    assert code == 0, f"`python -m bot {command}` exited with {code}:\n{tail(log)}"
    return log.read_text()


@pytest.fixture
async def cluster(postgres_server: PostgresServer, tmp_path: Path) -> AsyncIterator[Cluster]:
    """Deploy two instances as the README says; after the test the books balance and nothing leaked."""
    url = postgres_server.new_schema()  # PostgreSQL only: several instances need a shared database
    token = unique_token()
    redis = Redis.from_url(REDIS_URL, socket_timeout=5)
    async with FakeTelegram(token=token) as tg, FakeProvider(key=PROVIDER_KEY) as provider:
        provider.reject_duplicate_links = False
        demo_catalogue(provider)
        for admin in (ADMIN_ID, OTHER_ADMIN_ID):
            tg.add_user(admin)
        ports = [free_port(), free_port()]
        shared = {
            "BOT_TOKEN": token,
            "ADMIN_IDS": f"{ADMIN_ID},{OTHER_ADMIN_ID}",
            "TELEGRAM_API_URL": tg.base_url,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            # The public URL (the balancer's) is the same for both; each listens on a port of its own.
            "WEBHOOK_URL": f"http://127.0.0.1:{ports[0]}{HOOK_PATH}",
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "PROVIDER_URL": provider.url,
            "PROVIDER_KEY": PROVIDER_KEY,
            "PROVIDER_TIMEOUT_SECONDS": "10",
            "POLL_INTERVAL_SECONDS": str(POLL_SECONDS),
            "SHUTDOWN_GRACE_SECONDS": "3",
            "LOG_FORMAT": "json",
        }
        instances = []
        for name, port in zip("ab", ports, strict=True):
            workdir = tmp_path / name
            workdir.mkdir()
            instances.append(Instance(name, port, {**shared, "WEBHOOK_PORT": str(port)}, workdir))
        settings = Settings(_env_file=None, **{k.lower(): v for k, v in shared.items()})  # type: ignore[arg-type]
        db = PostgresDatabase(url)
        cluster = Cluster(tg, provider, db, redis, token, settings, instances)
        try:
            # The deploy: schema and webhook (independent steps, run side by side), then both instances.
            _, hooked = await asyncio.gather(
                run_command(instances[0].env, tmp_path, "migrate"),
                run_command(instances[0].env, tmp_path, "set-webhook"),
            )
            assert "Webhook set" in hooked
            assert tg.webhook.secret_token == WEBHOOK_SECRET
            await asyncio.gather(*(instance.start() for instance in instances))
            for instance in instances:
                await eventually(instance.ready, timeout=60, description=f"instance {instance.name} ready")
            tg.deliver_to([instance.hook for instance in instances])  # in turn, as a balancer would
            await db.connect()
            yield cluster
            assert await LedgerRepo(db).mismatches() == [], "a balance differs from its ledger rows"
            assert (await AuditRepo(db).run(limit=100)).clean, "the ledger audit found problems"
        finally:
            for instance in instances:
                if instance.process is not None and not instance.killed:
                    instance.exit_code = await stop_bot(instance.process)
            await db.close()
            keys = [key async for key in redis.scan_iter(match=f"*:{cluster.bot_id}:*")]
            if keys:
                await redis.delete(*keys)
            await redis.aclose()
        for instance in instances:
            if not instance.killed:
                assert instance.exit_code == 0, f"{instance.name} did not stop cleanly:\n{tail(instance.log)}"
            errors = [r for r in instance.records() if r["level"] in ("ERROR", "CRITICAL")]  # all JSON
            assert errors == [], f"{instance.name} logged errors: {errors}"
            text = instance.log.read_text()
            for secret in (token, token.split(":", 1)[1], PROVIDER_KEY, WEBHOOK_SECRET):
                assert secret not in text, f"a secret reached the log of {instance.name}"
        assert tg.internal_errors == [] and tg.unknown_calls == []


# ---------------------------------------------------------------------- acting and setting up


async def step(tg: FakeTelegram, user_id: int, action: Awaitable[object], expect: str) -> SentMessage:
    """The user acts (a message or a button); wait for the bot's message containing `expect`."""
    mark = tg.mark()
    await action
    return await tg.wait_for_message(user_id, expect, since=mark, timeout=10)


async def order_summary(cluster: Cluster, user_id: int, link: str) -> tuple[SentMessage, list[str]]:
    """Walk the order flow (platform, category, service, link, quantity) up to the summary.

    Return the summary and the conversation's states as Redis held them while the bot waited for the
    link and for the quantity.
    """
    tg = cluster.tg
    key = f"fsm:{cluster.bot_id}:{user_id}:{user_id}:default:state"
    states: list[str] = []

    async def held() -> None:
        state = await cluster.redis.get(key)
        states.append(state.decode() if isinstance(state, bytes) else str(state))

    menu = await step(tg, user_id, tg.send_text(user_id, "/order"), "Choose a platform")
    categories = await step(tg, user_id, tg.press(user_id, counted(menu, "Instagram")), "Choose a category")
    await step(tg, user_id, tg.press(user_id, counted(categories, "Instagram")), "Choose a service")
    await step(tg, user_id, tg.press(user_id, FOLLOWERS), "Price:")
    await step(tg, user_id, tg.press(user_id, texts.BTN_ORDER), "Send the link")
    await held()
    await step(tg, user_id, tg.send_text(user_id, link), "How many?")
    await held()
    summary = await step(tg, user_id, tg.send_text(user_id, "1000"), "Total")
    return summary, states


async def add_customers(cluster: Cluster, user_ids: Iterable[int], cents: int) -> None:
    """Customers known to Telegram, registered and funded (setup, written directly: no notices)."""
    user_ids = list(user_ids)
    for user_id in user_ids:
        cluster.tg.add_user(user_id)
    async with cluster.db.transaction() as tx:
        for user_id in user_ids:
            await ensure_user(tx, user_id, f"Customer {user_id}")
        await apply_entries(
            tx,
            [
                NewEntry(user_id=u, amount=cents, kind=EntryKind.TOPUP, ref=f"test-funds:{u}", note="setup")
                for u in user_ids
            ],
        )


async def place_orders(cluster: Cluster, user_ids: Iterable[int], *, quantity: int = 1000) -> list[Order]:
    """One order per customer through the placement use-case (charge, one `add`), as Confirm does."""
    db = cluster.db
    catalog = CatalogRepo(db)
    service_id = await cluster.scalar("SELECT id FROM services WHERE provider_service_id = '1'")
    service = await catalog.get(service_id)
    assert service is not None, "the catalogue was not synced at start-up"
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=10) as http:
        provider = SmmV2Client(cluster.provider.url, PROVIDER_KEY, http, name="main")
        deps = OrderingDeps(
            db=db, catalog=catalog, orders=OrderRepo(db), provider=provider, settings=cluster.settings
        )
        priced = await quote(deps, service, quantity)

        async def one(user_id: int) -> Order:
            async with gate:
                result = await place_order(
                    deps,
                    user_id=user_id,
                    service_id=service.id,
                    link=f"https://instagram.com/p/scale{user_id}",
                    quantity=quantity,
                    quoted_total=priced.total,
                    quote_key=f"setup:{user_id}",
                )
            assert result.outcome is PlaceOutcome.PLACED and result.order is not None, result
            return result.order

        return list(await asyncio.gather(*(one(user_id) for user_id in user_ids)))


async def deliveries(tg: FakeTelegram, since: int = 0) -> list[Delivery]:
    """The webhook's delivery attempts after the first `since`, once every update queued is answered."""
    # The bot's reply arrives before its answer to the POST: wait for that answer to be recorded too.
    await tg.wait_for(lambda: tg.webhook.idle, timeout=10, description="every update answered")
    return tg.webhook.deliveries[since:]


def notices_of(tg: FakeTelegram, order: Order) -> list[SentMessage]:
    """The customer's messages saying how the order ended ("Order #12 is Partial: ...")."""
    return [m for m in tg.messages(order.user_id) if f"Order #{order.id} is " in m.text]


def status_requests(provider: FakeProvider, since: int = 0) -> list[list[str]]:
    """The provider order ids of each `status` request received after the first `since` requests."""
    asked = []
    for call in provider.requests[since:]:
        if call.action == "status":
            raw = call.params.get("orders") or call.params.get("order") or ""
            asked.append([oid for oid in raw.split(",") if oid])
    return asked


# ---------------------------------------------------------------------- the scenarios


CUSTOMER = 3101


async def test_a_conversation_hops_between_instances_and_each_confirm_places_one_order(
    cluster: Cluster,
) -> None:
    tg, provider, redis = cluster.tg, cluster.provider, cluster.redis
    await step(tg, CUSTOMER, tg.send_text(CUSTOMER, "/start"), "Welcome")
    await step(tg, ADMIN_ID, tg.send_text(ADMIN_ID, "/start"), "Welcome")
    await step(tg, ADMIN_ID, tg.send_text(ADMIN_ID, f"/topup {CUSTOMER} 10"), "Credited")

    summary, states = await order_summary(cluster, CUSTOMER, "https://instagram.com/p/hop")
    assert "1.17 USD" in summary.text
    assert states == ["OrderForm:link", "OrderForm:quantity"]  # its place, kept in Redis for both
    await step(tg, CUSTOMER, tg.press(CUSTOMER, texts.BTN_CONFIRM), "placed")

    # Every step went to the other instance than the step before, and each was answered the first time.
    attempts = await deliveries(tg)
    assert all(d.status == 200 for d in attempts)
    urls = [d.url for d in attempts]
    assert len(urls) >= 10 and set(urls) == {i.hook for i in cluster.instances}
    assert all(a != b for a, b in itertools.pairwise(urls)), "updates did not alternate"

    [add] = provider.calls("add")  # one order placed upstream, once
    assert (add["service"], add["link"], add["quantity"]) == ("1", "https://instagram.com/p/hop", "1000")
    [order] = await OrderRepo(cluster.db).for_user(CUSTOMER)
    assert order.charge == 117  # exactly the quote on the summary
    assert await UserRepo(cluster.db).balance(CUSTOMER) == 1000 - 117
    state_key = f"fsm:{cluster.bot_id}:{CUSTOMER}:{CUSTOMER}:default:state"
    assert await redis.get(state_key) is None  # the conversation ended

    # A double tap: both presses queued before either is handled, delivered one to each instance.
    await order_summary(cluster, CUSTOMER, "https://instagram.com/p/hop-2")
    before = len(await deliveries(tg))
    mark = tg.mark()
    first = await tg.press(CUSTOMER, texts.BTN_CONFIRM)
    second = await tg.press(CUSTOMER, texts.BTN_CONFIRM)
    await tg.wait_for_message(CUSTOMER, "placed", since=mark, timeout=10)
    await tg.wait_for_answer(first, timeout=10)
    again = await tg.wait_for_answer(second, timeout=10)
    taps = await deliveries(tg, before)
    assert [d.status for d in taps] == [200, 200] and taps[0].url != taps[1].url
    assert len(provider.calls("add")) == 2  # one more order, not two
    newest, _ = await OrderRepo(cluster.db).for_user(CUSTOMER)
    assert newest.link == "https://instagram.com/p/hop-2" and newest.charge == 117
    assert again.text == texts.order_already_placed(newest.id)
    assert await UserRepo(cluster.db).balance(CUSTOMER) == 1000 - 2 * 117
    placed = [m for m in tg.messages(CUSTOMER) if f"Order #{newest.id} placed" in m.text]
    assert len(placed) == 1


async def test_one_instance_polls_and_one_sends_each_notice_once(cluster: Cluster) -> None:
    tg, provider = cluster.tg, cluster.provider
    customers = list(range(3201, 3207))
    keeper = 3207  # an order that stays in progress, so every poll cycle asks about something
    await add_customers(cluster, [*customers, keeper], 1000)
    orders = await place_orders(cluster, [*customers, keeper])
    by_user = {order.user_id: order for order in orders}
    keeper_id = by_user[keeper].provider_order_id or ""
    provider.set_status(keeper_id, "In progress", remains=1000)

    start, first = time.monotonic(), len(provider.requests)
    await eventually(
        lambda: len(status_requests(provider, first)) >= 3,
        timeout=10,
        description="three poll cycles",
    )
    fates = {user_id: ("Completed", "Partial", "Canceled")[i % 3] for i, user_id in enumerate(customers)}
    for user_id, fate in fates.items():
        order = by_user[user_id]
        remains = {"Completed": 0, "Partial": 250, "Canceled": order.quantity}[fate]
        provider.set_status(order.provider_order_id or "", fate, remains=remains)

    async def notified() -> bool:
        return all(notices_of(tg, by_user[u]) for u in customers) and not await cluster.scalar(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
        )

    await eventually(notified, timeout=20, description="every customer told how the order ended")
    settled = len(status_requests(provider, first))
    # A few more cycles: a second sender or a poller that settled a cycle twice would show up by now.
    await eventually(
        lambda: len(status_requests(provider, first)) >= settled + 3,
        timeout=10,
        description="three more poll cycles",
    )
    elapsed = time.monotonic() - start
    asked = status_requests(provider, first)

    # One poller: one request a cycle (two instances polling would ask about twice as often), and
    # steadily (a lone standby that never took over would not ask at all).
    cycles = elapsed / POLL_SECONDS
    print(f"\n{len(asked)} status requests in {elapsed:.1f}s of {POLL_SECONDS:g}s poll intervals")
    assert cycles / 2 <= len(asked) <= cycles + 2, (len(asked), elapsed)
    per_order = Counter(oid for ids in asked for oid in ids)
    assert per_order[keeper_id] == len(asked)  # asked about once in every request, never twice in one
    assert max(per_order.values()) <= cycles + 2
    for user_id in customers:
        [notice] = notices_of(tg, by_user[user_id])  # each sent once, by the one sender
        assert f"is {fates[user_id]}" in notice.text
    sends = Counter(str(p.get("chat_id")) for p in tg.calls("sendMessage"))
    assert all(sends[str(user_id)] == 1 for user_id in customers)

    # Operators see who leads what: the Redis key names the instance that logged taking it.
    for job in ("status_poll", "outbox_sender"):
        leader = await cluster.leader(job)
        assert leader is not None, f"nobody leads {job}"
        took = [i.name for i in cluster.instances if i.logged(f"This instance now runs {job}")]
        assert took == [leader.name]


async def test_sigkill_of_the_leader_mid_settlement_the_other_takes_over_and_refunds_once(
    cluster: Cluster,
) -> None:
    tg, provider = cluster.tg, cluster.provider
    customers = list(range(4001, 4201))  # 200 customers, one order each
    await add_customers(cluster, customers, 1000)
    orders = await place_orders(cluster, customers)
    leader = await cluster.leader("status_poll")
    assert leader is not None
    [survivor] = [i for i in cluster.instances if i is not leader]
    fates = {order.id: ("Partial", 250) if order.id % 2 else ("Canceled", order.quantity) for order in orders}

    def finish(wave: list[Order]) -> None:
        for order in wave:
            status, remains = fates[order.id]
            provider.set_status(order.provider_order_id or "", status, remains=remains)

    async def active() -> int:
        return await cluster.scalar("SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'in_progress')")

    async def unsent() -> int:
        return await cluster.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")

    # The leader settles the first 50 and its customers are told.
    finish(orders[:50])

    async def first_wave_done() -> bool:
        return await active() == 150 and await unsent() == 0

    await eventually(first_wave_done, timeout=20, description="the first 50 orders settled and notified")

    # The next 50 end upstream, and the leader's cycle asking about them hangs at the provider: the
    # leader is mid-settlement (50 settled, 150 to go, a status request in flight) when it is killed.
    provider.latency = 60.0
    finish(orders[50:100])
    mark = len(provider.requests)
    await tg.wait_for(
        lambda: any(c.action == "status" and c.http_status is None for c in provider.requests[mark:]),
        timeout=10,
        description="the leader's status request in flight",
    )
    # No notice is on its way to Telegram either: one Telegram accepted just before a kill, not yet
    # marked sent, would rightly go out again (at least once; test_crash_safety kills mid-send).
    assert await active() == 150 and await unsent() == 0
    await leader.kill()
    killed_at = time.monotonic()
    provider.latency = 0.2
    finish(orders[100:])
    after_kill = len(provider.requests)

    # Updates keep flowing meanwhile: the balancer's attempts on the dead instance fail, the survivor
    # answers every one.
    delivered = len(await deliveries(tg))
    for user_id in customers[:2]:
        await step(tg, user_id, tg.send_text(user_id, "/balance"), "Balance")
    attempts = await deliveries(tg, delivered)
    assert {(d.url, d.status) for d in attempts} == {(leader.hook, None), (survivor.hook, 200)}

    took_over: dict[str, float] = {}

    async def survivor_polls() -> bool:
        if "lease" not in took_over and await cluster.leader("status_poll") is survivor:
            took_over["lease"] = time.monotonic() - killed_at
        if "poll" not in took_over and status_requests(provider, after_kill):
            took_over["poll"] = time.monotonic() - killed_at
        return len(took_over) == 2

    await eventually(survivor_polls, timeout=TAKEOVER_LIMIT, description="the survivor polling statuses")
    print(f"\ntakeover after SIGKILL: lease {took_over['lease']:.1f}s, first poll {took_over['poll']:.1f}s")

    async def all_settled() -> bool:
        return await active() == 0 and await unsent() == 0

    await eventually(all_settled, timeout=60, description="every order settled and every notice sent")
    assert survivor.logged("This instance now runs status_poll")

    # Every refund written once, of the right amount, and the wallets add up (the fixture checks too).
    duplicates = await cluster.db.fetchall(
        "SELECT ref, COUNT(*) FROM ledger GROUP BY ref HAVING COUNT(*) > 1"
    )
    assert duplicates == []
    refunds = {
        int(row[0]): int(row[1])
        for row in await cluster.db.fetchall("SELECT order_id, amount FROM ledger WHERE kind = 'refund'")
    }
    expected = {order.id: order.charge * fates[order.id][1] // order.quantity for order in orders}
    assert refunds == expected
    refs = await cluster.db.fetchall("SELECT ref FROM ledger WHERE kind = 'refund'")
    assert sorted(row[0] for row in refs) == sorted(f"refund:order:{order.id}" for order in orders)
    for order in orders:
        balance = await UserRepo(cluster.db).balance(order.user_id)
        assert balance == 1000 - order.charge + expected[order.id]
        [notice] = notices_of(tg, order)  # told once, by whichever instance sent it
        assert f"is {fates[order.id][0]}" in notice.text
