"""Instances sharing one PostgreSQL database hear each other's commits (LISTEN/NOTIFY): a notice queued by
one wakes the sender of another, and a user's change made by one reaches every instance's cache."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from storage.outbox import OUTBOX_TOPIC, enqueue
from storage.postgres import PostgresDatabase
from storage.users import USER_TOPIC, UserRepo
from tests.databases import PostgresServer


@pytest.fixture
async def two_instances(
    postgres_server: PostgresServer,
) -> AsyncIterator[tuple[PostgresDatabase, PostgresDatabase]]:
    url = postgres_server.new_schema()
    first, second = PostgresDatabase(url), PostgresDatabase(url)
    await first.connect()
    await second.connect()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def _until(check: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(5):
        while not check():
            await asyncio.sleep(0.02)
    assert check(), what


async def test_a_commit_of_one_instance_reaches_the_listeners_of_the_other(
    two_instances: tuple[PostgresDatabase, PostgresDatabase],
) -> None:
    first, second = two_instances
    heard: dict[str, list[object]] = {"first": [], "second": []}
    second.on_commit(OUTBOX_TOPIC, lambda: heard["second"].append("outbox"))
    second.on_commit_item(USER_TOPIC, lambda item: heard["second"].append(int(item)))
    first.on_commit_item(USER_TOPIC, lambda item: heard["first"].append(int(item)))
    await asyncio.sleep(0.3)  # both are listening

    users = UserRepo(first)
    await users.upsert(42, username="u42", first_name="Test")
    await asyncio.sleep(0.3)  # registering releases held notices: it wakes the sender too
    heard["second"].clear()
    assert await users.set_locale(42, "ru")
    await _until(lambda: 42 in heard["second"], "the other instance heard of the user's new language")
    assert heard["first"] == [42], "the writer hears its own commit once, directly"

    async with first.transaction() as tx:
        await enqueue(tx, 42, "hello", ref="m1")
    await _until(lambda: "outbox" in heard["second"], "the other instance's sender was woken")

    async with first.transaction() as tx:  # touches nothing the listeners follow
        await tx.execute("UPDATE users SET first_name = 'Other' WHERE id = 42")
    await asyncio.sleep(0.3)
    assert heard["second"].count(42) == 1 and heard["second"].count("outbox") == 1
