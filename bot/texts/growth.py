"""Referrals and broadcasts: what customers and admins read."""

from __future__ import annotations

from decimal import Decimal

from bot.i18n import N_, _, ngettext
from bot.texts.common import q
from bot.wallet.money import format_money

REFERRALS_OFF = N_("The shop has no referral program at the moment.")
BROADCAST_ASK = N_(
    "📣 <b>Broadcast</b>\nSend the message to broadcast: text (with Telegram formatting), or a photo with a "
    "caption. A last line such as <code>Open the shop | https://t.me/your_shop</code> adds a button. "
    "/cancel to stop."
)
BROADCAST_BAD_BUTTON = N_(
    "The last line looks like a button but its link is not a valid http(s) address. Fix it and send the "
    "message again."
)
BROADCAST_EMPTY = N_("Send text, or a photo with a caption.")
BROADCAST_AUDIENCE = N_("Who should receive it?")
BTN_AUDIENCE_ALL = N_("Everyone")
BTN_AUDIENCE_ACTIVE_7 = N_("Active in the last 7 days")
BTN_AUDIENCE_ACTIVE_30 = N_("Active in the last 30 days")
BTN_BROADCAST_SEND = N_("📣 Send")
BROADCAST_CANCELLED = N_("Broadcast cancelled; nothing was sent.")
BROADCAST_NONE = N_("No broadcast is being sent.")
BROADCAST_BUSY = N_(
    "A broadcast is being sent already; wait for it to finish or stop it with /broadcast_cancel."
)
BROADCAST_NOBODY = N_("Nobody matches this audience; nothing was sent.")


def referral_info(link: str, joined: int, earned: int, percent: Decimal, currency: str) -> str:
    return _(
        "🎁 <b>Invite friends</b>\n"
        "Share your link. You earn {percent}% of every top-up of everyone who joins through it.\n\n"
        "{link}\n\n"
        "Joined through your link: <b>{joined}</b>\n"
        "Earned: <b>{earned}</b>"
    ).format(
        percent=f"{percent.normalize():f}",
        link=q(link),
        joined=f"{joined:,}",
        earned=format_money(earned, currency),
    )


def referral_reward(reward: int, balance: int, currency: str) -> str:
    return _(
        "🎁 A friend you invited topped up their wallet: you earned <b>{reward}</b>.\n"
        "Balance: <b>{balance}</b>"
    ).format(reward=format_money(reward, currency), balance=format_money(balance, currency))


def referral_reversal_short(referrer_id: int, entry_id: int, reward: int, short: int, currency: str) -> str:
    return _(
        "⚠️ A referred top-up (ledger entry {entry}) was taken back, but referrer {user} no longer had its "
        "reward of {reward}: {short} could not be taken back."
    ).format(
        entry=entry_id,
        user=referrer_id,
        reward=format_money(reward, currency),
        short=format_money(short, currency),
    )


def referral_figures(referred: int, rewards: int, currency: str) -> str:
    return _("  Referred users: {referred}, rewards paid: {rewards}").format(
        referred=f"{referred:,}", rewards=format_money(rewards, currency)
    )


def audience_language(name: str) -> str:
    return _("Language: {language}").format(language=name)


def broadcast_preview(recipients: int, seconds: int) -> str:
    count = ngettext("{count} recipient", "{count} recipients", recipients).format(count=f"{recipients:,}")
    minutes = max(1, -(-seconds // 60))
    return _("⬆️ This is how it will look.\n{recipients}; it takes about {minutes} min. Send it?").format(
        recipients=count, minutes=minutes
    )


def broadcast_started(broadcast_id: int, recipients: int) -> str:
    return _("📣 Broadcast #{id} is being sent to {count} users. Progress is shown here.").format(
        id=broadcast_id, count=f"{recipients:,}"
    )


def broadcast_progress(broadcast_id: int, delivered: int, blocked: int, failed: int, left: int) -> str:
    return _(
        "📣 Broadcast #{id}: delivered {delivered}, blocked {blocked}, failed {failed}, left {left}."
    ).format(
        id=broadcast_id,
        delivered=f"{delivered:,}",
        blocked=f"{blocked:,}",
        failed=f"{failed:,}",
        left=f"{left:,}",
    )


def broadcast_report(
    broadcast_id: int, delivered: int, blocked: int, failed: int, canceled: int, seconds: float
) -> str:
    text = _(
        "✅ Broadcast #{id} finished in {duration} s.\nDelivered: {delivered}\nBlocked the bot: {blocked}\n"
        "Failed: {failed}"
    ).format(
        id=broadcast_id,
        duration=f"{seconds:,.0f}",
        delivered=f"{delivered:,}",
        blocked=f"{blocked:,}",
        failed=f"{failed:,}",
    )
    if canceled:
        text += "\n" + _("Not sent (cancelled): {count}").format(count=f"{canceled:,}")
    return text


def broadcast_stopped(broadcast_id: int, dropped: int) -> str:
    return _("⏹ Broadcast #{id} stopped; {count} messages were not sent.").format(
        id=broadcast_id, count=f"{dropped:,}"
    )


def deduct_topup_refused(entry: str) -> str:
    return _("“{entry}” is not a top-up of this user").format(entry=entry)
