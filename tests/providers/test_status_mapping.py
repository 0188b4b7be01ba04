"""Status vocabularies and error classification: pure functions, tables and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.base import (
    RefillState,
    RejectReason,
    RemoteState,
    classify_rejection,
    normalise_refill_status,
    normalise_status,
    normalise_status_text,
)
from providers.parsing import decode_json, to_bool, to_decimal, to_id, to_int

ORDER_TABLE = [
    ("Pending", RemoteState.PENDING),
    ("Processing", RemoteState.PENDING),
    ("Awaiting", RemoteState.PENDING),
    ("In progress", RemoteState.IN_PROGRESS),
    ("In Progress", RemoteState.IN_PROGRESS),
    ("in_progress", RemoteState.IN_PROGRESS),
    ("IN-PROGRESS", RemoteState.IN_PROGRESS),
    ("inprogress", RemoteState.IN_PROGRESS),
    ("Active", RemoteState.IN_PROGRESS),
    ("Completed", RemoteState.COMPLETED),
    ("complete", RemoteState.COMPLETED),
    (" COMPLETED \n", RemoteState.COMPLETED),
    ("Partial", RemoteState.PARTIAL),
    ("Canceled", RemoteState.CANCELED),
    ("Cancelled", RemoteState.CANCELED),
    ("Refunded", RemoteState.CANCELED),
    ("Fail", RemoteState.FAILED),
    ("Failed", RemoteState.FAILED),
    ("Error", RemoteState.FAILED),
    ("", RemoteState.UNKNOWN),
    ("Paused", RemoteState.UNKNOWN),
    ("Expired", RemoteState.UNKNOWN),
    ("Completed partially", RemoteState.UNKNOWN),
    ("Not completed", RemoteState.UNKNOWN),
    ("success", RemoteState.UNKNOWN),
]

TERMINAL_SPELLINGS = {"completed", "complete", "partial", "canceled", "cancelled", "refunded"}
# The states that settle an order (and may move money); Fail/Error and unknown words never do.
SETTLING = {RemoteState.COMPLETED, RemoteState.PARTIAL, RemoteState.CANCELED}


@pytest.mark.parametrize(("raw", "expected"), ORDER_TABLE)
def test_normalise_status_table(raw: str, expected: RemoteState) -> None:
    assert normalise_status(raw) is expected


def test_only_known_final_spellings_settle_an_order() -> None:
    settling = {raw for raw, state in ORDER_TABLE if state in SETTLING}
    assert {normalise_status_text(raw) for raw in settling} <= TERMINAL_SPELLINGS
    for raw in ("Fail", "Failed", "Error", "", "Paused", "Completed partially", "success"):
        assert normalise_status(raw) not in SETTLING


@given(st.text())
def test_arbitrary_text_is_terminal_only_for_known_spellings(raw: str) -> None:
    state = normalise_status(raw)
    if state in SETTLING:
        assert normalise_status_text(raw) in TERMINAL_SPELLINGS


@given(
    st.sampled_from([raw for raw, _ in ORDER_TABLE if raw.strip()]),
    st.sampled_from(["", " ", "\t", "  \n"]),
    st.booleans(),
    st.booleans(),
)
def test_case_padding_and_separators_do_not_change_the_state(
    raw: str, padding: str, upper: bool, underscores: bool
) -> None:
    variant = raw.upper() if upper else raw.lower()
    if underscores:
        variant = variant.replace(" ", "_")
    assert normalise_status(padding + variant + padding) is normalise_status(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Completed", RefillState.COMPLETED),
        ("completed", RefillState.COMPLETED),
        ("Rejected", RefillState.REJECTED),
        ("Pending", RefillState.PENDING),
        ("In progress", RefillState.PENDING),
        ("Processing", RefillState.PENDING),
        ("Awaiting", RefillState.PENDING),
        ("Failed", RefillState.PENDING),
        ("", RefillState.PENDING),
    ],
)
def test_normalise_refill_status(raw: str, expected: RefillState) -> None:
    assert normalise_refill_status(raw) is expected


@given(st.text())
def test_refill_state_is_terminal_only_for_known_spellings(raw: str) -> None:
    if normalise_refill_status(raw) is not RefillState.PENDING:
        assert normalise_status_text(raw) in {"completed", "complete", "rejected"}


REJECTIONS = [
    ("Invalid API key", RejectReason.BAD_KEY),
    ("Incorrect API key", RejectReason.BAD_KEY),
    ("api is disable for this user", RejectReason.BAD_KEY),
    ("Incorrect request", RejectReason.BAD_REQUEST),
    ("Incorrect service ID", RejectReason.SERVICE),
    ("Disabled service ID", RejectReason.SERVICE),
    ("Service not found", RejectReason.SERVICE),
    ("Bad link", RejectReason.LINK),
    ("Incorrect link", RejectReason.LINK),
    ("Link is required", RejectReason.LINK),
    ("Quantity less than minimal 50", RejectReason.QUANTITY),
    ("Quantity more than maximum 10000", RejectReason.QUANTITY),
    ("Quantity more than maximal 10000", RejectReason.QUANTITY),
    ("Minimum order is 100", RejectReason.QUANTITY),
    (
        "You have active order with this link. Please wait until order being completed.",
        RejectReason.DUPLICATE,
    ),
    ("Not enough funds on balance", RejectReason.FUNDS),
    ("Insufficient balance", RejectReason.FUNDS),
    ("Order not eligible for refill.", RejectReason.NOT_ELIGIBLE),
    ("Order cannot be canceled", RejectReason.NOT_ELIGIBLE),
    ("Incorrect order ID", RejectReason.NOT_FOUND),
    ("Refill not found", RejectReason.NOT_FOUND),
    ("comments field is required", RejectReason.OTHER),
    ("This services does not support Dripfeed feature!", RejectReason.OTHER),
    ("Something odd happened", RejectReason.OTHER),
]


@pytest.mark.parametrize(("message", "reason"), REJECTIONS)
def test_classify_rejection(message: str, reason: RejectReason) -> None:
    assert classify_rejection(message) is reason
    assert classify_rejection(message.upper()) is reason


@given(st.text())
def test_classify_rejection_never_raises(message: str) -> None:
    assert isinstance(classify_rejection(message), RejectReason)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("157", 157),
        (157, 157),
        ("157.0", 157),
        (Decimal("-20"), -20),
        ("", None),
        (None, None),
        ("n/a", None),
        (True, None),
        ("NaN", None),
        ("1e999999", None),
    ],
)
def test_to_int(value: object, expected: int | None) -> None:
    assert to_int(value) == expected


def test_to_decimal_is_exact() -> None:
    assert to_decimal("0.27819") == Decimal("0.27819")
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(Decimal("0.00100000")) == Decimal("0.00100000")
    assert to_decimal("Infinity") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (1, True),
        ("1", True),
        ("true", True),
        (False, False),
        (0, False),
        ("0", False),
        (None, False),
    ],
)
def test_to_bool(value: object, expected: bool) -> None:
    assert to_bool(value) is expected


def test_to_id() -> None:
    assert to_id(23501) == "23501"
    assert to_id(" 23501 ") == "23501"
    assert to_id(Decimal("23501")) == "23501"
    assert to_id("5f1b2c3d4e5f6a7b8c9d0e1f") == "5f1b2c3d4e5f6a7b8c9d0e1f"
    assert to_id("") is None
    assert to_id(None) is None
    assert to_id(True) is None


def test_decode_json_keeps_floats_exact_and_accepts_a_bom() -> None:
    assert decode_json(b'\xef\xbb\xbf{"charge": 0.1}') == {"charge": Decimal("0.1")}
    with pytest.raises(ValueError):
        decode_json(b'{"charge": NaN}')
