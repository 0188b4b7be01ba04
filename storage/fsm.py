"""Conversation state rows keyed by an opaque string; the aiogram adapter lives in `bot/`."""

from __future__ import annotations

import json
from typing import Any

from storage.database import Database


class FsmRepo:
    """Stores one state name and one JSON object per conversation key."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_state(self, key: str) -> str | None:
        """Return the stored state name or None."""
        value = await self.db.fetchval("SELECT state FROM fsm WHERE key = ?", (key,), quick=True)
        return None if value is None else str(value)

    async def set_state(self, key: str, state: str | None) -> None:
        """Store the state name (None clears it); empty rows are removed."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO fsm (key, state) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                "state = excluded.state, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                (key, state),
            )
            await tx.execute("DELETE FROM fsm WHERE key = ? AND state IS NULL AND data = '{}'", (key,))

    async def get_data(self, key: str) -> dict[str, Any]:
        """Return the stored data object (empty if none)."""
        value = await self.db.fetchval("SELECT data FROM fsm WHERE key = ?", (key,), quick=True)
        if not value:
            return {}
        data = json.loads(value)
        return data if isinstance(data, dict) else {}

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        """Replace the stored data object; it must be JSON-serialisable."""
        payload = json.dumps(data, separators=(",", ":"), sort_keys=True)
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO fsm (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                "data = excluded.data, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                (key, payload),
            )
            await tx.execute("DELETE FROM fsm WHERE key = ? AND state IS NULL AND data = '{}'", (key,))
