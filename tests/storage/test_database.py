import logging

import pytest

from storage.database import Database, change, select_all, select_one
from storage.ledger import EntryKind, apply_entry
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


async def test_lookup_reads_the_last_commit_at_once(db: Database) -> None:
    users = UserRepo(db)
    await users.upsert(1, username="u1", first_name="Test")
    assert await users.balance(1) == 0
    async with db.transaction() as tx:
        await apply_entry(tx, user_id=1, amount=1234, kind=EntryKind.TOPUP, ref="t1")
        # Not committed yet: a read shows the last committed balance.
        assert await users.balance(1) == 0
    assert await users.balance(1) == 1234
    assert await users.balance(404) == 0


async def test_lookup_falls_back_to_the_reader_thread_when_sqlite_refuses(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="storage.database")
    users = UserRepo(db)
    await users.upsert(1, username="u1", first_name="Test")
    async with db.transaction() as tx:
        await apply_entry(tx, user_id=1, amount=500, kind=EntryKind.TOPUP, ref="t1")
    # SQLite interrupts every statement on the inline connection, as it would answer "busy".
    inline = db._inline
    assert inline is not None
    inline.set_progress_handler(lambda: 1, 1)
    assert await users.balance(1) == 500
    assert "deferred to the reader thread" in caplog.text
