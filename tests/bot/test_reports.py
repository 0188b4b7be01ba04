"""Pure figures for admins: margins round the provider's charge up, periods, the low-balance rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.admin.reports import balance_is_low, order_margin, period_report, period_starts
from storage.orders import Order, OrderStatus
from storage.stats import PeriodTotals

ORDER = Order(
    id=1, user_id=1, service_id=1, service_name="S", provider="main", provider_order_id="9", link="l",
    quantity=1000, charge=117, refunded=0, status=OrderStatus.COMPLETED, provider_status="Completed",
    start_count=0, remains=0, provider_charge=Decimal("0.90000"), error=None, attention=None, bad_polls=0,
    created_at="", updated_at="", finished_at=None,
)  # fmt: skip


def test_margin_of_an_order() -> None:
    assert order_margin(ORDER) == 27
    assert order_margin(replace(ORDER, provider_charge=Decimal("0.27819"), charge=37)) == 37 - 28
    assert order_margin(replace(ORDER, refunded=50)) == 117 - 50 - 90
    assert order_margin(replace(ORDER, provider_charge=None)) is None


@given(
    charge=st.integers(1, 10**7),
    refunded_share=st.integers(0, 100),
    cost=st.decimals(min_value=0, max_value=10**5, places=5, allow_nan=False, allow_infinity=False),
)
def test_margin_is_never_overstated(charge: int, refunded_share: int, cost: Decimal) -> None:
    refunded = charge * refunded_share // 100
    margin = order_margin(replace(ORDER, charge=charge, refunded=refunded, provider_charge=cost))
    assert margin is not None
    exact = Decimal(charge - refunded) - cost * 100  # in cents
    assert margin <= exact < margin + 1


def test_period_report_rounds_the_summed_cost_once() -> None:
    totals = PeriodTotals(orders=2, charges=300, refunds=20, provider_cost=Decimal("1.00001"))
    report = period_report("Today", totals)
    assert (report.turnover, report.refunds, report.provider_cost, report.margin) == (300, 20, 101, 179)


def test_period_starts() -> None:
    now = datetime(2024, 5, 10, 15, 30, tzinfo=UTC)
    starts = dict(period_starts(now))
    assert starts["Today (UTC)"] == datetime(2024, 5, 10, tzinfo=UTC)
    assert starts["Last 7 days"] == datetime(2024, 5, 3, 15, 30, tzinfo=UTC)
    assert starts["Last 30 days"] == datetime(2024, 4, 10, 15, 30, tzinfo=UTC)


def test_low_balance_rule() -> None:
    assert balance_is_low(Decimal(0), Decimal(0))
    assert balance_is_low(Decimal("-1"), Decimal(0))
    assert not balance_is_low(Decimal("0.01"), Decimal(0))
    assert balance_is_low(Decimal("9.99"), Decimal(10))
    assert not balance_is_low(Decimal(10), Decimal(10))
