"""One place that turns unexpected failures into a short apology."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot import texts
from bot.i18n import use_locale
from bot.middlewares import RegisterUser
from handlers.routing import Router

logger = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, registration: RegisterUser) -> bool:
    """Log the failure with its traceback and apologise to the user without details, in their language."""
    logger.exception(
        "Update %s failed: %s",
        event.update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    update = event.update
    # Errors surface after the update's own middlewares have ended, so the language is looked up again.
    sender = update.callback_query or update.message
    user = sender.from_user if sender is not None else None
    try:
        with use_locale(registration.locale_of(user.id) if user is not None else None):
            if update.callback_query is not None:
                await update.callback_query.answer(texts.ERROR_APOLOGY, show_alert=True)
            elif update.message is not None:
                await update.message.answer(texts.ERROR_APOLOGY)
    except TelegramAPIError:
        logger.warning("Could not deliver the apology for update %s", update.update_id)
    return True


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.error.register(on_error)
    return router
