"""The wallet ledger: every balance change is a row written with the change, in one transaction."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import NotRequired, TypedDict, Unpack

from storage.bulk import columns, json_rows
from storage.database import Database, Row, Tx, is_postgres, select_all, select_one
from storage.errors import DuplicateEntry, InsufficientFunds, UnknownUser
from storage.orders import NOW, Order


class EntryKind(StrEnum):
    TOPUP = "topup"
    CHARGE = "charge"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class NewEntry(TypedDict):
    """A balance change to write: signed cents and a reference unique across the whole ledger."""

    user_id: int
    amount: int
    kind: EntryKind
    ref: str
    order_id: NotRequired[int | None]
    admin_id: NotRequired[int | None]
    note: NotRequired[str]


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    user_id: int
    amount: int
    kind: EntryKind
    ref: str
    order_id: int | None
    admin_id: int | None
    note: str
    balance_after: int
    created_at: str


@dataclass(frozen=True, slots=True)
class Mismatch:
    user_id: int
    balance: int
    ledger_sum: int


def order_refund(order: Order, amount: int, note: str, admin_id: int | None = None) -> NewEntry:
    """An order's refund: its reference `refund:order:<id>` lets money for an order come back only once."""
    return NewEntry(
        user_id=order.user_id,
        amount=amount,
        kind=EntryKind.REFUND,
        ref=f"refund:order:{order.id}",
        order_id=order.id,
        admin_id=admin_id,
        note=note,
    )


async def apply_entry(tx: Tx, **entry: Unpack[NewEntry]) -> int:
    """Move `amount` cents (signed) on a wallet inside the caller's transaction; return the new balance."""
    [balance_after] = await apply_entries(tx, [entry])
    return balance_after


async def apply_entries(tx: Tx, entries: Sequence[NewEntry]) -> list[int]:
    """Write entries, in order, inside the caller's transaction; return each one's balance after it.

    All or nothing: a reference written before (or twice in `entries`) raises DuplicateEntry, a debit the
    balance does not cover InsufficientFunds, an unknown user UnknownUser, and then nothing is written.
    Three statements whatever the batch size, so settling thousands of orders stays fast.
    """
    if not entries:
        return []
    if any(entry["amount"] == 0 for entry in entries):
        raise ValueError("a ledger entry must move money")
    refs = [entry["ref"] for entry in entries]
    for ref, count in Counter(refs).items():
        if count > 1:
            raise DuplicateEntry(ref)
    # Every check comes before the first write, so a refused batch leaves nothing behind even in a
    # transaction that goes on; the write transaction is IMMEDIATE, so what is read here stays true.
    user_ids = sorted({entry["user_id"] for entry in entries})
    balances, taken = await (
        _locked_wallets(tx, user_ids, refs) if is_postgres(tx) else _wallets(tx, user_ids, refs)
    )
    for ref in refs:
        if ref in taken:
            raise DuplicateEntry(ref)
    after: list[int] = []
    for entry in entries:
        user_id, amount = entry["user_id"], entry["amount"]
        if user_id not in balances:
            raise UnknownUser(user_id)
        if balances[user_id] + amount < 0:
            raise InsufficientFunds(user_id, -amount, balances[user_id])
        balances[user_id] += amount
        after.append(balances[user_id])
    await _write(tx, entries, after)
    return after


async def _wallets(tx: Tx, user_ids: list[int], refs: list[str]) -> tuple[dict[int, int], set[str]]:
    """SQLite: the balances and the references already written, read inside the IMMEDIATE transaction."""
    # One row holding both answers as JSON: one step for SQLite however many (see storage.bulk).
    row = await select_one(
        tx,
        "SELECT (SELECT json_group_array(json_array(id, balance)) FROM users "
        "WHERE id IN (SELECT value FROM json_each(?))), "
        "(SELECT json_group_array(ref) FROM ledger WHERE ref IN (SELECT value FROM json_each(?)))",
        (json.dumps(user_ids), json.dumps(refs)),
    )
    assert row is not None  # an aggregate always answers
    return {user_id: balance for user_id, balance in json.loads(row[0])}, set(json.loads(row[1]))


async def _locked_wallets(tx: Tx, user_ids: list[int], refs: list[str]) -> tuple[dict[int, int], set[str]]:
    """PostgreSQL: lock the wallets, then read the references already written.

    Other instances write at the same time. The wallets are locked in id order (so two transactions
    never wait for each other in a circle) until this one ends, so the balances read stay true; a
    reference is always written with a lock on its wallet, so one written by a transaction that held
    the lock before is committed, and seen, when this reads them.
    """
    rows = await select_all(
        tx, "SELECT id, balance FROM users WHERE id = ANY(?::bigint[]) ORDER BY id FOR UPDATE", (user_ids,)
    )
    taken = await select_all(tx, "SELECT ref FROM ledger WHERE ref = ANY(?::text[])", (refs,))
    return {int(row[0]): int(row[1]) for row in rows}, {str(row[0]) for row in taken}


_LEDGER_COLUMNS = ("user_id", "amount", "kind", "ref", "order_id", "admin_id", "note", "balance_after")


async def _write(tx: Tx, entries: Sequence[NewEntry], after: list[int]) -> None:
    rows = [
        (
            entry["user_id"],
            entry["amount"],
            entry["kind"].value,
            entry["ref"],
            entry.get("order_id"),
            entry.get("admin_id"),
            entry.get("note", ""),
            balance_after,
        )
        for entry, balance_after in zip(entries, after, strict=True)
    ]
    totals: Counter[int] = Counter()
    for entry in entries:
        totals[entry["user_id"]] += entry["amount"]
    moves = [(user_id, amount) for user_id, amount in totals.items() if amount != 0]
    # A plain INSERT: should a reference slip past the check above, it fails instead of paying twice.
    # The balances are guarded like every debit, so one can never go below zero whatever was read.
    # One statement each for the lot (see storage.bulk), in the order given.
    names = ", ".join(_LEDGER_COLUMNS)
    postgres = is_postgres(tx)  # PostgreSQL sends executemany as one pipeline
    payload = None if postgres else json_rows(rows)
    if payload is not None:
        await tx.execute(
            f"INSERT INTO ledger ({names}) SELECT {columns(_LEDGER_COLUMNS)} FROM json_each(?) ORDER BY key",
            (payload,),
        )
    else:
        await tx.executemany(f"INSERT INTO ledger ({names}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    amounts = None if postgres else json_rows(moves)
    if amounts is not None:
        cursor = await tx.execute(
            "UPDATE users SET balance = balance + j.amount, updated_at = " + NOW + " FROM (SELECT "
            + columns(("id", "amount"))
            + " FROM json_each(?)) AS j WHERE users.id = j.id AND users.balance + j.amount >= 0",
            (amounts,),
        )  # fmt: skip
    else:
        cursor = await tx.executemany(
            "UPDATE users SET balance = balance + ?, updated_at = "
            + NOW
            + " WHERE id = ? AND balance + ? >= 0",
            [(amount, user_id, amount) for user_id, amount in moves],
        )
    if cursor.rowcount != len(moves):
        raise RuntimeError(f"{len(moves) - cursor.rowcount} balance(s) changed inside a write transaction")


_COLUMNS = tuple(column.name for column in fields(LedgerEntry))


def _entry(row: Row) -> LedgerEntry:
    values = {name: row[name] for name in _COLUMNS}
    return LedgerEntry(**{**values, "kind": EntryKind(row["kind"])})


class LedgerRepo:
    """Reads the ledger and writes stand-alone entries (top-ups, adjustments)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, **entry: Unpack[NewEntry]) -> int:
        """Write one entry in its own transaction; return the new balance."""
        async with self.db.transaction() as tx:
            return await apply_entry(tx, **entry)

    async def history(self, user_id: int, *, limit: int = 10, offset: int = 0) -> list[LedgerEntry]:
        """Return a user's entries, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
            quick=True,
        )
        return [_entry(row) for row in rows]

    async def count(self, user_id: int) -> int:
        """Return how many entries a user has."""
        return int(await self.db.fetchval("SELECT COUNT(*) FROM ledger WHERE user_id = ?", (user_id,)) or 0)

    async def entries_for_order(self, order_id: int) -> list[LedgerEntry]:
        """Return every entry linked to an order, oldest first."""
        rows = await self.db.fetchall("SELECT * FROM ledger WHERE order_id = ? ORDER BY id", (order_id,))
        return [_entry(row) for row in rows]

    async def mismatches(self, user_id: int | None = None) -> list[Mismatch]:
        """Return users whose cached balance differs from the sum of their ledger (empty = healthy)."""
        sql = (
            "SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS total FROM users u "
            "LEFT JOIN ledger l ON l.user_id = u.id {where} "
            "GROUP BY u.id HAVING u.balance != COALESCE(SUM(l.amount), 0)"
        )
        if user_id is None:
            rows = await self.db.fetchall(sql.format(where=""))
        else:
            rows = await self.db.fetchall(sql.format(where="WHERE u.id = ?"), (user_id,))
        return [Mismatch(row[0], row[1], row[2]) for row in rows]
