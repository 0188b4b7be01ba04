"""Admin use-cases that move money or settle orders: one transaction each, with its ledger row and notice."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from bot import texts
from bot.config import Settings
from bot.growth.referrals import reverse_reward
from bot.i18n import N_
from bot.notify.notices import notify
from bot.orders.settlement import SettleReport, plan_change, write_plans
from providers.base import RemoteState, StatusReport
from storage.database import Database, Tx, select_one
from storage.errors import DuplicateEntry
from storage.ledger import EntryKind, apply_entries, apply_entry, order_refund
from storage.orders import ACTIVE, Order, OrderStatus, fetch_order, placed, transition

logger = logging.getLogger(__name__)

# Orders the poller no longer settles: a manual refund cannot race an automatic one.
MANUALLY_REFUNDABLE = (OrderStatus.COMPLETED, OrderStatus.PARTIAL, OrderStatus.CANCELED, OrderStatus.FAILED)


class AdminOutcome(StrEnum):
    DONE = "done"
    NOT_FOUND = "not_found"
    WRONG_STATUS = "wrong_status"  # refund: still active or unknown; resolve: no longer unknown
    TOO_MUCH = "too_much"  # refund above what is left
    ID_TAKEN = "id_taken"  # resolve placed: that provider order id is another order's
    ALREADY_APPLIED = "already_applied"  # the same admin message was handled before
    BAD_REMAINS = "bad_remains"  # settle partial: remains not strictly between 0 and the quantity


@dataclass(frozen=True, slots=True)
class Result:
    outcome: AdminOutcome
    order: Order | None = None
    amount: int = 0
    left: int = 0  # refund: what could still be refunded
    new_balance: int = 0
    other_order_id: int = 0


async def deduct(
    db: Database,
    settings: Settings,
    *,
    user_id: int,
    amount: int,
    admin_id: int,
    note: str,
    ref: str,
    takes_back: str | None = None,
) -> int:
    """Debit a wallet on an admin's word (never below zero) and queue the user's notice; return the balance.

    `takes_back` names a top-up (its ledger reference) this debit takes back: its referral reward, if
    any, is reversed in the same transaction. Raises InsufficientFunds (nothing written) when the balance
    does not cover it, DuplicateEntry when the same reference was written before.
    """
    currency = settings.currency
    if amount <= 0:
        raise ValueError("a deduction must be positive")
    async with db.transaction() as tx:
        new_balance = await apply_entry(
            tx,
            user_id=user_id,
            amount=-amount,
            kind=EntryKind.ADJUSTMENT,
            ref=ref,
            admin_id=admin_id,
            note=note,
        )
        await notify(
            tx,
            user_id,
            lambda: texts.deduct_received(amount, new_balance, currency, note),
            ref=f"notice:{ref}",
        )
        if takes_back is not None:
            await reverse_reward(tx, settings, topup_ref=takes_back)
    return new_balance


async def manual_refund(
    db: Database,
    *,
    order_id: int,
    amount: int | None,
    admin_id: int,
    note: str,
    ref: str,
    currency: str,
) -> Result:
    """Refund part or all of what is left of a finished order's charge; None as amount means all of it."""
    try:
        async with db.transaction() as tx:
            order = await _order_in(tx, order_id, MANUALLY_REFUNDABLE)
            if isinstance(order, Result):
                return order
            left = order.charge - order.refunded
            value = left if amount is None else amount
            if left <= 0 or value > left:
                return Result(AdminOutcome.TOO_MUCH, order, left=left)
            # Guarded by the status read above: the same transaction, so nobody moved it in between.
            await transition(
                tx, order.id, expected=order.status, status=order.status, refunded=order.refunded + value
            )
            new_balance = await apply_entry(
                tx,
                user_id=order.user_id,
                amount=value,
                kind=EntryKind.REFUND,
                ref=ref,
                order_id=order.id,
                admin_id=admin_id,
                note=note,
            )
            await notify(
                tx,
                order.user_id,
                lambda: texts.refund_received(order.id, value, new_balance, currency, note),
                ref=f"notice:{ref}",
            )
            updated = await fetch_order(tx, order.id)
    except DuplicateEntry:
        return Result(AdminOutcome.ALREADY_APPLIED)
    logger.info("Admin %s refunded %s cents of order %s", admin_id, value, order_id)
    return Result(AdminOutcome.DONE, updated, amount=value, left=left - value, new_balance=new_balance)


async def _order_in(tx: Tx, order_id: int, statuses: Collection[OrderStatus]) -> Result | Order:
    """Read an order inside the transaction; a Result to answer with unless it is in one of `statuses`."""
    order = await fetch_order(tx, order_id)
    if order is None:
        return Result(AdminOutcome.NOT_FOUND)
    if order.status not in statuses:
        return Result(AdminOutcome.WRONG_STATUS, order)
    return order


async def resolve_placed(db: Database, *, order_id: int, provider_order_id: str, admin_id: int) -> Result:
    """The provider has the parked order: make it pending under that id so the poller follows it."""
    async with db.transaction() as tx:
        found = await _order_in(tx, order_id, (OrderStatus.UNKNOWN,))
        if isinstance(found, Result):
            return found
        other = await select_one(
            tx,
            "SELECT id FROM orders WHERE provider = ? AND provider_order_id = ? AND id != ?",
            (found.provider, provider_order_id, order_id),
        )
        if other is not None:
            return Result(AdminOutcome.ID_TAKEN, found, other_order_id=int(other[0]))
        now_placed = placed(provider_order_id)
        await transition(tx, order_id, expected=OrderStatus.UNKNOWN, status=OrderStatus.PENDING, **now_placed)
        await notify(
            tx,
            found.user_id,
            lambda: texts.order_confirmed_notice(order_id),
            ref=f"notice:resolved:{order_id}",
        )
        updated = await fetch_order(tx, order_id)
    logger.info("Admin %s resolved order %s as placed (%s)", admin_id, order_id, provider_order_id)
    return Result(AdminOutcome.DONE, updated)


async def resolve_refund(db: Database, *, order_id: int, admin_id: int, note: str, currency: str) -> Result:
    """The provider does not have the parked order: fail it and refund it in full, exactly once.

    The refund carries the same reference as an automatic one (`refund:order:<id>`), so money for an
    order can never come back twice, whichever path gets there first.
    """
    try:
        async with db.transaction() as tx:
            found = await _order_in(tx, order_id, (OrderStatus.UNKNOWN,))
            if isinstance(found, Result):
                return found
            amount = found.charge - found.refunded
            failed = {
                "refunded": found.charge,
                "attention": None,
                "error": N_("not placed (checked by an admin)"),  # translated where shown
            }
            await transition(tx, order_id, expected=OrderStatus.UNKNOWN, status=OrderStatus.FAILED, **failed)
            # Parked orders were never refunded (a refund always leaves `unknown`), so this is the charge.
            assert amount > 0, f"order {order_id} is unknown but already refunded"
            refund = order_refund(found, amount, note or f"Order #{order_id} was not placed", admin_id)
            [new_balance] = await apply_entries(tx, [refund])
            await notify(
                tx,
                found.user_id,
                lambda: texts.order_refunded_notice(order_id, amount, new_balance, currency),
                ref=f"notice:resolved:{order_id}",
            )
            updated = await fetch_order(tx, order_id)
    except DuplicateEntry:
        return Result(AdminOutcome.ALREADY_APPLIED)
    logger.info("Admin %s resolved order %s as not placed; refunded %s cents", admin_id, order_id, amount)
    return Result(AdminOutcome.DONE, updated, amount=amount, new_balance=new_balance)


async def settle_by_hand(
    db: Database, settings: Settings, *, order_id: int, state: RemoteState, remains: int | None, admin_id: int
) -> Result:
    """Settle a flagged or stuck active order as if the provider had reported `state`, exactly once.

    A status report is made up and goes through the poller's own plan and write, so the order's fields,
    the refund (`refund:order:<id>`) and the customer's notice are those of an automatic settlement. A
    final order is no longer polled, so a later status from the provider moves no money.
    """
    try:
        async with db.transaction() as tx:
            order = await _order_in(tx, order_id, ACTIVE)
            if isinstance(order, Result):
                return order
            if state == RemoteState.PARTIAL and not (remains is not None and 0 < remains < order.quantity):
                return Result(AdminOutcome.BAD_REMAINS, order)
            said = StatusReport(
                order_id=order.provider_order_id or "",
                state=state,
                raw_status=order.provider_status or "",  # keep the provider's last word on the card
                charge=None,
                start_count=None,
                remains=remains,
                currency=None,
            )
            plan = plan_change(order, said, settings)
            assert plan is not None, "a final status always changes an active order"
            plan.admin_id = admin_id
            report = SettleReport()
            await write_plans(tx, settings, [plan], report)
            updated = await fetch_order(tx, order_id)
    except DuplicateEntry:
        return Result(AdminOutcome.ALREADY_APPLIED)
    logger.info(
        "Admin %s settled order %s as %s; refunded %s cents", admin_id, order_id, state, report.refunded
    )
    return Result(AdminOutcome.DONE, updated, amount=report.refunded)
