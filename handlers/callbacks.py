"""Every callback data class. Callback data is user input: handlers re-check ownership and state."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Bounds checked when a button's data is read: anything else is not our button (the fallback answers).
RowId = Annotated[int, Field(ge=0, lt=2**63)]  # an SQLite integer key
PlatformKey = Annotated[str, Field(max_length=24, pattern=r"^[a-z0-9_]+$")]  # bot.catalog.platforms


class PlatformsCb(CallbackData, prefix="plats"):
    page: int = 0


class PlatformCb(CallbackData, prefix="plat"):
    platform: PlatformKey
    page: int = 0  # a page of the platform's categories


class CategoryCb(CallbackData, prefix="cat"):
    category_id: RowId
    page: int = 0
    platform: PlatformKey | None = None  # only this platform's services of the category


class ServiceCb(CallbackData, prefix="svc"):
    service_id: RowId
    page: int = 0  # the services page (or the search results page) to go back to
    found: bool = False  # opened from search results: Back goes to them


class SearchCb(CallbackData, prefix="find"):
    pass


class SearchPageCb(CallbackData, prefix="found"):
    page: int = 0


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


class SupportOrderCb(CallbackData, prefix="sup"):
    order_id: RowId  # "Problem with this order": the order's owner is checked when pressed


class SupportTopicCb(CallbackData, prefix="supt"):
    topic: str  # storage.tickets.Topic; anything else is refused
    order_id: RowId = 0  # 0: not about an order


class AudienceCb(CallbackData, prefix="bca"):
    audience: str  # storage.broadcasts.Audience as text; parsed and refused when not one


class SendCb(CallbackData, prefix="bcs"):
    audience: str


class TopupCb(CallbackData, prefix="topup"):
    amount: Annotated[int, Field(ge=0, lt=10**12)]  # cents; 0 asks for another amount
