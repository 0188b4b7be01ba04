"""Lenient parsing of SMM panel API v2 replies into typed results.

Panels disagree on types (numbers as strings or JSON numbers, ids as ints or strings, capitalised keys,
per-id errors as objects or bare strings), so every reader here accepts the variants and rejects only
what cannot be understood.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from providers.base import ProviderService

logger = logging.getLogger(__name__)


class Unreadable(StrEnum):
    """Why an entry of the services list was skipped."""

    NOT_AN_OBJECT = "not_an_object"
    NO_ID = "no_id"
    NO_NAME = "no_name"
    NO_RATE = "no_rate"  # absent, unreadable or negative
    BAD_LIMITS = "bad_limits"  # min or max absent, unreadable or negative (or a min of 0, see sync)
    MIN_ABOVE_MAX = "min_above_max"
    DUPLICATE = "duplicate"  # a service id listed twice: the first entry counts


class MalformedReply(ValueError):
    """A reply or one of its entries does not have a shape we can read."""

    def __init__(self, message: str, reason: Unreadable | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class ServiceList(list[ProviderService]):
    """The readable services of a `services` reply, with the entries skipped counted by reason."""

    def __init__(self, services: Iterable[ProviderService] = (), unreadable: Mapping[str, int] | None = None):
        super().__init__(services)
        self.unreadable: Counter[str] = Counter(unreadable or {})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} in JSON")


def decode_json(body: bytes) -> Any:
    """Decode a reply body; floats become Decimal so money never passes through binary floats."""
    # Bytes (not str) so a UTF-8 BOM, which some PHP panels emit, is accepted.
    return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)


def to_decimal(value: object) -> Decimal | None:
    """Read a number given as a string or a JSON number; None when empty or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str):
        text = str(value).strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


# Beyond 10^18 a counter is garbage (see to_int); shorter runs of ASCII digits need no Decimal.
_INT_LIMIT = 10**19
_PLAIN_DIGITS = 18


def to_int(value: object) -> int | None:
    """Read an integer given as a string or a number ("157", 157, "157.0"); None when empty."""
    # Fast paths for what nearly every panel sends (a JSON integer or a plain run of digits); they
    # give exactly what the Decimal route below gives.
    if type(value) is int:
        return value if -_INT_LIMIT < value < _INT_LIMIT else None
    if type(value) is str:
        digits = value[1:] if value[:1] == "-" else value
        if 0 < len(digits) <= _PLAIN_DIGITS and digits.isascii() and digits.isdigit():
            return int(value)
    number = to_decimal(value)
    # A counter beyond 10^18 is garbage; refusing it also keeps "1e999999" from building a huge int.
    if number is None or number.adjusted() > 18:
        return None
    return int(number)


def to_bool(value: object) -> bool:
    """Read a flag; absent or unreadable means False."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return False


def to_id(value: object) -> str | None:
    """Read an id given as a number or a string; None when absent or empty."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else None
    if isinstance(value, str):
        return value.strip() or None
    return None


# What a provider order id may look like before it is stored, comma-joined into requests or shown:
# panels issue numbers, 24-hex ObjectIds or short slugs. Anything else is not an id we can use.
_USABLE_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_usable_order_id(value: str) -> bool:
    """Tell whether a provider order id is a short run of ASCII letters, digits, "-" or "_"."""
    return _USABLE_ORDER_ID.fullmatch(value) is not None


def lower_keys(value: Mapping[Any, Any]) -> dict[str, Any]:
    """Copy a mapping with lower-cased keys; broken templates send "Service", "Name", ..."""
    result: dict[str, Any] = {}
    for key, item in value.items():
        result.setdefault(str(key).lower(), item)
    return result


def lowered(value: dict[Any, Any]) -> dict[str, Any]:
    """The object itself when its keys are lower-case strings already (the usual case), else lower_keys.

    For reading only: the result may be the caller's own dict.
    """
    for key in value:
        if type(key) is not str or key != key.lower():
            return lower_keys(value)
    return value


def error_text(value: object) -> str | None:
    """Return the message of an {"error": ...} object, or None when it is not one."""
    if not isinstance(value, dict):
        return None
    return error_of(lowered(value))


def error_of(item: Mapping[str, Any]) -> str | None:
    """The message of an object whose keys are lower-cased already, or None when it has none."""
    message = item.get("error")
    # Some clones send "error": null next to a good answer; only a non-empty message counts.
    if message is None or message == "" or message is False:
        return None
    return str(message)


def text_value(value: object, default: str = "") -> str:
    if value is None or isinstance(value, dict | list):
        return default
    return str(value).strip() or default


# Panels send names through HTML escaping once, sometimes twice (`&amp;#039;`); three passes undo any of
# that and stop a crafted `&amp;amp;amp;...` from looping long.
_UNESCAPE_PASSES = 3
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _unescape(text: str) -> str:
    for _ in range(_UNESCAPE_PASSES):
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def clean_text(value: object, default: str = "") -> str:
    """Read a provider's name: HTML entities decoded, every run of whitespace (NBSP too) one space."""
    text = text_value(value)
    # str.split() splits on every Unicode space: tabs, newlines, NBSP, narrow and ideographic spaces.
    return " ".join(_CONTROL.sub(" ", _unescape(text)).split()) or default


def clean_description(value: object) -> str:
    """Read a description like a name, but keep its line breaks (at most one blank line in a row)."""
    text = _LINE_BREAK_TAG.sub("\n", _unescape(text_value(value)))
    lines = [" ".join(_CONTROL.sub(" ", line).split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def parse_service(entry: object) -> ProviderService:
    """Read one entry of the services list, its texts cleaned (see `clean_text`)."""
    if not isinstance(entry, dict):
        raise MalformedReply(f"entry is a {type(entry).__name__}, not an object", Unreadable.NOT_AN_OBJECT)
    item = lower_keys(entry)
    service_id = to_id(item.get("service", item.get("id")))
    if service_id is None:
        raise MalformedReply("entry has no service id", Unreadable.NO_ID)
    name = clean_text(item.get("name"))
    rate = to_decimal(item.get("rate"))
    low = to_int(item.get("min"))
    high = to_int(item.get("max"))
    if not name:
        raise MalformedReply(f"service {service_id} has no name", Unreadable.NO_NAME)
    if rate is None or rate < 0:
        raise MalformedReply(f"service {service_id} has no usable rate", Unreadable.NO_RATE)
    if low is None or high is None or low < 0 or high < 0:
        raise MalformedReply(f"service {service_id} has unusable min/max", Unreadable.BAD_LIMITS)
    if high < low:
        raise MalformedReply(f"service {service_id} has min {low} above max {high}", Unreadable.MIN_ABOVE_MAX)
    return ProviderService(
        service_id=service_id,
        name=name,
        type=clean_text(item.get("type"), "Default"),
        category=clean_text(item.get("category")),
        rate=rate,
        min=low,
        max=high,
        refill=to_bool(item.get("refill")),
        cancel=to_bool(item.get("cancel")),
        dripfeed=to_bool(item.get("dripfeed")),
        description=clean_description(item.get("desc", item.get("description"))),
    )


def read_services(entries: list[Any], *, provider: str = "") -> ServiceList:
    """Read a services list, skipping (logging and counting) the entries that cannot be used."""
    result = ServiceList()
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            service = parse_service(entry)
        except MalformedReply as exc:
            logger.warning("provider %s: skipping service entry #%d: %s", provider, index, exc)
            result.unreadable[exc.reason or Unreadable.NOT_AN_OBJECT] += 1
            continue
        if service.service_id in seen:
            logger.warning("provider %s: duplicate service id %s ignored", provider, service.service_id)
            result.unreadable[Unreadable.DUPLICATE] += 1
            continue
        seen.add(service.service_id)
        result.append(service)
    return result
