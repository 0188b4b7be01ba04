"""The order form: the steps of the service's kind (link, quantity, its inputs), the summary, Cancel."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.orders.inputs import Input, limits, parse_input
from bot.orders.kinds import LINK, QUANTITY, Step, next_step, order_extra, order_quantity, spec_for
from bot.orders.placement import OrderingDeps, quote
from bot.orders.validation import InputError, parse_link, parse_quantity, platforms_of
from bot.texts import kinds as kind_texts
from handlers.callbacks import CancelCb
from handlers.common import show
from handlers.filters import Command, HasText
from handlers.keyboards import cancel_keyboard, main_menu, summary_keyboard
from handlers.routing import Router
from handlers.states import OrderForm
from storage.catalog import CatalogRepo, Service
from storage.quotes import QuoteRepo
from storage.users import UserRepo

logger = logging.getLogger(__name__)


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """Leave the conversation from any step."""
    had_state = await state.get_state() is not None
    await state.clear()
    text = texts.ORDER_CANCELLED if had_state else texts.NOTHING_TO_CANCEL
    await message.answer(text, reply_markup=main_menu())


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    """The Cancel button: leave the conversation and take the buttons away."""
    await state.clear()
    await callback.answer()
    await show(callback, texts.ORDER_CANCELLED)


async def _service_or_leave(message: Message, state: FSMContext, catalog: CatalogRepo) -> Service | None:
    """Return the service of the conversation, or end it politely if it is gone."""
    data = await state.get_data()
    service = await catalog.get(int(data.get("service_id", 0)))
    if service is None or not service.available or spec_for(service.kind) is None:
        await state.clear()
        await message.answer(texts.SERVICE_GONE, reply_markup=main_menu())
        return None
    return service


async def _ask_next(state: FSMContext, service: Service, data: Mapping[str, Any]) -> str | None:
    """Move the form to its first unanswered step and return its question; None when all are answered.

    The steps are those of the service's kind (bot/orders/kinds.py), so anything already in the form's
    data (a link the customer sent first, say) is not asked again.
    """
    spec = spec_for(service.kind)
    step = None if spec is None else next_step(spec, data)
    if step is None:
        return None
    if step == LINK:
        await state.set_state(OrderForm.link)
        return texts.ask_link(service.name, platforms_of(service.category, service.name))
    if step == QUANTITY:
        await state.set_state(OrderForm.quantity)
        return texts.ask_quantity(service.min_quantity, service.max_quantity)
    assert isinstance(step, Input)
    await state.set_state(OrderForm.detail)
    low, high = limits(step, service)
    return kind_texts.ask_input(
        step.prompt, minimum=low if step.counts else None, maximum=high if step.many else None
    )


def _answer(step: Step, text: str, service: Service, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check the customer's answer to a step; return what it adds to the form's data (InputError if unfit)."""
    if step == LINK:
        return {"link": parse_link(text, platforms_of(service.category, service.name))}
    if step == QUANTITY:
        return {"quantity": parse_quantity(text, service.min_quantity, service.max_quantity)}
    assert isinstance(step, Input)
    value, count = parse_input(step, text, service)
    update: dict[str, Any] = {"extra": {**(data.get("extra") or {}), step.param: value}}
    if step.counts:
        update["quantity"] = count
    return update


async def begin_order(
    callback: CallbackQuery,
    state: FSMContext,
    service: Service,
    *,
    quotes: QuoteRepo,
    users: UserRepo,
    ordering: OrderingDeps,
    intro: str = "",
) -> None:
    """Go on with the form the caller set up (`service_id`, maybe `link`): ask its first question.

    A service that needs nothing more (a package whose link is known) goes straight to its summary.
    """
    data = await state.get_data()
    question = await _ask_next(state, service, data)
    if question is not None:
        await show(callback, intro + "\n\n" + question if intro else question, cancel_keyboard())
        return
    await state.clear()
    text, markup = await _summary(ordering, quotes, users, service, data, callback.from_user.id)
    await show(callback, intro + "\n\n" + text if intro else text, markup)


async def on_answer(
    message: Message,
    state: FSMContext,
    catalog: CatalogRepo,
    quotes: QuoteRepo,
    users: UserRepo,
    ordering: OrderingDeps,
) -> None:
    """Check the answer to the current step (link, quantity or a kind's input), then ask the next one."""
    assert message.from_user is not None
    service = await _service_or_leave(message, state, catalog)
    if service is None:
        return
    spec = spec_for(service.kind)
    assert spec is not None
    data = await state.get_data()
    step = next_step(spec, data)
    if step is not None:
        try:
            update = _answer(step, message.text or "", service, data)
        except InputError as exc:
            await message.answer(texts.q(str(exc)), reply_markup=cancel_keyboard())
            return
        await state.update_data(update)
        data = {**data, **update}
    question = await _ask_next(state, service, data)
    if question is not None:
        await message.answer(question, reply_markup=cancel_keyboard())
        return
    await state.clear()
    text, markup = await _summary(ordering, quotes, users, service, data, message.from_user.id)
    await message.answer(text, reply_markup=markup)


async def _summary(
    ordering: OrderingDeps,
    quotes: QuoteRepo,
    users: UserRepo,
    service: Service,
    data: Mapping[str, Any],
    user_id: int,
) -> tuple[str, InlineKeyboardMarkup]:
    """Price a finished form and store its summary (the Confirm button's quote)."""
    spec = spec_for(service.kind)
    assert spec is not None
    quantity = order_quantity(spec, data)
    return await priced_summary(
        ordering, quotes, users, service, str(data["link"]), quantity, order_extra(spec, data), user_id
    )


async def priced_summary(
    ordering: OrderingDeps,
    quotes: QuoteRepo,
    users: UserRepo,
    service: Service,
    link: str,
    quantity: int,
    extra: Mapping[str, str],
    user_id: int,
    *,
    notice: str = "",
) -> tuple[str, InlineKeyboardMarkup]:
    """The summary of an order: its price, the inputs as they will be sent, Confirm if the balance allows."""
    priced = await quote(ordering, service, quantity)
    balance = await users.balance(user_id)
    currency = ordering.settings.currency
    if balance >= priced.total:
        key = await quotes.create(
            user_id=user_id,
            service_id=service.id,
            link=link,
            quantity=quantity,
            total=priced.total,
            extra=extra,
        )
        text = texts.summary(service.name, link, quantity, priced.total, balance - priced.total, currency)
        markup = summary_keyboard(key)
    else:
        text = texts.summary_short(service.name, link, quantity, priced.total, balance, currency)
        markup = summary_keyboard(None)
    details = kind_texts.kind_details(extra)
    if details:
        text += "\n\n" + details
    if notice:
        text = notice + "\n\n" + text
    return text, markup


async def on_not_text(message: Message) -> None:
    """Photos, stickers and the like while we wait for typed input."""
    await message.answer(texts.SEND_TEXT, reply_markup=cancel_keyboard())


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"))
    router.callback_query.register(on_cancel, CancelCb.filter())
    form = StateFilter(OrderForm.link, OrderForm.quantity, OrderForm.detail)
    router.message.register(on_answer, form, HasText())
    router.message.register(on_not_text, form)
    return router
