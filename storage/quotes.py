"""Priced order summaries awaiting the customer's Confirm."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True, slots=True)
class QuoteRow:
    key: str
    user_id: int
    service_id: int
    link: str
    quantity: int
    total: int
    created_at: str


class QuoteRepo:
    """Stores summaries so a Confirm button works after a restart, and only for its owner."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, user_id: int, service_id: int, link: str, quantity: int, total: int) -> str:
        """Store a summary and return its key (short enough for callback data)."""
        key = secrets.token_urlsafe(9)
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO quotes (key, user_id, service_id, link, quantity, total) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, user_id, service_id, link, quantity, total),
            )
            # Summaries older than a week are never confirmed; keep the table small.
            await tx.execute(
                "DELETE FROM quotes WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')"
            )
        return key

    async def get(self, key: str, user_id: int) -> QuoteRow | None:
        """Return the summary if it exists and belongs to this user."""
        row = await self.db.fetchone(
            "SELECT key, user_id, service_id, link, quantity, total, created_at FROM quotes "
            "WHERE key = ? AND user_id = ?",
            (key, user_id),
        )
        return None if row is None else QuoteRow(*row)
