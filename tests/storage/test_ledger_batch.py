"""The batched ledger entry point against a real SQLite file: the guarantees of apply_entry, set-based."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.database import Database, SQLiteDatabase
from storage.errors import DuplicateEntry, InsufficientFunds, UnknownUser
from storage.ledger import EntryKind, LedgerRepo, NewEntry, apply_entries, apply_entry
from storage.users import UserRepo


async def _users(db: Database, *user_ids: int) -> None:
    for user_id in user_ids:
        await UserRepo(db).upsert(user_id, username=f"u{user_id}", first_name="Test")


def _entry(user_id: int, amount: int, ref: str, kind: EntryKind = EntryKind.REFUND) -> NewEntry:
    return NewEntry(user_id=user_id, amount=amount, kind=kind, ref=ref, order_id=None, note=ref)


async def _state(db: Database) -> tuple[list[tuple[int, int]], list[tuple[str, int, int]]]:
    """Every balance and every ledger row (ref, amount, balance_after), to compare before and after."""
    balances = [(row[0], row[1]) for row in await db.fetchall("SELECT id, balance FROM users ORDER BY id")]
    rows = await db.fetchall("SELECT ref, amount, balance_after FROM ledger ORDER BY id")
    return balances, [(row[0], row[1], row[2]) for row in rows]


async def test_a_batch_writes_every_row_with_its_running_balance(db: Database) -> None:
    await _users(db, 1, 2)
    await LedgerRepo(db).record(user_id=1, amount=100, kind=EntryKind.TOPUP, ref="t1")
    batch = [
        _entry(1, 50, "r1"),
        _entry(2, 30, "r2"),
        _entry(1, -120, "c1", EntryKind.CHARGE),
        _entry(1, 7, "r3"),
    ]
    async with db.transaction() as tx:
        assert await apply_entries(tx, batch) == [150, 30, 30, 37]
    assert await UserRepo(db).balance(1) == 37 and await UserRepo(db).balance(2) == 30
    [r3, c1, r1, _] = await LedgerRepo(db).history(1)
    assert [(e.ref, e.amount, e.balance_after) for e in (r1, c1, r3)] == [
        ("r1", 50, 150),
        ("c1", -120, 30),
        ("r3", 7, 37),
    ]
    assert c1.kind == EntryKind.CHARGE and r1.note == "r1"
    assert await LedgerRepo(db).mismatches() == []


async def test_an_empty_batch_writes_nothing(db: Database) -> None:
    async with db.transaction() as tx:
        assert await apply_entries(tx, []) == []
    assert await _state(db) == ([], [])


async def test_a_reference_written_before_rolls_the_whole_batch_back(db: Database) -> None:
    await _users(db, 1, 2)
    await LedgerRepo(db).record(user_id=2, amount=10, kind=EntryKind.REFUND, ref="refund:order:7")
    before = await _state(db)
    async with db.transaction() as tx:
        with pytest.raises(DuplicateEntry) as info:
            await apply_entries(tx, [_entry(1, 5, "refund:order:6"), _entry(2, 10, "refund:order:7")])
        # The caller's transaction goes on without any half of the batch.
        await apply_entry(tx, user_id=1, amount=1, kind=EntryKind.TOPUP, ref="after")
    assert info.value.ref == "refund:order:7"
    balances, rows = await _state(db)
    assert balances == [(1, 1), (2, 10)] and rows == [*before[1], ("after", 1, 1)]
    assert await LedgerRepo(db).mismatches() == []


async def test_a_reference_twice_in_one_batch_is_refused(db: Database) -> None:
    await _users(db, 1)
    async with db.transaction() as tx:
        with pytest.raises(DuplicateEntry):
            await apply_entries(tx, [_entry(1, 5, "same"), _entry(1, 5, "same")])
    assert await _state(db) == ([(1, 0)], [])


async def test_a_debit_is_checked_against_the_running_balance(db: Database) -> None:
    await _users(db, 1)
    await LedgerRepo(db).record(user_id=1, amount=100, kind=EntryKind.TOPUP, ref="t")
    before = await _state(db)
    async with db.transaction() as tx:
        with pytest.raises(InsufficientFunds) as info:
            # The credit after it would cover it, but the balance may never dip below zero on the way.
            await apply_entries(
                tx, [_entry(1, -150, "c", EntryKind.CHARGE), _entry(1, 100, "r"), _entry(1, -1, "d")]
            )
    assert (info.value.needed, info.value.available) == (150, 100)
    assert await _state(db) == before


async def test_an_unknown_user_fails_the_batch(db: Database) -> None:
    await _users(db, 1)
    async with db.transaction() as tx:
        with pytest.raises(UnknownUser) as info:
            await apply_entries(tx, [_entry(1, 5, "a"), _entry(42, 5, "b")])
    assert info.value.user_id == 42
    assert await _state(db) == ([(1, 0)], [])


async def test_an_entry_must_move_money(db: Database) -> None:
    await _users(db, 1)
    async with db.transaction() as tx:
        with pytest.raises(ValueError, match="move money"):
            await apply_entries(tx, [_entry(1, 5, "a"), _entry(1, 0, "b")])
    assert await _state(db) == ([(1, 0)], [])


async def test_single_and_batched_entries_share_one_reference_space(db: Database) -> None:
    await _users(db, 1)
    async with db.transaction() as tx:
        await apply_entries(tx, [_entry(1, 5, "refund:order:1")])
    with pytest.raises(DuplicateEntry):
        await LedgerRepo(db).record(user_id=1, amount=5, kind=EntryKind.REFUND, ref="refund:order:1")
    assert await UserRepo(db).balance(1) == 5


async def test_a_large_batch_stays_consistent(db: Database) -> None:
    users = list(range(1, 1201))
    await _users(db, *users)
    batch = [_entry(user_id, user_id % 7 + 1, f"r{user_id}:{n}") for n in range(3) for user_id in users]
    async with db.transaction() as tx:
        after = await apply_entries(tx, batch)
    assert after[-1] == 3 * (1200 % 7 + 1)
    assert await LedgerRepo(db).mismatches() == []
    assert int(await db.fetchval("SELECT COUNT(*) FROM ledger")) == 3600


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(-300, 300).filter(bool)), min_size=1, max_size=12))
async def test_a_batch_moves_money_exactly_as_one_entry_at_a_time(
    tmp_path_factory: pytest.TempPathFactory, moves: list[tuple[int, int]]
) -> None:
    """Same outcome as applying the entries one by one: the same balances, or the same refusal."""
    results = []
    for batched in (True, False):
        db = SQLiteDatabase(tmp_path_factory.mktemp("ledger") / "ledger.sqlite3")
        await db.connect()
        try:
            await _users(db, 1, 2, 3)
            await LedgerRepo(db).record(user_id=1, amount=200, kind=EntryKind.TOPUP, ref="seed")
            entries = [_entry(user_id, amount, f"m{i}") for i, (user_id, amount) in enumerate(moves)]
            try:
                async with db.transaction() as tx:
                    if batched:
                        await apply_entries(tx, entries)
                    else:
                        for entry in entries:
                            await apply_entry(tx, **entry)
                outcome = "ok"
            except InsufficientFunds:
                outcome = "short"
            results.append((outcome, await _state(db)))
            assert await LedgerRepo(db).mismatches() == []
        finally:
            await db.close()
    assert results[0] == results[1]
