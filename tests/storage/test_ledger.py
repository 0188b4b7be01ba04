import asyncio

import pytest

from storage.database import Database
from storage.errors import DuplicateEntry, InsufficientFunds, UnknownUser
from storage.ledger import EntryKind, LedgerRepo, apply_entry
from storage.users import UserRepo
from tests.databases import reopen


async def _user(db: Database, user_id: int = 1) -> None:
    await UserRepo(db).upsert(user_id, username=f"u{user_id}", first_name="Test")


async def test_credit_updates_balance_and_writes_one_row(db: Database) -> None:
    await _user(db)
    ledger = LedgerRepo(db)
    assert await ledger.record(user_id=1, amount=1000, kind=EntryKind.TOPUP, ref="t1", admin_id=9) == 1000
    assert await UserRepo(db).balance(1) == 1000
    [entry] = await ledger.history(1)
    assert (entry.amount, entry.kind, entry.admin_id, entry.balance_after) == (1000, EntryKind.TOPUP, 9, 1000)
    assert await ledger.mismatches() == []


async def test_same_reference_is_never_written_twice(db: Database) -> None:
    await _user(db)
    ledger = LedgerRepo(db)
    await ledger.record(user_id=1, amount=500, kind=EntryKind.REFUND, ref="refund:order:1")
    with pytest.raises(DuplicateEntry):
        await ledger.record(user_id=1, amount=500, kind=EntryKind.REFUND, ref="refund:order:1")
    assert await UserRepo(db).balance(1) == 500
    assert await ledger.count(1) == 1
    assert await ledger.mismatches() == []


async def test_debit_cannot_go_below_zero(db: Database) -> None:
    await _user(db)
    ledger = LedgerRepo(db)
    await ledger.record(user_id=1, amount=300, kind=EntryKind.TOPUP, ref="t1")
    with pytest.raises(InsufficientFunds) as info:
        await ledger.record(user_id=1, amount=-301, kind=EntryKind.CHARGE, ref="c1")
    assert info.value.available == 300
    assert await UserRepo(db).balance(1) == 300
    assert await ledger.count(1) == 1


async def test_unknown_user_is_refused(db: Database) -> None:
    with pytest.raises(UnknownUser):
        await LedgerRepo(db).record(user_id=42, amount=100, kind=EntryKind.TOPUP, ref="t")


async def test_failed_entry_inside_a_transaction_leaves_no_trace(db: Database) -> None:
    await _user(db)
    ledger = LedgerRepo(db)
    await ledger.record(user_id=1, amount=100, kind=EntryKind.TOPUP, ref="dup")
    async with db.transaction() as tx:
        with pytest.raises(DuplicateEntry):
            await apply_entry(tx, user_id=1, amount=100, kind=EntryKind.TOPUP, ref="dup")
        await apply_entry(tx, user_id=1, amount=50, kind=EntryKind.TOPUP, ref="other")
    assert await UserRepo(db).balance(1) == 150
    assert await ledger.mismatches() == []


async def test_concurrent_debits_never_overdraw(db: Database) -> None:
    await _user(db)
    ledger = LedgerRepo(db)
    await ledger.record(user_id=1, amount=1000, kind=EntryKind.TOPUP, ref="t")

    async def debit(i: int) -> bool:
        try:
            await ledger.record(user_id=1, amount=-300, kind=EntryKind.CHARGE, ref=f"c{i}")
        except InsufficientFunds:
            return False
        return True

    results = await asyncio.gather(*(debit(i) for i in range(10)))
    assert sum(results) == 3
    assert await UserRepo(db).balance(1) == 100
    assert await ledger.mismatches() == []


async def test_invariant_check_finds_a_tampered_balance(db: Database) -> None:
    await _user(db, 1)
    await _user(db, 2)
    await LedgerRepo(db).record(user_id=1, amount=100, kind=EntryKind.TOPUP, ref="t")
    async with db.transaction() as tx:
        await tx.execute("UPDATE users SET balance = 999 WHERE id = 2")
    [mismatch] = await LedgerRepo(db).mismatches()
    assert (mismatch.user_id, mismatch.balance, mismatch.ledger_sum) == (2, 999, 0)
    assert await LedgerRepo(db).mismatches(1) == []


async def test_balances_survive_reopening_the_file(db: Database) -> None:
    await _user(db)
    await LedgerRepo(db).record(user_id=1, amount=1234, kind=EntryKind.TOPUP, ref="t")
    await db.close()
    again = reopen(db)
    await again.connect()
    try:
        assert await UserRepo(again).balance(1) == 1234
    finally:
        await again.close()


async def test_rolled_back_transaction_writes_nothing(db: Database) -> None:
    await _user(db)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await apply_entry(tx, user_id=1, amount=100, kind=EntryKind.TOPUP, ref="t")
            raise RuntimeError("boom")
    assert await UserRepo(db).balance(1) == 0
    assert await LedgerRepo(db).count(1) == 0
