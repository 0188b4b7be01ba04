"""Set-based writes: rows travel as one JSON array; what JSON would carry inexactly goes row by row."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.bulk import json_rows
from storage.catalog import CatalogRepo, ServiceData
from storage.database import Database, is_postgres
from storage.orders import Move, OrderStatus, insert_order, transition_many
from storage.outbox import enqueue_many
from storage.users import UserRepo


@pytest.mark.parametrize(
    "rows",
    [
        [(1, "a\x00b")],  # SQLite's JSON reader would cut the string at NUL
        [(2**63, "x")],  # beyond SQLite's 64-bit integers
        [(-(2**63) - 1, "x")],
        [(1.5, "x")],  # a float may be rounded differently
        [(Decimal(1), "x")],  # binding refuses it (or an adapter decides)
        [(1, [2, 3])],  # JSON would nest it; binding refuses it
        ["ab"],  # a row must be a sequence of values, not a string
    ],
)
def test_values_json_cannot_carry_exactly_go_the_other_way(rows: list[object]) -> None:
    assert json_rows(rows) is None  # type: ignore[arg-type]


def test_rows_travel_as_one_json_array() -> None:
    assert json_rows([(1, "é 😀 <b>", None, True), (2**63 - 1, "", -(2**63), False)]) == (
        '[[1, "é 😀 <b>", null, true], [9223372036854775807, "", -9223372036854775808, false]]'
    )


@given(st.lists(st.tuples(st.integers(-(2**63), 2**63 - 1), st.text(), st.none() | st.text()), max_size=20))
def test_what_travels_as_json_comes_back_the_same(rows: list[tuple[int, str, str | None]]) -> None:
    payload = json_rows(rows)
    if payload is None:
        assert any("\x00" in text or "\x00" in (other or "") for _, text, other in rows)
        return
    conn = sqlite3.connect(":memory:")
    back = conn.execute(
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') "
        "FROM json_each(?) ORDER BY key",
        (payload,),
    ).fetchall()
    assert back == rows


def stored(text: str, db: Database) -> str:
    """Text as the database keeps it: SQLite keeps a NUL, PostgreSQL text cannot (it becomes U+FFFD)."""
    return text.replace("\x00", "\ufffd") if is_postgres(db) else text


async def test_the_outbox_keeps_order_skips_known_refs_and_keeps_a_nul(db: Database) -> None:
    async with db.transaction() as tx:
        await enqueue_many(tx, [(1, "first", "a"), (2, "second", None)])
        await enqueue_many(
            tx, [(3, "dup", "a"), (4, "third", "b"), (5, "dup", "b"), (6, "nul\x00kept", None)]
        )
    rows = await db.fetchall("SELECT chat_id, text, ref FROM outbox ORDER BY id")
    assert [tuple(row) for row in rows] == [
        (1, "first", "a"),
        (2, "second", None),
        (4, "third", "b"),
        (6, stored("nul\x00kept", db), None),
    ]


async def _pending_order(db: Database) -> int:
    await UserRepo(db).upsert(7, username="u7", first_name="Test")
    item = ServiceData(
        "1", "Instagram", "Followers", "Default", Decimal("0.9"), 10, 1000, True, True, False, ""
    )
    await CatalogRepo(db).apply_sync("main", [item])
    async with db.transaction() as tx:
        order_id = await insert_order(
            tx,
            user_id=7,
            service_id=1,
            provider="main",
            link="https://x/y",
            quantity=100,
            charge=50,
            quote_key="q",
        )
        assert order_id is not None
        await tx.execute("UPDATE orders SET status = 'pending' WHERE id = ?", (order_id,))
    return order_id


def _move(order_id: int, **fields: object) -> Move:
    return Move(order_id, (OrderStatus.PENDING,), OrderStatus.IN_PROGRESS, fields)


async def test_a_huge_counter_fails_as_it_always_did_and_moves_nothing(db: Database) -> None:
    order_id = await _pending_order(db)
    with pytest.raises(OverflowError):
        async with db.transaction() as tx:
            await transition_many(tx, [_move(order_id, remains=2**63)])
    row = await db.fetchone("SELECT status, remains FROM orders WHERE id = ?", (order_id,))
    assert row is not None and tuple(row) == ("pending", None)


async def test_transitions_keep_a_nul_and_an_order_listed_twice_moves_once(db: Database) -> None:
    order_id = await _pending_order(db)
    async with db.transaction() as tx:
        twice = [
            _move(order_id, provider_status="a\x00b", remains=1),
            _move(order_id, provider_status="c", remains=2),
        ]
        assert await transition_many(tx, twice) == 1  # the second finds the order moved already
    row = await db.fetchone("SELECT status, provider_status, remains FROM orders WHERE id = ?", (order_id,))
    assert row is not None and tuple(row) == ("in_progress", stored("a\x00b", db), 1)
    async with db.transaction() as tx:
        moves = [Move(order_id, (OrderStatus.IN_PROGRESS,), OrderStatus.COMPLETED, {"remains": 0})]
        assert await transition_many(tx, moves) == 1
        assert await transition_many(tx, moves) == 0  # guarded by the old status
    row = await db.fetchone(
        "SELECT status, remains, finished_at IS NOT NULL FROM orders WHERE id = ?", (order_id,)
    )
    assert row is not None and tuple(row) == ("completed", 0, 1)
