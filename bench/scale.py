"""Scale of the data: the bot as a real process (`python -m bot`) on 100,000 users and 1,000,000 orders.

The database is generated once and cached under bench/.data (keyed by size, schema and generator); each
run works on a copy. The bot talks to the fakes in this process over 127.0.0.1. Figures: its resident
memory after warm-up and after a status poll cycle over the active orders, and the latency of /balance
and of the first page of /orders. Until the bot answers /orders, the query behind it
(OrderRepo.for_user(user_id, limit=10)) is timed directly instead, and the output says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import (
    BENCH_DIR,
    BenchTelegram,
    Figure,
    Outcome,
    below,
    info,
    ms,
    percentile,
    start_provider,
)
from bench.dataset import Shape, cached, register_active
from bot import texts
from storage.database import SQLiteDatabase
from storage.orders import OrderRepo
from tests.fakes.provider import FakeProvider
from tests.harness import PROVIDER_KEY, TOKEN

NAME = "scale"
FULL = Shape(users=100_000, orders=1_000_000, active=5_000)
QUICK = Shape(users=10_000, orders=100_000, active=500)
RSS_LIMIT_MB = 120
LATENCY_LIMIT_MS = 20


@dataclass(slots=True)
class Memory:
    rss_mb: float
    peak_mb: float


@dataclass(slots=True)
class Findings:
    notes: list[str] = field(default_factory=list)
    balance: list[float] = field(default_factory=list)
    orders: list[float] = field(default_factory=list)
    orders_in_bot: bool = False
    warm: Memory | None = None
    after_poll: Memory | None = None
    status_requests: int = 0


def memory(pid: int) -> Memory:
    """VmRSS and VmHWM of a process, in MB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return Memory(values["VmRSS"], values["VmHWM"])


def sample_users(path: Path, count: int, seed: int = 7) -> list[int]:
    """Customers picked the way traffic picks them: owners of randomly chosen orders."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    try:
        total = int(conn.execute("SELECT MAX(id) FROM orders").fetchone()[0])
        ids = rng.sample(range(1, total + 1), min(total, count * 2))
        found: dict[int, None] = {}
        for order_id in ids:
            row = conn.execute("SELECT user_id FROM orders WHERE id = ?", (order_id,)).fetchone()
            found.setdefault(int(row[0]), None)
    finally:
        conn.close()
    return list(found)[:count]


async def ask(tg: BenchTelegram, user_id: int, text: str) -> tuple[float, str]:
    """Send a command as the user; seconds until the bot's reply landed, and the reply's text."""
    reply = tg.expect(user_id)
    started = time.perf_counter()
    await tg.send_text(user_id, text)
    landed = await asyncio.wait_for(reply, timeout=30)
    return landed.at - started, landed.text


async def spawn(workdir: Path, module: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m <module>` with only the given environment, in an empty folder, logging to a file."""
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(BENCH_DIR.parent)}
    log = (workdir / f"{module}.log").open("wb")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, cwd=workdir, env={**base, **env}, stdout=log, stderr=log
        )
    finally:
        log.close()


def bot_env(db: Path, tg: BenchTelegram, provider: FakeProvider, poll: float) -> dict[str, str]:
    """The environment an operator gives the bot."""
    return {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": tg.base_url,
        "DATABASE_PATH": str(db),
        "PROVIDER_URL": provider.url,
        "PROVIDER_KEY": PROVIDER_KEY,
        "POLL_INTERVAL_SECONDS": str(poll),
    }


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    """SIGTERM (the bot stops polling and closes cleanly); SIGKILL if it hangs."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=20)
    except TimeoutError:
        process.kill()
        await process.wait()


async def warm_up(tg: BenchTelegram, users: list[int]) -> None:
    """Every sampled customer sends /balance once (the first update of a user registers them)."""
    gate = asyncio.Semaphore(20)

    async def one(user_id: int) -> None:
        async with gate:
            await ask(tg, user_id, "/balance")

    await asyncio.gather(*(one(user_id) for user_id in users))


async def drive(
    tg: BenchTelegram, provider: FakeProvider, pid: int, users: list[int], shape: Shape, found: Findings
) -> None:
    """Warm up, probe /orders, time both commands one request at a time, then wait for a poll cycle."""
    await warm_up(tg, users)
    _, answer = await ask(tg, users[0], "/orders")
    found.orders_in_bot = answer not in (texts.UNKNOWN_INPUT, texts.NOT_AVAILABLE)
    found.warm = memory(pid)
    polls_before = len(provider.calls("status"))
    for user_id in users:
        found.balance.append((await ask(tg, user_id, "/balance"))[0])
    if found.orders_in_bot:
        for user_id in users:
            found.orders.append((await ask(tg, user_id, "/orders"))[0])
    if len(provider.calls("status")) != polls_before:
        found.notes.append("a status poll cycle ran while latencies were measured")
    wanted = math.ceil(shape.active / 100)
    for _ in range(1200):
        if len(provider.calls("status")) >= wanted:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # the cycle settles after its last answer
    found.status_requests = len(provider.calls("status"))
    found.after_poll = memory(pid)


@asynccontextmanager
async def running(
    workdir: Path, module: str, env: dict[str, str], tg: BenchTelegram
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A bot process polling the fake; its log is shown if anything goes wrong; stopped at the end."""
    tg.updates.drop_pending()
    process = await spawn(workdir, module, env)
    try:
        await tg.wait_polling(timeout=120)
        yield process
    except BaseException:
        with contextlib.suppress(OSError):
            tail = (workdir / f"{module}.log").read_text(errors="replace")[-3000:]
            print(f"{module} log (tail):\n{tail}", file=sys.stderr)
        raise
    finally:
        await stop_bot(process)


async def time_query(path: Path, users: list[int]) -> list[float]:
    """OrderRepo.for_user(user_id, limit=10) on the same file, one call at a time, after one warm pass."""
    db = SQLiteDatabase(path)
    await db.connect()
    try:
        repo = OrderRepo(db)
        for user_id in users:
            await repo.for_user(user_id, limit=10)
        timings = []
        for user_id in users:
            started = time.perf_counter()
            await repo.for_user(user_id, limit=10)
            timings.append(time.perf_counter() - started)
        return timings
    finally:
        await db.close()


async def run(quick: bool, workdir: Path) -> Outcome:
    """Generate (or reuse) the database; run the bare reference bot, then the shop on a copy; measure."""
    shape = QUICK if quick else FULL
    samples, poll = (50, 15.0) if quick else (200, 30.0)
    source, built = await cached(shape)
    db_path = workdir / "shop.sqlite3"
    shutil.copy(source, db_path)
    users = sample_users(db_path, samples)
    found = Findings()
    provider = await start_provider()
    try:
        active = register_active(provider, db_path)
        async with BenchTelegram() as tg:
            env = bot_env(db_path, tg, provider, poll)
            async with running(workdir, "bench.echo_bot", env, tg) as reference:
                await warm_up(tg, users)
                bare = memory(reference.pid)
            started = time.perf_counter()
            async with running(workdir, "bot", env, tg) as shop:
                startup = time.perf_counter() - started
                await drive(tg, provider, shop.pid, users, shape, found)
    finally:
        await provider.stop()

    query = "/orders first page"
    if not found.orders_in_bot:
        found.orders = await time_query(db_path, users)
        query = "OrderRepo.for_user(limit=10)"
        found.notes.append(
            "the bot does not answer /orders yet: the query behind it, OrderRepo.for_user(user_id, "
            "limit=10), was timed directly on the same file (no Telegram round trip)"
        )
    assert found.warm is not None and found.after_poll is not None
    size_mb = source.stat().st_size / 2**20
    figures: list[Figure] = [
        below(NAME, "bot RSS after warm-up", found.warm.rss_mb, "MB", RSS_LIMIT_MB, 1),
        below(
            NAME,
            f"bot RSS after a poll cycle ({active:,} active)",
            found.after_poll.rss_mb,
            "MB",
            RSS_LIMIT_MB,
            1,
        ),
        info(NAME, "bot peak RSS (VmHWM)", found.after_poll.peak_mb, "MB", digits=1),
        info(NAME, "bare aiogram echo bot RSS, same warm-up", bare.rss_mb, "MB", "reference", 1),
        info(
            NAME, "bot RSS over the bare aiogram bot", found.after_poll.rss_mb - bare.rss_mb, "MB", digits=1
        ),
        info(NAME, "/balance p50", ms(percentile(found.balance, 50)), "ms", digits=1),
        below(NAME, "/balance p99", ms(percentile(found.balance, 99)), "ms", LATENCY_LIMIT_MS, 1),
        info(NAME, f"{query} p50", ms(percentile(found.orders, 50)), "ms", digits=2),
        below(NAME, f"{query} p99", ms(percentile(found.orders, 99)), "ms", LATENCY_LIMIT_MS, 2),
    ]
    generated = "reused from bench/.data" if built is None else f"generated in {built:.0f} s"
    notes = [
        f"{shape.users:,} users, {shape.orders:,} orders ({active:,} active), file {size_mb:,.0f} MB, "
        f"{generated}; bot ready in {startup:.1f} s; {len(users)} sampled customers, one request at a "
        f"time after a warm-up pass; {found.status_requests} status requests seen",
        *found.notes,
    ]
    return Outcome(figures, notes)
