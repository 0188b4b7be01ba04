"""Admin command /audit: check every balance and order against the ledger now."""

from __future__ import annotations

from aiogram.types import Message

from bot import texts
from bot.admin.audit import run_audit
from bot.config import Settings
from handlers.admin import admin_router
from handlers.filters import Command
from handlers.routing import Router
from storage.database import Database


async def cmd_audit(message: Message, db: Database, settings: Settings) -> None:
    """Run the ledger audit and answer with its findings; problems also alert every admin."""
    findings = await run_audit(db, settings)
    if findings.clean:
        await message.answer(texts.audit_clean(findings.users_checked, findings.orders_checked))
    else:
        await message.answer(texts.audit_problems(findings, settings.currency))


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = admin_router(__name__)
    router.message.register(cmd_audit, Command("audit"))
    return router
