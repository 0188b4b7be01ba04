"""aiogram routers: parse and validate input, call use-cases, render replies."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    admin,
    admin_audit,
    admin_broadcast,
    admin_orders,
    admin_shop,
    admin_stars,
    admin_support,
    catalog,
    confirm,
    errors,
    fallback,
    history,
    language,
    links,
    ordering,
    orders,
    payments,
    referral,
    search,
    start,
    support,
    topup,
    wallet,
)


def get_routers() -> list[Router]:
    """Build every router, in the order they must be tried; fallbacks come last.

    The customers' most frequent commands come first so they pass the fewest routers; the admin
    routers sit under one parent with a single admin check.
    """
    return [
        start.create_router(),
        wallet.create_router(),
        orders.create_router(),
        history.create_router(),
        referral.create_router(),
        language.create_router(),
        # Before any conversation (the admins' included): a payment is never taken for an answer to one.
        # The routers above only take commands and menu buttons.
        payments.create_router(),
        admin.create_admin_area(
            admin.create_router(),
            admin_orders.create_router(),
            admin_shop.create_router(),
            admin_audit.create_router(),
            admin_stars.create_router(),
            admin_support.create_router(),
            admin_broadcast.create_router(),
        ),
        admin.create_refusal_router(),
        # After the admin area: an admin's /topup with arguments credits a wallet; a bare one tops up.
        topup.create_router(),
        support.create_router(),
        catalog.create_router(),
        search.create_router(),
        ordering.create_router(),
        confirm.create_router(),
        # A bare link outside any conversation, before the fallback would call it not understood.
        links.create_router(),
        fallback.create_router(),
        # Error events reach it wherever it stands; last, no message or button has to pass it.
        errors.create_router(),
    ]
