"""Orders: creation with the charge, outcome of placement, status transitions guarded by the old status."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import aiosqlite

from storage.database import Database, change, select_one


class OrderStatus(StrEnum):
    SUBMITTING = "submitting"  # charged, the provider call is under way
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTIAL = "partial"
    CANCELED = "canceled"
    FAILED = "failed"  # never placed; refunded
    UNKNOWN = "unknown"  # the provider may or may not have it; parked for an admin


ACTIVE = (OrderStatus.PENDING, OrderStatus.IN_PROGRESS)
TERMINAL = (OrderStatus.COMPLETED, OrderStatus.PARTIAL, OrderStatus.CANCELED, OrderStatus.FAILED)


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    user_id: int
    service_id: int
    service_name: str
    provider: str
    provider_order_id: str | None
    link: str
    quantity: int
    charge: int
    refunded: int
    status: OrderStatus
    provider_status: str | None
    start_count: int | None
    remains: int | None
    provider_charge: Decimal | None
    error: str | None
    attention: str | None
    bad_polls: int
    created_at: str
    updated_at: str
    finished_at: str | None

    @property
    def delivered(self) -> int | None:
        """Units delivered as far as we know (None while unknown)."""
        if self.status == OrderStatus.COMPLETED:
            return self.quantity
        if self.remains is None:
            return None
        return self.quantity - min(max(self.remains, 0), self.quantity)


_SELECT = (
    "SELECT o.id, o.user_id, o.service_id, s.name AS service_name, o.provider, o.provider_order_id, o.link, "
    "o.quantity, o.charge, o.refunded, o.status, o.provider_status, o.start_count, o.remains, "
    "o.provider_charge, o.error, o.attention, o.bad_polls, o.created_at, o.updated_at, o.finished_at "
    "FROM orders o JOIN services s ON s.id = o.service_id"
)
NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


def order_from_row(row: aiosqlite.Row) -> Order:
    """Build an Order from a row selected with the standard column list."""
    return Order(
        id=row["id"],
        user_id=row["user_id"],
        service_id=row["service_id"],
        service_name=row["service_name"],
        provider=row["provider"],
        provider_order_id=row["provider_order_id"],
        link=row["link"],
        quantity=row["quantity"],
        charge=row["charge"],
        refunded=row["refunded"],
        status=OrderStatus(row["status"]),
        provider_status=row["provider_status"],
        start_count=row["start_count"],
        remains=row["remains"],
        provider_charge=None if row["provider_charge"] is None else Decimal(row["provider_charge"]),
        error=row["error"],
        attention=row["attention"],
        bad_polls=row["bad_polls"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        finished_at=row["finished_at"],
    )


async def insert_order(
    tx: aiosqlite.Connection,
    *,
    user_id: int,
    service_id: int,
    provider: str,
    link: str,
    quantity: int,
    charge: int,
    quote_key: str,
) -> int | None:
    """Create an order in `submitting` inside the caller's transaction; None if the quote was used."""
    row = await select_one(
        tx,
        "INSERT INTO orders (user_id, service_id, provider, link, quantity, charge, status, quote_key) "
        "VALUES (?, ?, ?, ?, ?, ?, 'submitting', ?) ON CONFLICT (quote_key) DO NOTHING RETURNING id",
        (user_id, service_id, provider, link, quantity, charge, quote_key),
    )
    return None if row is None else int(row[0])


async def fetch_order(tx: aiosqlite.Connection, order_id: int) -> Order | None:
    """Read an order inside a transaction (sees the transaction's own writes)."""
    row = await select_one(tx, _SELECT + " WHERE o.id = ?", (order_id,))
    return None if row is None else order_from_row(row)


async def transition(
    tx: aiosqlite.Connection,
    order_id: int,
    *,
    expected: OrderStatus | tuple[OrderStatus, ...],
    status: OrderStatus,
    **fields: object,
) -> bool:
    """Move an order to `status` only if it is still in `expected`; False if someone got there first."""
    olds = (expected,) if isinstance(expected, OrderStatus) else expected
    allowed = {
        "provider_order_id",
        "provider_status",
        "start_count",
        "remains",
        "provider_charge",
        "error",
        "attention",
        "bad_polls",
        "refunded",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown order fields: {sorted(unknown)}")
    assignments = ["status = ?", "updated_at = " + NOW]
    params: list[object] = [status.value]
    for name, value in fields.items():
        assignments.append(f"{name} = ?")
        params.append(value)
    if status in TERMINAL:
        assignments.append("finished_at = COALESCE(finished_at, " + NOW + ")")
    marks = ", ".join("?" for _ in olds)
    params.extend([order_id, *(old.value for old in olds)])
    sql = "UPDATE orders SET " + ", ".join(assignments) + f" WHERE id = ? AND status IN ({marks})"
    return await change(tx, sql, tuple(params)) == 1


class OrderRepo:
    """Reads orders for customers, admins and the poller."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, order_id: int) -> Order | None:
        """Return an order by id."""
        row = await self.db.fetchone(_SELECT + " WHERE o.id = ?", (order_id,))
        return None if row is None else order_from_row(row)

    async def for_user(self, user_id: int, *, limit: int = 10, offset: int = 0) -> list[Order]:
        """Return a user's orders, newest first."""
        rows = await self.db.fetchall(
            _SELECT + " WHERE o.user_id = ? ORDER BY o.id DESC LIMIT ? OFFSET ?", (user_id, limit, offset)
        )
        return [order_from_row(row) for row in rows]

    async def count_for_user(self, user_id: int) -> int:
        """Return how many orders a user has."""
        return int(await self.db.fetchval("SELECT COUNT(*) FROM orders WHERE user_id = ?", (user_id,)) or 0)

    async def counts_by_status(self, user_id: int | None = None) -> dict[str, int]:
        """Return order counts per status (for one user or all)."""
        if user_id is None:
            rows = await self.db.fetchall("SELECT status, COUNT(*) FROM orders GROUP BY status")
        else:
            rows = await self.db.fetchall(
                "SELECT status, COUNT(*) FROM orders WHERE user_id = ? GROUP BY status", (user_id,)
            )
        return {row[0]: row[1] for row in rows}

    async def active(self, *, after_id: int = 0, limit: int = 1000) -> list[Order]:
        """Return orders the provider is still working on that have a provider id, by id."""
        rows = await self.db.fetchall(
            _SELECT + " WHERE o.status IN ('pending', 'in_progress') AND o.provider_order_id IS NOT NULL "
            "AND o.id > ? ORDER BY o.id LIMIT ?",
            (after_id, limit),
        )
        return [order_from_row(row) for row in rows]

    async def with_status(self, status: OrderStatus, *, limit: int = 100) -> list[Order]:
        """Return orders in one status, oldest first."""
        rows = await self.db.fetchall(
            _SELECT + " WHERE o.status = ? ORDER BY o.id LIMIT ?", (status.value, limit)
        )
        return [order_from_row(row) for row in rows]

    async def needing_attention(self, *, limit: int = 20) -> list[Order]:
        """Return orders flagged for an admin, oldest first."""
        rows = await self.db.fetchall(
            _SELECT + " WHERE o.attention IS NOT NULL ORDER BY o.id LIMIT ?", (limit,)
        )
        return [order_from_row(row) for row in rows]

    async def by_quote_key(self, quote_key: str) -> Order | None:
        """Return the order placed from a summary, if any."""
        row = await self.db.fetchone(_SELECT + " WHERE o.quote_key = ?", (quote_key,))
        return None if row is None else order_from_row(row)

    async def active_all(self) -> list[Order]:
        """Return every order the provider is still working on that has a provider id."""
        rows = await self.db.fetchall(
            _SELECT + " WHERE o.status IN ('pending', 'in_progress') AND o.provider_order_id IS NOT NULL "
            "ORDER BY o.id"
        )
        return [order_from_row(row) for row in rows]
