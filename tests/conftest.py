"""Shared fixtures: a real database per test (SQLite and PostgreSQL), the fakes, and the running shop."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.database import Database
from tests import harness
from tests.databases import BACKENDS, PostgresServer, database_for
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.harness import PROVIDER_KEY, TOKEN, Shop, demo_catalogue, make_settings, secrets_in


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """This run's own PostgreSQL database, dropped at the end."""
    server = PostgresServer()
    server.create()
    try:
        yield server
    finally:
        server.drop()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for SQLite, or the URL of an empty PostgreSQL schema; the shop's settings use it too."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").new_schema()
    harness.DATABASE_URL = url
    try:
        yield url
    finally:
        harness.DATABASE_URL = None


@pytest.fixture
async def db(database_url: str | None, tmp_path: Path) -> AsyncIterator[Database]:
    database = database_for(database_url, tmp_path)
    await database.connect()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as tg:
        yield tg
        assert tg.internal_errors == [], "the fake Telegram server failed internally"
        assert tg.unknown_calls == [], "the bot called a Bot API method that does not exist"


@pytest.fixture
async def fake_provider() -> AsyncIterator[FakeProvider]:
    provider = FakeProvider(key=PROVIDER_KEY)
    provider.reject_duplicate_links = False
    demo_catalogue(provider)
    await provider.start()
    try:
        yield provider
    finally:
        await provider.stop()


@pytest.fixture
async def shop(
    database_url: str | None,
    fake_telegram: FakeTelegram,
    fake_provider: FakeProvider,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Shop]:
    """The real bot running against both fakes; after the test, money must balance and no secret leaked."""
    caplog.set_level(logging.DEBUG)
    running = Shop(
        fake_telegram, fake_provider, make_settings(fake_telegram, fake_provider, tmp_path / "shop.db")
    )
    for admin in running.settings.admin_ids:
        fake_telegram.add_user(admin, username=f"admin{admin}")
    await running.start()
    try:
        yield running
        await running.assert_ledger_balanced()
    finally:
        await running.stop()
    assert secrets_in(caplog.text) == [], "a secret reached the logs"
    for message in fake_telegram.requests:
        assert secrets_in(str(message.params)) == [], "a secret reached a Telegram message"
