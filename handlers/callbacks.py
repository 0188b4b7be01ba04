"""Every callback data class. Callback data is user input: handlers re-check ownership and state."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class CategoriesCb(CallbackData, prefix="cats"):
    page: int = 0


class CategoryCb(CallbackData, prefix="cat"):
    category_id: int
    page: int = 0


class ServiceCb(CallbackData, prefix="svc"):
    service_id: int
    page: int = 0  # the services page to go back to


class OrderServiceCb(CallbackData, prefix="buy"):
    service_id: int


class ConfirmCb(CallbackData, prefix="ok"):
    key: str


class CancelCb(CallbackData, prefix="x"):
    pass


class OrdersPageCb(CallbackData, prefix="ords"):
    page: int = 0


class OrderViewCb(CallbackData, prefix="ord"):
    order_id: int
    page: int = 0


class RefillCb(CallbackData, prefix="rf"):
    order_id: int
    page: int = 0  # the orders page to go back to


class CancelOrderCb(CallbackData, prefix="co"):
    order_id: int
    page: int = 0
    sure: bool = False  # the first tap asks, the second (on "Yes, cancel it") sends the request


class HistoryCb(CallbackData, prefix="hist"):
    page: int = 0


class AttentionCb(CallbackData, prefix="att"):
    page: int = 0  # admins only: the admin area's filter checks whoever pressed


class LanguageCb(CallbackData, prefix="lang"):
    locale: str
