import logging
from pathlib import Path

import pytest

from bot.notify.housekeeping import OUTBOX_KEEP_DAYS, housekeeping_job
from storage.database import SQLiteDatabase
from storage.outbox import OutboxRepo
from tests.harness import Shop


async def test_the_running_bot_schedules_daily_housekeeping(shop: Shop) -> None:
    job = shop.dep("scheduler").get_job("housekeeping")
    assert job is not None
    assert job.trigger.interval.total_seconds() == 24 * 3600
    assert job.next_run_time is not None


async def test_housekeeping_deletes_old_delivered_notifications(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    outbox: OutboxRepo = shop.dep("outbox")
    await shop.say(501, "/start", "Welcome")
    async with shop.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO outbox (chat_id, text, ref, status, created_at) VALUES "
            "(501, 'old', 'old', 'sent', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?))",
            (f"-{OUTBOX_KEEP_DAYS + 1} days",),
        )
    caplog.set_level(logging.INFO, logger="bot.notify.housekeeping")
    await housekeeping_job(outbox)
    assert await shop.db.fetchval("SELECT COUNT(*) FROM outbox WHERE ref = 'old'") == 0
    assert "deleted 1 notifications" in caplog.text


async def test_housekeeping_failure_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database that is not open: the job must log and return, leaving the scheduler running.
    await housekeeping_job(OutboxRepo(SQLiteDatabase(tmp_path / "closed.sqlite3")))
    assert "Housekeeping failed" in caplog.text
