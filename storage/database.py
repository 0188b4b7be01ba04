"""The database: one API over SQLite (the default) and PostgreSQL (storage.postgres, for scale-out).

Statements are written once, in SQL both databases understand, with `?` placeholders; the few that must
differ (bulk reads and writes over JSON or arrays) ask `is_postgres(tx)`. This module is the SQLite side:
connections, pragmas, migrations and serialised write transactions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

logger = logging.getLogger(__name__)

Params = tuple[Any, ...] | list[Any] | dict[str, Any]

# The topics written by the transaction running in this task (see `touch`).
# The topics (and items of them, "" for none) written by the transaction running in this task.
_touched: ContextVar[set[tuple[str, str]] | None] = ContextVar("touched", default=None)


def touch(topic: str, item: str = "") -> None:
    """Note that the running transaction wrote `topic` (e.g. "outbox"), or one `item` of it (a user id);
    its listeners run after commit, in every instance on a shared database."""
    touched = _touched.get()
    if touched is not None:
        touched.add((topic, item))


class Row(Protocol):
    """A result row: by position or by column name (sqlite3.Row and storage.postgres.PgRow)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...

    def keys(self) -> list[str]: ...


class Tx(Protocol):
    """A connection inside a write transaction (an aiosqlite connection, or storage.postgres.PgTx)."""

    async def execute(self, sql: str, parameters: Any = None, /) -> Any: ...

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...

    async def execute_fetchall(self, sql: str, parameters: Any = None, /) -> Iterable[Any]: ...


def is_postgres(conn: object) -> bool:
    """True for a PostgreSQL connection (a transaction or the reader of storage.postgres)."""
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def for_update(conn: object) -> str:
    """ " FOR UPDATE" to add to a read inside a PostgreSQL write transaction, else nothing.

    The row then stays as read until commit: another instance changing it meanwhile waits, instead of
    making the guarded write that follows find it changed. A SQLite write transaction holds the whole
    database already.
    """
    return " FOR UPDATE" if getattr(conn, "locks_rows", False) else ""


def in_list(conn: object, column: str, values: Iterable[object]) -> tuple[str, object]:
    """`column IN (values)` as SQL and its one parameter, however many values: a JSON array read with
    `json_each` on SQLite, an array with `= ANY` on PostgreSQL (where the index serves it)."""
    listed = list(values)
    if is_postgres(conn):
        kind = "bigint" if all(type(value) is int for value in listed) else "text"
        return f"{column} = ANY(?::{kind}[])", listed
    return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(listed)


class Database(ABC):
    """What every repository uses: committed reads, write transactions and commit listeners."""

    dialect = "sqlite"

    def __init__(self) -> None:
        self._commit_listeners: dict[str, list[Callable[[], None]]] = {}
        self._item_listeners: dict[str, list[Callable[[str], None]]] = {}

    @abstractmethod
    async def connect(self) -> None:
        """Open connections and apply pending migrations."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """Run a block as one write transaction; commit on success, roll back on any error."""

    @abstractmethod
    def snapshot(self) -> AbstractAsyncContextManager[Tx]:
        """A read-only transaction of its own over one consistent state (long reports, the audit)."""

    @property
    @abstractmethod
    def reader(self) -> Tx:
        """A connection for reads of committed state outside transactions."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = (), *, quick: bool = False) -> list[Row]:
        """Read every row from the last committed state.

        `quick=True` marks a read by key that touches a handful of rows through an index (a balance, a
        user, an order by id, a page of ten): SQLite may then run it on the event loop's own thread.
        Scans, counts over a table and reports must not be quick; they would stall every other update.
        """

    def on_commit(self, topic: str, listener: Callable[[], None]) -> None:
        """Call `listener` after each committed transaction that touched `topic`.

        The notifier wakes up this way when messages were queued, and only then.
        """
        self._commit_listeners.setdefault(topic, []).append(listener)

    def on_commit_item(self, topic: str, listener: Callable[[str], None]) -> None:
        """Call `listener(item)` after each committed transaction that touched an item of `topic`."""
        self._item_listeners.setdefault(topic, []).append(listener)

    def _topics(self) -> set[str]:
        return set(self._commit_listeners) | set(self._item_listeners)

    def _committed(self, touched: Iterable[tuple[str, str]]) -> None:
        topics: set[str] = set()
        for topic, item in touched:
            if topic not in topics:
                topics.add(topic)
                for listener in self._commit_listeners.get(topic, ()):
                    listener()
            if item:
                for item_listener in self._item_listeners.get(topic, ()):
                    item_listener(item)

    async def fetchone(self, sql: str, params: Params = (), *, quick: bool = False) -> Row | None:
        """Read one row from the last committed state (`quick` as for fetchall)."""
        rows = await self.fetchall(sql, params, quick=quick)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = (), *, quick: bool = False) -> Any:
        """Read the first column of the first row, or None (`quick` as for fetchall)."""
        row = await self.fetchone(sql, params, quick=quick)
        return None if row is None else row[0]


class SQLiteDatabase(Database):
    """One writer connection (transactions serialised by a lock) and two reader connections.

    WAL mode lets the readers see the last committed state while a write is in flight, so a
    half-written transaction is never visible to a handler that only reads. The reader runs on its own
    thread (aiosqlite); quick reads (`fetchall(..., quick=True)`) run on the event loop's thread through a
    plain sqlite3 connection, because an index lookup takes a few microseconds and the trip to a thread
    and back costs far more: a wake-up through the loop's self-pipe and the GIL handed to and fro.
    """

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 10_000) -> None:
        super().__init__()
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._quick: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        """Open both connections and apply pending migrations."""
        if self._writer is not None:
            return
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._open()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        # Every commit of the writer is synced to disk before COMMIT returns. With NORMAL, an OS crash
        # or power loss can drop the last commits: a charge lost after its `add` went out would leave
        # the provider with an order nobody paid for. The cost is one fsync per commit (bench placement).
        await self._writer.execute("PRAGMA synchronous=FULL")
        await self._migrate(self._writer)
        self._reader = await self._open()
        self._quick = self._open_quick()

    def _open_quick(self) -> sqlite3.Connection:
        # Autocommit: each SELECT is its own read transaction, ended when its rows are fetched. No busy
        # wait on the loop's thread: a read that finds the file locked goes to the reader instead.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=0")
        conn.execute("PRAGMA query_only=ON")
        # A read by key touches a few pages, and WAL drops a connection's whole page cache whenever
        # another connection has committed since its last read: the default 2 MB would mostly hold pages
        # of reads long past (resident memory for nothing, bench scale).
        conn.execute("PRAGMA cache_size=-256")  # KiB
        return conn

    async def _open(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys=ON")
        return conn

    async def close(self) -> None:
        """Close every connection."""
        if self._quick is not None:
            self._quick.close()
            self._quick = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not connected")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not connected")
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one IMMEDIATE transaction; commit on success, roll back on any error."""
        touched: set[tuple[str, str]] = set()
        async with self._lock:
            conn = self.writer
            token = _touched.set(touched)
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    await conn.execute("ROLLBACK")
                    raise
                else:
                    await conn.execute("COMMIT")
            finally:
                _touched.reset(token)
        self._committed(touched)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection of its own, inside one read transaction (one consistent state).

        The audit reads every row for a few seconds on a big shop; on the shared reader connection it
        would hold up every handler's reads meanwhile. In WAL mode this reader blocks no writer.
        """
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await conn.execute("PRAGMA query_only=ON")
            await conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            await conn.execute("BEGIN")
            yield conn
        finally:
            await conn.close()

    async def fetchall(self, sql: str, params: Params = (), *, quick: bool = False) -> list[Row]:
        """Read every row from the last committed state.

        Statement and fetch run as one step (on the reader's thread, or on this one when quick), so no
        statement is ever left open in between; an open statement would pin an old snapshot and hide
        commits.
        """
        if quick and self._quick is not None:
            try:
                cursor = self._quick.execute(sql, params)
                try:
                    return cursor.fetchall()
                finally:
                    cursor.close()
            except sqlite3.OperationalError as exc:
                # SQLITE_BUSY: a connection holds the file exclusively (a recovery, an outside tool).
                # The reader waits for it on its own thread, up to the busy timeout.
                if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    raise
        return await select_all(self.reader, sql, params)

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        row = await select_one(conn, "PRAGMA user_version")
        current = int(row[0]) if row else 0
        for number, name, sql in migrations():
            if number <= current:
                continue
            logger.info("Applying migration %s", name)
            try:
                await conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version={number};\nCOMMIT;")
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise


async def select_one(conn: Tx, sql: str, params: Params = ()) -> Row | None:
    """Run a query on `conn` (inside a transaction) and return its first row, in one trip.

    Each awaited call on an aiosqlite connection is a round trip to its thread, and a transaction
    holds the write lock for all of them, so statements inside transactions go in a single trip.
    """
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)


async def select_all(conn: Tx, sql: str, params: Params = ()) -> list[Row]:
    """Run a query on `conn` (inside a transaction) and return every row, in one trip."""
    return list(await conn.execute_fetchall(sql, params))


async def change(conn: Tx, sql: str, params: Params = ()) -> int:
    """Run a write statement on `conn` in one trip; return how many rows it changed."""
    cursor = await conn.execute(sql, params)
    return int(cursor.rowcount)


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """The numbered migration scripts of a dialect, in order: (number, file name, SQL)."""
    folder = resources.files("storage") / "migrations"
    if dialect != "sqlite":
        folder = folder / dialect
    found: list[tuple[int, str, str]] = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    return found


def open_database(url: str | None, path: Path) -> Database:
    """PostgreSQL when a URL is given (storage.postgres), else the SQLite file at `path`."""
    if url:
        from storage.postgres import PostgresDatabase

        return PostgresDatabase(url)
    return SQLiteDatabase(path)
