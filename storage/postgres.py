"""PostgreSQL: the storage API of `storage.database` for several bot instances sharing one database.

psycopg 3 (async) with a connection pool. Statements are the ones SQLite runs: `_postgres_sql` turns the
`?` placeholders into psycopg's and the one SQLite time function the schema uses into `now_iso()`, which
the PostgreSQL schema defines. Write transactions run at READ COMMITTED; the statements that move money
or status are guarded (a debit `WHERE balance + amount >= 0`, a transition `WHERE status IN (...)`, unique
ledger references) and the ledger locks the wallets it writes (`storage.ledger`), so concurrent
instances cannot double-debit or double-refund.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.adapt import Buffer, Dumper, Loader
from psycopg.rows import RowMaker
from psycopg.types.string import StrDumperUnknown
from psycopg_pool import AsyncConnectionPool

from storage.database import Database, Params, Row, _touched, migrations
from storage.errors import Conflict

logger = logging.getLogger(__name__)

# Every migration runs under this advisory lock, so instances starting together migrate once.
_MIGRATION_LOCK = 0x534D4D5F4D4947  # "SMM_MIG"
# Commit listeners of other instances hear about a topic through NOTIFY on this channel prefix.
_CHANNEL = "smm_"
# What PostgreSQL refuses a transaction for that trying again may cure: a constraint, a deadlock, a
# serialization failure. Raised as storage.errors.Conflict.
_REFUSED = (psycopg.errors.IntegrityError, psycopg.errors.TransactionRollback)

_NOW = re.compile(r"strftime\('%Y-%m-%dT%H:%M:%fZ', 'now'(?:, ([^()]+))?\)")
_TODAY = re.compile(r"date\('now'(?:, ([^()]+))?\)")
# SQLite's scalar MIN/MAX of two values and its ASCII-only ordering, in PostgreSQL's words.
_REWRITES = (
    ("MIN(next_attempt_at, ", "LEAST(next_attempt_at, "),
    (" COLLATE NOCASE", ""),
    (" NOT INDEXED", ""),
    ("rowid DESC", "charge_id DESC"),
)


@lru_cache(maxsize=4096)
def _postgres_sql(sql: str, with_params: bool) -> str:
    """The statement as psycopg takes it: `%s` placeholders (and `%` doubled when there are params)."""
    sql = _NOW.sub(lambda match: f"now_iso({match.group(1) or ''})", sql)
    sql = _TODAY.sub(lambda match: f"substr(now_iso({match.group(1) or ''}), 1, 10)", sql)
    for sqlite, postgres in _REWRITES:
        sql = sql.replace(sqlite, postgres)
    if not with_params:
        return sql
    out: list[str] = []
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
            out.append(char)
        elif char == "%":
            out.append("%%")
        elif char == "?" and not quoted:
            out.append("%s")
        else:
            out.append(char)
    return "".join(out)


class PgRow(tuple[Any, ...]):
    """A row readable by position and by column name, like sqlite3.Row."""

    __slots__ = ()
    _index: dict[str, int] = {}  # noqa: RUF012 - set per shape of result by _row_class

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    return type("PgRow", (PgRow,), {"__slots__": (), "_index": {name: i for i, name in enumerate(names)}})


def _rows(cursor: Any) -> RowMaker[PgRow]:
    description = cursor.description
    if description is None:
        return PgRow
    return _row_class(tuple(column.name for column in description))


class _IntOrDecimal(Loader):
    """numeric as int when it is whole (SUM over bigint answers numeric), else Decimal: money stays exact."""

    def load(self, data: Buffer) -> int | Decimal:
        text = bytes(data).decode()
        return Decimal(text) if "." in text or "N" in text else int(text)


class _TextWithoutNul(StrDumperUnknown):
    """PostgreSQL text cannot hold NUL (SQLite's can): one becomes U+FFFD instead of failing the write."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(obj.replace("\x00", "\ufffd") if "\x00" in obj else obj)


class _BoolAsInt(Dumper):
    """Flags are INTEGER 0/1 columns, as in SQLite; a Python bool binds as one."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


def _adapt(conn: psycopg.AsyncConnection[Any]) -> None:
    conn.adapters.register_loader("numeric", _IntOrDecimal)
    conn.adapters.register_dumper(bool, _BoolAsInt)
    conn.adapters.register_dumper(str, _TextWithoutNul)


_INT64 = range(-(2**63), 2**63)


def _check_ints(parameters: Any) -> None:
    """Refuse an integer beyond 64 bits with OverflowError, as SQLite's binding does."""
    values = parameters.values() if isinstance(parameters, dict) else parameters
    for value in values:
        if type(value) is int and value not in _INT64:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")


class PgTx:
    """A pooled connection inside a transaction, with the aiosqlite calls the repositories make."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.AsyncConnection[Any], *, locks_rows: bool = True) -> None:
        self.conn = conn
        self.locks_rows = locks_rows  # reads inside a write transaction lock (storage.database.for_update)

    async def execute(self, sql: str, parameters: Any = None, /) -> psycopg.AsyncCursor[PgRow]:
        if parameters:
            _check_ints(parameters)
        cursor = self.conn.cursor(row_factory=_rows)
        await cursor.execute(_postgres_sql(sql, bool(parameters)), parameters or None)
        return cursor

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> psycopg.AsyncCursor[PgRow]:
        rows = list(parameters)
        for row in rows:
            _check_ints(row)
        cursor = self.conn.cursor(row_factory=_rows)
        await cursor.executemany(_postgres_sql(sql, True), rows)
        return cursor

    async def execute_fetchall(self, sql: str, parameters: Any = None, /) -> list[PgRow]:
        cursor = await self.execute(sql, parameters)
        return await cursor.fetchall() if cursor.description is not None else []


class _PooledReader:
    """Reads outside transactions: each on a pooled connection in autocommit (last committed state)."""

    dialect = "postgresql"

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def execute(self, sql: str, parameters: Any = None, /) -> Any:
        raise RuntimeError("the reader only reads; write in db.transaction()")

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any:
        raise RuntimeError("the reader only reads; write in db.transaction()")

    async def execute_fetchall(self, sql: str, parameters: Any = None, /) -> list[PgRow]:
        async with self._pool.connection() as conn:
            return await PgTx(conn).execute_fetchall(sql, parameters)


class PostgresDatabase(Database):
    """A connection pool; write transactions at READ COMMITTED; commits announced to other instances."""

    dialect = "postgresql"

    def __init__(self, url: str, *, min_size: int = 2, max_size: int = 10) -> None:
        super().__init__()
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self._pool: AsyncConnectionPool[Any] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._own: set[int] = set()  # server processes of this pool: their commits are heard directly

    async def connect(self) -> None:
        """Open the pool, apply pending migrations and start hearing other instances' commits."""
        if self._pool is not None:
            return
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            self.url,
            min_size=self._min_size,
            max_size=self._max_size,
            kwargs={"autocommit": True},
            configure=self._configure,
            open=False,
            name="smm-bot",
        )
        try:
            await pool.open(wait=True, timeout=15)
            async with pool.connection() as conn:
                await _migrate(conn)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool
        self._hear()

    async def _configure(self, conn: psycopg.AsyncConnection[Any]) -> None:
        _adapt(conn)
        self._own.add(conn.info.backend_pid)

    async def close(self) -> None:
        """Stop listening and close the pool."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> AsyncConnectionPool[Any]:
        if self._pool is None:
            raise RuntimeError("database is not connected")
        return self._pool

    @property
    def reader(self) -> _PooledReader:
        return _PooledReader(self.pool)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTx]:
        """Run a block as one READ COMMITTED transaction; commit on success, roll back on any error."""
        touched: set[tuple[str, str]] = set()
        async with self.pool.connection() as conn:
            token = _touched.set(touched)
            try:
                async with conn.transaction():
                    yield PgTx(conn)
                    if touched:  # delivered to the listeners on commit only
                        cursor = conn.cursor()
                        await cursor.executemany(
                            "SELECT pg_notify(%s, %s)",
                            [(_CHANNEL + topic, item) for topic, item in sorted(touched)],
                        )
            except _REFUSED as exc:  # rolled back whole: the storage layer's own error, for every caller
                raise Conflict(f"{type(exc).__name__}: {exc}") from exc
            finally:
                _touched.reset(token)
        self._committed(touched)

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PgTx]:
        """A read-only REPEATABLE READ transaction: one consistent state for the whole block."""
        async with self.pool.connection() as conn:
            await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield PgTx(conn, locks_rows=False)  # read only: nothing to lock
            finally:
                await conn.execute("ROLLBACK")

    async def fetchall(self, sql: str, params: Params = (), *, quick: bool = False) -> list[Row]:
        """Read every row from the last committed state (every read is a network trip: `quick` is moot)."""
        return list(await self.reader.execute_fetchall(sql, params))

    def on_commit(self, topic: str, listener: Any) -> None:
        """As for SQLite, and also after commits of other instances (LISTEN/NOTIFY)."""
        new = topic not in self._topics()
        super().on_commit(topic, listener)
        if new and self._pool is not None:
            self._hear()

    def on_commit_item(self, topic: str, listener: Callable[[str], None]) -> None:
        """As for SQLite, and also after commits of other instances (the item is the NOTIFY payload)."""
        new = topic not in self._topics()
        super().on_commit_item(topic, listener)
        if new and self._pool is not None:
            self._hear()

    def _hear(self) -> None:
        """(Re)start listening to every topic that has listeners."""
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None
        if self._topics():
            self._listener = asyncio.get_running_loop().create_task(self._listen(), name="db-notifications")

    async def _listen(self) -> None:
        """Hear other instances' commits; reconnect after a lost connection."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    for topic in sorted(self._topics()):
                        await conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(_CHANNEL + topic)))
                    async for notice in conn.notifies():
                        if notice.pid not in self._own:
                            self._committed([(notice.channel.removeprefix(_CHANNEL), notice.payload)])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a lost connection: listen again shortly
                logger.warning("Lost the database notification channel (%s); retrying", type(exc).__name__)
                await asyncio.sleep(1)


async def _migrate(conn: psycopg.AsyncConnection[Any]) -> None:
    """Apply pending migrations, each in its own transaction, under an advisory lock."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        cursor = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        for number, name, script in migrations("postgresql"):
            if number <= current:
                continue
            logger.info("Applying migration %s", name)
            await conn.execute(script.encode())
            await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
