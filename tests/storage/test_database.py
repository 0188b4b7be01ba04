import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from storage.database import Database, SQLiteDatabase, change, select_all, select_one
from storage.errors import CONFLICTS, Conflict
from storage.ledger import EntryKind, LedgerRepo, apply_entry
from storage.orders import OrderRepo
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


async def test_a_write_a_constraint_refuses_is_a_conflict_and_leaves_nothing_behind(db: Database) -> None:
    await UserRepo(db).upsert(1, username="u1", first_name="Test")
    with pytest.raises(CONFLICTS) as refused:
        async with db.transaction() as tx:
            await change(tx, "UPDATE users SET first_name = 'Changed' WHERE id = 1")
            await change(tx, "INSERT INTO users (id, username, first_name) VALUES (1, 'again', 'Again')")
    # The storage layer's own error on PostgreSQL (its driver stays out of the one-instance shop).
    assert isinstance(refused.value, Conflict if db.dialect == "postgresql" else sqlite3.IntegrityError)
    rows = await db.fetchall("SELECT username, first_name FROM users")
    assert [tuple(row) for row in rows] == [("u1", "Test")]


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


async def test_quick_reads_see_every_commit_and_nothing_of_a_transaction_in_flight(db: Database) -> None:
    users, ledger = UserRepo(db), LedgerRepo(db)
    await users.upsert(1, username="u1", first_name="Test")
    await ledger.record(user_id=1, amount=1000, kind=EntryKind.TOPUP, ref="t1")
    assert await users.balance(1) == 1000  # a quick read

    async with db.transaction() as tx:
        await apply_entry(tx, user_id=1, amount=-400, kind=EntryKind.CHARGE, ref="c1")
        # Another handler reading the wallet meanwhile sees the last committed state, quick or not.
        assert await users.balance(1) == 1000
        assert await db.fetchval("SELECT balance FROM users WHERE id = 1") == 1000
        assert [entry.ref for entry in await ledger.history(1)] == ["t1"]
    assert await users.balance(1) == 600
    assert [entry.ref for entry in await ledger.history(1)] == ["c1", "t1"]

    # Commits in a row, each read straight after: no quick read is left open pinning an old state.
    for n in range(2, 7):
        await ledger.record(user_id=1, amount=n, kind=EntryKind.TOPUP, ref=f"t{n}")
        assert await users.balance(1) == 600 + sum(range(2, n + 1))
        user = await users.get(1)
        assert user is not None and user.balance == await users.balance(1)
    assert await OrderRepo(db).for_user(1) == []


class _HeldFile:
    """Stands in for the quick connection while another program holds the database file."""

    def __init__(self) -> None:
        self.tries = 0

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self.tries += 1
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
        raise error

    def close(self) -> None:
        pass


async def test_a_quick_read_that_finds_the_file_held_is_answered_by_the_reader(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "held.sqlite3")
    await db.connect()
    quick = db._quick
    try:
        users = UserRepo(db)
        await users.upsert(1, username="u1", first_name="Test")
        await LedgerRepo(db).record(user_id=1, amount=250, kind=EntryKind.TOPUP, ref="t1")
        held = _HeldFile()
        db._quick = held  # type: ignore[assignment]
        # The loop's thread never waits on a lock: the read goes to the reader's thread, which does.
        assert await users.balance(1) == 250
        assert held.tries == 1
        # Anything but a busy file is a real error and is raised as such.
        db._quick = quick
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await db.fetchall("SELECT * FROM nowhere", quick=True)
    finally:
        db._quick = quick
        await db.close()
    with pytest.raises(RuntimeError, match="not connected"):
        await UserRepo(db).balance(1)


async def test_quick_reads_run_on_the_loops_thread_and_plain_reads_on_the_readers(tmp_path: Path) -> None:
    # What makes /balance cheap: no hop to a thread for an index lookup. A plain read still goes to the
    # reader's thread, where a long report leaves the loop free for other updates.
    db = SQLiteDatabase(tmp_path / "threads.sqlite3")
    await db.connect()
    try:
        assert db._quick is not None
        seen: list[str] = []

        def thread() -> int:
            seen.append(threading.current_thread().name)
            return 1

        db._quick.create_function("thread", 0, thread)
        await db.reader.create_function("thread", 0, thread)
        assert await db.fetchval("SELECT thread()", quick=True) == 1
        assert await db.fetchval("SELECT thread()") == 1
        assert seen[0] == threading.current_thread().name
        assert seen[1] != threading.current_thread().name
    finally:
        await db.close()
