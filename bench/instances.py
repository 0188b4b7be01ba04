"""Bot instances as real processes, and the servers they share: a PostgreSQL database of the run's own,
Redis keys of the run's bot, and the CPU time each part of the machine spent.

`BENCH_POSTGRES_URL` (default: the local server's `postgres` database) is where the run creates its
database, `smm_bench_<pid>`, dropped at the end; `BENCH_REDIS_URL` (default: the local Redis, db 0) is the
Redis the instances share. Each run uses bot tokens of its own, and the Redis keys are namespaced by the
bot id (`fsm:<bot id>:...`, `leader:<bot id>:...`), so runs never see each other's keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import psycopg
from psycopg import sql
from redis.asyncio import Redis

from bench.common import BENCH_DIR
from bench.scale import stop_bot

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WEBHOOK_PATH = "/bench/webhook"
WEBHOOK_SECRET = "bench-hook-secret_" + secrets.token_hex(8)
READY_TIMEOUT = 90.0


def unique_token() -> str:
    """A bot token of this run alone: its bot id namespaces the Redis keys."""
    return f"{7_000_000_000 + secrets.randbelow(10**9)}:BENCH-{secrets.token_hex(6)}"


def bot_id(token: str) -> int:
    return int(token.split(":", 1)[0])


# ---------------------------------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True, slots=True)
class PgDatabase:
    """The run's database; each setup gets a schema of its own (the URL sets the search path)."""

    name: str
    url: str

    async def schema(self, name: str) -> str:
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            await conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        return self.url + "?options=" + quote(f"-csearch_path={name}")


@asynccontextmanager
async def postgres_database(admin_url: str = POSTGRES_URL) -> AsyncIterator[PgDatabase]:
    """Create `smm_bench_<pid>` (C collation, as the tests'), drop it at the end, also on failure."""
    name = f"smm_bench_{os.getpid()}"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    async with await psycopg.AsyncConnection.connect(admin_url, autocommit=True) as conn:
        await conn.execute(drop)  # a leftover of a killed run with this pid
        await conn.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(sql.Identifier(name))
        )
    try:
        yield PgDatabase(name, urlunsplit(urlsplit(admin_url)._replace(path="/" + name)))
    finally:
        async with await psycopg.AsyncConnection.connect(admin_url, autocommit=True) as conn:
            await conn.execute(drop)


@contextmanager
def commit_probe(url: str | None, every: float = 0.2) -> Iterator[list[float]]:
    """Time a one-row commit every `every` seconds on its own connection and thread, meanwhile.

    A commit waits for the server's WAL flush, which every database of the server shares: this is what
    a commit cost the bot at that moment, whoever else was writing. No URL: no probe, no samples.
    """
    samples: list[float] = []
    if url is None:
        yield samples
        return
    stop = threading.Event()

    def probe() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (at DOUBLE PRECISION)")
            while not stop.wait(every):
                started = time.perf_counter()
                conn.execute("INSERT INTO bench_commit_probe VALUES (%s)", (started,))
                samples.append(time.perf_counter() - started)

    thread = threading.Thread(target=probe, name="commit-probe", daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join(timeout=10)


async def forget_bot(token: str, redis_url: str = REDIS_URL) -> int:
    """Delete the Redis keys of one bot (conversations, locks, leases); how many there were."""
    redis = Redis.from_url(redis_url)
    try:
        keys = []
        for prefix in ("fsm", "leader"):
            keys += [key async for key in redis.scan_iter(f"{prefix}:{bot_id(token)}:*")]
        if keys:
            await redis.delete(*keys)
        return len(keys)
    finally:
        await redis.aclose()


# ---------------------------------------------------------------------------------------- processes


@dataclass(slots=True)
class Instance:
    """One `python -m bot` process; in webhook mode it listens on `port`."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (closed again; the bot binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_env(port: int) -> dict[str, str]:
    """The webhook settings of an instance listening on `port` (the fake posts there directly)."""
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }


async def spawn(workdir: Path, name: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m bot` with only the given environment, in `workdir` (no .env), logging to <name>.log."""
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(BENCH_DIR.parent)}
    with (workdir / f"{name}.log").open("wb") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=workdir, env={**base, **env}, stdout=log, stderr=log
        )


async def wait_ready(instance: Instance, within: float = READY_TIMEOUT) -> None:
    """Poll /readyz until it answers 200 (database, Telegram and Redis answer)."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if instance.process.returncode is not None:
                raise RuntimeError(
                    f"the bot exited with code {instance.process.returncode}; see {instance.log}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{instance.port}/readyz")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot was not ready within {within:.0f} s; see {instance.log}")
            await asyncio.sleep(0.1)


@asynccontextmanager
async def running_instances(
    workdir: Path, env: dict[str, str], count: int, *, webhook: bool, prefix: str
) -> AsyncIterator[list[Instance]]:
    """`count` bot processes started together; webhook ones ready; their logs shown if anything fails."""
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    instances: list[Instance] = []
    try:
        for index in range(count):
            port = free_port() if webhook else 0
            name = f"{prefix}-{index + 1}"
            extra = webhook_env(port) if webhook else {}
            process = await spawn(workdir, name, {**env, **extra, "LOG_LEVEL": level})
            instances.append(Instance(process, port, workdir / f"{name}.log"))
        if webhook:
            await asyncio.gather(*(wait_ready(instance) for instance in instances))
        yield instances
    except BaseException:
        for instance in instances:
            with contextlib.suppress(OSError):
                tail = instance.log.read_text(errors="replace")[-3000:]
                if tail.strip():
                    print(f"{instance.log.name} (tail):\n{tail}", file=sys.stderr)
        raise
    finally:
        await asyncio.gather(*(stop_bot(instance.process) for instance in instances))


# ---------------------------------------------------------------------------------------- CPU


def _ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _ticks()


def named_cpu(name: str, title: str = "") -> float:
    """CPU seconds used by the processes called `name` whose title (command line) holds `title`.

    PostgreSQL titles each backend "postgres: <cluster>: <user> <database> <client> <state>", so the
    backends serving one database are told apart from everyone else's.
    """
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if (entry / "comm").read_text().strip() != name:
                continue
            if title and title not in (entry / "cmdline").read_bytes().decode(errors="replace"):
                continue
            total += process_cpu(int(entry.name))
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all CPUs."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # without guest time, which user time already counts
    return (total - idle) / _ticks(), total / _ticks()


@dataclass(frozen=True, slots=True)
class Cpu:
    """CPU seconds by part: this process (the fake and the users, or everything in-process), the bot
    processes, the PostgreSQL backends of the run's database, Redis, and the machine (busy and available).
    """

    bench: float
    bots: float
    postgres: float
    redis: float
    busy: float
    total: float

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(*(mine - theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True)))

    def __add__(self, other: Cpu) -> Cpu:
        return Cpu(*(mine + theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True)))

    @property
    def others(self) -> float:
        """What the rest of the machine used meanwhile (other processes, PostgreSQL's own workers)."""
        return self.busy - self.bench - self.bots - self.postgres - self.redis


def cpu_now(bot_pids: Sequence[int] = (), database: str = "") -> Cpu:
    """The CPU counters of every part now; PostgreSQL's are those of the backends serving `database`."""
    busy, total = machine_cpu()
    return Cpu(
        time.process_time(),
        sum(process_cpu(pid) for pid in bot_pids),
        named_cpu("postgres", f" {database} ") if database else 0.0,
        named_cpu("redis-server"),
        busy,
        total,
    )
