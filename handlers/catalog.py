"""Browsing the catalogue: platforms, a platform's categories, a category's services, a service card."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.catalog.platforms import platform_name
from bot.catalog.pricing import listed_price, units_per_rate
from bot.catalog.shop import global_markup
from bot.config import Settings
from bot.i18n import _
from bot.orders.placement import OrderingDeps
from bot.orders.validation import InputError, parse_link, platforms_of
from bot.texts import browse
from handlers.callbacks import CategoryCb, OrderServiceCb, PlatformCb, PlatformsCb, ServiceCb
from handlers.common import show
from handlers.filters import Command, TextIs
from handlers.keyboards import (
    CATEGORIES_PAGE,
    PAGE_SIZE,
    PLATFORMS_PAGE,
    clamp_page,
    pages,
    platform_keyboard,
    platforms_keyboard,
    service_card_keyboard,
    services_keyboard,
)
from handlers.ordering import begin_order
from handlers.routing import Router
from handlers.states import OrderForm
from storage.catalog import CatalogRepo, Service
from storage.quotes import QuoteRepo
from storage.users import UserRepo

# FSM data that outlives a conversation: a link the customer sent first (handlers/links.py), to be used
# by the next order, and the last search (handlers/search.py), for its result pages.
CARRIED_LINK = "carried_link"
SEARCH_QUERY = "search_query"
_KEPT = (CARRIED_LINK, SEARCH_QUERY)

Screen = tuple[str, InlineKeyboardMarkup]


async def leave_form(state: FSMContext) -> dict[str, Any]:
    """Leave any conversation step, keeping the carried link and the last search; return what was kept."""
    data = await state.get_data()
    kept = {key: data[key] for key in _KEPT if isinstance(data.get(key), str)}
    if data == kept and await state.get_state() is None:
        return kept  # in no conversation: nothing to write
    await state.clear()
    if kept:
        await state.set_data(kept)
    return kept


async def platforms_screen(catalog: CatalogRepo, page: int = 0, intro: str = "") -> Screen | None:
    """The first screen: platforms with their counts of orderable services; None if there are none."""
    found = await catalog.platforms()
    if not found:
        return None
    rows = [(key, platform_name(key), count) for key, count in found]
    page = clamp_page(page, len(rows), PLATFORMS_PAGE)
    text = _(browse.CHOOSE_PLATFORM) + texts.page_suffix(page, pages(len(rows), PLATFORMS_PAGE))
    return (intro + "\n\n" + text if intro else text), platforms_keyboard(rows, page)


async def platform_screen(
    catalog: CatalogRepo, platform: str, page: int = 0, intro: str = ""
) -> Screen | None:
    """A platform's categories with their counts; None if it has no orderable service."""
    categories = await catalog.categories(platform=platform)
    if not categories:
        return None
    keys = [key for key, _count in await catalog.platforms()]
    platforms_page = keys.index(platform) // PLATFORMS_PAGE if platform in keys else 0
    page = clamp_page(page, len(categories), CATEGORIES_PAGE)
    text = browse.platform_categories(platform_name(platform))
    text += texts.page_suffix(page, pages(len(categories), CATEGORIES_PAGE))
    markup = platform_keyboard(platform, categories, page, platforms_page)
    return (intro + "\n\n" + text if intro else text), markup


def _link_line(kept: dict[str, Any]) -> str:
    link = kept.get(CARRIED_LINK)
    return browse.link_taken(link) if link else ""


async def price_list(
    catalog: CatalogRepo, settings: Settings, services: list[Service], page: int
) -> tuple[list[tuple[Service, int]], int, list[str]]:
    """Services with the price the catalogue lists, the page clamped to them, and that page's lines."""
    markup = await global_markup(catalog, settings)
    priced = [(service, listed_price(service, markup)) for service in services]
    page = clamp_page(page, len(priced))
    lines = [
        texts.service_line(s.name, price, s.min_quantity, s.max_quantity, settings.currency)
        for s, price in priced[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    return priced, page, lines


async def new_order(message: Message, state: FSMContext, catalog: CatalogRepo) -> None:
    """Start a new order with the list of platforms."""
    await state.clear()  # a new order starts afresh: no carried link, no old search
    screen = await platforms_screen(catalog)
    if screen is None:
        await message.answer(texts.CATALOG_EMPTY)
        return
    await message.answer(screen[0], reply_markup=screen[1])


async def on_platforms(
    callback: CallbackQuery, callback_data: PlatformsCb, state: FSMContext, catalog: CatalogRepo
) -> None:
    """Show a page of platforms."""
    kept = await leave_form(state)
    screen = await platforms_screen(catalog, callback_data.page, _link_line(kept))
    if screen is None:
        await callback.answer(texts.CATALOG_EMPTY, show_alert=True)
        return
    await callback.answer()
    await show(callback, *screen)


async def on_platform(
    callback: CallbackQuery, callback_data: PlatformCb, state: FSMContext, catalog: CatalogRepo
) -> None:
    """Show a page of a platform's categories."""
    kept = await leave_form(state)
    screen = await platform_screen(catalog, callback_data.platform, callback_data.page, _link_line(kept))
    if screen is None:
        await callback.answer(_(browse.PLATFORM_GONE), show_alert=True)
        screen = await platforms_screen(catalog, 0, _link_line(kept))
        if screen is not None:
            await show(callback, *screen)
        return
    await callback.answer()
    await show(callback, *screen)


async def on_category(
    callback: CallbackQuery, callback_data: CategoryCb, catalog: CatalogRepo, settings: Settings
) -> None:
    """Show a page of a category's services (of one platform) with their prices."""
    platform = callback_data.platform
    category = await catalog.category(callback_data.category_id, platform)
    services = await catalog.services_in(callback_data.category_id, platform)
    if category is None or not services:
        await callback.answer(texts.CATEGORY_GONE, show_alert=True)
        screen = await platform_screen(catalog, platform) if platform else None
        screen = screen or await platforms_screen(catalog)
        if screen is not None:
            await show(callback, *screen)
        return
    await callback.answer()
    categories_page = 0
    if platform is not None:
        ids = [item.id for item in await catalog.categories(platform=platform)]
        categories_page = ids.index(category.id) // CATEGORIES_PAGE if category.id in ids else 0
    priced, page, lines = await price_list(catalog, settings, services, callback_data.page)
    text = texts.services_header(category.name) + "\n\n" + "\n".join(lines)
    text += texts.page_suffix(page, pages(len(priced)))
    keyboard = services_keyboard(
        category.id, priced, page, settings.currency, platform=platform, categories_page=categories_page
    )
    await show(callback, text, keyboard)


async def on_service(
    callback: CallbackQuery, callback_data: ServiceCb, catalog: CatalogRepo, settings: Settings
) -> None:
    """Show a service card with its Order button."""
    service = await catalog.get(callback_data.service_id)
    if service is None or not service.available:
        await callback.answer(texts.SERVICE_GONE, show_alert=True)
        return
    await callback.answer()
    price = listed_price(service, await global_markup(catalog, settings))
    await show(
        callback,
        texts.service_card(service, price, settings.currency, per_package=units_per_rate(service) == 1),
        service_card_keyboard(service, callback_data.page, found=callback_data.found),
    )


async def on_order_service(
    callback: CallbackQuery,
    callback_data: OrderServiceCb,
    state: FSMContext,
    catalog: CatalogRepo,
    quotes: QuoteRepo,
    users: UserRepo,
    ordering: OrderingDeps,
) -> None:
    """Begin the form for a service: ask for the link, or take the one the customer sent first."""
    service = await catalog.get(callback_data.service_id)
    if service is None or not service.available:
        await callback.answer(texts.SERVICE_GONE, show_alert=True)
        return
    await callback.answer()
    link = (await state.get_data()).get(CARRIED_LINK)
    await state.clear()
    await state.set_state(OrderForm.link)
    platforms = platforms_of(service.category, service.name)
    # The form's steps are those of the service's kind (handlers/ordering.py `begin_order`).
    deps: dict[str, Any] = {"quotes": quotes, "users": users, "ordering": ordering}
    if not isinstance(link, str):
        await state.set_data({"service_id": service.id})
        await begin_order(callback, state, service, **deps)
        return
    # Kept until the order's summary, so going back to the catalogue from here still carries it.
    await state.set_data({"service_id": service.id, CARRIED_LINK: link})
    try:
        parse_link(link, platforms)
    except InputError as exc:
        await begin_order(callback, state, service, intro=browse.link_does_not_fit(str(exc)), **deps)
        return
    # Skip the link question: the form goes on as if the customer had just sent the link.
    await state.update_data(link=link)
    await begin_order(callback, state, service, intro=browse.link_taken(link), **deps)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(new_order, Command("order"))
    router.message.register(new_order, TextIs(*texts.every_language("BTN_NEW_ORDER")))
    router.callback_query.register(on_platforms, PlatformsCb.filter())
    router.callback_query.register(on_platform, PlatformCb.filter())
    router.callback_query.register(on_category, CategoryCb.filter())
    router.callback_query.register(on_service, ServiceCb.filter())
    router.callback_query.register(on_order_service, OrderServiceCb.filter())
    return router
