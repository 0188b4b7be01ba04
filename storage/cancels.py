"""Cancellation requests the provider accepted (the money moves later, through the order's status)."""

from __future__ import annotations

from storage.database import Database, change


class CancelRepo:
    """Remembers which orders a customer asked to cancel, so the request is sent once."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, order_id: int) -> bool:
        """Remember an accepted request; False if one was recorded before."""
        async with self.db.transaction() as tx:
            changed = await change(
                tx,
                "INSERT INTO cancel_requests (order_id) VALUES (?) ON CONFLICT (order_id) DO NOTHING",
                (order_id,),
            )
        return changed == 1

    async def requested(self, order_id: int) -> bool:
        """Tell whether a cancellation of the order was already accepted."""
        return (
            await self.db.fetchval(
                "SELECT 1 FROM cancel_requests WHERE order_id = ?", (order_id,), quick=True
            )
            is not None
        )
