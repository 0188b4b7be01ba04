"""Stars top-up use-cases on a real SQLite file: prices, one credit per charge, refunds, reconciliation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from aiogram.types import StarTransaction, TransactionPartnerUser, User

from bot.config import Settings
from bot.wallet.stars import Credited, PaidStars, credit_for, open_intent, record_payment, stars_for
from bot.wallet.stars_reconcile import Transactions, reconcile
from bot.wallet.stars_refunds import Reversal, payment_refunded, take_for_refund
from storage.database import Database
from storage.ledger import LedgerRepo
from storage.stars import PaymentSource, RefundState, StarPayment, StarsRepo

USER = 1001
ADMIN = 900


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, bot_token="1:x", admin_ids=str(ADMIN), stars_rate="0.02")  # type: ignore[call-arg]


@pytest.fixture
async def shop_db(db: Database) -> Database:
    async with db.transaction() as tx:
        await tx.executemany("INSERT INTO users (id, first_name) VALUES (?, 'User')", [(USER,), (ADMIN,)])
    return db


@pytest.mark.parametrize(
    ("cents", "rate", "stars"),
    [(1000, "0.02", 500), (1001, "0.02", 501), (1000, "0.013", 770), (1, "0.02", 1), (100_000, "1", 1000)],
)
def test_stars_are_rounded_up_and_credits_down(cents: int, rate: str, stars: int) -> None:
    assert stars_for(cents, Decimal(rate)) == stars
    # What those Stars buy back is never less than asked for, and never a cent more than they are worth.
    assert credit_for(stars, Decimal(rate)) >= cents
    assert credit_for(stars - 1, Decimal(rate)) < cents


async def test_the_same_payment_twice_at_once_is_credited_once(shop_db: Database, settings: Settings) -> None:
    intent = await open_intent(shop_db, settings, user_id=USER, amount=1000)
    paid = PaidStars(user_id=USER, charge_id="stx1", payload=intent.id, stars=intent.stars)
    results = await asyncio.gather(*(record_payment(shop_db, settings, paid) for _ in range(5)))
    assert sorted(r.outcome for r in results) == [Credited.CREDITED] + [Credited.DUPLICATE] * 4
    assert [e.ref for e in await LedgerRepo(shop_db).history(USER)] == ["stars:stx1"]
    assert await LedgerRepo(shop_db).mismatches() == []


async def test_a_second_payment_for_a_paid_intent_is_credited_at_the_current_rate(
    shop_db: Database, settings: Settings
) -> None:
    intent = await open_intent(shop_db, settings, user_id=USER, amount=1000)
    first = await record_payment(shop_db, settings, PaidStars(USER, "stx1", intent.id, intent.stars))
    cheaper = settings.model_copy(update={"stars_rate": Decimal("0.01")})
    second = await record_payment(shop_db, cheaper, PaidStars(USER, "stx2", intent.id, intent.stars))
    assert (first.outcome, first.amount) == (Credited.CREDITED, 1000)
    assert (second.outcome, second.amount) == (Credited.UNMATCHED, 500)
    alerts = await shop_db.fetchall("SELECT chat_id FROM outbox WHERE ref LIKE 'alert:stars:payment:stx2:%'")
    assert [row[0] for row in alerts] == [ADMIN]


async def test_without_any_rate_a_payment_is_recorded_uncredited_and_reported(shop_db: Database) -> None:
    off = Settings(_env_file=None, bot_token="1:x", admin_ids=str(ADMIN))  # type: ignore[call-arg]
    result = await record_payment(shop_db, off, PaidStars(USER, "stx9", "nothing", 42))
    assert result.outcome is Credited.UNCREDITED and result.amount == 0
    payment = await StarsRepo(shop_db).payment("stx9")
    assert payment is not None and payment.amount == 0 and payment.stars == 42
    assert await LedgerRepo(shop_db).count(USER) == 0
    assert (
        await shop_db.fetchval("SELECT COUNT(*) FROM outbox WHERE ref LIKE 'alert:stars:payment:stx9:%'") == 1
    )


async def test_a_refund_elsewhere_while_ours_is_pending_takes_nothing_more(
    shop_db: Database, settings: Settings
) -> None:
    intent = await open_intent(shop_db, settings, user_id=USER, amount=1000)
    await record_payment(shop_db, settings, PaidStars(USER, "stx1", intent.id, intent.stars))
    taken = await take_for_refund(shop_db, "stx1", ADMIN)
    assert isinstance(taken, StarPayment) and taken.refund is RefundState.PENDING
    # Telegram's refunded_payment for our own refund arrives before its answer does.
    outcome = await payment_refunded(shop_db, settings, user_id=USER, charge_id="stx1", stars=intent.stars)
    assert outcome is Reversal.ALREADY
    payment = await StarsRepo(shop_db).payment("stx1")
    assert payment is not None and payment.refund is RefundState.REFUNDED and payment.reversed == 1000
    assert sorted(e.amount for e in await LedgerRepo(shop_db).history(USER)) == [-1000, 1000]


def _transaction(
    charge_id: str, stars: int, when: datetime, payload: str, *, refund: bool = False
) -> StarTransaction:
    partner = TransactionPartnerUser(
        transaction_type="invoice_payment",
        user=User(id=USER, is_bot=False, first_name="User"),
        invoice_payload=payload,
    )
    if refund:
        return StarTransaction(id=charge_id, amount=stars, date=when, receiver=partner)
    return StarTransaction(id=charge_id, amount=stars, date=when, source=partner)


async def test_reconciliation_credits_lost_payments_once_and_reports_unlisted_ones(
    shop_db: Database, settings: Settings
) -> None:
    now = datetime.now(UTC)
    intent = await open_intent(shop_db, settings, user_id=USER, amount=1250)
    # One payment recorded normally long ago that Telegram does not list, one it lists but we never saw.
    await record_payment(shop_db, settings, PaidStars(USER, "stxKNOWN", "old", 100))
    async with shop_db.transaction() as tx:
        await tx.execute("UPDATE star_payments SET created_at = '2026-01-01T00:00:00.000Z'")
    lost = _transaction("stxLOST", intent.stars, now - timedelta(hours=1), intent.id)
    listed = Transactions(incoming={"stxLOST": lost}, refunded={}, partial=False)
    first = await reconcile(shop_db, settings, listed, now=now)
    assert first.credited == ["stxLOST"] and first.unlisted == ["stxKNOWN"]
    payment = await StarsRepo(shop_db).payment("stxLOST")
    assert payment is not None
    assert (payment.amount, payment.intent_id, payment.source) == (
        1250,
        intent.id,
        PaymentSource.RECONCILIATION,
    )
    again = await reconcile(shop_db, settings, listed, now=now)
    assert again.credited == [] and again.unlisted == ["stxKNOWN"]
    assert [e.ref for e in await LedgerRepo(shop_db).history(USER)] == ["stars:stxLOST", "stars:stxKNOWN"]
    # The same findings alert once a day.
    assert await shop_db.fetchval("SELECT COUNT(*) FROM outbox WHERE ref LIKE 'alert:stars:unlisted:%'") == 1
    # A refund Telegram lists is applied once.
    refunded = Transactions(
        incoming={"stxLOST": lost},
        refunded={"stxLOST": _transaction("stxLOST", intent.stars, now, intent.id, refund=True)},
        partial=False,
    )
    assert (await reconcile(shop_db, settings, refunded, now=now)).refunds == ["stxLOST"]
    assert (await reconcile(shop_db, settings, refunded, now=now)).refunds == []
    assert await LedgerRepo(shop_db).mismatches() == []
    assert sum(e.amount for e in await LedgerRepo(shop_db).history(USER)) == 200  # stxKNOWN's 2.00 USD
