"""`python -m bot set-webhook` and `delete-webhook`: register or remove the webhook, once per deploy.

Running instances never touch the webhook, so several of them cannot race to change it.
"""

from __future__ import annotations

import sys

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

from bot.app import create_bot, create_dispatcher
from bot.config import Settings


async def set_webhook(bot: Bot, dp: Dispatcher, settings: Settings) -> list[str]:
    """Point Telegram at WEBHOOK_URL with the secret token; return the update types asked for.

    The types are those the dispatcher handles, the same list long polling asks for (a missing
    pre_checkout_query would let every Stars checkout time out). Pending updates are kept.
    """
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("WEBHOOK_URL and WEBHOOK_SECRET are required")
    allowed = dp.resolve_used_update_types()
    await bot.set_webhook(
        url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=allowed,
        drop_pending_updates=False,
    )
    return allowed


async def set_webhook_command(settings: Settings) -> int:
    """Run `set-webhook`: print what Telegram now has (never the secret); return the exit code."""
    if settings.webhook_url is None:
        print(
            "Configuration error: WEBHOOK_URL is missing. See .env.example for every setting.",
            file=sys.stderr,
        )
        return 2
    bot = create_bot(settings)
    dp = create_dispatcher(settings, bot)
    try:
        allowed = await set_webhook(bot, dp, settings)
        info = await bot.get_webhook_info()
    except TelegramUnauthorizedError:
        raise
    except TelegramAPIError as exc:
        print(f"Telegram refused setWebhook: {exc.message}", file=sys.stderr)
        return 1
    finally:
        # The dispatcher was built only for its update types; close the clients it opened.
        await dp["http"].aclose()
        if dp.workflow_data.get("redis") is not None:
            await dp["redis"].aclose()
        await bot.session.close()
    print(f"Webhook set: {info.url}")
    print(f"Update types: {', '.join(info.allowed_updates or allowed)}")
    print("Secret token: set from WEBHOOK_SECRET")
    print(f"Pending updates: {info.pending_update_count}")
    return 0


async def delete_webhook_command(settings: Settings) -> int:
    """Run `delete-webhook` (pending updates are kept for polling); return the exit code."""
    bot = create_bot(settings)
    try:
        await bot.delete_webhook(drop_pending_updates=False)
    except TelegramUnauthorizedError:
        raise
    except TelegramAPIError as exc:
        print(f"Telegram refused deleteWebhook: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await bot.session.close()
    print("Webhook deleted; start the bot without WEBHOOK_URL to use long polling.")
    return 0
