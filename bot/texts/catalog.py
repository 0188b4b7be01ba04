"""Browsing the catalogue.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.texts.common import q
from bot.wallet.money import format_money
from storage.catalog import Service

if TYPE_CHECKING:
    pass


# --- Catalogue --------------------------------------------------------------------------------------

BTN_BACK = "« Back"
BTN_CANCEL = "✖ Cancel"
BTN_CONFIRM = "✅ Confirm"
BTN_ORDER = "🛒 Order"
BTN_PREV = "‹ Prev"
BTN_NEXT = "Next ›"
BTN_CATEGORIES = "« Categories"

CATALOG_EMPTY = "The catalogue is empty right now. Please try again later."
CHOOSE_CATEGORY = "🛒 <b>New order</b>\nChoose a category:"
SERVICE_GONE = "This service is no longer available. Please choose another one."
CATEGORY_GONE = "This category has no services right now. Please choose another one."


def page_suffix(page: int, pages: int) -> str:
    return f"\n\nPage {page + 1} of {pages}" if pages > 1 else ""


def services_header(category: str) -> str:
    return f"🛒 <b>{q(category)}</b>\nChoose a service (price per 1,000):"


def service_line(name: str, price_per_1000: int, minimum: int, maximum: int, currency: str) -> str:
    return f"• {q(name)}: {format_money(price_per_1000, currency)}, {minimum:,}–{maximum:,}"


def service_button(name: str, price_per_1000: int, currency: str) -> str:
    short = name if len(name) <= 40 else name[:39] + "…"
    return f"{short} · {format_money(price_per_1000, currency)}"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def service_card(service: Service, price_per_1000: int, currency: str) -> str:
    text = (
        f"<b>{q(service.name)}</b>\n"
        f"Category: {q(service.category)}\n\n"
        f"Price: <b>{format_money(price_per_1000, currency)}</b> per 1,000\n"
        f"Order from {service.min_quantity:,} to {service.max_quantity:,}\n"
        f"Refill: {yes_no(service.refill)} · Cancel: {yes_no(service.cancel)}"
    )
    if service.description:
        description = (
            service.description if len(service.description) <= 1500 else service.description[:1500] + "…"
        )
        text += f"\n\n{q(description)}"
    return text
