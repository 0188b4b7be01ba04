from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.wallet.money import (
    AmountError,
    format_amount,
    format_money,
    parse_amount,
    proportional_floor,
    to_minor_ceil,
    to_minor_floor,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("10", 1000),
        ("10.5", 1050),
        ("10,50", 1050),
        (" 7.05 ", 705),
        ("0.01", 1),
        ("1 000", 100000),
        ("1000000", 100_000_000),
    ],
)
def test_parse_amount_accepts_plain_numbers(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "-5",
        "0",
        "0.00",
        "1e9",
        "1E3",
        "NaN",
        "inf",
        "10.505",
        "0.001",
        "1.2.3",
        "+5",
        "10 USD",
        "1000000.01",
        "99999999999",
        "١٠",
        "0x10",
        "5.",
        ".5",
    ],
)
def test_parse_amount_refuses_inexact_or_absurd_input(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_zero_allowed_only_on_request() -> None:
    assert parse_amount("0", allow_zero=True) == 0


@pytest.mark.parametrize(("cents", "text"), [(0, "0.00"), (5, "0.05"), (1000, "10.00"), (-250, "-2.50")])
def test_format_amount_is_exact(cents: int, text: str) -> None:
    assert format_amount(cents) == text


def test_format_money_appends_currency() -> None:
    assert format_money(1000, "USD") == "10.00 USD"


@given(st.integers(min_value=1, max_value=100_000_000))
def test_format_then_parse_round_trips(cents: int) -> None:
    assert parse_amount(format_amount(cents)) == cents


def test_rounding_directions() -> None:
    assert to_minor_ceil(Decimal("0.0361647")) == 4
    assert to_minor_floor(Decimal("0.0361647")) == 3
    assert to_minor_ceil(Decimal("1.00")) == 100
    assert to_minor_floor(Decimal("1.00")) == 100


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=-(10**6), max_value=10**7),
    st.integers(min_value=1, max_value=10**6),
)
def test_proportional_floor_never_exceeds_total(total: int, part: int, whole: int) -> None:
    share = proportional_floor(total, part, whole)
    assert 0 <= share <= total
