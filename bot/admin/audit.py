"""The ledger audit, daily and on /audit: every balance and order checked against the ledger.

A problem alerts every admin. The alert's reference holds the day and a digest of the problems, so the
same findings raise one alert a day however often the audit runs, and a new problem raises a new one.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime

from bot import texts
from bot.config import Settings
from bot.notify.alerts import send_alert
from storage.audit import AuditFindings, AuditRepo
from storage.database import Database

logger = logging.getLogger(__name__)

# Problems read per kind: enough to tell one set of findings from another; the rest are only counted.
AUDIT_LIMIT = 100
# The first run after start-up (after housekeeping's), then daily.
AUDIT_DELAY_MINUTES = 20


def alert_ref(findings: AuditFindings, day: date) -> str:
    """The alert reference: the same for the same problems on the same day, new for anything else."""
    keys = [
        *(f"user:{p.user_id}:{p.balance - p.ledger_sum}" for p in findings.balances),
        *(f"order:{p.order_id}:{','.join(p.issues)}" for p in findings.orders),
        *(f"row:{s.entry_id}" for s in findings.strays),
        f"counts:{findings.balance_count}:{findings.order_count}:{findings.stray_count}",
    ]
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]
    return f"alert:audit:{day.isoformat()}:{digest}"


def _ids(values: list[int], total: int) -> str:
    return ", ".join(map(str, values)) + (f" (+{total - len(values)} more)" if total > len(values) else "")


async def run_audit(db: Database, settings: Settings, *, today: date | None = None) -> AuditFindings:
    """Check every balance and order against the ledger; alert every admin when something is wrong."""
    findings = await AuditRepo(db).run(limit=AUDIT_LIMIT)
    if findings.clean:
        logger.info(
            "Ledger audit: clean (%d users, %d orders)", findings.users_checked, findings.orders_checked
        )
        return findings
    logger.error(
        "Ledger audit: balances of users %s, orders %s and ledger rows %s do not add up",
        _ids([p.user_id for p in findings.balances], findings.balance_count) or "-",
        _ids([p.order_id for p in findings.orders], findings.order_count) or "-",
        _ids([s.entry_id for s in findings.strays], findings.stray_count) or "-",
    )
    day = today or datetime.now(UTC).date()
    await send_alert(
        db, settings, lambda: texts.audit_problems(findings, settings.currency), alert_ref(findings, day)
    )
    return findings


async def audit_job(db: Database, settings: Settings) -> None:
    """Scheduler entry: the daily audit; a failure is logged and the next run tries again."""
    try:
        await run_audit(db, settings)
    except Exception:
        logger.exception("Ledger audit failed")
