"""Priced order summaries awaiting the customer's Confirm."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from storage.database import Database


def extra_from_json(text: str | None) -> dict[str, str]:
    """Read a stored `extra` column (a JSON object of `add` parameter -> value); {} if unreadable."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(key): str(item) for key, item in value.items()}


def extra_to_json(extra: Mapping[str, str] | None) -> str:
    """Write the inputs beyond link and quantity for the `extra` column, in their order."""
    return json.dumps(dict(extra or {}), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class QuoteRow:
    key: str
    user_id: int
    service_id: int
    link: str
    quantity: int
    total: int
    created_at: str
    extra: dict[str, str] = field(default_factory=dict)  # `add` parameter -> value, as summarised


class QuoteRepo:
    """Stores summaries so a Confirm button works after a restart, and only for its owner."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        user_id: int,
        service_id: int,
        link: str,
        quantity: int,
        total: int,
        extra: Mapping[str, str] | None = None,
    ) -> str:
        """Store a summary and return its key (short enough for callback data)."""
        key = secrets.token_urlsafe(9)
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO quotes (key, user_id, service_id, link, quantity, total, extra) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, user_id, service_id, link, quantity, total, extra_to_json(extra)),
            )
            # Summaries older than a week are never confirmed; keep the table small.
            await tx.execute(
                "DELETE FROM quotes WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')"
            )
        return key

    async def get(self, key: str, user_id: int) -> QuoteRow | None:
        """Return the summary if it exists and belongs to this user."""
        row = await self.db.fetchone(
            "SELECT key, user_id, service_id, link, quantity, total, created_at, extra FROM quotes "
            "WHERE key = ? AND user_id = ?",
            (key, user_id),
            quick=True,
        )
        if row is None:
            return None
        key, user, service, link, quantity, total, created_at, extra = row
        return QuoteRow(key, user, service, link, quantity, total, created_at, extra_from_json(extra))
