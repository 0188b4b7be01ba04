"""Browsing the catalogue.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import N_, _
from bot.texts.common import q
from bot.wallet.money import format_money
from storage.catalog import Service

if TYPE_CHECKING:
    pass


# --- Catalogue --------------------------------------------------------------------------------------

BTN_BACK = N_("« Back")
BTN_CANCEL = N_("✖ Cancel")
BTN_CONFIRM = N_("✅ Confirm")
BTN_ORDER = N_("🛒 Order")
BTN_PREV = N_("‹ Prev")
BTN_NEXT = N_("Next ›")
BTN_CATEGORIES = N_("« Categories")

CATALOG_EMPTY = N_("The catalogue is empty right now. Please try again later.")
SERVICE_GONE = N_("This service is no longer available. Please choose another one.")
CATEGORY_GONE = N_("This category has no services right now. Please choose another one.")


def page_suffix(page: int, pages: int) -> str:
    if pages <= 1:
        return ""
    return "\n\n" + _("Page {page} of {pages}").format(page=page + 1, pages=pages)


def services_header(category: str) -> str:
    return _("🛒 <b>{category}</b>\nChoose a service (price per 1,000):").format(category=q(category))


def service_line(name: str, price_per_1000: int, minimum: int, maximum: int, currency: str) -> str:
    # No words: a provider's name, a price and a range.
    return f"• {q(name)}: {format_money(price_per_1000, currency)}, {minimum:,}–{maximum:,}"


def service_button(name: str, price_per_1000: int, currency: str) -> str:
    short = name if len(name) <= 40 else name[:39] + "…"
    return f"{short} · {format_money(price_per_1000, currency)}"


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def service_card(service: Service, price_per_1000: int, currency: str, *, per_package: bool = False) -> str:
    """A service's card; for a package kind the price is of one package, and no range applies."""
    if per_package:
        text = _(
            "<b>{service}</b>\n"
            "Category: {category}\n\n"
            "Price: <b>{price}</b> per package\n"
            "Refill: {refill} · Cancel: {cancel}"
        )
    else:
        text = _(
            "<b>{service}</b>\n"
            "Category: {category}\n\n"
            "Price: <b>{price}</b> per 1,000\n"
            "Order from {minimum} to {maximum}\n"
            "Refill: {refill} · Cancel: {cancel}"
        )
    text = text.format(
        service=q(service.name),
        category=q(service.category),
        price=format_money(price_per_1000, currency),
        minimum=f"{service.min_quantity:,}",
        maximum=f"{service.max_quantity:,}",
        refill=yes_no(service.refill),
        cancel=yes_no(service.cancel),
    )
    if service.description:
        description = (
            service.description if len(service.description) <= 1500 else service.description[:1500] + "…"
        )
        text += f"\n\n{q(description)}"
    return text
