"""Browsing the catalogue: categories, services, a service card."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.catalog.pricing import effective_markup, price_per_thousand
from bot.catalog.shop import global_markup
from bot.config import Settings
from bot.orders.validation import platforms_of
from handlers.callbacks import CategoriesCb, CategoryCb, OrderServiceCb, ServiceCb
from handlers.common import show
from handlers.filters import TextIs
from handlers.keyboards import (
    PAGE_SIZE,
    cancel_keyboard,
    categories_keyboard,
    clamp_page,
    pages,
    service_card_keyboard,
    services_keyboard,
)
from handlers.states import OrderForm
from storage.catalog import CatalogRepo


async def new_order(message: Message, state: FSMContext, catalog: CatalogRepo) -> None:
    """Start a new order with the list of categories."""
    await state.clear()
    categories = await catalog.categories()
    if not categories:
        await message.answer(texts.CATALOG_EMPTY)
        return
    await message.answer(texts.CHOOSE_CATEGORY, reply_markup=categories_keyboard(categories, 0))


async def on_categories(
    callback: CallbackQuery, callback_data: CategoriesCb, state: FSMContext, catalog: CatalogRepo
) -> None:
    """Show a page of categories."""
    await state.clear()
    categories = await catalog.categories()
    if not categories:
        await callback.answer(texts.CATALOG_EMPTY, show_alert=True)
        return
    page = clamp_page(callback_data.page, len(categories))
    await callback.answer()
    suffix = texts.page_suffix(page, pages(len(categories)))
    await show(callback, texts.CHOOSE_CATEGORY + suffix, categories_keyboard(categories, page))


async def on_category(
    callback: CallbackQuery, callback_data: CategoryCb, catalog: CatalogRepo, settings: Settings
) -> None:
    """Show a page of a category's services with their prices."""
    category = await catalog.category(callback_data.category_id)
    services = await catalog.services_in(callback_data.category_id)
    if category is None or not services:
        await callback.answer(texts.CATEGORY_GONE, show_alert=True)
        categories = await catalog.categories()
        if categories:
            await show(callback, texts.CHOOSE_CATEGORY, categories_keyboard(categories, 0))
        return
    await callback.answer()
    markup = await global_markup(catalog, settings)
    priced = [(s, price_per_thousand(s.rate, effective_markup(s, markup))) for s in services]
    page = clamp_page(callback_data.page, len(priced))
    lines = [
        texts.service_line(s.name, price, s.min_quantity, s.max_quantity, settings.currency)
        for s, price in priced[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    text = texts.services_header(category.name) + "\n\n" + "\n".join(lines)
    text += texts.page_suffix(page, pages(len(priced)))
    await show(callback, text, services_keyboard(category.id, priced, page, settings.currency))


async def on_service(
    callback: CallbackQuery, callback_data: ServiceCb, catalog: CatalogRepo, settings: Settings
) -> None:
    """Show a service card with its Order button."""
    service = await catalog.get(callback_data.service_id)
    if service is None or not service.available:
        await callback.answer(texts.SERVICE_GONE, show_alert=True)
        return
    await callback.answer()
    markup = await global_markup(catalog, settings)
    price = price_per_thousand(service.rate, effective_markup(service, markup))
    await show(
        callback,
        texts.service_card(service, price, settings.currency),
        service_card_keyboard(service, callback_data.page),
    )


async def on_order_service(
    callback: CallbackQuery, callback_data: OrderServiceCb, state: FSMContext, catalog: CatalogRepo
) -> None:
    """Begin the form for a service: ask for the link."""
    service = await catalog.get(callback_data.service_id)
    if service is None or not service.available:
        await callback.answer(texts.SERVICE_GONE, show_alert=True)
        return
    await callback.answer()
    await state.clear()
    await state.set_state(OrderForm.link)
    await state.set_data({"service_id": service.id})
    platforms = platforms_of(service.category, service.name)
    await show(callback, texts.ask_link(service.name, platforms), cancel_keyboard())


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(new_order, Command("order"))
    router.message.register(new_order, TextIs(*texts.every_language("BTN_NEW_ORDER")))
    router.callback_query.register(on_categories, CategoriesCb.filter())
    router.callback_query.register(on_category, CategoryCb.filter())
    router.callback_query.register(on_service, ServiceCb.filter())
    router.callback_query.register(on_order_service, OrderServiceCb.filter())
    return router
