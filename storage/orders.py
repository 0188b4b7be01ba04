"""Orders: creation with the charge, outcome of placement, status transitions guarded by the old status."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from storage.bulk import columns, json_rows
from storage.database import Database, Row, Tx, is_postgres, select_all, select_one
from storage.quotes import extra_from_json, extra_to_json


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


def undelivered(remains: int, quantity: int) -> int:
    """Clamp a provider's `remains` to [0, quantity]: below zero is over-delivery, above is a glitch."""
    return min(max(remains, 0), quantity)


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
    extra: dict[str, str] = field(default_factory=dict)  # `add` parameters beyond link and quantity

    @property
    def delivered(self) -> int | None:
        """Units delivered as far as we know (None while unknown)."""
        if self.status == OrderStatus.COMPLETED:
            return self.quantity
        if self.remains is None:
            return None
        return self.quantity - undelivered(self.remains, self.quantity)


_SELECT = (
    "SELECT o.id, o.user_id, o.service_id, s.name AS service_name, o.provider, o.provider_order_id, o.link, "
    "o.quantity, o.charge, o.refunded, o.status, o.provider_status, o.start_count, o.remains, "
    "o.provider_charge, o.error, o.attention, o.bad_polls, o.created_at, o.updated_at, o.finished_at, "
    "o.extra "
    "FROM orders o JOIN services s ON s.id = o.service_id"
)
NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
_ACTIVE = (
    "o.status IN ('pending', 'in_progress') AND o.provider_order_id IS NOT NULL "
    "AND o.id > ? ORDER BY o.id LIMIT ?"
)

# An order as read, before `order_from_row` builds it: a plain tuple, in the order of _SELECT.
OrderRow = tuple[Any, ...]
ROW_ID, ROW_PROVIDER, ROW_PROVIDER_ORDER_ID, ROW_CHARGE, ROW_STATUS = 0, 4, 5, 8, 10
ROW_PROVIDER_STATUS, ROW_START_COUNT, ROW_REMAINS, ROW_PROVIDER_CHARGE = 11, 12, 13, 14
ROW_ATTENTION, ROW_BAD_POLLS = 16, 17
# The rows of `_SELECT WHERE _ACTIVE` as one JSON array of arrays.
_PAGE = (
    "SELECT json_group_array(json(page.o)) FROM (SELECT json_array("
    + _SELECT.removeprefix("SELECT ").split(" FROM ")[0].replace(" AS service_name", "")
    + ") AS o FROM orders o JOIN services s ON s.id = o.service_id WHERE "
    + _ACTIVE
    + ") AS page"
)


def _row_id(row: OrderRow) -> int:
    return int(row[ROW_ID])


_STATUSES = {status.value: status for status in OrderStatus}


def order_from_row(row: Row | OrderRow) -> Order:
    """Build an Order from a row selected with the standard column list."""
    # By position, in the order of _SELECT: the poller reads thousands a cycle, and a lookup by name
    # scans the column names each time.
    (
        id_,
        user_id,
        service_id,
        service_name,
        provider,
        provider_order_id,
        link,
        quantity,
        charge,
        refunded,
        status,
        provider_status,
        start_count,
        remains,
        provider_charge,
        error,
        attention,
        bad_polls,
        created_at,
        updated_at,
        finished_at,
        extra,
    ) = row
    return Order(
        id=id_,
        user_id=user_id,
        service_id=service_id,
        service_name=service_name,
        provider=provider,
        provider_order_id=provider_order_id,
        link=link,
        quantity=quantity,
        charge=charge,
        refunded=refunded,
        status=_STATUSES.get(status) or OrderStatus(status),
        provider_status=provider_status,
        start_count=start_count,
        remains=remains,
        provider_charge=None if provider_charge is None else Decimal(provider_charge),
        error=error,
        attention=attention,
        bad_polls=bad_polls,
        created_at=created_at,
        updated_at=updated_at,
        finished_at=finished_at,
        extra={} if extra is None or extra == "{}" else extra_from_json(extra),
    )


async def insert_order(
    tx: Tx,
    *,
    user_id: int,
    service_id: int,
    provider: str,
    link: str,
    quantity: int,
    charge: int,
    quote_key: str,
    extra: Mapping[str, str] | None = None,
) -> int | None:
    """Create an order in `submitting` inside the caller's transaction; None if the quote was used.

    `extra` holds the `add` parameters beyond link and quantity (comments, usernames, ...).
    """
    row = await select_one(
        tx,
        "INSERT INTO orders (user_id, service_id, provider, link, quantity, charge, status, quote_key, "
        "extra) VALUES (?, ?, ?, ?, ?, ?, 'submitting', ?, ?) "
        "ON CONFLICT (quote_key) DO NOTHING RETURNING id",
        (user_id, service_id, provider, link, quantity, charge, quote_key, extra_to_json(extra)),
    )
    return None if row is None else int(row[0])


async def fetch_order(tx: Tx, order_id: int) -> Order | None:
    """Read an order inside a transaction (sees the transaction's own writes)."""
    row = await select_one(tx, _SELECT + " WHERE o.id = ?", (order_id,))
    return None if row is None else order_from_row(row)


_FIELDS = frozenset(
    {
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
)


@dataclass(frozen=True, slots=True)
class Move:
    """One guarded transition: to `status` (with `fields`) only if the order is still in `expected`."""

    order_id: int
    expected: tuple[OrderStatus, ...]
    status: OrderStatus
    fields: Mapping[str, object] = field(default_factory=dict)


async def transition(
    tx: Tx,
    order_id: int,
    *,
    expected: OrderStatus | tuple[OrderStatus, ...],
    status: OrderStatus,
    **fields: object,
) -> bool:
    """Move an order to `status` only if it is still in `expected`; False if someone got there first."""
    olds = (expected,) if isinstance(expected, OrderStatus) else expected
    return await transition_many(tx, [Move(order_id, olds, status, fields)]) == 1


async def transition_many(tx: Tx, moves: Sequence[Move]) -> int:
    """Apply guarded transitions with one statement per shape of change; return how many orders moved."""
    groups: dict[tuple[tuple[str, ...], int, bool], list[tuple[object, ...]]] = {}
    shapes: dict[tuple[str, ...], tuple[str, ...]] = {}  # fields as given -> checked and sorted
    for move in moves:
        fields = move.fields
        given = tuple(fields)
        names = shapes.get(given)
        if names is None:
            unknown = set(given) - _FIELDS
            if unknown:
                raise ValueError(f"unknown order fields: {sorted(unknown)}")
            names = shapes[given] = tuple(sorted(given))
        key = (names, len(move.expected), move.status in TERMINAL)
        groups.setdefault(key, []).append(
            (
                move.order_id,
                *[old.value for old in move.expected],
                move.status.value,
                *[fields[name] for name in names],
            )
        )
    moved = 0
    for (names, olds, terminal), rows in groups.items():
        moved += await _update(tx, names, olds, terminal, rows)
    return moved


async def _update(
    tx: Tx,
    names: tuple[str, ...],
    olds: int,
    terminal: bool,
    rows: list[tuple[object, ...]],
) -> int:
    """One shape of change: rows of (id, old statuses..., status, fields...); return how many moved."""
    assigned = ("status", *names)
    finish = ", finished_at = COALESCE(finished_at, " + NOW + ")" if terminal else ""
    unique = len({row[0] for row in rows}) == len(rows)
    payload = json_rows(rows) if unique and not is_postgres(tx) else None  # PostgreSQL: one pipeline
    if payload is not None:
        # One statement for the lot (see storage.bulk); an order listed twice goes the other way,
        # since a joined UPDATE would apply only one of its rows.
        olds_in = ", ".join(f"j.old{index}" for index in range(olds))
        sql = (
            "UPDATE orders SET updated_at = " + NOW + finish + ", "
            + ", ".join(f"{name} = j.{name}" for name in assigned)
            + " FROM (SELECT " + columns(("id", *(f"old{i}" for i in range(olds)), *assigned))
            + f" FROM json_each(?)) AS j WHERE orders.id = j.id AND orders.status IN ({olds_in})"
        )  # fmt: skip
        cursor = await tx.execute(sql, (payload,))
        return int(cursor.rowcount)
    marks = ", ".join("?" * olds)
    sql = (
        "UPDATE orders SET updated_at = " + NOW + finish + ", "
        + ", ".join(f"{name} = ?" for name in assigned)
        + f" WHERE id = ? AND status IN ({marks})"
    )  # fmt: skip
    cursor = await tx.executemany(sql, [(*row[olds + 1 :], *row[: olds + 1]) for row in rows])
    return int(cursor.rowcount)


async def versions(tx: Tx, order_ids: Sequence[int]) -> dict[int, tuple[OrderStatus, str]]:
    """Read the status and `updated_at` of orders inside a transaction, to tell whether they changed."""
    if is_postgres(tx):
        rows = await select_all(
            tx, "SELECT id, status, updated_at FROM orders WHERE id = ANY(?::bigint[])", (list(order_ids),)
        )
        return {row[0]: (_STATUSES.get(row[1]) or OrderStatus(row[1]), row[2]) for row in rows}
    # One row holding them all (as JSON): one step for SQLite, whatever the count (see storage.bulk).
    row = await select_one(
        tx,
        "SELECT json_group_array(json_array(id, status, updated_at)) FROM orders "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(order_ids)),),
    )
    found = json.loads(row[0]) if row is not None else []
    return {order_id: (_STATUSES.get(status) or OrderStatus(status), at) for order_id, status, at in found}


def placed(provider_order_id: str) -> dict[str, object]:
    """The fields of an order the provider accepted as `provider_order_id`: nothing flagged, no error."""
    return {
        "provider_order_id": provider_order_id,
        "provider_status": "Pending",
        "attention": None,
        "error": None,
        "bad_polls": 0,
    }


class OrderRepo:
    """Reads orders for customers, admins and the poller."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, order_id: int) -> Order | None:
        """Return an order by id."""
        row = await self.db.fetchone(_SELECT + " WHERE o.id = ?", (order_id,), quick=True)
        return None if row is None else order_from_row(row)

    async def _where(self, condition: str, params: tuple[object, ...], *, quick: bool = False) -> list[Order]:
        rows = await self.db.fetchall(_SELECT + " WHERE " + condition, params, quick=quick)
        return [order_from_row(row) for row in rows]

    async def for_user(self, user_id: int, *, limit: int = 10, offset: int = 0) -> list[Order]:
        """Return a user's orders, newest first."""
        return await self._where(
            "o.user_id = ? ORDER BY o.id DESC LIMIT ? OFFSET ?", (user_id, limit, offset), quick=True
        )

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
        return await self._where(_ACTIVE, (after_id, limit))

    async def active_rows(self, *, after_id: int = 0, limit: int = 1000) -> list[OrderRow]:
        """Return `active` as rows (`order_from_row` builds each), for a caller holding thousands a while.

        The poller holds a page while its requests are answered. The garbage collector leaves tuples of
        plain values alone, where thousands of Orders held that long would be moved to its oldest
        generation, bringing sooner its next full collection, which stops the event loop while it
        scans every object of the process.
        """
        # One row holding the page as JSON: SQLite builds it without the GIL, and no row object per
        # order waits for the event loop (long enough, in a busy cycle, to reach an older generation).
        if is_postgres(self.db):
            rows = [
                tuple(values)
                for values in await self.db.fetchall(_SELECT + " WHERE " + _ACTIVE, (after_id, limit))
            ]
        else:
            row = await self.db.fetchone(_PAGE, (after_id, limit))
            rows = [tuple(values) for values in json.loads(row[0])] if row is not None else []
        rows.sort(key=_row_id)  # an aggregate promises no order
        return rows

    async def with_status(self, status: OrderStatus, *, limit: int = 100) -> list[Order]:
        """Return orders in one status, oldest first."""
        return await self._where("o.status = ? ORDER BY o.id LIMIT ?", (status.value, limit))

    async def needing_attention(self, *, limit: int = 20, offset: int = 0) -> list[Order]:
        """Return orders flagged for an admin: parked ones (money held) first, then the newest first."""
        return await self._where(
            "o.attention IS NOT NULL ORDER BY o.status = 'unknown' DESC, o.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )

    async def count_needing_attention(self) -> int:
        """Return how many orders are flagged for an admin."""
        return int(await self.db.fetchval("SELECT COUNT(*) FROM orders WHERE attention IS NOT NULL") or 0)

    async def by_quote_key(self, quote_key: str) -> Order | None:
        """Return the order placed from a summary, if any."""
        row = await self.db.fetchone(_SELECT + " WHERE o.quote_key = ?", (quote_key,), quick=True)
        return None if row is None else order_from_row(row)
