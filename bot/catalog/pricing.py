"""Customer prices, computed exactly and in one place.

price per 1000 = provider rate x (1 + markup / 100); the price of an order is rounded up to the cent,
so the shop is never undercharged, and it is never below what the provider bills. For package kinds the
provider's rate is the price of one package, not of 1000 units (smm-api-v2.md §3.2, §5).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil

from bot.wallet.money import MINOR_PER_MAJOR
from providers.base import ServiceKind
from storage.catalog import Service

UNITS_PER_RATE = 1000  # provider rates are per 1000 units...
# ...except for these kinds, whose rate is the price of one package (an order is one package).
PER_PACKAGE_KINDS: frozenset[str] = frozenset({ServiceKind.PACKAGE, ServiceKind.CUSTOM_COMMENTS_PACKAGE})


def effective_markup(service: Service, global_markup: Decimal) -> Decimal:
    """The service's own markup if an admin set one, else the shop-wide markup."""
    return global_markup if service.markup_percent is None else service.markup_percent


def units_per_rate(service: Service) -> int:
    """How many units the provider's rate of this service buys: 1000, or 1 for a package."""
    return 1 if service.kind in PER_PACKAGE_KINDS else UNITS_PER_RATE


def order_price(rate: Decimal, markup_percent: Decimal, quantity: int, *, per: int = UNITS_PER_RATE) -> int:
    """Return the customer's price in cents for `quantity` units, rounded up, at least one cent.

    `per` is how many units the rate buys (1000, or 1 for a package).
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if rate < 0 or markup_percent < 0:
        raise ValueError("rate and markup must not be negative")
    exact: Fraction = provider_cost(rate, quantity, per=per) * (1 + Fraction(markup_percent) / 100)
    rounded: int = ceil(exact)
    return max(1, rounded)


def provider_cost(rate: Decimal, quantity: int, *, per: int = UNITS_PER_RATE) -> Fraction:
    """What the provider bills for `quantity` units, exactly, in cents."""
    cost: Fraction = Fraction(rate) * quantity * MINOR_PER_MAJOR / per
    return cost


def service_price(service: Service, global_markup: Decimal, quantity: int) -> int:
    """The price in cents of `quantity` units of a service (of `quantity` packages for a package)."""
    return order_price(
        service.rate, effective_markup(service, global_markup), quantity, per=units_per_rate(service)
    )


def listed_price(service: Service, global_markup: Decimal) -> int:
    """The price the catalogue shows: of 1000 units, or of one package for a package kind."""
    return service_price(service, global_markup, units_per_rate(service))
