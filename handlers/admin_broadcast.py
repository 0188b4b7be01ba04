"""/broadcast and /broadcast_cancel (admins): compose, pick the audience, preview, confirm, follow.

The message keeps the admin's formatting (HTML of its entities); a last line `Text | https://...` becomes
a URL button. Sending is the outbox's job (storage.broadcasts, bot.growth.broadcasts).
"""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import texts
from bot.growth.broadcasts import estimated_seconds
from bot.i18n import LANGUAGES
from handlers.admin import admin_router
from handlers.callbacks import AudienceCb, CancelCb, SendCb
from handlers.common import show
from handlers.filters import Command
from handlers.routing import Router
from handlers.states import BroadcastForm
from storage.broadcasts import Audience, BroadcastRepo

_BUTTON = re.compile(r"^(?P<label>[^|\n]{1,64}?)\s*\|\s*(?P<url>\S+)$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
MAX_CAPTION = 1024


def split_button(html: str) -> tuple[str, str | None, str | None]:
    """(text, button label, button URL): the last line `Label | https://...` becomes a button."""
    lines = html.rstrip().split("\n")
    match = _BUTTON.match(lines[-1].strip()) if len(lines) > 1 or "|" in lines[-1] else None
    if match is None:
        return html, None, None
    return "\n".join(lines[:-1]).rstrip(), match.group("label").strip(), match.group("url")


def markup_json(label: str | None, url: str | None) -> str | None:
    if label is None or url is None:
        return None
    button = InlineKeyboardButton(text=label, url=url)
    return InlineKeyboardMarkup(inline_keyboard=[[button]]).model_dump_json(exclude_none=True)


def audience_keyboard() -> InlineKeyboardMarkup:
    options = [
        (texts.BTN_AUDIENCE_ALL, "all"),
        (texts.BTN_AUDIENCE_ACTIVE_7, "active-7"),
        (texts.BTN_AUDIENCE_ACTIVE_30, "active-30"),
        *((texts.audience_language(name), f"lang-{locale}") for locale, name in LANGUAGES.items()),
    ]
    rows = [
        [InlineKeyboardButton(text=label, callback_data=AudienceCb(audience=value).pack())]
        for label, value in options
    ]
    rows.append([InlineKeyboardButton(text=texts.BTN_CANCEL, callback_data=CancelCb().pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def cmd_broadcast(message: Message, state: FSMContext, broadcasts: BroadcastRepo) -> None:
    """Ask for the message (one broadcast at a time)."""
    if await broadcasts.sending():
        await message.answer(texts.BROADCAST_BUSY)
        return
    await state.set_state(BroadcastForm.message)
    await message.answer(texts.BROADCAST_ASK)


async def on_message(message: Message, state: FSMContext) -> None:
    """The message to broadcast: keep its formatting, find the button, then ask for the audience."""
    photo = message.photo[-1].file_id if message.photo else None
    if photo is None and not message.text:
        await message.answer(texts.BROADCAST_EMPTY)
        return
    html = message.html_text if (message.text or message.caption) else ""
    text, label, url = split_button(html)
    if label is not None and (url is None or not _URL.match(url)):
        await message.answer(texts.BROADCAST_BAD_BUTTON)
        return
    if not text.strip() and photo is None:
        await message.answer(texts.BROADCAST_EMPTY)
        return
    if photo is not None and len(text) > MAX_CAPTION:
        await message.answer(texts.text_too_long(MAX_CAPTION))
        return
    await state.update_data(text=text, photo=photo, markup=markup_json(label, url))
    await message.answer(texts.BROADCAST_AUDIENCE, reply_markup=audience_keyboard())


async def on_audience(
    callback: CallbackQuery, callback_data: AudienceCb, state: FSMContext, bot: Bot, broadcasts: BroadcastRepo
) -> None:
    """Show the message as it will look, how many get it and how long it takes; ask to confirm."""
    audience = Audience.parse(callback_data.audience)
    data = await state.get_data()
    if audience is None or "text" not in data:
        await callback.answer(texts.STALE_BUTTON)
        return
    await callback.answer()
    recipients, _ = await broadcasts.audience_size(audience)
    if recipients == 0:
        await state.clear()
        await show(callback, texts.BROADCAST_NOBODY)
        return
    chat_id = callback.from_user.id if callback.message is None else callback.message.chat.id
    markup = None if data["markup"] is None else InlineKeyboardMarkup.model_validate_json(data["markup"])
    if data["photo"] is not None:
        await bot.send_photo(chat_id, data["photo"], caption=data["text"] or None, reply_markup=markup)
    else:
        await bot.send_message(chat_id, data["text"], reply_markup=markup)
    confirm = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.BTN_BROADCAST_SEND, callback_data=SendCb(audience=str(audience)).pack()
                )
            ],
            [InlineKeyboardButton(text=texts.BTN_CANCEL, callback_data=CancelCb().pack())],
        ]
    )
    await bot.send_message(
        chat_id, texts.broadcast_preview(recipients, estimated_seconds(recipients)), reply_markup=confirm
    )


async def on_send(
    callback: CallbackQuery, callback_data: SendCb, state: FSMContext, broadcasts: BroadcastRepo
) -> None:
    """Queue every copy at once; the progress message is edited as they go out."""
    audience = Audience.parse(callback_data.audience)
    data = await state.get_data()
    if audience is None or "text" not in data:
        await callback.answer(texts.STALE_BUTTON)
        return
    await state.clear()
    await callback.answer()
    broadcast = await broadcasts.start(
        admin_id=callback.from_user.id,
        text=data["text"],
        photo=data["photo"],
        markup=data["markup"],
        audience=audience,
    )
    if broadcast is None:
        await show(callback, texts.BROADCAST_BUSY)
        return
    await show(callback, texts.broadcast_started(broadcast.id, broadcast.recipients))
    if isinstance(callback.message, Message):
        await broadcasts.set_progress_message(
            broadcast.id, callback.message.chat.id, callback.message.message_id
        )


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    """Cancel while composing: nothing was queued."""
    await state.clear()
    await callback.answer()
    await show(callback, texts.BROADCAST_CANCELLED)


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts.BROADCAST_CANCELLED)


async def cmd_broadcast_cancel(message: Message, broadcasts: BroadcastRepo) -> None:
    """Stop the broadcast being sent: what is not yet sent never will be."""
    stopped = await broadcasts.cancel()
    if stopped is None:
        await message.answer(texts.BROADCAST_NONE)
        return
    broadcast, dropped = stopped
    await message.answer(texts.broadcast_stopped(broadcast.id, dropped))


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = admin_router(__name__)
    composing = StateFilter(BroadcastForm.message)
    router.message.register(cmd_broadcast, Command("broadcast"))
    router.message.register(cmd_broadcast_cancel, Command("broadcast_cancel"))
    router.message.register(cmd_cancel, Command("cancel"), composing)
    router.callback_query.register(on_cancel, CancelCb.filter(), composing)
    router.message.register(on_message, composing)
    router.callback_query.register(on_audience, AudienceCb.filter(), composing)
    router.callback_query.register(on_send, SendCb.filter(), composing)
    return router
