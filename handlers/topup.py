"""A customer tops up their own wallet with Telegram Stars: /topup or the menu's "Top up".

A preset or a typed amount becomes a top-up intent and an XTR invoice for it; `handlers.payments`
credits the payment. Without STARS_RATE, /topup says how to get credit from the shop instead.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Message

from bot import texts
from bot.config import Settings
from bot.wallet.money import AmountError, parse_amount
from bot.wallet.stars import XTR, amount_limits, open_intent, presets
from handlers.callbacks import CancelCb, TopupCb
from handlers.common import show
from handlers.filters import Command, HasText, TextIs
from handlers.keyboards import cancel_keyboard, main_menu
from handlers.routing import Router
from handlers.states import TopupForm
from storage.database import Database
from storage.users import UserRepo

logger = logging.getLogger(__name__)


def topup_keyboard(settings: Settings) -> InlineKeyboardMarkup:
    """The presets two to a row, each with its Stars, then "Other amount"."""
    buttons = [
        InlineKeyboardButton(
            text=texts.preset_label(amount, stars, settings.currency),
            callback_data=TopupCb(amount=amount).pack(),
        )
        for amount, stars in presets(settings)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(text=texts.BTN_OTHER_AMOUNT, callback_data=TopupCb(amount=0).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def refusal(amount: int, settings: Settings) -> str | None:
    """Why an amount cannot be topped up (in the current language), or None when it can."""
    low, high = amount_limits(settings)
    if amount < low:
        return texts.amount_too_low(low, settings.currency)
    if amount > high:
        return texts.amount_too_high(high, settings.currency)
    return None


async def show_topup(message: Message, state: FSMContext, users: UserRepo, settings: Settings) -> None:
    """The presets and "Other amount"; without Stars, how to get credit from the shop."""
    await state.clear()
    if settings.stars_rate is None:
        await message.answer(texts.topup_off(settings.support_contact), reply_markup=main_menu())
        return
    assert message.from_user is not None
    low, high = amount_limits(settings)
    balance = await users.balance(message.from_user.id)
    await message.answer(
        texts.topup_menu(balance, settings.stars_rate, low, high, settings.currency),
        reply_markup=topup_keyboard(settings),
    )


async def cmd_topup(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    db: Database,
    users: UserRepo,
    settings: Settings,
) -> None:
    """/topup: the menu; `/topup 10` goes straight to an invoice for that amount."""
    words = (command.args or "").split()
    if len(words) == 1 and settings.stars_rate is not None:
        await state.clear()
        await take_amount(message, words[0], bot, db, settings)
        return
    await show_topup(message, state, users, settings)


async def on_amount_button(
    callback: CallbackQuery,
    callback_data: TopupCb,
    state: FSMContext,
    bot: Bot,
    db: Database,
    settings: Settings,
) -> None:
    """A preset: its invoice. "Other amount": ask for one."""
    if settings.stars_rate is None:
        await callback.answer(texts.topup_off(settings.support_contact), show_alert=True)
        return
    low, high = amount_limits(settings)
    if callback_data.amount == 0:
        await callback.answer()
        await state.set_state(TopupForm.amount)
        await show(callback, texts.ask_amount(low, high, settings.currency), cancel_keyboard())
        return
    reason = refusal(callback_data.amount, settings)
    if reason is not None:  # not one of our buttons: forged or from an older configuration
        await callback.answer(
            texts.amount_refused(reason, low, high, settings.currency)[:200], show_alert=True
        )
        return
    await callback.answer()
    await state.clear()
    await send_invoice(bot, callback.from_user.id, callback_data.amount, db, settings)


async def on_typed_amount(
    message: Message, state: FSMContext, bot: Bot, db: Database, settings: Settings
) -> None:
    """The amount the customer typed: through the money parser and the limits, then its invoice."""
    if settings.stars_rate is None:
        await state.clear()
        await message.answer(texts.topup_off(settings.support_contact), reply_markup=main_menu())
        return
    if await take_amount(message, message.text or "", bot, db, settings):
        await state.clear()


async def take_amount(message: Message, text: str, bot: Bot, db: Database, settings: Settings) -> bool:
    """Send the invoice for a typed amount, or say politely why not; True when an invoice went out."""
    low, high = amount_limits(settings)
    try:
        amount = parse_amount(text)
    except AmountError as exc:
        await message.answer(texts.amount_refused(str(exc), low, high, settings.currency))
        return False
    reason = refusal(amount, settings)
    if reason is not None:
        await message.answer(texts.amount_refused(reason, low, high, settings.currency))
        return False
    assert message.from_user is not None
    return await send_invoice(bot, message.from_user.id, amount, db, settings)


async def send_invoice(bot: Bot, user_id: int, amount: int, db: Database, settings: Settings) -> bool:
    """Write the intent, then send its XTR invoice: one price, no provider token, the intent id as payload."""
    intent = await open_intent(db, settings, user_id=user_id, amount=amount)
    try:
        await bot.send_invoice(
            chat_id=user_id,
            title=texts.invoice_title(intent.amount, settings.currency),
            description=texts.invoice_description(intent.amount, intent.stars, settings.currency),
            payload=intent.id,
            currency=XTR,
            prices=[LabeledPrice(label=texts.INVOICE_LABEL, amount=intent.stars)],
        )
    except TelegramAPIError as exc:
        # The unpaid intent expires on its own; nothing was charged.
        logger.warning("Could not send the invoice for intent %s: %s", intent.id, exc.message)
        await bot.send_message(user_id, texts.INVOICE_FAILED)
        return False
    logger.info(
        "Invoice for intent %s: user %s, %s cents, %s stars", intent.id, user_id, amount, intent.stars
    )
    return True


async def cmd_cancel_topup(message: Message, state: FSMContext) -> None:
    """/cancel while we wait for an amount."""
    await state.clear()
    await message.answer(texts.TOPUP_CANCELLED, reply_markup=main_menu())


async def on_cancel_topup(callback: CallbackQuery, state: FSMContext) -> None:
    """The Cancel button under the question for an amount."""
    await state.clear()
    await callback.answer()
    await show(callback, texts.TOPUP_CANCELLED)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only).

    It comes after the admin area, whose /topup takes arguments; a bare /topup from an admin lands here.
    """
    router = Router(name=__name__)
    router.message.register(cmd_topup, Command("topup"))
    router.message.register(show_topup, TextIs(*texts.every_language("BTN_TOPUP")))
    router.callback_query.register(on_amount_button, TopupCb.filter())
    router.message.register(cmd_cancel_topup, Command("cancel"), StateFilter(TopupForm.amount))
    router.callback_query.register(on_cancel_topup, CancelCb.filter(), StateFilter(TopupForm.amount))
    router.message.register(on_typed_amount, StateFilter(TopupForm.amount), HasText())
    return router
