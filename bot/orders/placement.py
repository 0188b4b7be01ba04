"""Quote and place an order: one transaction creates it and debits the wallet, then exactly one `add`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot import texts
from bot.catalog.pricing import service_price
from bot.catalog.shop import global_markup
from bot.config import Settings
from bot.i18n import N_, _
from bot.notify.alerts import alert_admins
from bot.notify.notices import render_in
from bot.orders.inflight import Placements
from bot.orders.kinds import check_order, spec_for
from providers.base import OrderOutcomeUnknown, Provider, ProviderRejected, ProviderUnavailable, RejectReason
from storage.catalog import CatalogRepo, Service
from storage.database import Database, Tx, select_one
from storage.errors import InsufficientFunds
from storage.ledger import EntryKind, apply_entries, apply_entry, order_refund
from storage.orders import Order, OrderRepo, OrderStatus, fetch_order, insert_order, transition
from storage.outbox import OutboxRepo, enqueue_held
from storage.stats import iso
from storage.users import locales_of

logger = logging.getLogger(__name__)


class PlaceOutcome(StrEnum):
    PLACED = "placed"
    REJECTED = "rejected"  # the provider said no, or never got the request; refunded
    UNKNOWN = "unknown"  # parked: the provider may have it; not refunded, not re-sent
    ALREADY_PLACED = "already_placed"  # this summary was confirmed before
    INSUFFICIENT_FUNDS = "insufficient_funds"
    PRICE_CHANGED = "price_changed"
    SERVICE_UNAVAILABLE = "service_unavailable"


@dataclass(frozen=True, slots=True)
class Quote:
    service: Service
    quantity: int
    total: int


@dataclass(frozen=True, slots=True)
class PlaceResult:
    outcome: PlaceOutcome
    order: Order | None = None
    reason: str = ""
    quote: Quote | None = None
    shortfall: int = 0
    notice: str = ""  # the result as queued for the customer (see `_hold_notice`)


@dataclass(frozen=True, slots=True)
class UpstreamCall:
    """Set as the one `add` goes out and as it returns (or fails): how long the provider itself takes.

    The Confirm handler shows "Placing…" only for a slow provider, not for a wait in our own queue: in
    a burst of Confirms that edit would double the Telegram calls just when the bot is busiest.
    """

    sent: asyncio.Event = field(default_factory=asyncio.Event)
    returned: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True, slots=True)
class OrderingDeps:
    db: Database
    catalog: CatalogRepo
    orders: OrderRepo
    provider: Provider
    settings: Settings
    placements: Placements = field(default_factory=Placements)


async def quote(deps: OrderingDeps, service: Service, quantity: int) -> Quote:
    """Price `quantity` units of a service at today's markup."""
    markup = await global_markup(deps.catalog, deps.settings)
    return Quote(service=service, quantity=quantity, total=service_price(service, markup, quantity))


async def place_order(
    deps: OrderingDeps,
    *,
    user_id: int,
    service_id: int,
    link: str,
    quantity: int,
    quoted_total: int,
    quote_key: str,
    hold_notice: float | None = None,
    extra: Mapping[str, str] | None = None,
    upstream: UpstreamCall | None = None,
) -> PlaceResult:
    """Charge the customer and place the order upstream exactly once.

    `extra` holds the inputs the service's kind asks for beyond link and quantity (`add` parameter ->
    value, see bot/orders/kinds.py); a package is quantity 1. With `hold_notice`, the result is also
    queued for the customer, held that many seconds. `upstream` is told when the `add` goes out and
    when it returns.
    """
    extra = dict(extra or {})
    service = await deps.catalog.get(service_id)
    if service is None or not service.available:
        return PlaceResult(PlaceOutcome.SERVICE_UNAVAILABLE)
    spec = spec_for(service.kind)
    # The kind, its limits or its inputs may have changed since the summary: never send a stale order.
    if spec is None or not check_order(spec, service, quantity, extra):
        return PlaceResult(PlaceOutcome.SERVICE_UNAVAILABLE)
    fresh = await quote(deps, service, quantity)
    if fresh.total != quoted_total:
        return PlaceResult(PlaceOutcome.PRICE_CHANGED, quote=fresh)

    try:
        async with deps.db.transaction() as tx:
            order_id = await insert_order(
                tx,
                user_id=user_id,
                service_id=service.id,
                provider=service.provider,
                link=link,
                quantity=quantity,
                charge=fresh.total,
                quote_key=quote_key,
                extra=extra,
            )
            if order_id is None:
                row = await select_one(tx, "SELECT id FROM orders WHERE quote_key = ?", (quote_key,))
                existing = await fetch_order(tx, int(row[0])) if row else None
                return PlaceResult(PlaceOutcome.ALREADY_PLACED, order=existing)
            await apply_entry(
                tx,
                user_id=user_id,
                amount=-fresh.total,
                kind=EntryKind.CHARGE,
                ref=f"charge:order:{order_id}",
                order_id=order_id,
                note=f"Order #{order_id}",
            )
    except InsufficientFunds as exc:
        return PlaceResult(PlaceOutcome.INSUFFICIENT_FUNDS, quote=fresh, shortfall=exc.needed - exc.available)

    sent_quantity = quantity if spec.sends_quantity else None
    return await _submit(deps, order_id, service, link, sent_quantity, extra, hold_notice, upstream)


async def _submit(
    deps: OrderingDeps,
    order_id: int,
    service: Service,
    link: str,
    quantity: int | None,
    extra: Mapping[str, str],
    hold: float | None,
    upstream: UpstreamCall | None = None,
) -> PlaceResult:
    """Send the one and only `add` for an order that is charged and in `submitting`.

    `quantity` is None for kinds whose `add` has none (packages, counted lists); `extra` are the kind's
    own parameters. Drip-feed (`runs`, `interval`) is never sent.
    """
    try:
        provider_order_id = await _send_add(deps, service, link, quantity, extra, upstream)
    except OrderOutcomeUnknown as exc:
        logger.warning("Order %s outcome unknown after add: %s", order_id, exc)
        return await _park(deps, order_id, str(exc), hold)
    except ProviderRejected as exc:
        logger.info("Provider rejected order %s: %s", order_id, exc)
        return await _fail(deps, order_id, texts.reject_reason(exc.reason), exc, hold)
    except ProviderUnavailable as exc:
        if exc.reached:
            # Defensive: any "reached" failure of add is an unknown outcome, whatever its class.
            return await _park(deps, order_id, str(exc), hold)
        logger.warning("Provider unreachable for order %s: %s", order_id, exc)
        return await _fail(deps, order_id, texts.msgid("REASON_UNREACHABLE"), None, hold)

    async with deps.db.transaction() as tx:
        await transition(
            tx,
            order_id,
            expected=OrderStatus.SUBMITTING,
            status=OrderStatus.PENDING,
            provider_order_id=provider_order_id,
            provider_status="Pending",
        )
        order = await fetch_order(tx, order_id)
        notice = await _hold_notice(tx, deps, order, PlaceOutcome.PLACED, hold)
    logger.info("Order %s placed upstream as %s", order_id, provider_order_id)
    return PlaceResult(PlaceOutcome.PLACED, order=order, notice=notice)


async def _send_add(
    deps: OrderingDeps,
    service: Service,
    link: str,
    quantity: int | None,
    extra: Mapping[str, str],
    upstream: UpstreamCall | None,
) -> str:
    """The `add` call itself, with `upstream` told when it goes out and when it is over."""
    if upstream is not None:
        upstream.sent.set()
    try:
        return await deps.provider.add(service.provider_service_id, link=link, quantity=quantity, **extra)
    finally:
        if upstream is not None:
            upstream.returned.set()


async def _fail(
    deps: OrderingDeps,
    order_id: int,
    reason: str,
    error: ProviderRejected | None,
    hold: float | None = None,
) -> PlaceResult:
    """Mark the order failed and refund it in one transaction; alert admins when they must act."""
    async with deps.db.transaction() as tx:
        order = await fetch_order(tx, order_id)
        assert order is not None
        moved = await transition(
            tx,
            order_id,
            expected=OrderStatus.SUBMITTING,
            status=OrderStatus.FAILED,
            error=reason,
            refunded=order.charge,
        )
        if moved:
            await apply_entries(tx, [order_refund(order, order.charge, f"Order #{order_id} was not placed")])
            if error is not None and error.reason in (RejectReason.FUNDS, RejectReason.BAD_KEY):
                message = error.message
                await alert_admins(
                    tx,
                    deps.settings,
                    lambda: texts.admin_provider_refused(order_id, message),
                    f"alert:refused:{order_id}",
                )
        order = await fetch_order(tx, order_id)
        notice = await _hold_notice(tx, deps, order, PlaceOutcome.REJECTED, hold if moved else None, reason)
    return PlaceResult(PlaceOutcome.REJECTED, order=order, reason=reason, notice=notice)


async def _park(deps: OrderingDeps, order_id: int, detail: str, hold: float | None = None) -> PlaceResult:
    """Park an order whose fate is unknown: no refund, no retry; every admin is alerted.

    Should the order have left `submitting` meanwhile (another instance parked it as stale), it is
    shown as it is now and nothing else is written.
    """
    async with deps.db.transaction() as tx:
        moved = await transition(
            tx,
            order_id,
            expected=OrderStatus.SUBMITTING,
            status=OrderStatus.UNKNOWN,
            attention=texts.msgid("ATTENTION_UNKNOWN"),  # stored in English, translated when shown
            error=detail[:300],
        )
        order = await fetch_order(tx, order_id)
        assert order is not None
        if not moved:
            return PlaceResult(PlaceOutcome.UNKNOWN, order=order)  # no notice: nothing was queued
        await alert_unknown(tx, deps.settings, order)
        notice = await _hold_notice(tx, deps, order, PlaceOutcome.UNKNOWN, hold)
    return PlaceResult(PlaceOutcome.UNKNOWN, order=order, notice=notice)


NOTICE_REF_PREFIX = "notice:placement:"


def notice_ref(order_id: int) -> str:
    """The outbox ref of an order's placement result: queued once, whoever ends up showing it."""
    return f"{NOTICE_REF_PREFIX}{order_id}"


async def _hold_notice(
    tx: Tx,
    deps: OrderingDeps,
    order: Order | None,
    outcome: PlaceOutcome,
    hold: float | None,
    reason: str = "",
) -> str:
    """Queue the customer's result in the transaction that decides it, held for `hold` seconds.

    The Confirm handler shows the result by editing the summary, then marks this copy sent; if the
    edit fails, or the bot stops first, the copy goes out instead (at once on the next start). So the
    result is never lost, and shown twice only if the bot dies between a good edit and that mark.
    """
    if hold is None or order is None:
        return ""
    row = await select_one(tx, "SELECT balance FROM users WHERE id = ?", (order.user_id,))
    balance = int(row[0]) if row else 0
    currency = deps.settings.currency

    def render() -> str:
        if outcome is PlaceOutcome.PLACED:
            return texts.order_placed(order.id, order.charge, balance, currency)
        if outcome is PlaceOutcome.REJECTED:
            return texts.order_not_placed(order.id, _(reason), order.charge, balance, currency)
        return texts.order_parked(order.id)

    # In the customer's language: at start-up (recover_interrupted) no update sets it.
    text = render_in(await locales_of(tx, [order.user_id]), order.user_id, render)
    await enqueue_held(tx, order.user_id, text, ref=notice_ref(order.id), until=time.time() + hold)
    return text


async def alert_unknown(tx: Tx, settings: Settings, order: Order) -> None:
    """Queue the "check this order on the provider's panel" alert for every admin."""
    await alert_admins(tx, settings, lambda: texts.admin_unknown_order(order), f"alert:unknown:{order.id}")


# A Confirm handler shows its result within seconds; one held this long lost its handler (its instance died).
ORPHANED_RESULT_SECONDS = 30.0


def stale_placement_seconds(settings: Settings) -> float:
    """How long an order may stay in `submitting` before it is surely not being placed any more.

    Placing one takes a charge, one `add` bounded by PROVIDER_TIMEOUT_SECONDS and its result; a stop
    lets one finish for SHUTDOWN_GRACE_SECONDS. Four timeouts, the grace and a minute spare.
    """
    return 4 * settings.provider_timeout_seconds + settings.shutdown_grace_seconds + 60


async def recover_interrupted(deps: OrderingDeps, *, stale_after: float | None = None) -> int:
    """Park orders left in `submitting` by a stop: the `add` may or may not have reached the provider.

    Also send the placement results that were held for a Confirm handler the stop cut short.
    With several instances (`stale_after` seconds given), an order another instance is placing right
    now is left alone: only one in `submitting` for longer than any placement takes is parked, and only
    results held longer than a Confirm handler ever needs (its instance died before showing them) go out.
    """
    parked = 0
    cutoff = None if stale_after is None else iso(datetime.now(UTC) - timedelta(seconds=stale_after))
    for order in await deps.orders.with_status(OrderStatus.SUBMITTING, limit=1000):
        if cutoff is not None and order.updated_at >= cutoff:
            continue
        # The customer saw "Placing…" and nothing since: tell them now.
        result = await _park(deps, order.id, N_("the bot stopped while placing this order"), hold=0.0)
        parked += result.notice != ""
    if parked:
        logger.warning("Parked %d order(s) interrupted while being placed", parked)
    if stale_after is not None:
        orphaned = iso(datetime.now(UTC) - timedelta(seconds=ORPHANED_RESULT_SECONDS))
        released = await OutboxRepo(deps.db).release_held(NOTICE_REF_PREFIX, queued_before=orphaned)
        if released:
            logger.info("Released %d placement result(s) held by an instance that stopped", released)
        return parked
    # Results held for a Confirm handler that the stop cut short: nothing will show them now.
    released = await OutboxRepo(deps.db).release_held(NOTICE_REF_PREFIX)
    if released:
        logger.info("Released %d placement result(s) held when the bot stopped", released)
    return parked
