"""Alerts to every admin, queued through the outbox so they survive a restart and go out exactly once.

Each admin's copy is rendered in that admin's own language.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import Settings
from bot.notify.notices import Render, render_in
from storage.database import Database, Tx
from storage.outbox import enqueue
from storage.users import locales_of


def admin_copies(
    settings: Settings, render: Render, ref: str, locales: Mapping[int, str]
) -> list[tuple[int, str, str | None]]:
    """Return one outbox row (chat, text, reference) per admin, each reference `<ref>:<admin id>`.

    `locales` holds the admins' stored languages (`admin_locales`). Choose `ref` to say what makes the
    alert new, e.g. `alert:poll_failing:<provider>:<day>`: raising the same alert twice (a retried job, a
    second poll cycle) then sends nothing more.
    """
    return [
        (admin_id, render_in(locales, admin_id, render), f"{ref}:{admin_id}")
        for admin_id in sorted(settings.admin_ids)
    ]


async def admin_locales(tx: Tx, settings: Settings) -> dict[int, str]:
    """The stored language of every admin who has talked to the bot (the others read the default)."""
    return await locales_of(tx, settings.admin_ids)


async def alert_admins(tx: Tx, settings: Settings, render: Render, ref: str) -> int:
    """Queue an alert for every admin, each in their language, in the caller's transaction; count new."""
    queued = 0
    for admin_id, text, copy_ref in admin_copies(settings, render, ref, await admin_locales(tx, settings)):
        queued += await enqueue(tx, admin_id, text, ref=copy_ref)
    return queued


async def send_alert(db: Database, settings: Settings, render: Render, ref: str) -> int:
    """Queue an alert for every admin in a transaction of its own (for jobs that hold none)."""
    async with db.transaction() as tx:
        return await alert_admins(tx, settings, render, ref)
