"""/language and the Language button: the user picks the language the shop speaks to them."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.i18n import LANGUAGES, use_locale
from bot.middlewares import RegisterUser
from handlers.callbacks import LanguageCb
from handlers.filters import Command, TextIs
from handlers.keyboards import language_keyboard, main_menu
from handlers.routing import Router
from storage.users import UserRepo


def _chosen(word: str) -> str | None:
    """A locale from what a user typed after /language: "ru", "RU", "Русский", "english"..."""
    word = word.strip().casefold()
    for locale, name in LANGUAGES.items():
        if word in (locale, name.casefold()):
            return locale
    return None


async def _switch(
    message: Message, user_id: int, locale: str, users: UserRepo, registration: RegisterUser
) -> None:
    """Store the choice, then answer in the new language with the menu in that language."""
    await users.set_locale(user_id, locale)
    registration.remember(user_id, locale)
    with use_locale(locale):
        await message.answer(texts.language_set(LANGUAGES[locale]), reply_markup=main_menu())


async def cmd_language(
    message: Message, command: CommandObject | None, users: UserRepo, registration: RegisterUser
) -> None:
    """Offer the languages; `/language ru` switches at once."""
    assert message.from_user is not None
    word = (command.args or "").strip() if command is not None else ""
    if not word:
        await message.answer(texts.CHOOSE_LANGUAGE, reply_markup=language_keyboard())
        return
    locale = _chosen(word)
    if locale is None:
        await message.answer(texts.LANGUAGE_UNKNOWN, reply_markup=language_keyboard())
        return
    await _switch(message, message.from_user.id, locale, users, registration)


async def on_language(
    callback: CallbackQuery, callback_data: LanguageCb, users: UserRepo, registration: RegisterUser
) -> None:
    """A language button: callback data is user input, so only a language the shop speaks is taken."""
    if callback_data.locale not in LANGUAGES or not isinstance(callback.message, Message):
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await callback.answer()
    await _switch(callback.message, callback.from_user.id, callback_data.locale, users, registration)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_language, Command("language"))
    router.message.register(cmd_language, TextIs(*texts.every_language("BTN_LANGUAGE")))
    router.callback_query.register(on_language, LanguageCb.filter())
    return router
