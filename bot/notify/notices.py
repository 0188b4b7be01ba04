"""Notices for one user, rendered in that user's language when they are queued.

The outbox stores the finished text, so a notice queued by a job (a settled order, a refund, an admin's
top-up) is rendered here in the recipient's stored locale, not in the language of whoever caused it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.i18n import use_locale
from storage.database import Tx
from storage.outbox import enqueue
from storage.users import locales_of

# A text to render: called inside the recipient's locale (e.g. `lambda: texts.balance(500, "USD")`).
Render = Callable[[], str]


def render_in(locales: Mapping[int, str], user_id: int, render: Render) -> str:
    """Render a text in the locale of `user_id` (looked up beforehand in `locales`)."""
    with use_locale(locales.get(user_id)):
        return render()


async def notify(tx: Tx, user_id: int, render: Render, *, ref: str | None) -> bool:
    """Queue a notice for a user in their language, inside the caller's transaction.

    Returns False when `ref` was queued before (nothing is queued twice).
    """
    text = render_in(await locales_of(tx, [user_id]), user_id, render)
    return await enqueue(tx, user_id, text, ref=ref)
