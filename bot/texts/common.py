"""Menus, help, generic replies and wallet credits.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from bot.i18n import N_, _
from bot.wallet.money import format_money

if TYPE_CHECKING:
    pass


def q(value: object) -> str:
    """Escape any user- or provider-supplied value for Telegram HTML."""
    return escape(str(value), quote=False)


BTN_NEW_ORDER = N_("🛒 New order")
BTN_BALANCE = N_("💰 Balance")
BTN_MY_ORDERS = N_("📦 My orders")
BTN_HISTORY = N_("🧾 History")
BTN_HELP = N_("❓ Help")

# The command menu: command names stay as they are, descriptions are msgids (see `commands`).
_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Main menu")),
    ("order", N_("Place a new order")),
    ("search", N_("Find a service")),
    ("balance", N_("Show your balance")),
    ("orders", N_("Your orders")),
    ("history", N_("Wallet history")),
    ("topup", N_("Top up your wallet")),
    ("support", N_("Write to the shop's support")),
    ("tickets", N_("Your support tickets")),
    ("referral", N_("Invite friends")),
    ("paysupport", N_("Help with a payment")),
    ("cancel", N_("Leave the current step")),
    ("language", N_("Choose your language")),
    ("help", N_("How this shop works")),
)


def commands() -> list[tuple[str, str]]:
    """Return the bot's command menu as (command, description), described in the current locale."""
    return [(name, _(description)) for name, description in _COMMANDS]


def welcome(name: str, shop_hint: str = "") -> str:
    return _(
        "Welcome, <b>{name}</b>!\n\n"
        "Here you can order followers, likes, views and more for your social media.\n"
        "Pay from your wallet balance; anything that is not delivered comes back to it.\n\n"
        "Use the menu below to start."
    ).format(name=q(name))


def balance(amount: int, currency: str) -> str:
    return _("Balance: <b>{amount}</b>").format(amount=format_money(amount, currency))


HELP = N_(
    "<b>How it works</b>\n"
    "1. Tap <b>New order</b> (or /order), pick a platform, a category and a service, or find one with "
    "/search. You can also just send the link you want to promote.\n"
    "2. Send the link and the quantity, check the total and confirm.\n"
    "3. The price is taken from your wallet. If an order is only partly delivered or canceled, "
    "the undelivered part comes back to your wallet automatically.\n"
    "4. In /orders you can follow each order, ask for a refill of a completed order or cancel one "
    "that has not finished, where the service allows it.\n\n"
    "<b>Commands</b>\n"
    "/order – new order\n/search – find a service\n/balance – your balance\n/orders – your orders\n"
    "/history – wallet movements\n/topup – top up your wallet\n/support – write to support\n"
    "/tickets – your support tickets\n/paysupport – help with a payment\n"
    "/cancel – leave the current step\n/language – choose your language"
)

NOT_AVAILABLE = N_("Sorry, this command is not available.")
ERROR_APOLOGY = N_("Sorry, something went wrong on our side. Please try again in a moment.")
UNKNOWN_INPUT = N_("I didn't understand that. Use the menu below or /help.")

TOPUP_USAGE = N_(
    "Usage: <code>/topup &lt;user_id&gt; &lt;amount&gt; [note]</code>\n"
    "Example: <code>/topup 123456789 10.50 bank transfer</code>"
)


def usage_error(reason: str, usage: str) -> str:
    # No words of its own: `reason` and `usage` arrive translated.
    return f"⚠️ {q(reason)}.\n{usage}"


def topup_done(user_label: str, amount: int, new_balance: int, currency: str) -> str:
    return _("✅ Credited {amount} to {user}.\nNew balance: <b>{new_balance}</b>").format(
        amount=format_money(amount, currency),
        user=q(user_label),
        new_balance=format_money(new_balance, currency),
    )


def topup_received(amount: int, new_balance: int, currency: str, note: str) -> str:
    text = _("💰 Your wallet was credited with <b>{amount}</b>.\nBalance: <b>{new_balance}</b>").format(
        amount=format_money(amount, currency), new_balance=format_money(new_balance, currency)
    )
    if note:
        text += "\n" + _("Note: {note}").format(note=q(note))
    return text


STALE_BUTTON = N_("This button is no longer active. Please start again from the menu.")
