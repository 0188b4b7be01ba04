"""`python -m bot [migrate | set-webhook | delete-webhook]`: run the bot, or one command and exit."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from aiogram.exceptions import TelegramUnauthorizedError
from pydantic import ValidationError

from bot.app import run
from bot.config import Settings
from bot.logs import log_handler
from bot.webhook_setup import delete_webhook_command, set_webhook_command
from storage.database import open_database
from storage.instance_lock import AlreadyRunning, instance_lock


async def migrate_command(settings: Settings) -> int:
    """Bring the database's schema up to date, then exit (instances also do it when they start)."""
    url = settings.postgres_url
    db = open_database(url, settings.database_path)
    await db.connect()  # applies pending migrations, under a lock when several instances start at once
    await db.close()
    where = "PostgreSQL (DATABASE_URL)" if url else str(settings.database_path)
    print(f"The database schema is up to date: {where}")
    return 0


COMMANDS = {
    "migrate": migrate_command,
    "set-webhook": set_webhook_command,
    "delete-webhook": delete_webhook_command,
}


def _settings_problem(exc: ValidationError) -> str:
    """Describe the first invalid setting in one line, naming its environment variable."""
    error = exc.errors()[0]
    name = str(error["loc"][0]).upper() if error["loc"] else "settings"
    reason = "is missing" if error["type"] == "missing" else f"is invalid: {error['msg']}"
    return f"Configuration error: {name} {reason}. See .env.example for every setting."


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the shop bot (no command).")
    parser.add_argument(
        "command",
        nargs="?",
        choices=sorted(COMMANDS),
        help="update the database schema, or register or remove the webhook, then exit",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings()  # values come from the environment
    except ValidationError as exc:
        print(_settings_problem(exc), file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, handlers=[log_handler(settings.log_format)])
    logging.captureWarnings(True)  # a warning is a log record too, in LOG_FORMAT
    try:
        if args.command is not None:
            return asyncio.run(COMMANDS[args.command](settings))
        # One process per SQLite file; on PostgreSQL several instances share the database by design.
        single = (
            instance_lock(settings.database_path)
            if settings.database_url is None
            else contextlib.nullcontext()
        )
        with single, contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    except AlreadyRunning:
        print(
            f"Another bot is already running on {settings.database_path}; stop it before starting this one.",
            file=sys.stderr,
        )
        return 3
    except TelegramUnauthorizedError:
        print("Configuration error: Telegram refused BOT_TOKEN (401). See .env.example.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
