"""Conversation states."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class OrderForm(StatesGroup):
    link = State()
    quantity = State()
    detail = State()  # an input the service's kind asks for (bot/orders/kinds.py): the first unanswered


class SearchForm(StatesGroup):
    words = State()


class TopupForm(StatesGroup):
    amount = State()  # the customer types an amount other than the presets
