"""Telegram Stars top-ups: the intents the bot offered and the payments Telegram charged.

The writes take the caller's transaction, so a payment, its intent and its ledger credit commit together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from storage.database import Database, Row, Tx, change, for_update, in_list, select_one
from storage.errors import DuplicateEntry


class RefundState(StrEnum):
    NONE = "none"
    PENDING = "pending"  # the wallet was debited; Telegram's answer to the refund is not known yet
    REFUNDED = "refunded"
    FAILED = "failed"  # Telegram refused the last refund; the debit was given back


class PaymentSource(StrEnum):
    UPDATE = "update"  # the successful_payment update
    RECONCILIATION = "reconciliation"  # found in Telegram's transaction list, its update lost


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    user_id: int
    amount: int  # cents to credit
    stars: int
    rate: Decimal
    created_at: str
    expires_at: str
    paid_charge_id: str | None


@dataclass(frozen=True, slots=True)
class StarPayment:
    charge_id: str
    user_id: int
    intent_id: str | None
    payload: str
    stars: int
    amount: int  # cents credited
    rate: Decimal | None
    source: PaymentSource
    refund: RefundState
    refund_attempts: int
    reversed: int  # cents taken back for a refund
    refund_error: str | None
    created_at: str
    refunded_at: str | None


@dataclass(frozen=True, slots=True)
class NewPayment:
    charge_id: str
    user_id: int
    intent_id: str | None
    payload: str
    stars: int
    amount: int
    rate: Decimal | None
    source: PaymentSource


def _intent(row: Row) -> Intent:
    return Intent(
        id=row["id"],
        user_id=row["user_id"],
        amount=row["amount"],
        stars=row["stars"],
        rate=Decimal(row["rate"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        paid_charge_id=row["paid_charge_id"],
    )


def _payment(row: Row) -> StarPayment:
    return StarPayment(
        charge_id=row["charge_id"],
        user_id=row["user_id"],
        intent_id=row["intent_id"],
        payload=row["payload"],
        stars=row["stars"],
        amount=row["amount"],
        rate=None if row["rate"] is None else Decimal(row["rate"]),
        source=PaymentSource(row["source"]),
        refund=RefundState(row["refund"]),
        refund_attempts=row["refund_attempts"],
        reversed=row["reversed"],
        refund_error=row["refund_error"],
        created_at=row["created_at"],
        refunded_at=row["refunded_at"],
    )


async def fetch_intent(conn: Tx, intent_id: str) -> Intent | None:
    """Read an intent by its id (the invoice payload)."""
    row = await select_one(conn, "SELECT * FROM topup_intents WHERE id = ?", (intent_id,))
    return None if row is None else _intent(row)


async def fetch_payment(conn: Tx, charge_id: str) -> StarPayment | None:
    """Read a recorded payment by Telegram's charge id (locked until commit inside a transaction)."""
    sql = "SELECT * FROM star_payments WHERE charge_id = ?" + for_update(conn)
    row = await select_one(conn, sql, (charge_id,))
    return None if row is None else _payment(row)


async def insert_intent(
    tx: Tx,
    *,
    intent_id: str,
    user_id: int,
    amount: int,
    stars: int,
    rate: Decimal,
    expires_at: str,
) -> None:
    """Write a new intent."""
    await tx.execute(
        "INSERT INTO topup_intents (id, user_id, amount, stars, rate, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (intent_id, user_id, amount, stars, str(rate), expires_at),
    )


async def insert_payment(tx: Tx, payment: NewPayment) -> None:
    """Record a payment; DuplicateEntry when its charge id was recorded before.

    The caller checked that in this transaction, but another instance may record the same payment at
    the same moment: its row is then waited for, and this one is refused.
    """
    row = await select_one(
        tx,
        "INSERT INTO star_payments (charge_id, user_id, intent_id, payload, stars, amount, rate, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (charge_id) DO NOTHING RETURNING charge_id",
        (
            payment.charge_id,
            payment.user_id,
            payment.intent_id,
            payment.payload,
            payment.stars,
            payment.amount,
            None if payment.rate is None else str(payment.rate),
            payment.source.value,
        ),
    )
    if row is None:
        raise DuplicateEntry(f"stars:{payment.charge_id}")


async def mark_intent_paid(tx: Tx, intent_id: str, charge_id: str) -> bool:
    """Tie an unpaid intent to the payment that used it; False if it was paid before."""
    return (
        await change(
            tx,
            "UPDATE topup_intents SET paid_charge_id = ? WHERE id = ? AND paid_charge_id IS NULL",
            (charge_id, intent_id),
        )
        == 1
    )


async def set_refund(
    tx: Tx,
    charge_id: str,
    *,
    expected: Iterable[RefundState],
    state: RefundState,
    reversed_amount: int,
    attempts: int | None = None,
    error: str | None = None,
) -> None:
    """Move a payment's refund state, guarded by the state read in this transaction."""
    where, allowed = in_list(tx, "refund", [value.value for value in expected])
    changed = await change(
        tx,
        "UPDATE star_payments SET refund = ?, reversed = ?, refund_error = ?, "
        "refund_attempts = COALESCE(?, refund_attempts), "
        "refunded_at = CASE WHEN ? = 'refunded' THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END "
        "WHERE charge_id = ? AND " + where,
        (state.value, reversed_amount, error, attempts, state.value, charge_id, allowed),
    )
    if changed != 1:
        raise RuntimeError(f"payment {charge_id} changed its refund state inside a write transaction")


@dataclass(frozen=True, slots=True)
class StarsIncome:
    payments: int
    stars: int
    credited: int  # cents


class StarsRepo:
    """Reads and stand-alone writes of intents and payments."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def intent(self, intent_id: str) -> Intent | None:
        return await fetch_intent(self.db.reader, intent_id)

    async def payment(self, charge_id: str) -> StarPayment | None:
        return await fetch_payment(self.db.reader, charge_id)

    async def recent(self, limit: int = 10) -> list[StarPayment]:
        """The newest payments first."""
        rows = await self.db.fetchall(
            "SELECT * FROM star_payments ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)
        )
        return [_payment(row) for row in rows]

    async def payments_between(self, start: str, end: str) -> list[StarPayment]:
        """Payments recorded with start <= created_at < end (ISO UTC strings)."""
        rows = await self.db.fetchall(
            "SELECT * FROM star_payments WHERE created_at >= ? AND created_at < ? ORDER BY created_at",
            (start, end),
        )
        return [_payment(row) for row in rows]

    async def known(self, charge_ids: Iterable[str]) -> dict[str, StarPayment]:
        """The recorded payments among `charge_ids`."""
        ids = sorted(set(charge_ids))
        if not ids:
            return {}
        where, param = in_list(self.db.reader, "charge_id", ids)
        rows = await self.db.fetchall("SELECT * FROM star_payments WHERE " + where, (param,))
        return {row["charge_id"]: _payment(row) for row in rows}

    async def income_since(self, start: str) -> StarsIncome:
        """Payments recorded from `start`, with their Stars and the cents credited for them."""
        row = await self.db.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(stars), 0), COALESCE(SUM(amount), 0) FROM star_payments "
            "WHERE created_at >= ?",
            (start,),
        )
        assert row is not None
        return StarsIncome(int(row[0]), int(row[1]), int(row[2]))

    async def forget_stale_intents(self, before: str) -> int:
        """Delete unpaid intents that expired before `before`; return how many."""
        async with self.db.transaction() as tx:
            return await change(
                tx, "DELETE FROM topup_intents WHERE paid_charge_id IS NULL AND expires_at < ?", (before,)
            )
