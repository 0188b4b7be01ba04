"""Conversation states."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class OrderForm(StatesGroup):
    link = State()
    quantity = State()
    detail = State()  # an input the service's kind asks for (bot/orders/kinds.py): the first unanswered


class SearchForm(StatesGroup):
    words = State()


class SupportForm(StatesGroup):
    message = State()  # the first message of a new ticket (topic and order in the state data)
    reply = State()  # a message for an existing ticket (its id in the state data)


class AdminReplyForm(StatesGroup):
    text = State()  # an admin's answer to a ticket (its id in the state data)


class BroadcastForm(StatesGroup):
    message = State()  # an admin composes a broadcast (the message, then the audience, in the state data)


class TopupForm(StatesGroup):
    amount = State()  # the customer types an amount other than the presets
