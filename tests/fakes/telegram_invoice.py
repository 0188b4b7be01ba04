"""sendInvoice parameters, validated as Telegram does for Telegram Stars (XTR), the only currency sold.

Observed wordings: STARS_INVOICE_INVALID (provider token or tips with XTR). INVOICE_PAYLOAD_INVALID,
CURRENCY_TOTAL_AMOUNT_INVALID and REPLY_MARKUP_BUY_EMPTY are MTProto error names; the title and
description wordings are the fake's own. Telegram accepts other currencies with a payment provider;
the fake refuses them (CURRENCY_INVALID) because the shop may only sell digital goods for Stars.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram_markup import parse_reply_markup
from tests.fakes.telegram_params import get_bool, get_optional_int, get_str
from tests.fakes.telegram_types import Invoice, JsonDict, bad_request

XTR = "XTR"
MAX_TITLE_LENGTH = 32
MAX_DESCRIPTION_LENGTH = 255
MAX_PAYLOAD_BYTES = 128
STARS_INVOICE_INVALID = "STARS_INVOICE_INVALID"
# Physical-goods options that Stars invoices do not support.
_NOT_FOR_STARS = (
    "need_name",
    "need_phone_number",
    "need_email",
    "need_shipping_address",
    "send_phone_number_to_provider",
    "send_email_to_provider",
    "is_flexible",
)


def parse_invoice(params: JsonDict) -> Invoice:
    """Validate the invoice fields of a sendInvoice call; raise ApiError(400) on the first bad one."""
    title = get_str(params, "title") or ""
    if not 1 <= len(title) <= MAX_TITLE_LENGTH:
        raise bad_request(f"invoice title must be 1-{MAX_TITLE_LENGTH} characters")
    description = get_str(params, "description") or ""
    if not 1 <= len(description) <= MAX_DESCRIPTION_LENGTH:
        raise bad_request(f"invoice description must be 1-{MAX_DESCRIPTION_LENGTH} characters")
    payload = get_str(params, "payload") or ""
    if not 1 <= len(payload.encode()) <= MAX_PAYLOAD_BYTES:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    currency = get_str(params, "currency") or ""
    if currency != XTR:
        raise bad_request("CURRENCY_INVALID")
    if (
        get_str(params, "provider_token")
        or (get_optional_int(params, "max_tip_amount") or 0) > 0
        or params.get("suggested_tip_amounts")
        or any(get_bool(params, name) for name in _NOT_FOR_STARS)
    ):
        raise bad_request(STARS_INVOICE_INVALID)
    return Invoice(
        title=title,
        description=description,
        currency=currency,
        total_amount=_stars_amount(params.get("prices")),
        payload=payload,
        start_parameter=get_str(params, "start_parameter") or "",
    )


def parse_invoice_markup(value: Any) -> JsonDict | None:
    """Validate an invoice's reply_markup: an inline keyboard whose first button is a Pay button."""
    inline = parse_reply_markup(value, inline_only=True).inline
    if inline is not None and inline["inline_keyboard"][0][0].get("pay") is not True:
        raise bad_request("REPLY_MARKUP_BUY_EMPTY")
    return inline


def _stars_amount(prices: Any) -> int:
    """Return the amount of the one LabeledPrice a Stars invoice must have."""
    if not isinstance(prices, list) or not all(_is_labeled_price(price) for price in prices):
        raise bad_request("can't parse prices JSON object")
    if len(prices) != 1:
        raise bad_request(STARS_INVOICE_INVALID)
    amount: int = prices[0]["amount"]
    if amount <= 0:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    return amount


def _is_labeled_price(price: Any) -> bool:
    if not isinstance(price, dict):
        return False
    amount = price.get("amount")
    return isinstance(price.get("label"), str) and isinstance(amount, int) and not isinstance(amount, bool)
