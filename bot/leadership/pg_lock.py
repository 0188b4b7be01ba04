"""Job leadership as PostgreSQL session advisory locks, held on one dedicated connection per instance.

A lock lives as long as the session that took it: when the leader dies its connection drops and the lock
is free. The server notices a vanished host only through TCP keepalives, so the session asks for short
ones. The connection must reach PostgreSQL directly (or through a session-mode pooler): a transaction-mode
pooler would hand the lock to whichever client shares the server connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

import psycopg
from psycopg.rows import TupleRow

from bot.leadership.base import LEASE_SECONDS, Leadership, describe

logger = logging.getLogger(__name__)


def lock_id(namespace: str, name: str) -> int:
    """A stable signed 64-bit advisory lock key for job `name` of one bot (`namespace`)."""
    digest = hashlib.blake2b(f"smm-bot:{namespace}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PgLockSession:
    """The connection holding this instance's advisory locks; reopened after it breaks.

    `generation` counts connections: a lock taken on an earlier one is gone with it.
    """

    def __init__(self, conninfo: str, *, keepalive_seconds: int = 5) -> None:
        self._conninfo = conninfo
        self._keepalive = max(1, keepalive_seconds)
        self._connection: psycopg.AsyncConnection[TupleRow] | None = None
        self._lock = asyncio.Lock()
        self.generation = 0

    @property
    def backend_pid(self) -> int | None:
        """The server process of the current connection (pg_stat_activity.pid), if connected."""
        if self._connection is None or self._connection.closed:
            return None
        return self._connection.info.backend_pid

    def is_current(self, generation: int) -> bool:
        """Whether the connection of `generation` is still the open one."""
        return generation == self.generation and self._connection is not None and not self._connection.closed

    async def connection(self) -> tuple[psycopg.AsyncConnection[TupleRow], int]:
        """The open connection and its generation, connecting first if there is none."""
        async with self._lock:
            if self._connection is None or self._connection.closed:
                self._connection = await psycopg.AsyncConnection.connect(
                    self._conninfo,
                    autocommit=True,
                    application_name="smm-bot leadership",
                    connect_timeout=max(2, self._keepalive),
                    keepalives=1,
                    keepalives_idle=self._keepalive,
                    keepalives_interval=self._keepalive,
                    keepalives_count=3,
                )
                # The server side too: a leader whose host vanished loses its locks within seconds.
                await self._connection.execute(
                    "SELECT set_config('tcp_keepalives_idle', %s, false), "
                    "set_config('tcp_keepalives_interval', %s, false), "
                    "set_config('tcp_keepalives_count', '3', false)",
                    (str(self._keepalive), str(self._keepalive)),
                )
                self.generation += 1
            return self._connection, self.generation

    async def discard(self, generation: int, error: BaseException) -> None:
        """Close the connection of `generation` after a failure on it; its locks go with it."""
        async with self._lock:
            if self.is_current(generation) and self._connection is not None:
                logger.warning(
                    "The connection holding job leadership failed (%s); reconnecting", describe(error)
                )
                await self._connection.close()
                self._connection = None

    async def close(self) -> None:
        """Close the connection (releasing every lock still on it)."""
        async with self._lock:
            if self._connection is not None:
                await self._connection.close()
                self._connection = None


class PostgresLeadership(Leadership):
    """Lead a job while this instance's session holds `pg_try_advisory_lock(lock_id)`."""

    kind = "PostgreSQL advisory lock"
    errors = (psycopg.Error, OSError)

    def __init__(self, name: str, session: PgLockSession, key: int, *, lease: float = LEASE_SECONDS) -> None:
        super().__init__(name, lease=lease)
        self.session = session
        self.key = key
        self._generation = 0  # of the connection holding the lock

    async def _acquire(self) -> bool:
        connection, generation = await self.session.connection()
        try:
            row = await (await connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))).fetchone()
        except self.errors as exc:
            await self.session.discard(generation, exc)
            raise
        if row is not None and row[0] is True:
            self._generation = generation
            return True
        return False

    async def _renew(self) -> bool:
        """Check that the connection still holds the lock (a broken one lost it, and a leader must know)."""
        if not self.session.is_current(self._generation):
            return False
        connection, generation = await self.session.connection()
        try:
            row = await (
                await connection.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND objsubid = 1 "
                    "AND classid::bigint = %s AND objid::bigint = %s)",
                    ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF),
                )
            ).fetchone()
        except self.errors as exc:
            await self.session.discard(generation, exc)
            return False
        return row is not None and row[0] is True

    async def _release(self) -> None:
        if not self.session.is_current(self._generation):
            return
        connection, _ = await self.session.connection()
        await connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
