"""Telegram Stars payments of the fake Bot API, exercised through the real aiogram client over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.enums import ContentType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
    TransactionPartnerUser,
    Update,
)

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_payments import PreCheckoutAnswer
from tests.fakes.telegram_types import Invoice

ALICE = 1001
BOB = 1002


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        fake.add_user(ALICE, username="alice", first_name="Alice")
        fake.add_user(BOB, first_name="Bob")
        yield fake
        assert fake.internal_errors == []
        assert fake.unknown_calls == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = tg.create_bot()
    yield bot
    await bot.session.close()


async def send_invoice(bot: Bot, chat_id: int = ALICE, **overrides: Any) -> Message:
    """Send a valid 50-Star invoice, with any field overridden."""
    fields: dict[str, Any] = {
        "chat_id": chat_id,
        "title": "50 Stars top-up",
        "description": "Adds 0.65 USD to your balance",
        "payload": "topup:abc",
        "currency": "XTR",
        "prices": [LabeledPrice(label="Top-up", amount=50)],
        **overrides,
    }
    return await bot.send_invoice(**fields)


async def updates_after(bot: Bot, update_id: int) -> list[Update]:
    """Confirm every update up to update_id and return the ones queued after it."""
    return await bot.get_updates(offset=update_id + 1, timeout=0)


async def answer_next_pre_checkout(
    bot: Bot, *, ok: bool = True, error: str | None = None
) -> PreCheckoutQuery:
    """Poll until a pre-checkout query arrives, confirm it and answer it."""
    while True:
        for update in await bot.get_updates(timeout=1):
            await updates_after(bot, update.update_id)
            if update.pre_checkout_query is not None:
                await bot.answer_pre_checkout_query(update.pre_checkout_query.id, ok=ok, error_message=error)
                return update.pre_checkout_query


# ---------------------------------------------------------------------------- sendInvoice


async def test_invoice_is_a_message_with_an_invoice_and_no_text(bot: Bot, tg: FakeTelegram) -> None:
    pay_first = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Pay 50 ⭐", pay=True)],
            [InlineKeyboardButton(text="Cancel", callback_data="cancel")],
        ]
    )
    sent = await send_invoice(bot, provider_token="", start_parameter="topup", reply_markup=pay_first)

    assert sent.content_type == ContentType.INVOICE and sent.text is None
    assert sent.invoice is not None
    assert (sent.invoice.title, sent.invoice.currency, sent.invoice.total_amount) == (
        "50 Stars top-up",
        "XTR",
        50,
    )
    assert sent.invoice.start_parameter == "topup"
    (invoice,) = tg.invoices(ALICE)
    assert invoice.message_id == sent.message_id
    assert invoice.invoice == Invoice(
        "50 Stars top-up", "Adds 0.65 USD to your balance", "XTR", 50, "topup:abc", "topup"
    )
    assert (invoice.text, invoice.labels()) == ("", ["Pay 50 ⭐", "Cancel"])
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=sent.message_id)


async def test_invoice_limits_are_inclusive(bot: Bot, tg: FakeTelegram) -> None:
    await send_invoice(bot, title="t" * 32, description="d" * 255, payload="é" * 64)  # 128 bytes

    assert len(tg.invoices(ALICE)) == 1


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"prices": [LabeledPrice(label="a", amount=30), LabeledPrice(label="b", amount=20)]},
            "STARS_INVOICE",
        ),
        ({"prices": []}, "STARS_INVOICE_INVALID"),
        ({"prices": [LabeledPrice(label="a", amount=0)]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"provider_token": "284685063:TEST:abc"}, "STARS_INVOICE_INVALID"),
        ({"max_tip_amount": 10}, "STARS_INVOICE_INVALID"),
        ({"suggested_tip_amounts": [5]}, "STARS_INVOICE_INVALID"),
        ({"need_email": True}, "STARS_INVOICE_INVALID"),
        ({"is_flexible": True}, "STARS_INVOICE_INVALID"),
        ({"currency": "USD"}, "CURRENCY_INVALID"),
        ({"title": "t" * 33}, "invoice title must be 1-32 characters"),
        ({"title": ""}, "invoice title"),
        ({"description": "d" * 256}, "invoice description must be 1-255 characters"),
        ({"payload": "é" * 65}, "INVOICE_PAYLOAD_INVALID"),
        ({"payload": ""}, "INVOICE_PAYLOAD_INVALID"),
        (
            {
                "reply_markup": InlineKeyboardMarkup(
                    inline_keyboard=[[InlineKeyboardButton(text="Buy", callback_data="buy")]]
                )
            },
            "REPLY_MARKUP_BUY_EMPTY",
        ),
    ],
)
async def test_invoices_breaking_the_stars_rules_are_refused(
    bot: Bot, tg: FakeTelegram, overrides: dict[str, Any], error: str
) -> None:
    with pytest.raises(TelegramBadRequest, match=error):
        await send_invoice(bot, **overrides)

    assert tg.invoices(ALICE) == []


async def test_invoice_chat_checks_throttle_and_faults_match_send_message(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await send_invoice(bot, 4242)
    tg.block(BOB)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await send_invoice(bot, BOB)
    tg.fail_next("sendInvoice", status=502)
    with pytest.raises(TelegramServerError):
        await send_invoice(bot)

    tg.set_rate_limits(per_chat_rate=1.0)
    await send_invoice(bot)
    with pytest.raises(TelegramRetryAfter):
        await send_invoice(bot)
    assert len(tg.invoices(ALICE)) == 1


# ---------------------------------------------------------------------------- pre-checkout and payment


async def test_agreed_pre_checkout_charges_and_delivers_the_payment(bot: Bot, tg: FakeTelegram) -> None:
    await send_invoice(bot)
    payment = asyncio.create_task(tg.pay(ALICE))

    query = await answer_next_pre_checkout(bot)
    result = await payment

    assert (query.from_user.id, query.currency, query.total_amount) == (ALICE, "XTR", 50)
    assert query.invoice_payload == "topup:abc"
    assert tg.pre_checkout_answers == [PreCheckoutAnswer(query.id, True, None)]
    assert (result.ok, result.charge_id, result.total_amount, result.payload) == (
        True,
        "stxFAKE000001",
        50,
        "topup:abc",
    )
    (update,) = await bot.get_updates(timeout=0)
    assert update.update_id == result.update_id
    assert update.message is not None and update.message.successful_payment is not None
    assert (update.message.from_user and update.message.from_user.id, update.message.text) == (ALICE, None)
    paid_with = update.message.successful_payment
    assert (paid_with.currency, paid_with.total_amount, paid_with.invoice_payload) == ("XTR", 50, "topup:abc")
    assert (paid_with.telegram_payment_charge_id, paid_with.provider_payment_charge_id) == (
        "stxFAKE000001",
        "",
    )
    assert tg.star_balance == 50


async def test_an_invoice_can_be_paid_again_under_a_new_charge(bot: Bot, tg: FakeTelegram) -> None:
    sent = await send_invoice(bot)
    charges = []
    for _ in range(2):
        payment = asyncio.create_task(tg.pay(ALICE, message_id=sent.message_id))
        await answer_next_pre_checkout(bot)
        charges.append((await payment).charge_id)

    assert charges == ["stxFAKE000001", "stxFAKE000002"]
    with pytest.raises(AssertionError, match="no invoice for user 1002"):
        await tg.pay(BOB)
    with pytest.raises(AssertionError, match="no invoice for user 1001 in message 99"):
        await tg.pay(ALICE, message_id=99)


async def test_refused_pre_checkout_charges_nothing(bot: Bot, tg: FakeTelegram) -> None:
    await send_invoice(bot)
    payment = asyncio.create_task(tg.pay(ALICE))

    query = await answer_next_pre_checkout(bot, ok=False, error="This offer has expired")
    result = await payment

    assert (result.ok, result.charge_id, result.error_message) == (False, None, "This offer has expired")
    assert tg.pre_checkout_answers == [PreCheckoutAnswer(query.id, False, "This offer has expired")]
    assert tg.star_transactions == [] and tg.pending_updates == 0
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query(query.id, ok=True)


async def test_refusal_needs_an_error_message(bot: Bot, tg: FakeTelegram) -> None:
    answer = asyncio.create_task(tg.pre_checkout(ALICE, payload="forged", total_amount=1))
    (update,) = await bot.get_updates(timeout=1)
    assert update.pre_checkout_query is not None

    with pytest.raises(TelegramBadRequest, match="error_message"):
        await bot.answer_pre_checkout_query(update.pre_checkout_query.id, ok=False)
    await bot.answer_pre_checkout_query(update.pre_checkout_query.id, ok=False, error_message="Unknown offer")

    assert await answer == PreCheckoutAnswer(update.pre_checkout_query.id, False, "Unknown offer")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query("5000000000000999", ok=True)


async def test_forged_pre_checkout_returns_the_answer_without_a_payment(bot: Bot, tg: FakeTelegram) -> None:
    answer = asyncio.create_task(tg.pre_checkout(BOB, payload="topup:forged", total_amount=1, currency="XTR"))

    query = await answer_next_pre_checkout(bot)

    assert (query.from_user.id, query.invoice_payload, query.total_amount) == (BOB, "topup:forged", 1)
    assert (await answer).ok is True
    assert tg.star_transactions == [] and tg.pending_updates == 0


async def test_answer_after_the_timeout_is_refused() -> None:
    now = [1000.0]
    async with FakeTelegram(clock=lambda: now[0]) as tg:
        tg.add_user(ALICE)
        bot = tg.create_bot()
        try:
            await send_invoice(bot)
            payment = asyncio.create_task(tg.pay(ALICE))
            (update,) = await bot.get_updates(timeout=1)
            assert update.pre_checkout_query is not None

            now[0] += 10.5
            with pytest.raises(TelegramBadRequest, match="query is too old"):
                await bot.answer_pre_checkout_query(update.pre_checkout_query.id, ok=True)
            with pytest.raises(AssertionError, match=r"after the 10\.0s"):
                await payment
            assert tg.star_transactions == [] and tg.pre_checkout_answers == []
        finally:
            await bot.session.close()


async def test_unanswered_pre_checkout_fails_the_payment(bot: Bot, tg: FakeTelegram) -> None:
    await send_invoice(bot)

    with pytest.raises(AssertionError, match="did not answer pre-checkout query"):
        await tg.pay(ALICE, timeout=0.05)
    assert tg.star_transactions == []


async def test_pre_checkout_is_dropped_when_not_in_allowed_updates(bot: Bot, tg: FakeTelegram) -> None:
    await bot.get_updates(allowed_updates=["message", "callback_query"], timeout=0)
    await send_invoice(bot)

    with pytest.raises(AssertionError, match="drops pre_checkout_query"):
        await tg.pay(ALICE, timeout=0.05)
    assert tg.pending_updates == 0


async def test_undelivered_payment_shows_only_in_the_ledger(bot: Bot, tg: FakeTelegram) -> None:
    await send_invoice(bot)
    payment = asyncio.create_task(tg.pay(ALICE, deliver=False))
    await answer_next_pre_checkout(bot)
    result = await payment

    assert (result.ok, result.update_id) == (True, None)
    assert tg.pending_updates == 0
    (transaction,) = (await bot.get_star_transactions()).transactions
    assert (transaction.id, transaction.amount) == (result.charge_id, 50)


async def test_redelivered_update_has_the_same_body_and_a_new_id(bot: Bot, tg: FakeTelegram) -> None:
    await send_invoice(bot)
    payment = asyncio.create_task(tg.pay(ALICE))
    await answer_next_pre_checkout(bot)
    result = await payment
    assert result.update_id is not None
    (first,) = await bot.get_updates(timeout=0)
    assert await updates_after(bot, first.update_id) == []

    new_id = tg.redeliver(result.update_id)

    (again,) = await bot.get_updates(timeout=0)
    assert again.update_id == new_id > first.update_id
    assert again.message == first.message
    with pytest.raises(AssertionError, match="never queued"):
        tg.redeliver(999)


# ---------------------------------------------------------------------------- refunds and the ledger


async def pay_and_confirm(bot: Bot, tg: FakeTelegram, user_id: int = ALICE) -> str:
    """Send an invoice and pay it with the bot agreeing; confirm every update; return the charge id."""
    await send_invoice(bot, user_id)
    payment = asyncio.create_task(tg.pay(user_id))
    await answer_next_pre_checkout(bot)
    result = await payment
    assert result.charge_id is not None and result.update_id is not None
    await updates_after(bot, result.update_id)
    return result.charge_id


async def test_refund_once_then_already_refunded(bot: Bot, tg: FakeTelegram) -> None:
    charge_id = await pay_and_confirm(bot, tg)

    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(BOB, charge_id)
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(ALICE, "stxNOPE")
    assert await bot.refund_star_payment(ALICE, charge_id) is True
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(ALICE, charge_id)

    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.refunded_payment is not None
    refunded = update.message.refunded_payment
    assert (refunded.currency, refunded.total_amount, refunded.invoice_payload) == ("XTR", 50, "topup:abc")
    assert refunded.telegram_payment_charge_id == charge_id
    assert (update.message.chat.id, update.message.text) == (ALICE, None)
    assert tg.star_balance == 0
    payment, refund = (await bot.get_star_transactions()).transactions
    assert (payment.id, refund.id, refund.amount) == (charge_id, charge_id, 50)
    assert refund.source is None and isinstance(refund.receiver, TransactionPartnerUser)
    assert (refund.receiver.user.id, refund.receiver.invoice_payload) == (ALICE, "topup:abc")


async def test_refund_without_refunded_payment_update(bot: Bot, tg: FakeTelegram) -> None:
    tg.payments.emit_refunded_payments = False
    charge_id = await pay_and_confirm(bot, tg)

    await bot.refund_star_payment(ALICE, charge_id)

    assert tg.pending_updates == 0
    assert [t.refund for t in tg.star_transactions] == [False, True]


async def test_refund_elsewhere_reaches_the_bot(bot: Bot, tg: FakeTelegram) -> None:
    charge_id = await pay_and_confirm(bot, tg)

    update_id = tg.refund_elsewhere(charge_id)

    (update,) = await bot.get_updates(timeout=0)
    assert update.update_id == update_id
    assert update.message is not None and update.message.refunded_payment is not None
    assert update.message.refunded_payment.telegram_payment_charge_id == charge_id
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(ALICE, charge_id)
    with pytest.raises(AssertionError, match="already refunded"):
        tg.refund_elsewhere(charge_id)
    with pytest.raises(AssertionError, match="no Star payment"):
        tg.refund_elsewhere("stxNOPE")


def approving_router() -> Router:
    router = Router(name="approve")

    @router.pre_checkout_query()
    async def approve(query: PreCheckoutQuery) -> None:
        await query.answer(ok=True)

    return router


async def test_star_transactions_page_oldest_first(bot: Bot, tg: FakeTelegram) -> None:
    dp = Dispatcher()
    dp.include_router(approving_router())
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await tg.wait_polling()
        assert tg.allowed_updates == ["pre_checkout_query"]
        for _ in range(150):
            await send_invoice(bot)
            assert (await tg.pay(ALICE, deliver=False)).ok
    finally:
        await dp.stop_polling()
        await polling

    first = await bot.get_star_transactions(limit=100)
    rest = await bot.get_star_transactions(offset=100, limit=100)

    assert [len(first.transactions), len(rest.transactions)] == [100, 50]
    ids = [t.id for t in first.transactions + rest.transactions]
    assert ids == [f"stxFAKE{n:06d}" for n in range(1, 151)]
    source = first.transactions[0].source
    assert isinstance(source, TransactionPartnerUser)
    assert (source.transaction_type, source.user.id, source.invoice_payload) == (
        "invoice_payment",
        ALICE,
        "topup:abc",
    )
    assert first.transactions[0].date.timestamp() > 0  # aiogram parses the Unix time into a datetime
    # Telegram clamps offset and limit rather than refusing them.
    assert len((await bot.get_star_transactions(limit=500)).transactions) == 100
    assert len((await bot.get_star_transactions(offset=149, limit=0)).transactions) == 1
    assert tg.star_balance == 150 * 50
