"""A bare link sent outside any conversation: offer the services of its platform, with the link kept."""

from __future__ import annotations

from aiogram.filters import BaseFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import texts
from bot.catalog.platforms import link_host, platform_name, platform_of_link
from bot.orders.validation import MAX_LINK_LENGTH
from bot.texts import browse
from handlers.catalog import CARRIED_LINK, platform_screen, platforms_screen
from handlers.routing import Router
from storage.catalog import CatalogRepo


def bare_link(text: str | None) -> str | None:
    """The link if `text` is one and nothing else: http(s)://..., or a known host such as t.me/name."""
    link = (text or "").strip()
    if not link or len(link) > MAX_LINK_LENGTH or link_host(link) is None:
        return None
    # Without a scheme only a platform's host counts: "1.5" or "e.g." is not a link.
    if link.lower().startswith(("http://", "https://")) or platform_of_link(link) is not None:
        return link
    return None


class IsBareLink(BaseFilter):
    """Pass messages whose whole text is one link."""

    async def __call__(self, message: Message) -> bool:
        return bare_link(message.text) is not None


async def on_link_first(message: Message, state: FSMContext, catalog: CatalogRepo) -> None:
    """Offer the link's platform's categories (or every platform for an unknown site), carrying the link."""
    link = bare_link(message.text)
    assert link is not None  # IsBareLink
    platform = platform_of_link(link)
    if platform is None:
        screen = await platforms_screen(catalog, intro=browse.link_platform_unknown(link))
    else:
        screen = await platform_screen(catalog, platform, intro=browse.link_carried(link))
        if screen is None:  # a platform the shop sells nothing for right now
            intro = browse.link_platform_empty(link, platform_name(platform))
            screen = await platforms_screen(catalog, intro=intro)
    if screen is None:
        await message.answer(texts.CATALOG_EMPTY)
        return
    await state.set_data({CARRIED_LINK: link})
    await message.answer(screen[0], reply_markup=screen[1])


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(on_link_first, StateFilter(None), IsBareLink())
    return router
