"""Alerts to every admin, queued through the outbox so they survive a restart and go out exactly once."""

from __future__ import annotations

import aiosqlite

from bot.config import Settings
from storage.database import Database
from storage.outbox import enqueue


async def alert_admins(tx: aiosqlite.Connection, settings: Settings, text: str, ref: str) -> int:
    """Queue `text` for every admin inside the caller's transaction; return how many were new.

    Each admin's copy gets the reference `<ref>:<admin id>`, so raising the same alert twice (a retried
    job, a second poll cycle) sends nothing more. Choose `ref` to say what makes the alert new, e.g.
    `alert:poll_failing:<provider>:<day>`.
    """
    queued = 0
    for admin_id in sorted(settings.admin_ids):
        if await enqueue(tx, admin_id, text, ref=f"{ref}:{admin_id}"):
            queued += 1
    return queued


async def send_alert(db: Database, settings: Settings, text: str, ref: str) -> int:
    """Queue an alert for every admin in a transaction of its own (for jobs that hold none)."""
    async with db.transaction() as tx:
        return await alert_admins(tx, settings, text, ref)
