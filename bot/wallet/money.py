"""Exact money: integer cents end to end, parsed from user text and formatted for display.

A balance, a charge and a refund are all `int` numbers of the minor unit (cents). Provider rates
arrive as decimal strings with more places than cents; they stay `Decimal` until a price is fixed,
and the conversion to cents always states its rounding direction.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from bot.i18n import _, ngettext
from storage.orders import undelivered

MINOR_DIGITS = 2
MINOR_PER_MAJOR = 10**MINOR_DIGITS
# No single amount typed by a person is larger than this (one million in major units).
MAX_INPUT_MINOR = 1_000_000 * MINOR_PER_MAJOR

_AMOUNT_RE = re.compile(r"^(?P<int>[0-9]{1,12})(?:[.,](?P<frac>[0-9]+))?$")


class AmountError(ValueError):
    """User text that is not an acceptable amount; the message is safe to show, in the current locale."""


def parse_amount(text: str, *, allow_zero: bool = False, max_minor: int = MAX_INPUT_MINOR) -> int:
    """Parse "10", "10.5" or "10,50" into cents, refusing anything inexact or out of range."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    match = _AMOUNT_RE.fullmatch(cleaned)
    if match is None:
        if cleaned.startswith("-"):
            raise AmountError(_("the amount must be positive"))
        raise AmountError(_("write the amount as a plain number such as 10 or 10.50"))
    frac: str = match.group("frac") or ""
    if len(frac) > MINOR_DIGITS:
        raise AmountError(
            ngettext(
                "at most {digits} decimal place is allowed",
                "at most {digits} decimal places are allowed",
                MINOR_DIGITS,
            ).format(digits=MINOR_DIGITS)
        )
    frac_text: str = frac.ljust(MINOR_DIGITS, "0")
    minor: int = int(match.group("int")) * MINOR_PER_MAJOR + int(frac_text)
    if minor == 0 and not allow_zero:
        raise AmountError(_("the amount must be greater than zero"))
    if minor > max_minor:
        raise AmountError(
            _("the amount must not exceed {max_amount}").format(max_amount=format_amount(max_minor))
        )
    return minor


def format_amount(minor: int) -> str:
    """Format cents as "1234.56" (a minus sign for negatives); exact, no rounding at all."""
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), MINOR_PER_MAJOR)
    return f"{sign}{whole}.{frac:0{MINOR_DIGITS}d}"


def format_money(minor: int, currency: str) -> str:
    """Format cents with the currency code, e.g. "10.00 USD"."""
    return f"{format_amount(minor)} {currency}"


def to_minor_ceil(value: Decimal) -> int:
    """Convert a major-unit Decimal to cents, rounding up (what the customer pays)."""
    return int((value * MINOR_PER_MAJOR).to_integral_value(rounding=ROUND_CEILING))


def to_minor_floor(value: Decimal) -> int:
    """Convert a major-unit Decimal to cents, rounding down (what is given back or shown)."""
    return int((value * MINOR_PER_MAJOR).to_integral_value(rounding=ROUND_FLOOR))


def parse_decimal(text: str) -> Decimal:
    """Parse a decimal string exactly; refuse NaN, infinities and exponents."""
    cleaned = text.strip()
    if not re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?", cleaned):
        raise AmountError(_("write a plain number such as 30 or 12.5"))
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already guards it
        raise AmountError(_("write a plain number such as 30 or 12.5")) from exc


def proportional_floor(total_minor: int, part: int, whole: int) -> int:
    """Return floor(total * part / whole): the share of `total` for `part` units (a remains) of `whole`."""
    if whole <= 0:
        return 0
    return total_minor * undelivered(part, whole) // whole
