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


def _buttons(make: type[TicketCb] | type[TicketAdminCb], ticket_id: int) -> str:
    """Reply and Close as the JSON the outbox stores (labels in the current locale)."""
    row = [
        InlineKeyboardButton(text=label, callback_data=make(action=action, ticket_id=ticket_id).pack())
        for label, action in ((texts.BTN_TICKET_REPLY, "reply"), (texts.BTN_TICKET_CLOSE, "close"))
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row]).model_dump_json(exclude_none=True)


def customer_buttons(ticket_id: int) -> str:
    """Reply and Close for the customer."""
    return _buttons(TicketCb, ticket_id)


def admin_buttons(ticket_id: int) -> str:
    """Reply and Close for admins."""
    return _buttons(TicketAdminCb, ticket_id)
