from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.pricing import order_price, provider_cost

rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=8, allow_nan=False)
markups = st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2, allow_nan=False)
quantities = st.integers(min_value=1, max_value=10_000_000)


def test_examples() -> None:
    # 0.90 per 1000 with 30 % markup = 1.17 per 1000; 1000 units cost exactly 1.17.
    assert order_price(Decimal("0.90"), Decimal("30"), 1000) == 117
    # 0.27819 x 1.3 x 100 / 1000 = 0.0361647 -> rounds up to 0.04.
    assert order_price(Decimal("0.27819"), Decimal("30"), 100) == 4
    assert order_price(Decimal("2.5"), Decimal("0"), 1000) == 250
    # Even a free service costs one cent, so every charge is a real ledger movement.
    assert order_price(Decimal("0"), Decimal("30"), 10) == 1


@given(rates, markups, quantities)
def test_price_is_positive_and_never_below_provider_cost(rate: Decimal, markup: Decimal, qty: int) -> None:
    price = order_price(rate, markup, qty)
    assert price >= 1
    assert price >= provider_cost(rate, qty)


@given(rates, markups, quantities, quantities)
def test_price_is_monotonic_in_quantity(rate: Decimal, markup: Decimal, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert order_price(rate, markup, low) <= order_price(rate, markup, high)


@given(rates, markups, quantities)
def test_price_is_the_exact_value_rounded_up_by_less_than_a_cent(
    rate: Decimal, markup: Decimal, qty: int
) -> None:
    exact = provider_cost(rate, qty) * (1 + Fraction(markup) / 100)
    price = order_price(rate, markup, qty)
    assert price - 1 < exact <= price or (exact < 1 and price == 1)
