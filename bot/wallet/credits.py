"""Wallet use-cases: admin credits and debits, each a ledger row plus the user's notice in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from bot.config import Settings
from bot.growth.referrals import reward_referrer
from bot.notify.notices import notify
from storage.database import Database
from storage.ledger import EntryKind, apply_entry


@dataclass(frozen=True, slots=True)
class Credit:
    amount: int
    new_balance: int


async def top_up(
    db: Database, settings: Settings, *, user_id: int, amount: int, admin_id: int, note: str, ref: str
) -> Credit:
    """Credit a wallet on an admin's word and queue the user's notice in the same transaction.

    The user's referrer, if any, earns their share in that transaction too.
    """
    currency = settings.currency
    if amount <= 0:
        raise ValueError("a top-up must be positive")
    async with db.transaction() as tx:
        new_balance = await apply_entry(
            tx, user_id=user_id, amount=amount, kind=EntryKind.TOPUP, ref=ref, admin_id=admin_id, note=note
        )
        await notify(
            tx,
            user_id,
            lambda: texts.topup_received(amount, new_balance, currency, note),
            ref=f"notice:{ref}",
        )
        await reward_referrer(tx, settings, user_id=user_id, topup_ref=ref)
    return Credit(amount=amount, new_balance=new_balance)
