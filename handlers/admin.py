"""Admin commands; the whole router is scoped to ADMIN_IDS, and `refusal_router` answers everyone else."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.config import Settings
from bot.money import AmountError, parse_amount
from bot.wallet import top_up
from handlers.filters import IsAdmin
from storage.database import Database
from storage.users import UserRepo

logger = logging.getLogger(__name__)


ADMIN_COMMANDS = ("topup",)
MAX_NOTE_LENGTH = 200


class UsageError(ValueError):
    """Malformed admin arguments; the message says what is wrong."""


def split_args(command: CommandObject, minimum: int) -> list[str]:
    """Split command arguments: the first `minimum` words, then the rest as one trailing text."""
    raw = (command.args or "").strip()
    parts = raw.split(maxsplit=minimum)
    if len(parts) < minimum:
        raise UsageError("Missing arguments")
    return parts


async def target_user_id(users: UserRepo, word: str) -> int:
    """Resolve a numeric user id that must belong to a registered user."""
    if not word.isdigit():
        raise UsageError(f"“{word}” is not a user id")
    user = await users.get(int(word))
    if user is None:
        raise UsageError(f"User {word} is not known to the bot")
    return user.id


def parse_note(parts: list[str], index: int) -> str:
    """Return the optional free-text note, bounded in length."""
    note = parts[index].strip() if len(parts) > index else ""
    if len(note) > MAX_NOTE_LENGTH:
        raise UsageError(f"The note is longer than {MAX_NOTE_LENGTH} characters")
    return note


async def cmd_topup(
    message: Message, command: CommandObject, db: Database, users: UserRepo, settings: Settings
) -> None:
    """Credit a user's wallet: /topup <user_id> <amount> [note]."""
    assert message.from_user is not None
    try:
        parts = split_args(command, 2)
        user_id = await target_user_id(users, parts[0])
        amount = parse_amount(parts[1])
        note = parse_note(parts, 2)
    except (UsageError, AmountError) as exc:
        await message.answer(texts.usage_error(str(exc).capitalize(), texts.TOPUP_USAGE))
        return
    credit = await top_up(
        db,
        user_id=user_id,
        amount=amount,
        admin_id=message.from_user.id,
        note=note,
        ref=f"topup:{message.chat.id}:{message.message_id}",
        currency=settings.currency,
    )
    logger.info("Admin %s credited %s cents to user %s", message.from_user.id, amount, user_id)
    user = await users.get(user_id)
    label = user.display_name if user else str(user_id)
    await message.answer(texts.topup_done(label, amount, credit.new_balance, settings.currency))


async def not_available(message: Message) -> None:
    """Tell non-admins the command is not available, and do nothing else."""
    await message.answer(texts.NOT_AVAILABLE)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(cmd_topup, Command("topup"))
    return router


def create_refusal_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    refusal_router = Router(name=f"{__name__}.refusal")
    refusal_router.message.register(not_available, Command(*ADMIN_COMMANDS))
    return refusal_router
