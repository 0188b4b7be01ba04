"""Small helpers shared by the routers."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

logger = logging.getLogger(__name__)


async def show(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message's text and buttons; send a new message if it cannot be edited."""
    message = callback.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "message is not modified" in exc.message:
                return
            logger.info("Could not edit message %s: %s", message.message_id, exc.message)
    if callback.message is not None:
        await callback.bot.send_message(callback.message.chat.id, text, reply_markup=markup)  # type: ignore[union-attr]
    else:
        await callback.bot.send_message(callback.from_user.id, text, reply_markup=markup)  # type: ignore[union-attr]
