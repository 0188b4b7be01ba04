"""Job leadership against the real Redis and PostgreSQL: two instances compete, exactly one leads."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.leadership import Leaders, Leadership, LocalLeadership, create_leaders
from bot.leadership.pg_lock import PgLockSession, PostgresLeadership, lock_id
from bot.leadership.redis_lease import RedisLeadership
from bot.scheduler import create_scheduler

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LEASE = 1.0  # seconds; production uses 15
JOB = "status_poll"


@dataclass
class Instance:
    """One bot instance's side of the competition: its leadership and how it dies."""

    leadership: Leadership
    crash: Callable[[], Awaitable[None]]  # die without releasing
    close: Callable[[], Awaitable[None]]
    changes: list[bool] = field(default_factory=list)


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until `condition` holds; return the seconds it took, or fail after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


def leaders_of(instances: list[Instance]) -> list[Instance]:
    return [instance for instance in instances if instance.leadership.is_leader]


async def _redis_keys(namespace: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"leader:{namespace}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
def namespace() -> str:
    """A bot id of this test's own: keys and lock ids no other test (or run) uses."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture(params=["redis", "postgresql"])
async def make_instance(
    request: pytest.FixtureRequest, namespace: str
) -> AsyncIterator[Callable[[], Instance]]:
    """Build competing instances for one job on the backend of the test's parameter."""
    made: list[Instance] = []

    def make() -> Instance:
        if request.param == "redis":
            client = Redis.from_url(REDIS_URL)
            redis_leadership = RedisLeadership(JOB, client, f"leader:{namespace}:{JOB}", lease=LEASE)

            async def crash_redis() -> None:
                # The process froze or died: no more renewals, no release; its key just expires.
                assert redis_leadership._task is not None
                redis_leadership._task.cancel()
                await client.aclose()

            async def close_redis() -> None:
                await redis_leadership.stop()
                await client.aclose()

            instance = Instance(redis_leadership, crash_redis, close_redis)
        else:
            session = PgLockSession(POSTGRES_URL, keepalive_seconds=1)
            pg_leadership = PostgresLeadership(JOB, session, lock_id(namespace, JOB), lease=LEASE)

            async def crash_pg() -> None:
                # The leader's connection is killed (its process died, or an admin ended it).
                pid = session.backend_pid
                assert pid is not None
                async with await psycopg.AsyncConnection.connect(POSTGRES_URL, autocommit=True) as admin:
                    await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

            async def close_pg() -> None:
                await pg_leadership.stop()
                await session.close()

            instance = Instance(pg_leadership, crash_pg, close_pg)

        async def record(leading: bool) -> None:
            instance.changes.append(leading)

        instance.leadership.on_change(record)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        await instance.close()
    if request.param == "redis":
        await _redis_keys(namespace)


async def test_of_two_competing_instances_exactly_one_leads_and_keeps_leading(
    make_instance: Callable[[], Instance],
) -> None:
    first, second = make_instance(), make_instance()
    await asyncio.gather(first.leadership.start(), second.leadership.start())
    [leader] = leaders_of([first, second])
    # Across three leases (renewals in the background, nothing re-acquired), the same one leads.
    deadline = time.monotonic() + 3 * LEASE
    while time.monotonic() < deadline:
        assert leaders_of([first, second]) == [leader]
        await asyncio.sleep(0.05)
    assert leader.changes == [True]
    standby = second if leader is first else first
    assert standby.changes == []


async def test_a_leader_stopping_hands_over_promptly(make_instance: Callable[[], Instance]) -> None:
    first = make_instance()
    await first.leadership.start()
    second = make_instance()
    await second.leadership.start()
    assert first.leadership.is_leader and not second.leadership.is_leader

    await first.leadership.stop()
    assert not first.leadership.is_leader and first.changes == [True, False]
    # Released, not expired: the standby's next attempt (every lease/3) takes it.
    took = await wait_until(lambda: second.leadership.is_leader, LEASE, "the takeover")
    assert took < LEASE
    assert second.changes == [True]


async def test_a_dead_leader_is_replaced_within_the_lease_bound(
    make_instance: Callable[[], Instance],
) -> None:
    first = make_instance()
    await first.leadership.start()
    second = make_instance()
    await second.leadership.start()
    assert first.leadership.is_leader

    await first.crash()
    took = await wait_until(lambda: second.leadership.is_leader, 3 * LEASE, "the takeover")
    assert took < 3 * LEASE
    # The dead one stopped counting itself leader: by its lease running out (Redis), or by noticing
    # that its connection, and with it the lock, is gone (PostgreSQL).
    await wait_until(lambda: not first.leadership.is_leader, LEASE, "the old leader stepping down")
    await asyncio.sleep(LEASE)
    assert leaders_of([first, second]) == [second]


async def test_a_redis_leader_never_overlaps_its_successor(namespace: str) -> None:
    # A frozen leader's own clock ends its leadership before its key expires for the others.
    clients = [Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)]
    first, second = (
        RedisLeadership(JOB, client, f"leader:{namespace}:{JOB}", lease=LEASE) for client in clients
    )
    try:
        await first.start()
        await second.start()
        assert first._task is not None
        first._task.cancel()  # frozen: no renewal, no release
        started = time.monotonic()
        while not second.is_leader:
            assert not (first.is_leader and second.is_leader)
            assert time.monotonic() - started < 3 * LEASE
            await asyncio.sleep(0.01)
        assert not first.is_leader
        assert (await clients[1].get(f"leader:{namespace}:{JOB}")) == second.token.encode()
        await second.stop()
        assert await clients[1].exists(f"leader:{namespace}:{JOB}") == 0  # released: deleted
    finally:
        await second.stop()
        for client in clients:
            await client.aclose()
        await _redis_keys(namespace)


async def test_a_postgresql_instance_reconnects_after_losing_its_connection(
    namespace: str,
) -> None:
    sessions = [PgLockSession(POSTGRES_URL, keepalive_seconds=1) for _ in range(2)]
    first, second = (
        PostgresLeadership(JOB, session, lock_id(namespace, JOB), lease=LEASE) for session in sessions
    )
    try:
        await first.start()
        await second.start()
        killed = sessions[0].backend_pid
        async with await psycopg.AsyncConnection.connect(POSTGRES_URL, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", (killed,))
        await wait_until(lambda: second.is_leader and not first.is_leader, 3 * LEASE, "the takeover")
        # The first instance stands by on a new connection, and leads again once the second stops.
        await second.stop()
        await wait_until(lambda: first.is_leader, 3 * LEASE, "the first instance leading again")
        assert sessions[0].backend_pid not in (None, killed)
    finally:
        await first.stop()
        await second.stop()
        for session in sessions:
            await session.close()


async def test_a_guarded_job_runs_only_on_the_leader(make_instance: Callable[[], Instance]) -> None:
    runs = {"first": 0, "second": 0}
    instances = {"first": make_instance(), "second": make_instance()}
    schedulers = []
    for name, instance in instances.items():
        leaders = Leaders(lambda _job, instance=instance: instance.leadership, description=name)

        async def job(name: str = name) -> None:
            runs[name] += 1

        scheduler = create_scheduler()
        scheduler.add_job(leaders.guard(JOB, job), "interval", seconds=0.1, id=JOB)
        await leaders.start()
        scheduler.start()
        schedulers.append(scheduler)
    try:
        await asyncio.sleep(1.0)  # about ten ticks on each instance
        assert runs["first"] >= 5 and runs["second"] == 0, runs

        # The leader loses its lock (renewals stopped, or its connection killed). Its scheduler keeps
        # ticking, but once its lease has run out by its own clock (Redis) or it saw the connection
        # go (PostgreSQL), no run starts there any more.
        first = instances["first"].leadership
        await instances["first"].crash()
        await wait_until(lambda: not first.is_leader, 2 * LEASE, "the old leader stepping down")
        before = runs["first"]
        await wait_until(lambda: runs["second"] > 0, 3 * LEASE, "a run on the new leader")
        await asyncio.sleep(0.5)
        assert runs["first"] == before and runs["second"] >= 3, runs
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)


async def test_the_backend_follows_the_settings(tmp_path: Path, namespace: str) -> None:
    values = {"_env_file": None, "bot_token": "123:abc", "database_path": tmp_path / "bot.db"}
    local = create_leaders(Settings(**values), namespace=namespace, redis=None)  # type: ignore[arg-type]
    assert type(local[JOB]) is LocalLeadership

    on_postgres = Settings(**values, database_url=POSTGRES_URL)  # type: ignore[arg-type]
    assert isinstance(create_leaders(on_postgres, namespace=namespace, redis=None)[JOB], PostgresLeadership)

    client = Redis.from_url(REDIS_URL)
    try:
        # Redis wins when both are set: its leases end by the clock, with no connection to hold open.
        with_redis = create_leaders(on_postgres, namespace=namespace, redis=client)
        leadership = with_redis[JOB]
        assert isinstance(leadership, RedisLeadership)
        assert leadership.key == f"leader:{namespace}:{JOB}" and leadership.lease == 15
    finally:
        await client.aclose()


async def test_a_lone_instance_leads_every_job_at_once() -> None:
    changes: list[bool] = []
    leaders = Leaders(LocalLeadership, description="one instance")

    async def record(leading: bool) -> None:
        changes.append(leading)

    leaders["outbox_sender"].on_change(record)
    ran: list[str] = []

    async def job() -> str:
        ran.append("job")
        return "done"

    guarded = leaders.guard(JOB, job)
    await leaders.start()
    assert changes == [True]
    assert await guarded() == "done" and ran == ["job"]
    await leaders.stop()
    assert changes == [True, False]
    assert await guarded() is None and ran == ["job"]


async def test_a_stop_waits_for_the_run_in_progress_instead_of_cutting_it_off() -> None:
    leaders = Leaders(LocalLeadership, description="one instance")
    release = asyncio.Event()
    finished: list[str] = []

    async def cycle() -> None:
        await release.wait()  # a poll cycle waiting for the provider
        finished.append("cycle")

    guarded = leaders.guard(JOB, cycle)
    await leaders.start()
    run = asyncio.create_task(guarded())
    await asyncio.sleep(0.01)
    assert await leaders.drain(0.05) == 1, "still running when the grace ran out"
    asyncio.get_running_loop().call_later(0.05, release.set)
    assert await leaders.drain(5) == 0
    assert finished == ["cycle"] and run.done() and not run.cancelled()
    assert await leaders.drain(0.01) == 0  # nothing left to wait for
    await leaders.stop()


def test_lock_ids_are_stable_and_distinct() -> None:
    assert lock_id("42", JOB) == lock_id("42", JOB)
    assert len({lock_id(bot, job) for bot in ("1", "2") for job in (JOB, "catalog_sync")}) == 4
    assert all(-(2**63) <= lock_id("1", job) < 2**63 for job in (JOB, "catalog_sync", "outbox_sender"))
