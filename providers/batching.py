"""Splitting id lists into requests of at most N ids and running them with bounded concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from providers.base import ProviderError

T = TypeVar("T")


def chunk_ids(ids: Sequence[str], size: int) -> list[tuple[str, ...]]:
    """Strip, drop empties and duplicates (keeping order) and split into chunks of `size`."""
    if isinstance(ids, str):
        raise TypeError("pass a sequence of ids, not a single string")
    unique: dict[str, None] = {}
    for raw in ids:
        item = str(raw).strip()
        # The ids travel comma-joined; a comma inside one would silently ask about other orders.
        if "," in item:
            raise ValueError(f"id {item!r} contains a comma")
        if item:
            unique.setdefault(item, None)
    cleaned = list(unique)
    return [tuple(cleaned[i : i + size]) for i in range(0, len(cleaned), size)]


async def run_chunks(
    chunks: Sequence[tuple[str, ...]],
    call: Callable[[tuple[str, ...]], Awaitable[T]],
    concurrency: int,
) -> list[T | ProviderError]:
    """Run `call` on every chunk, at most `concurrency` at once; a ProviderError is returned, not raised."""
    if len(chunks) == 1:  # the poller asks a chunk at a time: no task to spawn for it
        try:
            return [await call(chunks[0])]
        except ProviderError as exc:
            return [exc]
    semaphore = asyncio.Semaphore(max(1, concurrency))

    async def run(chunk: tuple[str, ...]) -> T | ProviderError:
        async with semaphore:
            try:
                return await call(chunk)
            except ProviderError as exc:
                return exc

    return list(await asyncio.gather(*(run(chunk) for chunk in chunks)))


async def run_merged(
    chunks: Sequence[tuple[str, ...]],
    call: Callable[[tuple[str, ...]], Awaitable[dict[str, T]]],
    concurrency: int,
) -> dict[str, T]:
    """Run `call` on every chunk and merge the results; the first failed chunk's error is raised."""
    merged: dict[str, T] = {}
    for outcome in await run_chunks(chunks, call, concurrency):
        if isinstance(outcome, ProviderError):
            raise outcome
        merged.update(outcome)
    return merged
