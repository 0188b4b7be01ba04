"""Customer prices, computed exactly and in one place.

price per 1000 = provider rate x (1 + markup / 100); the price of an order is rounded up to the cent,
so the shop is never undercharged, and it is never below what the provider bills.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil

from bot.wallet.money import MINOR_PER_MAJOR
from storage.catalog import Service

UNITS_PER_RATE = 1000  # provider rates are per 1000 units


def effective_markup(service: Service, global_markup: Decimal) -> Decimal:
    """The service's own markup if an admin set one, else the shop-wide markup."""
    return global_markup if service.markup_percent is None else service.markup_percent


def order_price(rate: Decimal, markup_percent: Decimal, quantity: int) -> int:
    """Return the customer's price in cents for `quantity` units, rounded up, at least one cent."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if rate < 0 or markup_percent < 0:
        raise ValueError("rate and markup must not be negative")
    exact: Fraction = provider_cost(rate, quantity) * (1 + Fraction(markup_percent) / 100)
    rounded: int = ceil(exact)
    return max(1, rounded)


def provider_cost(rate: Decimal, quantity: int) -> Fraction:
    """What the provider bills for `quantity` units, exactly, in cents."""
    cost: Fraction = Fraction(rate) * quantity * MINOR_PER_MAJOR / UNITS_PER_RATE
    return cost


def price_per_thousand(rate: Decimal, markup_percent: Decimal) -> int:
    """The customer's price for 1000 units in cents, rounded up (as shown in the catalogue)."""
    return order_price(rate, markup_percent, UNITS_PER_RATE)


def service_price(service: Service, global_markup: Decimal, quantity: int) -> int:
    """The price in cents of `quantity` units of a service."""
    return order_price(service.rate, effective_markup(service, global_markup), quantity)
