"""Menus, help, generic replies and wallet credits.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from bot.wallet.money import format_money

if TYPE_CHECKING:
    pass


def q(value: object) -> str:
    """Escape any user- or provider-supplied value for Telegram HTML."""
    return escape(str(value), quote=False)


BTN_NEW_ORDER = "🛒 New order"
BTN_BALANCE = "💰 Balance"
BTN_MY_ORDERS = "📦 My orders"
BTN_HISTORY = "🧾 History"
BTN_HELP = "❓ Help"

COMMANDS: list[tuple[str, str]] = [
    ("start", "Main menu"),
    ("order", "Place a new order"),
    ("balance", "Show your balance"),
    ("orders", "Your orders"),
    ("history", "Wallet history"),
    ("cancel", "Leave the current step"),
    ("help", "How this shop works"),
]


def welcome(name: str, shop_hint: str = "") -> str:
    return (
        f"Welcome, <b>{q(name)}</b>!\n\n"
        "Here you can order followers, likes, views and more for your social media.\n"
        "Pay from your wallet balance; anything that is not delivered comes back to it.\n\n"
        "Use the menu below to start."
    )


def balance(amount: int, currency: str) -> str:
    return f"Balance: <b>{format_money(amount, currency)}</b>"


HELP = (
    "<b>How it works</b>\n"
    "1. Tap <b>New order</b> (or /order), pick a category and a service.\n"
    "2. Send the link and the quantity, check the total and confirm.\n"
    "3. The price is taken from your wallet. If an order is only partly delivered or canceled, "
    "the undelivered part comes back to your wallet automatically.\n"
    "4. In /orders you can follow each order, ask for a refill of a completed order or cancel one "
    "that has not finished, where the service allows it.\n\n"
    "<b>Commands</b>\n"
    "/order – new order\n/balance – your balance\n/orders – your orders\n"
    "/history – wallet movements\n/cancel – leave the current step\n\n"
    "To top up your wallet, contact the shop's administrator."
)

NOT_AVAILABLE = "Sorry, this command is not available."
ERROR_APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
UNKNOWN_INPUT = "I didn't understand that. Use the menu below or /help."

TOPUP_USAGE = (
    "Usage: <code>/topup &lt;user_id&gt; &lt;amount&gt; [note]</code>\n"
    "Example: <code>/topup 123456789 10.50 bank transfer</code>"
)


def usage_error(reason: str, usage: str) -> str:
    return f"⚠️ {q(reason)}.\n{usage}"


def topup_done(user_label: str, amount: int, new_balance: int, currency: str) -> str:
    return (
        f"✅ Credited {format_money(amount, currency)} to {q(user_label)}.\n"
        f"New balance: <b>{format_money(new_balance, currency)}</b>"
    )


def topup_received(amount: int, new_balance: int, currency: str, note: str) -> str:
    text = (
        f"💰 Your wallet was credited with <b>{format_money(amount, currency)}</b>.\n"
        f"Balance: <b>{format_money(new_balance, currency)}</b>"
    )
    if note:
        text += f"\nNote: {q(note)}"
    return text


STALE_BUTTON = "This button is no longer active. Please start again from the menu."
