"""Alerts to every admin, queued through the outbox so they survive a restart and go out exactly once."""

from __future__ import annotations

import aiosqlite

from bot.config import Settings
from storage.database import Database
from storage.outbox import enqueue


def admin_copies(settings: Settings, text: str, ref: str) -> list[tuple[int, str, str | None]]:
    """Return one outbox row (chat, text, reference) per admin, each reference `<ref>:<admin id>`.

    Choose `ref` to say what makes the alert new, e.g. `alert:poll_failing:<provider>:<day>`: raising
    the same alert twice (a retried job, a second poll cycle) then sends nothing more.
    """
    return [(admin_id, text, f"{ref}:{admin_id}") for admin_id in sorted(settings.admin_ids)]


async def alert_admins(tx: aiosqlite.Connection, settings: Settings, text: str, ref: str) -> int:
    """Queue `text` for every admin inside the caller's transaction; return how many were new."""
    queued = 0
    for admin_id, copy, copy_ref in admin_copies(settings, text, ref):
        if await enqueue(tx, admin_id, copy, ref=copy_ref):
            queued += 1
    return queued


async def send_alert(db: Database, settings: Settings, text: str, ref: str) -> int:
    """Queue an alert for every admin in a transaction of its own (for jobs that hold none)."""
    async with db.transaction() as tx:
        return await alert_admins(tx, settings, text, ref)
