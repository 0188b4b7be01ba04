"""Last resort for messages no other router took."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from bot import texts
from handlers.filters import IsPrivate
from handlers.keyboards import main_menu
from handlers.routing import Router


async def unknown_message(message: Message) -> None:
    """Point the user back to the menu."""
    await message.answer(texts.UNKNOWN_INPUT, reply_markup=main_menu())


async def unknown_callback(callback: CallbackQuery) -> None:
    """Answer buttons nobody handles (old keyboards) so the client stops spinning."""
    await callback.answer(texts.STALE_BUTTON, show_alert=False)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    # Quiet in the support group: admins talk there among themselves.
    router.message.filter(IsPrivate())
    router.message.register(unknown_message)
    router.callback_query.register(unknown_callback)
    return router
