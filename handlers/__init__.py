"""aiogram routers: parse and validate input, call use-cases, render replies."""

from __future__ import annotations

from aiogram import Router

from handlers import admin, catalog, errors, fallback, ordering, start, wallet


def get_routers() -> list[Router]:
    """Return every router in the order they must be tried; fallbacks come last."""
    return [
        errors.router,
        start.router,
        admin.router,
        admin.refusal_router,
        wallet.router,
        catalog.router,
        ordering.router,
        fallback.router,
    ]
