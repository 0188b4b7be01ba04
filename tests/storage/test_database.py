from pathlib import Path

import pytest

from storage.database import Database, SQLiteDatabase, change, select_all, select_one
from storage.outbox import OUTBOX_TOPIC, OutboxRepo, enqueue
from storage.users import UserRepo


async def test_commit_listeners_run_only_for_the_topics_a_commit_wrote(db: Database) -> None:
    woken: list[str] = []
    db.on_commit(OUTBOX_TOPIC, lambda: woken.append("outbox"))
    await UserRepo(db).upsert(1, username="u1", first_name="Test")
    woken.clear()  # a returning user's held messages may go out again, so registering wakes it

    async with db.transaction() as tx:
        await change(tx, "UPDATE users SET first_name = 'Other' WHERE id = 1")
    assert woken == []

    async with db.transaction() as tx:
        await enqueue(tx, 1, "hello", ref="m1")
        await enqueue(tx, 1, "again", ref="m2")
    assert woken == ["outbox"]

    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await enqueue(tx, 1, "never", ref="m3")
            raise RuntimeError("rolled back")
    assert woken == ["outbox"]
    assert await OutboxRepo(db).pending_count() == 2


async def test_one_trip_helpers_see_the_transactions_own_writes(db: Database) -> None:
    await UserRepo(db).upsert(1, username="u1", first_name="Test")
    await UserRepo(db).upsert(2, username="u2", first_name="Test")
    async with db.transaction() as tx:
        assert await change(tx, "UPDATE users SET first_name = 'Renamed'") == 2
        assert await change(tx, "UPDATE users SET first_name = 'x' WHERE id = 99") == 0
        row = await select_one(tx, "SELECT first_name FROM users WHERE id = ?", (1,))
        assert row is not None and row[0] == "Renamed"
        assert await select_one(tx, "SELECT 1 FROM users WHERE id = 99") is None
        rows = await select_all(tx, "SELECT id FROM users ORDER BY id")
        assert [row[0] for row in rows] == [1, 2]
    assert await db.fetchval("SELECT COUNT(*) FROM users WHERE first_name = 'Renamed'") == 2


async def test_every_commit_of_the_writer_is_synced_to_disk(tmp_path: Path) -> None:
    # synchronous=FULL (2) in WAL mode: a commit survives an OS crash or power loss, not only a
    # crash of the bot. Charges precede provider calls, so a lost commit would be an unpaid order.
    db = SQLiteDatabase(tmp_path / "synced.sqlite3")
    await db.connect()
    try:
        row = await select_one(db.writer, "PRAGMA synchronous")
        assert row is not None and int(row[0]) == 2
        mode = await select_one(db.writer, "PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
    finally:
        await db.close()
