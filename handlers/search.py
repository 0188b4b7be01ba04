"""Searching the catalogue: /search <words>, the Search button, result pages; a result opens its card."""

from __future__ import annotations

from aiogram.filters import CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.catalog.search import MAX_QUERY, Query, QueryError, parse_query, search
from bot.config import Settings
from bot.i18n import _
from bot.texts import browse
from handlers.callbacks import CancelCb, SearchCb, SearchPageCb
from handlers.catalog import SEARCH_QUERY, leave_form, price_list
from handlers.common import show
from handlers.filters import Command, HasText
from handlers.keyboards import (
    cancel_keyboard,
    main_menu,
    pages,
    search_again_row,
    search_results_keyboard,
)
from handlers.routing import Router
from handlers.states import SearchForm
from storage.catalog import CatalogRepo


def _refusal(error: QueryError) -> str:
    return browse.search_too_long(MAX_QUERY) if error.reason == "long" else _(browse.SEARCH_TOO_SHORT)


async def _results(
    catalog: CatalogRepo, settings: Settings, query: Query, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of results for `query`, or the message that nothing was found."""
    found = await search(catalog, query)
    if not found.services:
        again = InlineKeyboardMarkup(inline_keyboard=[search_again_row()])
        return browse.search_nothing(query.text), again
    priced, page, lines = await price_list(catalog, settings, list(found.services), page)
    text = browse.search_results(query.text, found.total) + "\n\n" + "\n".join(lines)
    if found.total > len(found.services):
        text += "\n\n" + browse.search_best_only(len(found.services))
    text += texts.page_suffix(page, pages(len(priced)))
    return text, search_results_keyboard(priced, page, settings.currency)


async def _search(
    message: Message, state: FSMContext, catalog: CatalogRepo, settings: Settings, words: str
) -> None:
    """Search for what the customer typed; a query that cannot be searched is asked for again."""
    try:
        query = parse_query(words)
    except QueryError as exc:
        await state.set_state(SearchForm.words)
        await message.answer(_refusal(exc), reply_markup=cancel_keyboard())
        return
    await state.set_state(None)
    await state.update_data({SEARCH_QUERY: query.text})
    text, markup = await _results(catalog, settings, query, 0)
    await message.answer(text, reply_markup=markup)


async def cmd_search(
    message: Message, command: CommandObject, state: FSMContext, catalog: CatalogRepo, settings: Settings
) -> None:
    """`/search <words>` searches at once; a bare /search asks for the words."""
    await leave_form(state)
    if not (command.args or "").strip():
        await state.set_state(SearchForm.words)
        await message.answer(_(browse.ASK_SEARCH), reply_markup=cancel_keyboard())
        return
    await _search(message, state, catalog, settings, command.args or "")


async def on_search_button(callback: CallbackQuery, state: FSMContext) -> None:
    """The Search button: ask for the words."""
    await leave_form(state)
    await state.set_state(SearchForm.words)
    await callback.answer()
    await show(callback, _(browse.ASK_SEARCH), cancel_keyboard())


async def on_words(message: Message, state: FSMContext, catalog: CatalogRepo, settings: Settings) -> None:
    """The words of a search the customer was asked for."""
    await _search(message, state, catalog, settings, message.text or "")


async def on_not_words(message: Message) -> None:
    """A photo or a sticker while we wait for the words."""
    await message.answer(texts.SEND_TEXT, reply_markup=cancel_keyboard())


async def on_results_page(
    callback: CallbackQuery,
    callback_data: SearchPageCb,
    state: FSMContext,
    catalog: CatalogRepo,
    settings: Settings,
) -> None:
    """Another page of the last search (also Back from a service card opened from the results)."""
    words = (await state.get_data()).get(SEARCH_QUERY)
    try:
        query = parse_query(words) if isinstance(words, str) else None
    except QueryError:
        query = None
    if query is None:
        await callback.answer(_(browse.SEARCH_EXPIRED), show_alert=True)
        return
    await callback.answer()
    await show(callback, *await _results(catalog, settings, query, callback_data.page))


async def cmd_cancel_search(message: Message, state: FSMContext) -> None:
    """/cancel while we wait for the words."""
    await leave_form(state)
    await message.answer(_(browse.SEARCH_CANCELLED), reply_markup=main_menu())


async def on_cancel_search(callback: CallbackQuery, state: FSMContext) -> None:
    """The Cancel button under the question for the words."""
    await leave_form(state)
    await callback.answer()
    await show(callback, _(browse.SEARCH_CANCELLED))


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_search, Command("search"))
    router.message.register(cmd_cancel_search, Command("cancel"), StateFilter(SearchForm.words))
    router.callback_query.register(on_cancel_search, CancelCb.filter(), StateFilter(SearchForm.words))
    router.message.register(on_words, StateFilter(SearchForm.words), HasText())
    router.message.register(on_not_words, StateFilter(SearchForm.words))
    router.callback_query.register(on_search_button, SearchCb.filter())
    router.callback_query.register(on_results_page, SearchPageCb.filter())
    return router
