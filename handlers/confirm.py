"""Confirm: charge and place the order of a summary exactly once, then show the customer the result."""

from __future__ import annotations

import asyncio
import logging

from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.orders.placement import (
    OrderingDeps,
    PlaceOutcome,
    PlaceResult,
    UpstreamCall,
    notice_ref,
    place_order,
)
from handlers.callbacks import ConfirmCb
from handlers.common import show
from handlers.ordering import priced_summary
from handlers.routing import Router
from storage.catalog import CatalogRepo
from storage.orders import OrderRepo
from storage.outbox import OutboxRepo
from storage.quotes import QuoteRepo, QuoteRow
from storage.users import UserRepo

logger = logging.getLogger(__name__)

# How long the provider may take to answer the `add` before the summary is replaced by "Placing your
# order…". A wait in our own queue does not count: the toast already says "Placing…" (see `_slow`).
PROGRESS_AFTER_SECONDS = 0.3
# How long a placement result waits in the outbox for the handler to show it by editing the summary.
# Longer than the edit can take (aiogram gives up on a request after 60 s, and `show` may send a new
# message after a failed edit), so the outbox never sends a copy of a result the edit showed.
RESULT_HOLD_SECONDS = 300.0


async def on_confirm(
    callback: CallbackQuery,
    callback_data: ConfirmCb,
    catalog: CatalogRepo,
    quotes: QuoteRepo,
    orders: OrderRepo,
    users: UserRepo,
    outbox: OutboxRepo,
    ordering: OrderingDeps,
) -> None:
    """Charge and place the order of a summary, once, whatever the number of taps."""
    user_id = callback.from_user.id
    placed = await orders.by_quote_key(callback_data.key)
    if placed is not None and placed.user_id == user_id:
        await callback.answer(texts.order_already_placed(placed.id), show_alert=True)
        return
    summary = await quotes.get(callback_data.key, user_id)
    if summary is None:
        await callback.answer(texts.SUMMARY_EXPIRED, show_alert=True)
        return
    # Tracked from the charge until the customer has the result, so a shutdown waits for it.
    work = ordering.placements.start(_place(callback, summary, catalog, quotes, users, outbox, ordering))
    if work is None:
        await callback.answer(texts.CONFIRM_AFTER_RESTART, show_alert=True)
        return
    # shield: a cancelled handler must not cancel a placement that may already be charged.
    await asyncio.shield(work)


async def _place(
    callback: CallbackQuery,
    summary: QuoteRow,
    catalog: CatalogRepo,
    quotes: QuoteRepo,
    users: UserRepo,
    outbox: OutboxRepo,
    ordering: OrderingDeps,
) -> None:
    """Place the order of a confirmed summary and show the customer the result."""
    user_id = callback.from_user.id
    currency = ordering.settings.currency
    await callback.answer(texts.PLACING)
    upstream = UpstreamCall()
    placing = asyncio.create_task(
        place_order(
            ordering,
            user_id=user_id,
            service_id=summary.service_id,
            link=summary.link,
            quantity=summary.quantity,
            quoted_total=summary.total,
            quote_key=summary.key,
            hold_notice=RESULT_HOLD_SECONDS,
            extra=summary.extra,
            upstream=upstream,
        )
    )
    try:
        # A quick provider answers before anyone notices; a slow one gets a visible "Placing…" meanwhile.
        if await _slow(placing, upstream):
            await _show_or_log(callback, texts.PLACING)
        result = await placing
    except asyncio.CancelledError:
        # Only a shutdown past its grace period cancels this: the order stays in `submitting` and the
        # next start parks it.
        placing.cancel()
        raise
    order = result.order
    if result.notice and order is not None:
        # Placed, not placed or parked: the result is already in the outbox, held (`_hold_notice`).
        # Showing it here marks that copy sent; if Telegram fails, or a shutdown cuts this short, the
        # copy goes out instead. An edit that failed after Telegram applied it shows it twice, never 0.
        shown = False
        try:
            shown = await _show_or_log(callback, result.notice)
        finally:
            await outbox.settle_held(notice_ref(order.id), shown=shown)
    elif result.outcome is PlaceOutcome.ALREADY_PLACED and order is not None:
        await show(callback, texts.order_already_placed(order.id))
    elif result.outcome is PlaceOutcome.INSUFFICIENT_FUNDS:
        await show(callback, texts.insufficient_at_confirm(result.shortfall, currency))
    elif result.outcome is PlaceOutcome.PRICE_CHANGED and result.quote is not None:
        service = await catalog.get(summary.service_id)
        if service is not None and isinstance(callback.message, Message):
            text, markup = await priced_summary(
                ordering,
                quotes,
                users,
                service,
                summary.link,
                summary.quantity,
                summary.extra,
                user_id,
                notice=texts.price_changed(result.quote.total, currency),
            )
            await callback.message.edit_text(text, reply_markup=markup)
    else:
        await show(callback, texts.SERVICE_GONE)


async def _slow(placing: asyncio.Task[PlaceResult], upstream: UpstreamCall) -> bool:
    """Wait until the placement is over or its `add` has been out PROGRESS_AFTER_SECONDS; True if the latter.

    Only the provider's own time counts. In a burst of Confirms each placement also waits its turn for
    the database; showing "Placing…" for that wait would add an edit per Confirm, doubling the calls to
    Telegram (and its flood limits) just when the bot is busiest.
    """
    sent = asyncio.ensure_future(upstream.sent.wait())
    try:
        await asyncio.wait({placing, sent}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sent.cancel()
    if placing.done():
        return False
    returned = asyncio.ensure_future(upstream.returned.wait())
    try:
        await asyncio.wait(
            {placing, returned}, timeout=PROGRESS_AFTER_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        returned.cancel()
    return not upstream.returned.is_set() and not placing.done()


async def _show_or_log(callback: CallbackQuery, text: str) -> bool:
    """Show `text` on the pressed message; False if Telegram failed (network, 429, blocked, ...)."""
    try:
        await show(callback, text)
    except (TelegramAPIError, ClientDecodeError) as exc:
        logger.warning("Could not update the summary of user %s: %s", callback.from_user.id, exc)
        return False
    return True


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.callback_query.register(on_confirm, ConfirmCb.filter())
    return router
