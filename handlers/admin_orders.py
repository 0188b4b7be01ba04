"""Admin commands about orders: /order <id>, /refund, /resolve, /settle and /attention."""

from __future__ import annotations

import re

from aiogram import F
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.admin.operations import AdminOutcome, manual_refund, resolve_placed, resolve_refund, settle_by_hand
from bot.admin.reports import order_margin
from bot.config import Settings
from bot.i18n import _
from bot.wallet.money import AmountError, parse_amount
from handlers.admin import (
    ORDER_NUMBER,
    UsageError,
    admin_router,
    parse_id,
    parse_note,
    parse_provider_order_id,
    split_args,
)
from handlers.callbacks import AttentionCb
from handlers.common import show
from handlers.filters import Command
from handlers.keyboards import attention_keyboard, clamp_page, pages
from handlers.routing import Router
from providers.base import RemoteState
from storage.database import Database
from storage.ledger import LedgerRepo
from storage.orders import OrderRepo
from storage.refills import RefillRepo
from storage.users import UserRepo

ATTENTION_PAGE_SIZE = 10
_SETTLE_STATES = {
    "completed": RemoteState.COMPLETED,
    "canceled": RemoteState.CANCELED,
    "cancelled": RemoteState.CANCELED,
    "partial": RemoteState.PARTIAL,
}
_COUNT = re.compile(r"^[0-9]{1,9}$")
_PAGE = re.compile(r"^[0-9]{1,6}$")


async def cmd_order(
    message: Message,
    command: CommandObject,
    orders: OrderRepo,
    users: UserRepo,
    ledger: LedgerRepo,
    db: Database,
    settings: Settings,
) -> None:
    """Show everything about one order: /order <id> (only with digits; bare /order starts an order)."""
    order_id = int((command.args or "0").strip())
    order = await orders.get(order_id)
    if order is None:
        await message.answer(texts.no_such_order(order_id))
        return
    user = await users.get(order.user_id)
    await message.answer(
        texts.admin_order_card(
            order,
            user.display_name if user else str(order.user_id),
            settings.currency,
            margin=order_margin(order),
            refills=await RefillRepo(db).for_order(order.id),
            entries=await ledger.entries_for_order(order.id),
        )
    )


def _refund_args(command: CommandObject) -> tuple[int, int | None, str]:
    """Parse `<order_id> [amount|all] [note]`; the second word must be an amount or "all"."""
    parts = split_args(command, 1)
    order_id = parse_id(parts[0], ORDER_NUMBER)
    if len(parts) == 1:
        return order_id, None, ""
    rest = parts[1].split(maxsplit=1)
    amount = None if rest[0].lower() == "all" else parse_amount(rest[0])
    return order_id, amount, parse_note(rest, 1)


async def cmd_refund(message: Message, command: CommandObject, db: Database, settings: Settings) -> None:
    """Refund what is left of a finished order's charge, or part of it: /refund <order_id> [amount] [note]."""
    assert message.from_user is not None
    try:
        order_id, amount, note = _refund_args(command)
    except (UsageError, AmountError) as exc:
        await message.answer(texts.usage_error(str(exc).capitalize(), texts.REFUND_USAGE))
        return
    result = await manual_refund(
        db,
        order_id=order_id,
        amount=amount,
        admin_id=message.from_user.id,
        note=note,
        ref=f"refund:manual:{message.chat.id}:{message.message_id}",
        currency=settings.currency,
    )
    order = result.order
    if result.outcome == AdminOutcome.DONE and order is not None:
        text = texts.refund_done(order.id, result.amount, order.refunded, order.charge, settings.currency)
    elif result.outcome == AdminOutcome.WRONG_STATUS and order is not None:
        text = texts.refund_active(order.id, order.status)
    elif result.outcome == AdminOutcome.TOO_MUCH:
        text = texts.refund_too_much(order_id, result.left, settings.currency)
    elif result.outcome == AdminOutcome.ALREADY_APPLIED:
        text = texts.ALREADY_APPLIED
    else:
        text = texts.no_such_order(order_id)
    await message.answer(text)


def _resolve_args(command: CommandObject) -> tuple[int, str | None, str]:
    """Parse `<order_id> placed <provider order id>` or `<order_id> refund [note]`."""
    parts = split_args(command, 2)
    order_id = parse_id(parts[0], ORDER_NUMBER)
    action = parts[1].lower()
    if action == "placed":
        if len(parts) < 3 or len(parts[2].split()) != 1:
            raise UsageError(_("Give the provider's order id after “placed”"))
        return order_id, parse_provider_order_id(parts[2].strip()), ""
    if action == "refund":
        return order_id, None, parse_note(parts, 2)
    raise UsageError(_("“{word}” is neither “placed” nor “refund”").format(word=parts[1]))


async def cmd_resolve(message: Message, command: CommandObject, db: Database, settings: Settings) -> None:
    """Settle an order parked as unknown, exactly once: placed upstream, or refunded in full."""
    assert message.from_user is not None
    try:
        order_id, provider_order_id, note = _resolve_args(command)
    except UsageError as exc:
        await message.answer(texts.usage_error(str(exc), texts.RESOLVE_USAGE))
        return
    admin_id = message.from_user.id
    if provider_order_id is not None:
        result = await resolve_placed(
            db, order_id=order_id, provider_order_id=provider_order_id, admin_id=admin_id
        )
    else:
        result = await resolve_refund(
            db, order_id=order_id, admin_id=admin_id, note=note, currency=settings.currency
        )
    order = result.order
    if result.outcome == AdminOutcome.DONE and provider_order_id is not None:
        text = texts.resolved_placed(order_id, provider_order_id)
    elif result.outcome == AdminOutcome.DONE:
        text = texts.resolved_refunded(order_id, result.amount, settings.currency)
    elif result.outcome == AdminOutcome.WRONG_STATUS and order is not None:
        text = texts.resolve_not_unknown(order_id, order.status)
    elif result.outcome == AdminOutcome.ID_TAKEN and provider_order_id is not None:
        text = texts.resolve_id_taken(provider_order_id, result.other_order_id)
    elif result.outcome == AdminOutcome.ALREADY_APPLIED:
        text = texts.ALREADY_APPLIED
    else:
        text = texts.no_such_order(order_id)
    await message.answer(text)


def _settle_args(command: CommandObject) -> tuple[int, RemoteState, int | None]:
    """Parse `<order_id> completed|canceled` or `<order_id> partial <remains>`."""
    parts = (command.args or "").split()
    if len(parts) < 2:
        raise UsageError(_("Missing arguments"))
    order_id = parse_id(parts[0], ORDER_NUMBER)
    state = _SETTLE_STATES.get(parts[1].lower())
    if state is None:
        raise UsageError(_("“{word}” is not completed, canceled or partial").format(word=parts[1]))
    if state != RemoteState.PARTIAL:
        if len(parts) > 2:
            raise UsageError(_("Nothing goes after “{word}”").format(word=parts[1]))
        return order_id, state, None
    if len(parts) != 3 or not _COUNT.fullmatch(parts[2]):
        raise UsageError(_("Give the remains (the units not delivered) as a whole number after “partial”"))
    return order_id, state, int(parts[2])


async def cmd_settle(message: Message, command: CommandObject, db: Database, settings: Settings) -> None:
    """Settle a flagged or stuck active order by hand, as the provider would have, exactly once."""
    assert message.from_user is not None
    try:
        order_id, state, remains = _settle_args(command)
    except UsageError as exc:
        await message.answer(texts.usage_error(str(exc), texts.SETTLE_USAGE))
        return
    result = await settle_by_hand(
        db, settings, order_id=order_id, state=state, remains=remains, admin_id=message.from_user.id
    )
    order = result.order
    if result.outcome == AdminOutcome.DONE and order is not None:
        text = texts.settle_done(order, result.amount, settings.currency)
    elif result.outcome == AdminOutcome.WRONG_STATUS and order is not None:
        text = texts.settle_not_active(order.id, order.status)
    elif result.outcome == AdminOutcome.BAD_REMAINS and order is not None:
        text = texts.usage_error(texts.settle_remains_range(order.id, order.quantity), texts.SETTLE_USAGE)
    elif result.outcome == AdminOutcome.ALREADY_APPLIED:
        text = texts.ALREADY_APPLIED
    else:
        text = texts.no_such_order(order_id)
    await message.answer(text)


async def _attention_page(orders: OrderRepo, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    count = await orders.count_needing_attention()
    if count == 0:
        return texts.ATTENTION_NONE, None
    page = clamp_page(page, count, ATTENTION_PAGE_SIZE)
    flagged = await orders.needing_attention(limit=ATTENTION_PAGE_SIZE, offset=page * ATTENTION_PAGE_SIZE)
    total = pages(count, ATTENTION_PAGE_SIZE)
    return texts.attention_list(flagged, page, total, count), attention_keyboard(page, total)


async def cmd_attention(message: Message, command: CommandObject, orders: OrderRepo) -> None:
    """List orders flagged for an admin, parked ones first, then the newest: /attention [page]."""
    arg = (command.args or "").strip()
    if arg and not _PAGE.fullmatch(arg):
        await message.answer(
            texts.usage_error(_("“{word}” is not a page number").format(word=arg), texts.ATTENTION_USAGE)
        )
        return
    text, markup = await _attention_page(orders, int(arg or 1) - 1)
    await message.answer(text, reply_markup=markup)


async def on_attention_page(callback: CallbackQuery, callback_data: AttentionCb, orders: OrderRepo) -> None:
    """Show another page of the flagged orders."""
    await callback.answer()
    text, markup = await _attention_page(orders, callback_data.page)
    await show(callback, text, markup)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = admin_router(__name__)
    # Only `/order <digits>`: a bare /order is the customer's "new order" and must reach the catalogue.
    router.message.register(cmd_order, Command("order", magic=F.args.regexp(r"^\s*[0-9]{1,18}\s*$")))
    router.message.register(cmd_refund, Command("refund"))
    router.message.register(cmd_resolve, Command("resolve"))
    router.message.register(cmd_settle, Command("settle"))
    router.message.register(cmd_attention, Command("attention"))
    router.callback_query.register(on_attention_page, AttentionCb.filter())
    return router
