"""Pure functions that build the keyboards of the order views and the wallet history."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from handlers.callbacks import CancelOrderCb, HistoryCb, OrdersPageCb, OrderViewCb, RefillCb, SupportOrderCb
from storage.orders import Order


def _pager(
    page: int, total_pages: int, make: type[OrdersPageCb] | type[HistoryCb]
) -> list[InlineKeyboardButton]:
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text=texts.BTN_PREV, callback_data=make(page=page - 1).pack()))
    if page < total_pages - 1:
        row.append(InlineKeyboardButton(text=texts.BTN_NEXT, callback_data=make(page=page + 1).pack()))
    return row


def orders_keyboard(orders: list[Order], page: int, total_pages: int) -> InlineKeyboardMarkup:
    """One button per order on this page, then paging."""
    rows = [
        [
            InlineKeyboardButton(
                text=texts.order_button(order), callback_data=OrderViewCb(order_id=order.id, page=page).pack()
            )
        ]
        for order in orders
    ]
    pager = _pager(page, total_pages, OrdersPageCb)
    if pager:
        rows.append(pager)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def order_keyboard(order_id: int, page: int, *, refill: bool, cancel: bool) -> InlineKeyboardMarkup:
    """Refill and Cancel where they apply, and the way back to the list."""
    rows = []
    if refill:
        rows.append(
            [
                InlineKeyboardButton(
                    text=texts.BTN_REFILL, callback_data=RefillCb(order_id=order_id, page=page).pack()
                )
            ]
        )
    if cancel:
        data = CancelOrderCb(order_id=order_id, page=page).pack()
        rows.append([InlineKeyboardButton(text=texts.BTN_CANCEL_ORDER, callback_data=data)])
    problem = SupportOrderCb(order_id=order_id).pack()
    rows.append([InlineKeyboardButton(text=texts.BTN_ORDER_PROBLEM, callback_data=problem)])
    rows.append([InlineKeyboardButton(text=texts.BTN_ORDERS, callback_data=OrdersPageCb(page=page).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def cancel_confirm_keyboard(order_id: int, page: int) -> InlineKeyboardMarkup:
    """Yes (send the cancel request) or keep the order."""
    sure = CancelOrderCb(order_id=order_id, page=page, sure=True).pack()
    keep = OrderViewCb(order_id=order_id, page=page).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=texts.BTN_CANCEL_ORDER_SURE, callback_data=sure)],
            [InlineKeyboardButton(text=texts.BTN_KEEP_ORDER, callback_data=keep)],
        ]
    )


def history_keyboard(page: int, total_pages: int) -> InlineKeyboardMarkup | None:
    """Paging for the wallet history, if there is more than one page."""
    pager = _pager(page, total_pages, HistoryCb)
    return InlineKeyboardMarkup(inline_keyboard=[pager]) if pager else None
