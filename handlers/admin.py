"""Admin commands; the whole router is scoped to ADMIN_IDS, and `refusal_router` answers everyone else."""

from __future__ import annotations

import logging
import re
from decimal import Decimal

from aiogram import F
from aiogram.filters import CommandObject
from aiogram.types import Message

from bot import texts
from bot.admin.operations import deduct
from bot.config import Settings
from bot.i18n import N_, _
from bot.wallet.credits import top_up
from bot.wallet.money import AmountError, parse_amount, parse_decimal
from handlers.filters import Command, IsAdmin
from handlers.routing import Router
from providers import is_usable_order_id
from storage.database import Database
from storage.errors import DuplicateEntry, InsufficientFunds
from storage.orders import OrderRepo
from storage.users import UserRepo

logger = logging.getLogger(__name__)


# Every admin command except /order, which customers use without arguments to start an order. A customer's
# /topup with one amount or none is their own top-up (`handlers.topup`); the admin form has two words.
ADMIN_COMMANDS = (
    "admin",
    "topup",
    "deduct",
    "user",
    "refund",
    "resolve",
    "settle",
    "attention",
    "markup",
    "price",
    "service",
    "sync",
    "stats",
    "provider",
    "audit",
    "refundstars",
    "stars",
    "broadcast",
    "broadcast_cancel",
)
MAX_NOTE_LENGTH = 200
MAX_PERCENT = Decimal(1000)
RECENT_ORDERS = 5
# ASCII digits only (str.isdigit() also accepts "²", which int() refuses), short enough for SQLite.
_ID = re.compile(r"^[0-9]{1,18}$")
# What an id names, for `parse_id` (msgids: "“x” is not an order number").
ORDER_NUMBER = N_("an order number")
SERVICE_NUMBER = N_("a service number")


class UsageError(ValueError):
    """Malformed admin arguments; the message says what is wrong, in the admin's language."""


def split_args(command: CommandObject, minimum: int) -> list[str]:
    """Split command arguments: the first `minimum` words, then the rest as one trailing text."""
    raw = (command.args or "").strip()
    parts = raw.split(maxsplit=minimum)
    if len(parts) < minimum:
        raise UsageError(_("Missing arguments"))
    return parts


async def target_user_id(users: UserRepo, word: str) -> int:
    """Resolve a numeric user id that must belong to a registered user."""
    if not _ID.fullmatch(word):
        raise UsageError(_("“{word}” is not a user id").format(word=word))
    user = await users.get(int(word))
    if user is None:
        raise UsageError(_("User {user} is not known to the bot").format(user=word))
    return user.id


def parse_id(word: str, what: str) -> int:
    """Parse a positive numeric id (order, service); `what` names it, a msgid such as `ORDER_NUMBER`."""
    if not _ID.fullmatch(word) or int(word) == 0:
        raise UsageError(_("“{word}” is not {what}").format(word=word, what=_(what)))
    return int(word)


def parse_percent(word: str) -> Decimal:
    """Parse a markup percentage exactly: a plain decimal from 0 to 1000."""
    try:
        percent = parse_decimal(word)
    except AmountError as exc:
        raise UsageError(_("“{word}” is not a percentage: {reason}").format(word=word, reason=exc)) from None
    if not 0 <= percent <= MAX_PERCENT:
        raise UsageError(_("The percentage must be from 0 to {most}").format(most=MAX_PERCENT))
    return percent


def parse_provider_order_id(word: str) -> str:
    """Accept a provider order id as panels issue them: digits, or letters, digits, - and _."""
    if not is_usable_order_id(word):
        raise UsageError(_("“{word}” is not a provider order id").format(word=word))
    return word


def parse_note(parts: list[str], index: int) -> str:
    """Return the optional free-text note, bounded in length."""
    note = parts[index].strip() if len(parts) > index else ""
    if len(note) > MAX_NOTE_LENGTH:
        raise UsageError(_("The note is longer than {most} characters").format(most=MAX_NOTE_LENGTH))
    return note


async def wallet_args(command: CommandObject, users: UserRepo) -> tuple[int, int, str]:
    """Parse `<user_id> <amount> [note]` (shared by /topup and /deduct) into id, cents and note."""
    parts = split_args(command, 2)
    user_id = await target_user_id(users, parts[0])
    amount = parse_amount(parts[1])
    return user_id, amount, parse_note(parts, 2)


async def cmd_topup(
    message: Message, command: CommandObject, db: Database, users: UserRepo, settings: Settings
) -> None:
    """Credit a user's wallet: /topup <user_id> <amount> [note]."""
    assert message.from_user is not None
    try:
        user_id, amount, note = await wallet_args(command, users)
    except (UsageError, AmountError) as exc:
        await message.answer(texts.usage_error(str(exc).capitalize(), texts.TOPUP_USAGE))
        return
    try:
        credit = await top_up(
            db,
            settings,
            user_id=user_id,
            amount=amount,
            admin_id=message.from_user.id,
            note=note,
            ref=f"topup:{message.chat.id}:{message.message_id}",
        )
    except DuplicateEntry:
        # The same command delivered twice (Telegram re-sends an update it thinks was lost).
        await message.answer(texts.ALREADY_APPLIED)
        return
    logger.info("Admin %s credited %s cents to user %s", message.from_user.id, amount, user_id)
    user = await users.get(user_id)
    label = user.display_name if user else str(user_id)
    await message.answer(texts.topup_done(label, amount, credit.new_balance, settings.currency))


async def cmd_deduct(
    message: Message, command: CommandObject, db: Database, users: UserRepo, settings: Settings
) -> None:
    """Debit a user's wallet, never below zero: /deduct <user_id> <amount> [note]."""
    assert message.from_user is not None
    try:
        user_id, amount, note = await wallet_args(command, users)
    except (UsageError, AmountError) as exc:
        await message.answer(texts.usage_error(str(exc).capitalize(), texts.DEDUCT_USAGE))
        return
    try:
        takes_back, note = await named_topup(db, user_id, note)
    except UsageError as exc:
        await message.answer(texts.usage_error(str(exc), texts.DEDUCT_USAGE))
        return
    user = await users.get(user_id)
    label = user.display_name if user else str(user_id)
    try:
        new_balance = await deduct(
            db,
            settings,
            user_id=user_id,
            amount=amount,
            admin_id=message.from_user.id,
            note=note,
            ref=f"deduct:{message.chat.id}:{message.message_id}",
            takes_back=takes_back,
        )
    except InsufficientFunds as exc:
        await message.answer(texts.deduct_short(label, amount, exc.available, settings.currency))
        return
    except DuplicateEntry:
        await message.answer(texts.ALREADY_APPLIED)
        return
    logger.info("Admin %s deducted %s cents from user %s", message.from_user.id, amount, user_id)
    await message.answer(texts.deduct_done(label, amount, new_balance, settings.currency))


async def named_topup(db: Database, user_id: int, note: str) -> tuple[str | None, str]:
    """A note starting `topup:<entry id>` names the top-up a deduction takes back: (its ref, the rest)."""
    first, _, rest = note.partition(" ")
    if not first.startswith("topup:"):
        return None, note
    entry = first.removeprefix("topup:")
    row = await db.fetchone(
        "SELECT ref FROM ledger WHERE id = ? AND user_id = ? AND kind = 'topup'",
        (int(entry) if _ID.fullmatch(entry) else -1, user_id),
    )
    if row is None:
        raise UsageError(texts.deduct_topup_refused(first))
    return str(row[0]), rest.strip()


async def cmd_user(
    message: Message,
    command: CommandObject,
    db: Database,
    users: UserRepo,
    orders: OrderRepo,
    settings: Settings,
) -> None:
    """Show a user's balance, blocked flag and orders: /user <id|@username>."""
    query = (command.args or "").strip()
    user = await users.find(query) if query and len(query.split()) == 1 else None
    if user is None:
        reason = (
            _("User {user} is not known to the bot").format(user=query) if query else _("Missing arguments")
        )
        await message.answer(texts.usage_error(reason, texts.USER_USAGE))
        return
    counts = await orders.counts_by_status(user.id)
    recent = await orders.for_user(user.id, limit=RECENT_ORDERS)
    topups = await db.fetchall(
        "SELECT id, amount, created_at FROM ledger WHERE user_id = ? AND kind = 'topup' "
        "ORDER BY id DESC LIMIT 3",
        (user.id,),
    )
    await message.answer(
        texts.user_card(
            user.id,
            user.display_name,
            user.balance,
            user.is_blocked,
            user.created_at,
            counts,
            recent,
            settings.currency,
            [(int(row[0]), int(row[1]), str(row[2])) for row in topups],
        )
    )


async def cmd_admin(message: Message) -> None:
    """List the admin commands."""
    await message.answer(texts.ADMIN_HELP)


async def not_available(message: Message) -> None:
    """Tell non-admins the command is not available, and do nothing else."""
    await message.answer(texts.NOT_AVAILABLE)


def admin_router(name: str) -> Router:
    """A router for admin commands; it is mounted under `create_admin_area`, whose filter admits admins."""
    return Router(name=name)


def create_admin_area(*children: Router) -> Router:
    """The parent of every admin router: one IsAdmin check on the router, not in every handler.

    When the filter fails, aiogram skips the whole subtree, so customers pay for one check only.
    """
    area = Router(name=f"{__name__}.area")
    area.message.filter(IsAdmin())
    area.callback_query.filter(IsAdmin())
    area.include_routers(*children)
    return area


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = admin_router(__name__)
    router.message.register(cmd_admin, Command("admin"))
    # With arguments only: a bare /topup is the admin's own top-up, in `handlers.topup`.
    router.message.register(cmd_topup, Command("topup", magic=F.args))
    router.message.register(cmd_deduct, Command("deduct"))
    router.message.register(cmd_user, Command("user"))
    return router


def _admin_form(args: str | None) -> bool:
    """`/topup <user_id> <amount> ...`: the admin command, not a customer's `/topup [amount]`."""
    return len((args or "").split()) >= 2


def create_refusal_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    refusal_router = Router(name=f"{__name__}.refusal")
    refusal_router.message.register(
        not_available, Command(*(name for name in ADMIN_COMMANDS if name != "topup"))
    )
    refusal_router.message.register(not_available, Command("topup", magic=F.args.func(_admin_form)))
    return refusal_router
