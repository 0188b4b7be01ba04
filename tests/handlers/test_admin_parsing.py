"""Parsing of admin arguments: exact percentages, ids, provider order ids, /refund and /resolve forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aiogram.filters import CommandObject

from handlers.admin import UsageError, parse_id, parse_percent, parse_provider_order_id
from handlers.admin_orders import _refund_args, _resolve_args


def command(args: str | None) -> CommandObject:
    return CommandObject(prefix="/", command="x", args=args)


@pytest.mark.parametrize(("text", "value"), [("0", "0"), ("30", "30"), ("12.5", "12.5"), ("1000", "1000")])
def test_percent_is_exact(text: str, value: str) -> None:
    assert parse_percent(text) == Decimal(value)
    assert str(parse_percent(text)) == value


@pytest.mark.parametrize("text", ["-1", "1000.01", "1e3", "NaN", "inf", "", "10%", "1,5", " "])
def test_bad_percent(text: str) -> None:
    with pytest.raises(UsageError):
        parse_percent(text)


@pytest.mark.parametrize("text", ["0", "-1", "x", "1.5", "²", "١٢", "1" * 19])
def test_bad_id(text: str) -> None:
    with pytest.raises(UsageError):
        parse_id(text, "an order number")


def test_provider_order_ids() -> None:
    assert parse_provider_order_id("23517") == "23517"
    assert parse_provider_order_id("65f1c0ffee0123456789abcd") == "65f1c0ffee0123456789abcd"
    for bad in ("<b>", "a b", "x" * 65, "", "123,456", "12\n"):
        with pytest.raises(UsageError):
            parse_provider_order_id(bad)


def test_refund_forms() -> None:
    assert _refund_args(command("42")) == (42, None, "")
    assert _refund_args(command("42 all")) == (42, None, "")
    assert _refund_args(command("42 ALL goodwill gesture")) == (42, None, "goodwill gesture")
    assert _refund_args(command("42 1,50 late")) == (42, 150, "late")
    with pytest.raises(UsageError):
        _refund_args(command(None))
    with pytest.raises(ValueError, match="plain number"):
        _refund_args(command("42 late"))  # a typo must never become a full refund


def test_resolve_forms() -> None:
    assert _resolve_args(command("7 placed 23517")) == (7, "23517", "")
    assert _resolve_args(command("7 PLACED abc-1")) == (7, "abc-1", "")
    assert _resolve_args(command("7 refund")) == (7, None, "")
    assert _resolve_args(command("7 refund not on the panel")) == (7, None, "not on the panel")
    for bad in (None, "7", "7 placed", "7 placed 1 2", "7 later", "x refund"):
        with pytest.raises(UsageError):
            _resolve_args(command(bad))
