"""The one-instance shop (SQLite, no Redis, long polling) never loads the PostgreSQL or Redis client
libraries, nor the web server of webhook mode.

Each is megabytes of resident memory the default shop does not use; they load once DATABASE_URL,
REDIS_URL or WEBHOOK_URL asks for them. Checked in a fresh interpreter that builds the bot as
`python -m bot` does, from settings in the environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.databases import ADMIN_URL

CLIENTS = ["psycopg", "psycopg_pool", "redis"]

_BUILD = """
import asyncio, sys
import bot.__main__  # everything `python -m bot` imports before it starts
from bot.app import create_bot, create_dispatcher
from bot.config import Settings

async def build() -> None:
    settings = Settings()
    bot = create_bot(settings)
    dp = create_dispatcher(settings, bot)
    await dp["http"].aclose()
    if dp["redis"] is not None:
        await dp["redis"].aclose()
    await bot.session.close()

asyncio.run(build())
print(",".join(name for name in ("psycopg", "psycopg_pool", "redis", "aiohttp.web") if name in sys.modules))
"""


def loaded_clients(tmp_path: Path, **settings: str) -> list[str]:
    """The client libraries loaded once the bot is built with these settings (environment variables)."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(BOT_TOKEN="1:x", ADMIN_IDS="1", DATABASE_PATH=str(tmp_path / "shop.sqlite3"), **settings)
    done = subprocess.run(  # noqa: S603 (this interpreter, the fixed script above)
        [sys.executable, "-c", _BUILD],
        env=env,
        cwd=tmp_path,  # no .env file here
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [name for name in done.stdout.strip().split(",") if name]


def test_the_default_shop_loads_no_postgresql_redis_or_web_server_library(tmp_path: Path) -> None:
    assert loaded_clients(tmp_path) == []


def test_postgresql_and_redis_settings_load_their_clients(tmp_path: Path) -> None:
    assert loaded_clients(tmp_path, DATABASE_URL=ADMIN_URL, REDIS_URL="redis://127.0.0.1:6379/0") == CLIENTS
