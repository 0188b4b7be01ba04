"""Pure functions that build keyboards."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot import texts
from bot.i18n import LANGUAGES, _
from bot.texts import browse
from handlers.callbacks import (
    AttentionCb,
    CancelCb,
    CategoryCb,
    ConfirmCb,
    LanguageCb,
    OrderServiceCb,
    PlatformCb,
    PlatformsCb,
    SearchCb,
    SearchPageCb,
    ServiceCb,
)
from storage.catalog import Category, Service


def main_menu() -> ReplyKeyboardMarkup:
    """The persistent main menu under the input field."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=texts.BTN_NEW_ORDER)],
            [
                KeyboardButton(text=texts.BTN_BALANCE),
                KeyboardButton(text=texts.BTN_TOPUP),
                KeyboardButton(text=texts.BTN_MY_ORDERS),
            ],
            [
                KeyboardButton(text=texts.BTN_HISTORY),
                KeyboardButton(text=texts.BTN_SUPPORT),
                KeyboardButton(text=texts.BTN_LANGUAGE),
                KeyboardButton(text=texts.BTN_HELP),
            ],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def language_keyboard() -> InlineKeyboardMarkup:
    """One button per language, each named in its own language."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=name, callback_data=LanguageCb(locale=locale).pack())]
            for locale, name in LANGUAGES.items()
        ]
    )


PAGE_SIZE = 8


def pages(count: int, size: int = PAGE_SIZE) -> int:
    """How many pages `count` items fill (at least one)."""
    return max(1, -(-count // size))


def clamp_page(page: int, count: int, size: int = PAGE_SIZE) -> int:
    """Keep a page number from callback data within range."""
    return min(max(page, 0), pages(count, size) - 1)


def _pager(page: int, total_pages: int, make: Callable[[int], str]) -> list[InlineKeyboardButton]:
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text=texts.BTN_PREV, callback_data=make(page - 1)))
    if page < total_pages - 1:
        row.append(InlineKeyboardButton(text=texts.BTN_NEXT, callback_data=make(page + 1)))
    return row


# Platforms go two to a row (short names); categories one to a row (long names), more to a page than
# services, whose lines also fill the message text.
PLATFORMS_PAGE = 20
CATEGORIES_PAGE = 12


def platforms_keyboard(platforms: list[tuple[str, str, int]], page: int) -> InlineKeyboardMarkup:
    """Platforms as (key, name, count) two to a row on this page, paging, Search and Cancel."""
    chunk = platforms[page * PLATFORMS_PAGE : (page + 1) * PLATFORMS_PAGE]
    buttons = [
        InlineKeyboardButton(
            text=browse.platform_button(name, count), callback_data=PlatformCb(platform=key).pack()
        )
        for key, name, count in chunk
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    pager = _pager(page, pages(len(platforms), PLATFORMS_PAGE), lambda p: PlatformsCb(page=p).pack())
    if pager:
        rows.append(pager)
    rows.append(
        [
            InlineKeyboardButton(text=_(browse.BTN_SEARCH), callback_data=SearchCb().pack()),
            InlineKeyboardButton(text=texts.BTN_CANCEL, callback_data=CancelCb().pack()),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def platform_keyboard(
    platform: str, categories: list[Category], page: int, platforms_page: int
) -> InlineKeyboardMarkup:
    """A platform's categories on this page with their counts, paging, Back to the platforms."""
    chunk = categories[page * CATEGORIES_PAGE : (page + 1) * CATEGORIES_PAGE]
    rows = [
        [
            InlineKeyboardButton(
                text=browse.category_button(category.name, category.services),
                callback_data=CategoryCb(category_id=category.id, platform=platform).pack(),
            )
        ]
        for category in chunk
    ]
    pager = _pager(
        page,
        pages(len(categories), CATEGORIES_PAGE),
        lambda p: PlatformCb(platform=platform, page=p).pack(),
    )
    if pager:
        rows.append(pager)
    rows.append(
        [
            InlineKeyboardButton(
                text=_(browse.BTN_PLATFORMS), callback_data=PlatformsCb(page=platforms_page).pack()
            ),
            InlineKeyboardButton(text=_(browse.BTN_SEARCH), callback_data=SearchCb().pack()),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def services_keyboard(
    category_id: int,
    services: list[tuple[Service, int]],
    page: int,
    currency: str,
    *,
    platform: str | None = None,
    categories_page: int = 0,
) -> InlineKeyboardMarkup:
    """One button per service (with its price per 1000) on this page, paging, Back to the categories."""
    chunk = services[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [
            InlineKeyboardButton(
                text=texts.service_button(service.name, price, currency),
                callback_data=ServiceCb(service_id=service.id, page=page).pack(),
            )
        ]
        for service, price in chunk
    ]
    pager = _pager(
        page,
        pages(len(services)),
        lambda p: CategoryCb(category_id=category_id, page=p, platform=platform).pack(),
    )
    if pager:
        rows.append(pager)
    back = PlatformsCb() if platform is None else PlatformCb(platform=platform, page=categories_page)
    rows.append([InlineKeyboardButton(text=texts.BTN_CATEGORIES, callback_data=back.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def service_card_keyboard(service: Service, page: int, *, found: bool = False) -> InlineKeyboardMarkup:
    """Order, Back to the category's services (or to the search results it was picked from)."""
    back = (
        SearchPageCb(page=page)
        if found
        else CategoryCb(category_id=service.category_id, page=page, platform=service.platform)
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.BTN_ORDER, callback_data=OrderServiceCb(service_id=service.id).pack()
                )
            ],
            [InlineKeyboardButton(text=texts.BTN_BACK, callback_data=back.pack())],
        ]
    )


def search_results_keyboard(
    services: list[tuple[Service, int]], page: int, currency: str
) -> InlineKeyboardMarkup:
    """One button per found service on this page, paging, a new search and Back to the platforms."""
    chunk = services[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [
            InlineKeyboardButton(
                text=texts.service_button(service.name, price, currency),
                callback_data=ServiceCb(service_id=service.id, page=page, found=True).pack(),
            )
        ]
        for service, price in chunk
    ]
    pager = _pager(page, pages(len(services)), lambda p: SearchPageCb(page=p).pack())
    if pager:
        rows.append(pager)
    rows.append(search_again_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)


def search_again_row() -> list[InlineKeyboardButton]:
    """A new search, or Back to the platforms."""
    return [
        InlineKeyboardButton(text=_(browse.BTN_NEW_SEARCH), callback_data=SearchCb().pack()),
        InlineKeyboardButton(text=_(browse.BTN_PLATFORMS), callback_data=PlatformsCb().pack()),
    ]


def cancel_keyboard() -> InlineKeyboardMarkup:
    """A lone Cancel button for the typing steps."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=texts.BTN_CANCEL, callback_data=CancelCb().pack())]]
    )


def summary_keyboard(quote_key: str | None) -> InlineKeyboardMarkup:
    """Confirm (only when the balance covers the total) and Cancel."""
    rows = []
    if quote_key is not None:
        rows.append(
            [InlineKeyboardButton(text=texts.BTN_CONFIRM, callback_data=ConfirmCb(key=quote_key).pack())]
        )
    rows.append([InlineKeyboardButton(text=texts.BTN_CANCEL, callback_data=CancelCb().pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def attention_keyboard(page: int, total_pages: int) -> InlineKeyboardMarkup | None:
    """Previous and Next for the admins' list of flagged orders (None when it fits one page)."""
    pager = _pager(page, total_pages, lambda p: AttentionCb(page=p).pack())
    return InlineKeyboardMarkup(inline_keyboard=[pager]) if pager else None
