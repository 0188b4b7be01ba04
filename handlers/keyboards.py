"""Pure functions that build keyboards."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot import texts


def main_menu() -> ReplyKeyboardMarkup:
    """The persistent main menu under the input field."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=texts.BTN_NEW_ORDER)],
            [KeyboardButton(text=texts.BTN_BALANCE), KeyboardButton(text=texts.BTN_MY_ORDERS)],
            [KeyboardButton(text=texts.BTN_HISTORY), KeyboardButton(text=texts.BTN_HELP)],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )
