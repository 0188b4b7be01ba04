"""Conversation states."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class OrderForm(StatesGroup):
    link = State()
    quantity = State()
