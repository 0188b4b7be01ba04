"""Daily housekeeping: keep tables that only grow from growing without end."""

from __future__ import annotations

import logging

from storage.outbox import OutboxRepo

logger = logging.getLogger(__name__)

# Delivered notifications are kept this long for the owner to look into, then deleted.
OUTBOX_KEEP_DAYS = 30
# The first run after start-up, then daily.
HOUSEKEEPING_DELAY_MINUTES = 10


async def housekeeping_job(outbox: OutboxRepo) -> None:
    """Scheduler entry: delete old delivered notifications; a failure is logged and retried tomorrow."""
    try:
        deleted = await outbox.prune(keep_days=OUTBOX_KEEP_DAYS)
    except Exception:
        logger.exception("Housekeeping failed")
        return
    if deleted:
        logger.info("Housekeeping: deleted %d notifications older than %d days", deleted, OUTBOX_KEEP_DAYS)
