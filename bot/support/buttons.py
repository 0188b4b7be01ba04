"""The buttons a ticket's messages carry, built when the message is queued (rendered per recipient)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts


class TicketCb(CallbackData, prefix="tkc"):
    """A customer's button on a ticket message: reply or close. Ownership is checked when pressed."""

    action: str  # reply | close
    ticket_id: int


class TicketAdminCb(CallbackData, prefix="tka"):
    """An admin's button on a ticket message: reply or close."""

    action: str  # reply | close
    ticket_id: int


def customer_buttons(ticket_id: int) -> str:
    """Reply and Close for the customer, as the JSON the outbox stores (in the current locale)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.BTN_TICKET_REPLY,
                    callback_data=TicketCb(action="reply", ticket_id=ticket_id).pack(),
                ),
                InlineKeyboardButton(
                    text=texts.BTN_TICKET_CLOSE,
                    callback_data=TicketCb(action="close", ticket_id=ticket_id).pack(),
                ),
            ]
        ]
    ).model_dump_json(exclude_none=True)


def admin_buttons(ticket_id: int) -> str:
    """Reply and Close for admins, as the JSON the outbox stores (in the current locale)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.BTN_TICKET_REPLY,
                    callback_data=TicketAdminCb(action="reply", ticket_id=ticket_id).pack(),
                ),
                InlineKeyboardButton(
                    text=texts.BTN_TICKET_CLOSE,
                    callback_data=TicketAdminCb(action="close", ticket_id=ticket_id).pack(),
                ),
            ]
        ]
    ).model_dump_json(exclude_none=True)
