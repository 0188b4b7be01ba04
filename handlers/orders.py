"""The customer's orders: a paged list, an order's detail, Refill and Cancel.

Callback data is user input: every handler loads the order again and checks that it belongs to the
user who pressed the button, and that the action still applies to its current state.
"""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.config import Settings
from bot.orders.cancellation import can_cancel, request_cancel
from bot.orders.refills import can_refill, request_refill
from handlers.callbacks import CancelOrderCb, OrdersPageCb, OrderViewCb, RefillCb
from handlers.common import show
from handlers.filters import Command, TextIs
from handlers.keyboards import PAGE_SIZE, clamp_page, pages
from handlers.orders_keyboards import cancel_confirm_keyboard, order_keyboard, orders_keyboard
from handlers.routing import Router
from providers.base import Provider
from storage.cancels import CancelRepo
from storage.catalog import CatalogRepo
from storage.database import Database
from storage.orders import Order, OrderRepo
from storage.refills import RefillPhase, RefillRepo


async def _orders_page(orders: OrderRepo, user_id: int, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    count = await orders.count_for_user(user_id)
    if count == 0:
        return texts.ORDERS_EMPTY, None
    page = clamp_page(page, count)
    items = await orders.for_user(user_id, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    total = pages(count)
    return texts.orders_page(items, page, total), orders_keyboard(items, page, total)


async def cmd_orders(message: Message, orders: OrderRepo) -> None:
    """List the customer's orders, newest first."""
    assert message.from_user is not None
    text, markup = await _orders_page(orders, message.from_user.id, 0)
    await message.answer(text, reply_markup=markup)


async def on_orders_page(callback: CallbackQuery, callback_data: OrdersPageCb, orders: OrderRepo) -> None:
    """Show another page of the list (also the way back from an order)."""
    await callback.answer()
    text, markup = await _orders_page(orders, callback.from_user.id, callback_data.page)
    await show(callback, text, markup)


async def _own_order(callback: CallbackQuery, orders: OrderRepo, order_id: int) -> Order | None:
    """The order if it exists and belongs to whoever pressed; otherwise answer "not found"."""
    order = await orders.get(order_id)
    if order is None or order.user_id != callback.from_user.id:
        await callback.answer(texts.ORDER_NOT_FOUND, show_alert=True)
        return None
    return order


async def _show_detail(
    callback: CallbackQuery,
    order: Order,
    page: int,
    refills: RefillRepo,
    cancels: CancelRepo,
    catalog: CatalogRepo,
    settings: Settings,
    notice: str = "",
) -> None:
    """Render an order's detail with the buttons that apply to it now, under an optional notice."""
    service = await catalog.get(order.service_id)
    refill = await refills.latest_for_order(order.id)
    cancel_requested = await cancels.requested(order.id)
    text = texts.order_detail(
        order,
        settings.currency,
        refill_status=None if refill is None else refill.status.value,
        refill_at=None if refill is None else refill.created_at,
        cancel_requested=cancel_requested,
    )
    if notice:
        text = f"{notice}\n\n{text}"
    refill_pending = refill is not None and refill.status == RefillPhase.PENDING
    markup = order_keyboard(
        order.id,
        page,
        refill=can_refill(order, service) and not refill_pending,
        cancel=can_cancel(order, service) and not cancel_requested,
    )
    await show(callback, text, markup)


async def on_order_view(
    callback: CallbackQuery,
    callback_data: OrderViewCb,
    orders: OrderRepo,
    refills: RefillRepo,
    cancels: CancelRepo,
    catalog: CatalogRepo,
    settings: Settings,
) -> None:
    """Show one of the customer's orders."""
    order = await _own_order(callback, orders, callback_data.order_id)
    if order is None:
        return
    await callback.answer()
    await _show_detail(callback, order, callback_data.page, refills, cancels, catalog, settings)


async def on_refill(
    callback: CallbackQuery,
    callback_data: RefillCb,
    orders: OrderRepo,
    refills: RefillRepo,
    cancels: CancelRepo,
    db: Database,
    catalog: CatalogRepo,
    provider: Provider,
    settings: Settings,
) -> None:
    """Ask the provider to refill a completed order."""
    order = await _own_order(callback, orders, callback_data.order_id)
    if order is None:
        return
    # Answer first: the provider may take seconds, and the button should stop spinning now.
    await callback.answer()
    outcome = await request_refill(db, provider, order, await catalog.get(order.service_id))
    notice = texts.refill_outcome(outcome)
    await _show_detail(callback, order, callback_data.page, refills, cancels, catalog, settings, notice)


async def on_cancel_order(
    callback: CallbackQuery,
    callback_data: CancelOrderCb,
    orders: OrderRepo,
    refills: RefillRepo,
    cancels: CancelRepo,
    db: Database,
    catalog: CatalogRepo,
    provider: Provider,
    settings: Settings,
) -> None:
    """Ask "are you sure?", then send the cancel request; the refund follows the provider's status."""
    order = await _own_order(callback, orders, callback_data.order_id)
    if order is None:
        return
    await callback.answer()
    service = await catalog.get(order.service_id)
    if not callback_data.sure and can_cancel(order, service):
        await show(
            callback, texts.cancel_question(order), cancel_confirm_keyboard(order.id, callback_data.page)
        )
        return
    outcome = await request_cancel(db, provider, order, service)
    fresh = await orders.get(order.id) or order
    notice = texts.cancel_outcome(outcome)
    await _show_detail(callback, fresh, callback_data.page, refills, cancels, catalog, settings, notice)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_orders, Command("orders"))
    router.message.register(cmd_orders, TextIs(*texts.every_language("BTN_MY_ORDERS")))
    router.callback_query.register(on_orders_page, OrdersPageCb.filter())
    router.callback_query.register(on_order_view, OrderViewCb.filter())
    router.callback_query.register(on_refill, RefillCb.filter())
    router.callback_query.register(on_cancel_order, CancelOrderCb.filter())
    return router
