"""Referral rewards: a share of each top-up of a referred user, paid in the top-up's own transaction.

The reward's ledger reference is `referral:<top-up entry id>`, so a top-up is rewarded once whatever path
credits it; taking the top-up back (a Stars refund, a refund made elsewhere, an admin's /deduct naming it)
reverses the reward once (`referral-reversal:<top-up entry id>`), never below zero.
"""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal

from bot import texts
from bot.config import Settings
from bot.notify.alerts import alert_admins
from bot.notify.notices import notify
from bot.wallet.money import to_minor_floor
from storage.database import Database, Tx, change, select_one
from storage.ledger import EntryKind, apply_entry

logger = logging.getLogger(__name__)

_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read aloud without mistakes
CODE_LENGTH = 8


def reward_for(amount: int, percent: Decimal) -> int:
    """`percent` of a top-up of `amount` cents, rounded down to the cent."""
    return to_minor_floor(Decimal(amount) / 100 * percent / 100)


async def code_of(db: Database, user_id: int) -> str:
    """The user's personal referral code, made the first time it is asked for."""
    async with db.transaction() as tx:
        row = await select_one(tx, "SELECT ref_code FROM users WHERE id = ?", (user_id,))
        if row is not None and row[0]:
            return str(row[0])
        while True:
            code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
            taken = await select_one(tx, "SELECT 1 FROM users WHERE ref_code = ?", (code,))
            if taken is None:
                await tx.execute("UPDATE users SET ref_code = ? WHERE id = ?", (code, user_id))
                return code


async def reward_referrer(tx: Tx, settings: Settings, *, user_id: int, topup_ref: str) -> int:
    """Pay the referrer of `user_id` their share of the top-up written under `topup_ref`; return cents."""
    if settings.referral_percent <= 0:
        return 0
    row = await select_one(
        tx,
        "SELECT u.referrer_id, l.id, l.amount FROM users u JOIN ledger l ON l.ref = ? WHERE u.id = ?",
        (topup_ref, user_id),
    )
    if row is None or row[0] is None:
        return 0
    referrer_id, entry_id, amount = int(row[0]), int(row[1]), int(row[2])
    reward = reward_for(amount, settings.referral_percent)
    if reward <= 0:
        return 0
    balance = await apply_entry(
        tx,
        user_id=referrer_id,
        amount=reward,
        kind=EntryKind.ADJUSTMENT,
        ref=f"referral:{entry_id}",
    )
    await tx.execute(
        "INSERT INTO referral_rewards (topup_entry_id, referrer_id, user_id, reward) VALUES (?, ?, ?, ?)",
        (entry_id, referrer_id, user_id, reward),
    )
    await notify(
        tx,
        referrer_id,
        lambda: texts.referral_reward(reward, balance, settings.currency),
        ref=f"notice:referral:{entry_id}",
    )
    return reward


async def reverse_reward(tx: Tx, settings: Settings, *, topup_ref: str) -> int:
    """The top-up under `topup_ref` was taken back: take its reward back once, never below zero."""
    row = await select_one(
        tx,
        "SELECT r.topup_entry_id, r.referrer_id, r.reward, u.balance FROM referral_rewards r "
        "JOIN ledger l ON l.id = r.topup_entry_id JOIN users u ON u.id = r.referrer_id "
        "WHERE l.ref = ? AND r.reversed_at IS NULL",
        (topup_ref,),
    )
    if row is None:
        return 0
    entry_id, referrer_id, reward, balance = (int(value) for value in row)
    taken = min(reward, balance)
    if taken:
        await apply_entry(
            tx,
            user_id=referrer_id,
            amount=-taken,
            kind=EntryKind.ADJUSTMENT,
            ref=f"referral-reversal:{entry_id}",
        )
    await change(
        tx,
        "UPDATE referral_rewards SET reversed = ?, reversed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
        "WHERE topup_entry_id = ?",
        (taken, entry_id),
    )
    if taken < reward:
        short = reward - taken
        await alert_admins(
            tx,
            settings,
            lambda: texts.referral_reversal_short(referrer_id, entry_id, reward, short, settings.currency),
            f"alert:referral-short:{entry_id}",
        )
    logger.info("Referral reward of top-up %s reversed: %s of %s cents", entry_id, taken, reward)
    return taken
