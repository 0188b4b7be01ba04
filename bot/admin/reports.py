"""Pure figures for admins: an order's margin, the /stats periods, the provider's low-balance rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.i18n import N_
from bot.wallet.money import to_minor_ceil
from storage.orders import Order
from storage.stats import PeriodTotals, StatsRepo


@dataclass(frozen=True, slots=True)
class PeriodReport:
    label: str
    orders: int
    turnover: int  # cents
    refunds: int  # cents
    provider_cost: int  # cents, rounded up
    margin: int  # cents: turnover - refunds - provider cost
    topups_stars: int = 0  # cents credited for Telegram Stars payments
    topups_admin: int = 0  # cents credited by admins
    referred: int = 0  # users who joined through a referral link
    rewards: int = 0  # cents of referral rewards kept


def order_margin(order: Order) -> int | None:
    """Customer charge minus refunds minus the provider's charge, in cents; None while that is unknown.

    The provider charge has more decimals than cents; it is rounded up, so a margin is never overstated.
    """
    if order.provider_charge is None:
        return None
    return order.charge - order.refunded - to_minor_ceil(order.provider_charge)


def period_report(label: str, totals: PeriodTotals) -> PeriodReport:
    """Turn a period's totals into the figures /stats shows."""
    cost = to_minor_ceil(totals.provider_cost)
    return PeriodReport(
        label=label,
        orders=totals.orders,
        turnover=totals.charges,
        refunds=totals.refunds,
        provider_cost=cost,
        margin=totals.charges - totals.refunds - cost,
        topups_stars=totals.topups_stars,
        topups_admin=totals.topups_admin,
        referred=totals.referred,
        rewards=totals.rewards,
    )


def period_starts(now: datetime) -> list[tuple[str, datetime]]:
    """Today (since midnight UTC), the last 7 days and the last 30 days."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        (N_("Today (UTC)"), midnight),
        (N_("Last 7 days"), now - timedelta(days=7)),
        (N_("Last 30 days"), now - timedelta(days=30)),
    ]


async def period_reports(stats: StatsRepo, now: datetime | None = None) -> list[PeriodReport]:
    """Compute every /stats period."""
    moment = now or datetime.now(UTC)
    return [period_report(label, await stats.totals_since(since)) for label, since in period_starts(moment)]


def balance_is_low(balance: Decimal, spent_last_day: Decimal) -> bool:
    """Low means it would not cover another day of orders at the last day's pace (or nothing is left)."""
    return balance <= 0 or balance < spent_last_day
