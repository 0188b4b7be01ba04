"""Figures for /stats and /provider, summed in SQL in integer cents (provider charges exactly, as Decimal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storage.database import Database


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    orders: int  # orders created in the period
    charges: int  # cents charged to customers (ledger `charge` rows)
    refunds: int  # cents given back (ledger `refund` rows, automatic and manual)
    provider_cost: Decimal  # what the provider billed for orders created in the period, exact
    topups_stars: int = 0  # cents credited for Telegram Stars payments (ledger `stars:<charge id>`)
    topups_admin: int = 0  # cents credited by admins (every other `topup` row)
    referred: int = 0  # users who joined through a referral link
    rewards: int = 0  # referral rewards paid, less those taken back


def iso(moment: datetime) -> str:
    """Format a UTC datetime the way SQLite stores timestamps here, so strings compare in time order."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class StatsRepo:
    """Read-only aggregates over the ledger and orders."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def totals_since(self, since: datetime) -> PeriodTotals:
        """Sum the money and orders from `since` (UTC) until now."""
        start = iso(since)
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'charge' THEN -amount END), 0), "
            "COALESCE(SUM(CASE WHEN kind = 'refund' THEN amount END), 0), "
            "COALESCE(SUM(CASE WHEN kind = 'topup' AND ref LIKE 'stars:%' THEN amount END), 0), "
            "COALESCE(SUM(CASE WHEN kind = 'topup' AND ref NOT LIKE 'stars:%' THEN amount END), 0) "
            "FROM ledger WHERE created_at >= ? AND kind IN ('charge', 'refund', 'topup')",
            (start,),
        )
        assert row is not None
        orders = int(
            await self.db.fetchval("SELECT COUNT(*) FROM orders WHERE created_at >= ?", (start,)) or 0
        )
        growth = await self.db.fetchone(
            "SELECT (SELECT COUNT(*) FROM users WHERE created_at >= ? AND referrer_id IS NOT NULL), "
            "(SELECT COALESCE(SUM(reward - reversed), 0) FROM referral_rewards WHERE created_at >= ?)",
            (start, start),
        )
        assert growth is not None
        return PeriodTotals(
            orders=orders,
            charges=int(row[0]),
            refunds=int(row[1]),
            topups_stars=int(row[2]),
            topups_admin=int(row[3]),
            referred=int(growth[0]),
            rewards=int(growth[1]),
            provider_cost=await self.provider_cost_since(since),
        )

    async def provider_cost_since(self, since: datetime) -> Decimal:
        """Sum the provider charges of orders created from `since`, exactly (they are decimal text)."""
        rows = await self.db.fetchall(
            "SELECT provider_charge FROM orders WHERE created_at >= ? AND provider_charge IS NOT NULL",
            (iso(since),),
        )
        # SQLite would sum the text as floating point; Decimal keeps every digit the provider sent.
        return sum((Decimal(row[0]) for row in rows), Decimal(0))
