"""Start-up work that keeps per-update costs flat: pinned response models and a frozen heap."""

from __future__ import annotations

import gc
from typing import Any

from aiogram import methods
from aiogram.methods.base import Response

# Bot API methods the bot calls on its hot paths.
_HOT_METHODS = (
    methods.GetUpdates,
    methods.GetMe,
    methods.SendMessage,
    methods.EditMessageText,
    methods.EditMessageReplyMarkup,
    methods.AnswerCallbackQuery,
    methods.DeleteWebhook,
    methods.SetMyCommands,
)

# aiogram builds `Response[<result type>]` for every API answer, and pydantic keeps parametrised
# generics only in a weak cache: without a strong reference the model schema is rebuilt again and
# again (milliseconds each) once the garbage collector drops it.
_PINNED: list[Any] = []


def pin_response_models() -> None:
    """Keep the parametrised response models of the hot Bot API methods alive for the process."""
    if not _PINNED:
        _PINNED.extend(Response[method.__returning__] for method in _HOT_METHODS)  # type: ignore[name-defined]


def freeze_startup_objects() -> None:
    """Move everything allocated at start-up out of the collector's way (shorter full collections)."""
    gc.collect()
    gc.freeze()
