"""Refill requests: one row per refill the provider accepted, followed until Completed or Rejected."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.database import Database, Row, Tx, change, select_one

NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


class RefillPhase(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Refill:
    id: int
    order_id: int
    provider_refill_id: str
    status: RefillPhase
    provider_status: str | None
    bad_polls: int
    created_at: str
    updated_at: str
    # From the order, so the poller and notices need no second query.
    user_id: int
    provider: str
    service_name: str


_SELECT = (
    "SELECT r.id, r.order_id, r.provider_refill_id, r.status, r.provider_status, r.bad_polls, "
    "r.created_at, r.updated_at, o.user_id, o.provider, s.name AS service_name "
    "FROM refills r JOIN orders o ON o.id = r.order_id JOIN services s ON s.id = o.service_id"
)


def _refill(row: Row) -> Refill:
    return Refill(
        id=row["id"],
        order_id=row["order_id"],
        provider_refill_id=row["provider_refill_id"],
        status=RefillPhase(row["status"]),
        provider_status=row["provider_status"],
        bad_polls=row["bad_polls"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        user_id=row["user_id"],
        provider=row["provider"],
        service_name=row["service_name"],
    )


async def insert_refill(tx: Tx, order_id: int, provider_refill_id: str) -> int | None:
    """Record a pending refill inside the caller's transaction; None if one is already pending."""
    row = await select_one(
        tx,
        "INSERT INTO refills (order_id, provider_refill_id) VALUES (?, ?) "
        "ON CONFLICT (order_id) WHERE status = 'pending' DO NOTHING RETURNING id",
        (order_id, provider_refill_id),
    )
    return None if row is None else int(row[0])


async def finish_refill(tx: Tx, refill_id: int, status: RefillPhase, provider_status: str | None) -> bool:
    """Move a pending refill to a final status; False if it was no longer pending."""
    changed = await change(
        tx,
        f"UPDATE refills SET status = ?, provider_status = ?, updated_at = {NOW} "
        "WHERE id = ? AND status = 'pending'",
        (status.value, provider_status, refill_id),
    )
    return changed == 1


async def note_poll(tx: Tx, refill_id: int, *, provider_status: str | None, bad_polls: int) -> None:
    """Record what the provider said about a refill that is still pending."""
    await tx.execute(
        f"UPDATE refills SET provider_status = ?, bad_polls = ?, updated_at = {NOW} "
        "WHERE id = ? AND status = 'pending'",
        (provider_status, bad_polls, refill_id),
    )


class RefillRepo:
    """Reads refills for customers, admins and the refill poller."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def latest_for_order(self, order_id: int) -> Refill | None:
        """Return the newest refill of an order, if any."""
        row = await self.db.fetchone(
            _SELECT + " WHERE r.order_id = ? ORDER BY r.id DESC LIMIT 1", (order_id,), quick=True
        )
        return None if row is None else _refill(row)

    async def for_order(self, order_id: int) -> list[Refill]:
        """Return every refill of an order, oldest first."""
        rows = await self.db.fetchall(_SELECT + " WHERE r.order_id = ? ORDER BY r.id", (order_id,))
        return [_refill(row) for row in rows]

    async def pending(self, *, limit: int = 5000) -> list[Refill]:
        """Return refills still waiting for a final status, oldest first."""
        rows = await self.db.fetchall(_SELECT + " WHERE r.status = 'pending' ORDER BY r.id LIMIT ?", (limit,))
        return [_refill(row) for row in rows]
