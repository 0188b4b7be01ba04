"""Helpers for the order-view and admin tests: place orders quickly, move them along, read the outbox."""

from __future__ import annotations

from bot.orders.placement import PlaceOutcome, place_order, quote
from bot.orders.refills import RefillPollReport, poll_refills
from storage.orders import Order
from tests.harness import Shop


async def place_direct(
    shop: Shop,
    user_id: int,
    *,
    provider_service_id: str = "1",
    link: str = "https://instagram.com/p/abc",
    quantity: int = 1000,
) -> Order:
    """Place an order through the placement use-case, funding the wallet first if needed."""
    service = await shop.service(provider_service_id)
    deps = shop.dep("ordering")
    priced = await quote(deps, service, quantity)
    balance = await shop.users.balance(user_id) if await shop.users.get(user_id) else 0
    if balance < priced.total:
        await shop.fund(user_id, priced.total - balance)
    key = f"support:{user_id}:{link}:{quantity}:{len(shop.extra)}"
    shop.extra[key] = True
    result = await place_order(
        deps,
        user_id=user_id,
        service_id=service.id,
        link=link,
        quantity=quantity,
        quoted_total=priced.total,
        quote_key=key,
    )
    assert result.outcome is PlaceOutcome.PLACED and result.order is not None, result
    return result.order


async def complete(shop: Shop, order: Order) -> Order:
    """Let the fake provider finish the order (Pending → In progress → its fate) and settle it."""
    shop.provider.tick(2)
    await shop.poll()
    fresh = await shop.orders.get(order.id)
    assert fresh is not None
    return fresh


async def poll_refills_now(shop: Shop) -> RefillPollReport:
    """Run one refill poll cycle now."""
    return await poll_refills(shop.db, {"main": shop.dep("provider")}, shop.settings)


async def outbox_texts(shop: Shop, chat_id: int) -> list[str]:
    """Every message queued for a chat, oldest first (sent or not)."""
    rows = await shop.db.fetchall("SELECT text FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,))
    return [row[0] for row in rows]
