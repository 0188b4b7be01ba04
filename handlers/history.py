"""The customer's wallet history: every balance movement, newest first, paged."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.config import Settings
from handlers.callbacks import HistoryCb
from handlers.common import show
from handlers.filters import Command, TextIs
from handlers.keyboards import clamp_page, pages
from handlers.orders_keyboards import history_keyboard
from handlers.routing import Router
from storage.ledger import LedgerRepo
from storage.users import UserRepo

HISTORY_PAGE_SIZE = 10


async def _history_page(
    ledger: LedgerRepo, users: UserRepo, user_id: int, page: int, currency: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    count = await ledger.count(user_id)
    if count == 0:
        return texts.HISTORY_EMPTY, None
    page = clamp_page(page, count, HISTORY_PAGE_SIZE)
    entries = await ledger.history(user_id, limit=HISTORY_PAGE_SIZE, offset=page * HISTORY_PAGE_SIZE)
    lines = [
        texts.history_line(e.kind.value, e.amount, currency, e.created_at, e.order_id, e.note, e.ref)
        for e in entries
    ]
    total = pages(count, HISTORY_PAGE_SIZE)
    balance = await users.balance(user_id)
    return texts.history_page(lines, balance, currency, page, total), history_keyboard(page, total)


async def cmd_history(message: Message, ledger: LedgerRepo, users: UserRepo, settings: Settings) -> None:
    """Show the newest wallet movements."""
    assert message.from_user is not None
    text, markup = await _history_page(ledger, users, message.from_user.id, 0, settings.currency)
    await message.answer(text, reply_markup=markup)


async def on_history_page(
    callback: CallbackQuery, callback_data: HistoryCb, ledger: LedgerRepo, users: UserRepo, settings: Settings
) -> None:
    """Show another page; only ever the pressing user's own entries."""
    await callback.answer()
    text, markup = await _history_page(
        ledger, users, callback.from_user.id, callback_data.page, settings.currency
    )
    await show(callback, text, markup)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_history, Command("history"))
    router.message.register(cmd_history, TextIs(*texts.every_language("BTN_HISTORY")))
    router.callback_query.register(on_history_page, HistoryCb.filter())
    return router
