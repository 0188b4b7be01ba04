"""Telegram Stars top-ups: the customer's flow, /paysupport, and the admins' refunds and reports."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.i18n import N_, _, ngettext
from bot.texts.common import q
from bot.texts.views import when
from bot.wallet.money import format_money

if TYPE_CHECKING:
    from storage.stars import StarPayment

BTN_TOPUP = N_("⭐ Top up")
BTN_OTHER_AMOUNT = N_("✏️ Other amount")

TOPUP_OFF = N_("To top up your wallet, contact the shop's administrator.")
INVOICE_FAILED = N_("Sorry, the invoice could not be created. Please try again in a moment.")
INVOICE_LABEL = N_("Wallet top-up")
TOPUP_CANCELLED = N_("Top-up cancelled.")

# Pre-checkout refusals: Telegram shows them to the customer in the payment window.
CHECKOUT_UNKNOWN = N_("This invoice is not valid. Please start a new top-up with /topup.")
CHECKOUT_PAID = N_("This invoice has already been paid. Please start a new top-up with /topup.")
CHECKOUT_EXPIRED = N_("This invoice has expired. Please start a new top-up with /topup.")
CHECKOUT_CHANGED = N_("This invoice does not match our offer. Please start a new top-up with /topup.")

REFUNDSTARS_USAGE = N_(
    "Usage: <code>/refundstars &lt;telegram_payment_charge_id&gt;</code>\n"
    "The charge ids of the latest payments are listed by /stars."
)


def contact_line(contact: str) -> str:
    return _("Contact: {contact}").format(contact=q(contact))


def topup_off(contact: str) -> str:
    text = _(TOPUP_OFF)
    return text + ("\n" + contact_line(contact) if contact else "")


def topup_menu(balance: int, rate: Decimal, low: int, high: int, currency: str) -> str:
    return _(
        "⭐ <b>Top up with Telegram Stars</b>\n"
        "Balance: <b>{balance}</b>\n\n"
        "Choose an amount, or tap “Other amount” to type one from {low} to {high}.\n"
        "1 ⭐ = {rate} {currency}"
    ).format(
        balance=format_money(balance, currency),
        low=format_money(low, currency),
        high=format_money(high, currency),
        rate=rate,
        currency=q(currency),
    )


def preset_label(amount: int, stars: int, currency: str) -> str:
    # No words: an amount and its Stars, e.g. "10.00 USD · 500 ⭐".
    return f"{format_money(amount, currency)} · {stars:,} ⭐"


def ask_amount(low: int, high: int, currency: str) -> str:
    return _("Send the amount in {currency}, from {low} to {high}. /cancel to stop.").format(
        currency=q(currency), low=format_money(low, currency), high=format_money(high, currency)
    )


def amount_refused(reason: str, low: int, high: int, currency: str) -> str:
    return "⚠️ " + _("{reason}. Send an amount from {low} to {high}, or /cancel.").format(
        reason=q(reason[:1].upper() + reason[1:]),
        low=format_money(low, currency),
        high=format_money(high, currency),
    )


def amount_too_low(low: int, currency: str) -> str:
    return _("the smallest top-up is {low}").format(low=format_money(low, currency))


def amount_too_high(high: int, currency: str) -> str:
    return _("the largest top-up is {high}").format(high=format_money(high, currency))


def invoice_title(amount: int, currency: str) -> str:
    # Telegram allows 32 characters: "Top-up 1000000.00 USD" is 21.
    return _("Top-up {amount}").format(amount=format_money(amount, currency))


def invoice_description(amount: int, stars: int, currency: str) -> str:
    return _(
        "{amount} to your shop wallet for {stars} ⭐. The invoice is valid for 24 hours; "
        "the amount is credited as soon as you pay."
    ).format(amount=format_money(amount, currency), stars=f"{stars:,}")


def invoice_sent(amount: int, stars: int, currency: str) -> str:
    return _("Here is your invoice: {amount} for {stars} ⭐. Tap “Pay” to top up.").format(
        amount=format_money(amount, currency), stars=f"{stars:,}"
    )


def stars_credited(stars: int, amount: int, balance: int, currency: str) -> str:
    return _(
        "✅ Payment received: {stars} ⭐.\n"
        "Your wallet was credited with <b>{amount}</b>.\n"
        "Balance: <b>{balance}</b>"
    ).format(
        stars=f"{stars:,}", amount=format_money(amount, currency), balance=format_money(balance, currency)
    )


def stars_received_uncredited(stars: int) -> str:
    return _(
        "We received your payment of {stars} ⭐. An administrator will credit your wallet shortly; "
        "write /paysupport if you need help."
    ).format(stars=f"{stars:,}")


def payment_already_credited(balance: int, currency: str) -> str:
    return _("This payment was already credited. Balance: <b>{balance}</b>").format(
        balance=format_money(balance, currency)
    )


def stars_refunded(stars: int, amount: int, balance: int, currency: str) -> str:
    text = _("↩️ Your payment of {stars} ⭐ was refunded.").format(stars=f"{stars:,}")
    if amount:
        text += "\n" + _("{amount} was taken back from your wallet.").format(
            amount=format_money(amount, currency)
        )
    return text + "\n" + _("Balance: <b>{balance}</b>").format(balance=format_money(balance, currency))


def paysupport(contact: str) -> str:
    text = _(
        "💬 <b>Help with a payment</b>\n"
        "Payments in Telegram Stars are handled by this shop, not by Telegram support. If a payment "
        "was not credited, was charged twice or you want it refunded, write to the shop with the date "
        "and the amount; /history shows every credit to your wallet."
    )
    if contact:
        return text + "\n\n" + contact_line(contact)
    return text + "\n\n" + _("Write to the shop's administrator; they will answer here.")


# ------------------------------------------------------------------------ admins


def stars_payment_alert(
    outcome: str, source: str, user_id: int, charge_id: str, stars: int, amount: int, currency: str
) -> str:
    if outcome == "uncredited":
        head = _(
            "⚠️ A Stars payment could not be credited: STARS_RATE is not set. Credit or refund it by hand."
        )
    elif outcome == "unmatched":
        head = _(
            "⚠️ A Stars payment matched no open invoice of its payer; it was credited at the current rate."
        )
    else:
        head = _("⚠️ A Stars payment whose update was lost was found in Telegram's records and credited.")
    details = _("User {user}, {stars} ⭐, credited {amount}.\nCharge: <code>{charge}</code>").format(
        user=user_id, stars=f"{stars:,}", amount=format_money(amount, currency), charge=q(charge_id)
    )
    if source == "reconciliation" and outcome != "credited":
        details += "\n" + _("Found by reconciliation with Telegram's records.")
    return f"{head}\n{details}"


def stars_refund_unknown(user_id: int, charge_id: str, stars: int) -> str:
    return _(
        "⚠️ Telegram refunded {stars} ⭐ to user {user} for a payment this shop never recorded; "
        "nothing was taken from the wallet.\nCharge: <code>{charge}</code>"
    ).format(stars=f"{stars:,}", user=user_id, charge=q(charge_id))


def stars_refund_short(user_id: int, charge_id: str, credited: int, short: int, currency: str) -> str:
    return _(
        "⚠️ A Stars payment of user {user} was refunded outside the shop, but the wallet no longer held its "
        "credit of {credited}: {short} could not be taken back.\nCharge: <code>{charge}</code>"
    ).format(
        user=user_id,
        credited=format_money(credited, currency),
        short=format_money(short, currency),
        charge=q(charge_id),
    )


def refundstars_done(user_id: int, stars: int, amount: int, balance: int, currency: str) -> str:
    return _(
        "✅ Refunded {stars} ⭐ to user {user}; {amount} was taken from the wallet.\nTheir balance: {balance}"
    ).format(
        stars=f"{stars:,}",
        user=user_id,
        amount=format_money(amount, currency),
        balance=format_money(balance, currency),
    )


def refundstars_already(charge_id: str) -> str:
    return _("This payment was refunded before; nothing changed.\nCharge: <code>{charge}</code>").format(
        charge=q(charge_id)
    )


def refundstars_unknown(charge_id: str) -> str:
    return _("No Stars payment with the charge id <code>{charge}</code> is recorded.").format(
        charge=q(charge_id)
    )


def refundstars_not_covered(user_id: int, amount: int, balance: int, currency: str) -> str:
    return _(
        "⚠️ Not refunded: user {user} was credited {amount} for this payment, but their balance is {balance}. "
        "The credit has been spent, so the Stars cannot go back."
    ).format(user=user_id, amount=format_money(amount, currency), balance=format_money(balance, currency))


def refundstars_refused(reason: str, balance: int, currency: str) -> str:
    return _(
        "⚠️ Telegram refused the refund: {reason}\n"
        "The amount was given back to the wallet (balance {balance})."
    ).format(reason=q(reason), balance=format_money(balance, currency))


def refundstars_uncertain(charge_id: str) -> str:
    return _(
        "⚠️ Telegram did not answer the refund request. The amount stays taken from the wallet; send "
        "<code>/refundstars {charge}</code> again to finish it (nothing is taken twice)."
    ).format(charge=q(charge_id))


def _refund_word(payment: StarPayment) -> str:
    words = {
        "none": "",
        "pending": _("refund pending"),
        "refunded": _("refunded"),
        "failed": _("refund refused"),
    }
    return words[payment.refund.value]


def payment_line(payment: StarPayment, currency: str) -> str:
    state = _refund_word(payment)
    return (
        f"{when(payment.created_at)} · {payment.user_id} · {payment.stars:,} ⭐ · "
        f"{format_money(payment.amount, currency)}"
        + (f" · {state}" if state else "")
        + f"\n    <code>{q(payment.charge_id)}</code>"
    )


def income_line(label: str, payments: int, stars: int, refunded: int) -> str:
    counted = ngettext("{count} payment", "{count} payments", payments).format(count=f"{payments:,}")
    return _("<b>{period}</b>: {payments}, {stars} ⭐ (refunded {refunded} ⭐)").format(
        period=q(_(label)), payments=counted, stars=f"{stars:,}", refunded=f"{refunded:,}"
    )


def stars_report(
    income: Sequence[str],
    rate: Decimal | None,
    currency: str,
    reconciliation: str,
    recent: Sequence[StarPayment],
) -> str:
    lines = [_("⭐ <b>Telegram Stars</b> (from Telegram's records)"), *income]
    if rate is None:
        lines.append(_("Top-ups with Stars are off (STARS_RATE is not set)."))
    else:
        lines.append(_("Rate: 1 ⭐ = {rate} {currency}").format(rate=rate, currency=q(currency)))
    lines.append("")
    lines.append(reconciliation)
    if recent:
        lines.append("\n" + _("<b>Latest payments</b> (date · user · Stars · credited):"))
        lines.extend(payment_line(payment, currency) for payment in recent)
    else:
        lines.append("\n" + _("No Stars payments yet."))
    return "\n".join(lines)


def reconciliation_summary(
    listed: int, credited: int, refunds: int, unlisted: Sequence[str], partial: bool
) -> str:
    if not (credited or refunds or unlisted):
        text = ngettext(
            "✅ The {count} payment Telegram lists is recorded.",
            "✅ All {count} payments Telegram lists are recorded.",
            listed,
        ).format(count=f"{listed:,}")
    else:
        parts = []
        if credited:
            parts.append(
                ngettext(
                    "⚠️ {count} payment whose update was lost was credited now.",
                    "⚠️ {count} payments whose updates were lost were credited now.",
                    credited,
                ).format(count=credited)
            )
        if refunds:
            parts.append(
                ngettext(
                    "⚠️ {count} refund made outside the shop was applied now.",
                    "⚠️ {count} refunds made outside the shop were applied now.",
                    refunds,
                ).format(count=refunds)
            )
        if unlisted:
            parts.append(stars_unlisted(unlisted))
        text = "\n".join(parts)
    if partial:
        text += "\n" + _("Only the newest part of Telegram's records was read.")
    return text


def stars_unlisted(charge_ids: Sequence[str]) -> str:
    shown = "\n".join(f"<code>{q(charge)}</code>" for charge in charge_ids[:20])
    more = len(charge_ids) - 20
    text = ngettext(
        "⚠️ {count} recorded payment is not in Telegram's records:",
        "⚠️ {count} recorded payments are not in Telegram's records:",
        len(charge_ids),
    ).format(count=len(charge_ids))
    return f"{text}\n{shown}" + (f"\n(+{more})" if more > 0 else "")


def topups_by_method(stars: int, admin: int, currency: str) -> str:
    return _("  Top-ups: {total} (Telegram Stars {stars}, by admins {admin})").format(
        total=format_money(stars + admin, currency),
        stars=format_money(stars, currency),
        admin=format_money(admin, currency),
    )
