"""Planning a status report: the poller's shortcut for reports that change nothing is never wrong."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.orders.settlement import decide, plan_change, repeats, row_repeats
from providers.base import RemoteState, StatusReport
from storage.orders import Order, OrderRow, OrderStatus, order_from_row

SETTINGS = Settings(_env_file=None, bot_token="1:x", admin_ids="1", currency="USD")
STAMP = "2025-01-01T00:00:00.000Z"

counts = st.none() | st.integers(-20, 1200)
raw_statuses = st.sampled_from(
    ["Pending", "In progress", "Completed", "Partial", "Canceled", "Fail", "?", ""]
)
charges = st.none() | st.sampled_from([Decimal("0"), Decimal("0.05"), Decimal("0.50000"), Decimal("7")])


@st.composite
def orders(draw: st.DrawFn) -> Order:
    return Order(
        id=1,
        user_id=10,
        service_id=1,
        service_name="Followers",
        provider="main",
        provider_order_id="501",
        link="https://instagram.com/p/x",
        quantity=1000,
        charge=draw(st.sampled_from([1, 50, 130])),
        refunded=0,
        status=draw(st.sampled_from([OrderStatus.PENDING, OrderStatus.IN_PROGRESS])),
        provider_status=draw(st.none() | raw_statuses),
        start_count=draw(counts),
        remains=draw(counts),
        provider_charge=draw(charges),
        error=None,
        attention=draw(st.none() | st.just("flagged")),
        bad_polls=draw(st.sampled_from([0, 0, 1, 2])),
        created_at=STAMP,
        updated_at=STAMP,
        finished_at=None,
    )


_STATE_OF = {OrderStatus.PENDING: RemoteState.PENDING, OrderStatus.IN_PROGRESS: RemoteState.IN_PROGRESS}


@st.composite
def reports(draw: st.DrawFn, order: Order) -> StatusReport:
    """A report that repeats the order field by field, or not (so both sides of the shortcut show up)."""

    def mirror(own: object, other: st.SearchStrategy[object]) -> object:
        return own if draw(st.integers(0, 3)) else draw(other)

    return StatusReport(
        order_id="501",
        state=mirror(_STATE_OF[order.status], st.sampled_from(list(RemoteState))),  # type: ignore[arg-type]
        raw_status=mirror(order.provider_status or "", raw_statuses),  # type: ignore[arg-type]
        charge=mirror(None, charges),  # type: ignore[arg-type]
        start_count=mirror(order.start_count, counts),  # type: ignore[arg-type]
        remains=mirror(order.remains, counts),  # type: ignore[arg-type]
        currency="USD",
        not_found=not draw(st.integers(0, 5)),
    )


@settings(max_examples=1000)
@given(st.data())
def test_the_shortcut_only_skips_reports_that_change_nothing(data: st.DataObject) -> None:
    order = data.draw(orders())
    report = data.draw(reports(order))
    if repeats(order, report):
        assert decide(order, report, SETTINGS) is None
    assert (plan_change(order, report, SETTINGS) is None) == (decide(order, report, SETTINGS) is None)


def row_of(order: Order) -> OrderRow:
    """The order as the poller reads it: a row in the standard column order, money and status as stored."""
    return (
        order.id, order.user_id, order.service_id, order.service_name, order.provider,
        order.provider_order_id, order.link, order.quantity, order.charge, order.refunded,
        order.status.value, order.provider_status, order.start_count, order.remains,
        None if order.provider_charge is None else str(order.provider_charge), order.error,
        order.attention, order.bad_polls, order.created_at, order.updated_at, order.finished_at, None,
    )  # fmt: skip


@settings(max_examples=1000)
@given(st.data())
def test_the_shortcut_on_a_row_as_read_agrees_with_the_one_on_the_order(data: st.DataObject) -> None:
    order = data.draw(orders())
    report = data.draw(reports(order))
    assert order_from_row(row_of(order)) == order
    assert row_repeats(row_of(order), report) == repeats(order, report)


def test_a_report_repeating_the_order_is_skipped_and_a_new_remains_is_not() -> None:
    order = Order(
        id=1,
        user_id=10,
        service_id=1,
        service_name="Followers",
        provider="main",
        provider_order_id="501",
        link="https://instagram.com/p/x",
        quantity=1000,
        charge=130,
        refunded=0,
        status=OrderStatus.IN_PROGRESS,
        provider_status="In progress",
        start_count=5,
        remains=400,
        provider_charge=Decimal("0.9"),
        error=None,
        attention=None,
        bad_polls=0,
        created_at=STAMP,
        updated_at=STAMP,
        finished_at=None,
    )
    same = StatusReport("501", RemoteState.IN_PROGRESS, "In progress", Decimal("0.9"), 5, 400, "USD")
    assert repeats(order, same) and plan_change(order, same, SETTINGS) is None
    moved = StatusReport("501", RemoteState.IN_PROGRESS, "In progress", Decimal("0.9"), 5, 300, "USD")
    assert not repeats(order, moved)
    plan = plan_change(order, moved, SETTINGS)
    assert plan is not None and plan.fields["remains"] == 300
