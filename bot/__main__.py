"""`python -m bot`: configure logging, read settings, run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from aiogram.exceptions import TelegramUnauthorizedError
from pydantic import ValidationError

from bot.app import run
from bot.config import Settings
from storage.instance_lock import AlreadyRunning, instance_lock


def _settings_problem(exc: ValidationError) -> str:
    """Describe the first invalid setting in one line, naming its environment variable."""
    error = exc.errors()[0]
    name = str(error["loc"][0]).upper() if error["loc"] else "settings"
    reason = "is missing" if error["type"] == "missing" else f"is invalid: {error['msg']}"
    return f"Configuration error: {name} {reason}. See .env.example for every setting."


def main() -> int:
    """Entry point; returns the process exit code."""
    try:
        settings = Settings()  # values come from the environment
    except ValidationError as exc:
        print(_settings_problem(exc), file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        with instance_lock(settings.database_path), contextlib.suppress(KeyboardInterrupt):
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
