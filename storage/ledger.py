"""The wallet ledger: every balance change is a row written with the change, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import aiosqlite

from storage.database import Database, change, select_one
from storage.errors import DuplicateEntry, InsufficientFunds, UnknownUser


class EntryKind(StrEnum):
    TOPUP = "topup"
    CHARGE = "charge"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


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


async def apply_entry(
    tx: aiosqlite.Connection,
    *,
    user_id: int,
    amount: int,
    kind: EntryKind,
    ref: str,
    order_id: int | None = None,
    admin_id: int | None = None,
    note: str = "",
) -> int:
    """Move `amount` cents (signed) on a wallet inside the caller's transaction; return the new balance.

    The debit is one guarded UPDATE, so a balance can never go below zero even under concurrency,
    and the unique `ref` makes a repeated credit fail instead of paying twice.
    """
    if amount == 0:
        raise ValueError("a ledger entry must move money")
    # A savepoint keeps the entry atomic on its own: a caller that catches the error and goes on
    # with its transaction never keeps half of it.
    await tx.execute("SAVEPOINT ledger_entry")
    try:
        new_balance = await _apply(tx, user_id, amount, kind, ref, order_id, admin_id, note)
    except BaseException:
        await tx.execute("ROLLBACK TO ledger_entry")
        await tx.execute("RELEASE ledger_entry")
        raise
    await tx.execute("RELEASE ledger_entry")
    return new_balance


async def _apply(
    tx: aiosqlite.Connection,
    user_id: int,
    amount: int,
    kind: EntryKind,
    ref: str,
    order_id: int | None,
    admin_id: int | None,
    note: str,
) -> int:
    row = await select_one(
        tx,
        "UPDATE users SET balance = balance + ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
        "WHERE id = ? AND balance + ? >= 0 RETURNING balance",
        (amount, user_id, amount),
    )
    if row is None:
        current = await select_one(tx, "SELECT balance FROM users WHERE id = ?", (user_id,))
        if current is None:
            raise UnknownUser(user_id)
        raise InsufficientFunds(user_id, -amount, int(current[0]))
    new_balance = int(row[0])
    inserted = await change(
        tx,
        "INSERT INTO ledger (user_id, amount, kind, ref, order_id, admin_id, note, balance_after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ref) DO NOTHING",
        (user_id, amount, kind.value, ref, order_id, admin_id, note, new_balance),
    )
    if inserted != 1:
        raise DuplicateEntry(ref)
    return new_balance


async def ref_exists(tx: aiosqlite.Connection, ref: str) -> bool:
    """Tell whether a ledger reference was already written (inside a transaction)."""
    return await select_one(tx, "SELECT 1 FROM ledger WHERE ref = ?", (ref,)) is not None


def _entry(row: aiosqlite.Row) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        user_id=row["user_id"],
        amount=row["amount"],
        kind=EntryKind(row["kind"]),
        ref=row["ref"],
        order_id=row["order_id"],
        admin_id=row["admin_id"],
        note=row["note"],
        balance_after=row["balance_after"],
        created_at=row["created_at"],
    )


class LedgerRepo:
    """Reads the ledger and writes stand-alone entries (top-ups, adjustments)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        *,
        user_id: int,
        amount: int,
        kind: EntryKind,
        ref: str,
        order_id: int | None = None,
        admin_id: int | None = None,
        note: str = "",
    ) -> int:
        """Write one entry in its own transaction; return the new balance."""
        async with self.db.transaction() as tx:
            return await apply_entry(
                tx,
                user_id=user_id,
                amount=amount,
                kind=kind,
                ref=ref,
                order_id=order_id,
                admin_id=admin_id,
                note=note,
            )

    async def history(self, user_id: int, *, limit: int = 10, offset: int = 0) -> list[LedgerEntry]:
        """Return a user's entries, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
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
            "LEFT JOIN ledger l ON l.user_id = u.id {where} GROUP BY u.id HAVING u.balance != total"
        )
        if user_id is None:
            rows = await self.db.fetchall(sql.format(where=""))
        else:
            rows = await self.db.fetchall(sql.format(where="WHERE u.id = ?"), (user_id,))
        return [Mismatch(row[0], row[1], row[2]) for row in rows]
