"""The order form: the steps of the service's kind (link, quantity, its inputs), summary, Confirm / Cancel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from aiogram import Router
from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.orders.inputs import Input, limits, parse_input
from bot.orders.kinds import LINK, QUANTITY, Step, next_step, order_extra, order_quantity, spec_for
from bot.orders.placement import OrderingDeps, PlaceOutcome, notice_ref, place_order, quote
from bot.orders.validation import InputError, parse_link, parse_quantity, platforms_of
from bot.texts import kinds as kind_texts
from handlers.callbacks import CancelCb, ConfirmCb
from handlers.common import show
from handlers.filters import HasText
from handlers.keyboards import cancel_keyboard, main_menu, summary_keyboard
from handlers.states import OrderForm
from storage.catalog import CatalogRepo, Service
from storage.orders import OrderRepo
from storage.outbox import OutboxRepo
from storage.quotes import QuoteRepo, QuoteRow
from storage.users import UserRepo

logger = logging.getLogger(__name__)

# How long Confirm may take before the summary is replaced by "Placing your order…".
PROGRESS_AFTER_SECONDS = 0.3
# How long a placement result waits in the outbox for the handler to show it by editing the summary.
# Longer than the edit can take (aiogram gives up on a request after 60 s, and `show` may send a new
# message after a failed edit), so the outbox never sends a copy of a result the edit showed.
RESULT_HOLD_SECONDS = 300.0


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
    return await _priced(
        ordering, quotes, users, service, str(data["link"]), quantity, order_extra(spec, data), user_id
    )


async def _priced(
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


async def on_confirm(
    callback: CallbackQuery,
    callback_data: ConfirmCb,
    catalog: CatalogRepo,
    quotes: QuoteRepo,
    orders: OrderRepo,
    users: UserRepo,
    outbox: OutboxRepo,
    ordering: OrderingDeps,
) -> None:
    """Charge and place the order of a summary, once, whatever the number of taps."""
    user_id = callback.from_user.id
    placed = await orders.by_quote_key(callback_data.key)
    if placed is not None and placed.user_id == user_id:
        await callback.answer(texts.order_already_placed(placed.id), show_alert=True)
        return
    summary = await quotes.get(callback_data.key, user_id)
    if summary is None:
        await callback.answer(texts.SUMMARY_EXPIRED, show_alert=True)
        return
    # Tracked from the charge until the customer has the result, so a shutdown waits for it.
    work = ordering.placements.start(_place(callback, summary, catalog, quotes, users, outbox, ordering))
    if work is None:
        await callback.answer(texts.CONFIRM_AFTER_RESTART, show_alert=True)
        return
    # shield: a cancelled handler must not cancel a placement that may already be charged.
    await asyncio.shield(work)


async def _place(
    callback: CallbackQuery,
    summary: QuoteRow,
    catalog: CatalogRepo,
    quotes: QuoteRepo,
    users: UserRepo,
    outbox: OutboxRepo,
    ordering: OrderingDeps,
) -> None:
    """Place the order of a confirmed summary and show the customer the result."""
    user_id = callback.from_user.id
    currency = ordering.settings.currency
    await callback.answer(texts.PLACING)
    placing = asyncio.create_task(
        place_order(
            ordering,
            user_id=user_id,
            service_id=summary.service_id,
            link=summary.link,
            quantity=summary.quantity,
            quoted_total=summary.total,
            quote_key=summary.key,
            hold_notice=RESULT_HOLD_SECONDS,
            extra=summary.extra,
        )
    )
    try:
        # A quick provider answers before anyone notices; a slow one gets a visible "Placing…" meanwhile.
        done, _ = await asyncio.wait({placing}, timeout=PROGRESS_AFTER_SECONDS)
        if not done:
            await _show_or_log(callback, texts.PLACING)
        result = await placing
    except asyncio.CancelledError:
        # Only a shutdown past its grace period cancels this: the order stays in `submitting` and the
        # next start parks it.
        placing.cancel()
        raise
    order = result.order
    if result.notice and order is not None:
        # Placed, not placed or parked: the result is already in the outbox, held (`_hold_notice`).
        # Showing it here marks that copy sent; if Telegram fails, or a shutdown cuts this short, the
        # copy goes out instead. An edit that failed after Telegram applied it shows it twice, never 0.
        shown = False
        try:
            shown = await _show_or_log(callback, result.notice)
        finally:
            await outbox.settle_held(notice_ref(order.id), shown=shown)
    elif result.outcome is PlaceOutcome.ALREADY_PLACED and order is not None:
        await show(callback, texts.order_already_placed(order.id))
    elif result.outcome is PlaceOutcome.INSUFFICIENT_FUNDS:
        await show(callback, texts.insufficient_at_confirm(result.shortfall, currency))
    elif result.outcome is PlaceOutcome.PRICE_CHANGED and result.quote is not None:
        service = await catalog.get(summary.service_id)
        if service is not None and isinstance(callback.message, Message):
            text, markup = await _priced(
                ordering,
                quotes,
                users,
                service,
                summary.link,
                summary.quantity,
                summary.extra,
                user_id,
                notice=texts.price_changed(result.quote.total, currency),
            )
            await callback.message.edit_text(text, reply_markup=markup)
    else:
        await show(callback, texts.SERVICE_GONE)


async def _show_or_log(callback: CallbackQuery, text: str) -> bool:
    """Show `text` on the pressed message; False if Telegram failed (network, 429, blocked, ...)."""
    try:
        await show(callback, text)
    except (TelegramAPIError, ClientDecodeError) as exc:
        logger.warning("Could not update the summary of user %s: %s", callback.from_user.id, exc)
        return False
    return True


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"))
    router.callback_query.register(on_cancel, CancelCb.filter())
    form = StateFilter(OrderForm.link, OrderForm.quantity, OrderForm.detail)
    router.message.register(on_answer, form, HasText())
    router.message.register(on_not_text, form)
    router.callback_query.register(on_confirm, ConfirmCb.filter())
    return router
