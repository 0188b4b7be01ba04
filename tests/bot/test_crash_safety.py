"""Crash safety: `python -m bot` killed with SIGKILL at random points while it settles and notifies."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from storage.database import Database, SQLiteDatabase
from storage.ledger import LedgerRepo
from storage.postgres import PostgresDatabase
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.harness import (
    ADMIN_ID,
    OTHER_ADMIN_ID,
    Shop,
    fake_env,
    make_settings,
    place,
    spawn_bot,
    stop_bot,
    tail,
)

USERS = list(range(7000, 7060))
FATES = ("partial", "cancel", "complete")


def _open(db_path: Path, url: str | None) -> Database:
    """The bot's database: the SQLite file, or the test's PostgreSQL schema."""
    return PostgresDatabase(url) if url else SQLiteDatabase(db_path)


async def _settled_state(db_path: Path, url: str | None) -> tuple[int, int]:
    """Return (orders still active, outbox messages still pending)."""
    db = _open(db_path, url)
    await db.connect()
    try:
        active = await db.fetchval("SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'in_progress')")
        pending = await db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
        return int(active), int(pending)
    finally:
        await db.close()


async def test_sigkill_at_random_points_loses_no_refund_and_no_notice(
    database_url: str | None, fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    rng = random.Random(20261123)  # reproducible kill points
    db_path = tmp_path / "crash.db"
    shop = Shop(fake_telegram, fake_provider, make_settings(fake_telegram, fake_provider, db_path))
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        fake_telegram.add_user(admin)
    await shop.start()
    orders = [await place(shop, user, link=f"https://instagram.com/p/{user}") for user in USERS]
    await shop.stop()
    fates = {order.id: FATES[i % 3] for i, order in enumerate(orders)}
    # Slow Telegram down so kills land while messages are going out, not only between them.
    fake_telegram.set_rate_limits(per_chat_rate=1, global_rate=15)

    async def finish_in_waves() -> None:
        for start in range(0, len(orders), 6):
            for order in orders[start : start + 6]:
                pid = order.provider_order_id or ""
                fate = fates[order.id]
                if fate == "partial":
                    fake_provider.set_status(pid, "Partial", remains=250)
                elif fate == "cancel":
                    fake_provider.set_status(pid, "Canceled", remains=order.quantity)
                else:
                    fake_provider.set_status(pid, "Completed", remains=0)
            await asyncio.sleep(1.0)

    env = fake_env(
        fake_telegram, fake_provider, db_path, database_url, POLL_INTERVAL_SECONDS="0.2", LOG_LEVEL="WARNING"
    )
    waves = asyncio.create_task(finish_in_waves())
    kills = 0
    try:
        for _ in range(8):
            process = await spawn_bot(env, tmp_path)
            await asyncio.sleep(rng.uniform(1.0, 3.0))
            process.kill()  # SIGKILL: no shutdown hook, no flush
            await process.wait()
            kills += 1
        await waves
        log = tmp_path / "bot.log"
        process = await spawn_bot(env, tmp_path, log=log)
        try:
            for _ in range(600):
                if await _settled_state(db_path, database_url) == (0, 0):
                    break
                await asyncio.sleep(0.1)
            else:
                state = await _settled_state(db_path, database_url)
                raise AssertionError(f"not settled after the last restart: {state}")
        finally:
            code = await stop_bot(process)
        assert code == 0, tail(log)
    finally:
        waves.cancel()

    db = _open(db_path, database_url)
    await db.connect()
    try:
        assert await LedgerRepo(db).mismatches() == []
        duplicates = 0
        for order in orders:
            refunds = await db.fetchall(
                "SELECT amount FROM ledger WHERE order_id = ? AND kind = 'refund'", (order.id,)
            )
            expected = {
                "partial": [order.charge * 250 // order.quantity],
                "cancel": [order.charge],
                "complete": [],
            }
            assert [row[0] for row in refunds] == expected[fates[order.id]]
            notices = [m for m in fake_telegram.messages(order.user_id) if f"Order #{order.id} is" in m.text]
            assert notices, f"order {order.id}: the customer was never told"
            duplicates += len(notices) - 1
        # A duplicate is only possible when a kill fell between Telegram's acceptance and our record.
        assert duplicates <= kills
    finally:
        await db.close()
