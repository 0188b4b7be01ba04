"""Shared pieces of the benchmarks: the fakes, settings, timing helpers and the table of figures."""

from __future__ import annotations

import asyncio
import gc
import math
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.config import Settings
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_types import JsonDict
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, PROVIDER_KEY, TOKEN, Shop, demo_catalogue

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"


# ---------------------------------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure, with the target (or reference) it is read against."""

    benchmark: str
    name: str
    value: float
    unit: str = ""
    target: str = ""  # shown as is, e.g. ">= 0.70" or "floor 0.50 s"
    met: bool | None = None  # None: a figure without a pass mark
    digits: int = 2

    def shown(self) -> str:
        """The value with its unit."""
        text = f"{self.value:,.{self.digits}f}"
        return f"{text} {self.unit}".rstrip()


def at_least(benchmark: str, name: str, value: float, unit: str, minimum: float, digits: int = 2) -> Figure:
    """A figure that should be at least `minimum`."""
    return Figure(benchmark, name, value, unit, f">= {minimum:g} {unit}".rstrip(), value >= minimum, digits)


def below(benchmark: str, name: str, value: float, unit: str, limit: float, digits: int = 2) -> Figure:
    """A figure that should stay under `limit`."""
    return Figure(benchmark, name, value, unit, f"< {limit:g} {unit}".rstrip(), value < limit, digits)


def at_most(benchmark: str, name: str, value: float, unit: str, limit: float, digits: int = 2) -> Figure:
    """A figure that may reach `limit` but not pass it."""
    return Figure(benchmark, name, value, unit, f"<= {limit:g} {unit}".rstrip(), value <= limit, digits)


def exactly(benchmark: str, name: str, value: float, unit: str, wanted: float) -> Figure:
    """A count that should be exactly `wanted`."""
    return Figure(benchmark, name, value, unit, f"= {wanted:g}", value == wanted, 0)


def info(
    benchmark: str, name: str, value: float, unit: str = "", reference: str = "", digits: int = 2
) -> Figure:
    """A figure shown for context, without a pass mark."""
    return Figure(benchmark, name, value, unit, reference, None, digits)


@dataclass(slots=True)
class Outcome:
    """What one benchmark produced: its figures and notes worth reading next to them."""

    figures: list[Figure]
    notes: list[str]


def print_table(outcomes: Sequence[tuple[str, Outcome]]) -> None:
    """Print every figure as one aligned table, notes after it."""
    header = ("benchmark", "figure", "value", "target / reference", "")
    rows = [header]
    for _, outcome in outcomes:
        for fig in outcome.figures:
            verdict = "" if fig.met is None else ("ok" if fig.met else "MISSED")
            rows.append((fig.benchmark, fig.name, fig.shown(), fig.target, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for index, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i == 2 and index else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ]
        print("  ".join(cells).rstrip())
        if index == 0:
            print(line)
    print(line)
    notes = [(name, note) for name, outcome in outcomes for note in outcome.notes]
    if notes:
        print()
        for name, note in notes:
            print(f"[{name}] {note}")


# ---------------------------------------------------------------------------------------- timing


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile by the nearest-rank method (p99 of 100 values is the 99th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> float:
    """Seconds to milliseconds."""
    return seconds * 1000.0


@contextmanager
def gc_pauses() -> Iterator[list[float]]:
    """Collect the durations (seconds) of the full garbage collections run inside the block.

    A full collection stops the event loop for tens of milliseconds once the heap is large (the fakes
    keep every message), which is what a tail latency figure often shows.
    """
    pauses: list[float] = []
    started = 0.0

    def note(phase: str, details: dict[str, Any]) -> None:
        nonlocal started
        if details.get("generation") != 2:
            return
        if phase == "start":
            started = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - started)

    gc.callbacks.append(note)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(note)


# ---------------------------------------------------------------------------------------- fakes


@dataclass(frozen=True, slots=True)
class Arrival:
    """A bot message as it reached the fake: when (time.perf_counter()) and its plain text."""

    at: float
    text: str


class BenchTelegram(FakeTelegram):
    """The fake Bot API, telling waiters the moment the bot sends or edits a message in a chat.

    The test driver's `wait_for_message` polls every 10 ms; a benchmark needs the exact arrival time.
    """

    def __init__(self, *, token: str = TOKEN, **options: Any) -> None:
        super().__init__(token=token, **options)
        self._waiters: dict[int, list[tuple[str, asyncio.Future[Arrival]]]] = {}

    async def __aenter__(self) -> BenchTelegram:
        await self.start()
        return self

    def expect(self, chat_id: int, contains: str = "") -> asyncio.Future[Arrival]:
        """A future set when the bot's next message (sent or edited) containing `contains` lands."""
        future: asyncio.Future[Arrival] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(chat_id, []).append((contains, future))
        return future

    def _send_message(self, params: JsonDict) -> JsonDict:
        result = super()._send_message(params)
        self._arrived(result)
        return result

    def _edit_message_text(self, params: JsonDict) -> JsonDict:
        result = super()._edit_message_text(params)
        self._arrived(result)
        return result

    def _arrived(self, message: JsonDict) -> None:
        now = time.perf_counter()
        chat_id = int(message["chat"]["id"])
        waiters = self._waiters.get(chat_id)
        if not waiters:
            return
        text = str(message.get("text", ""))
        pending = []
        for contains, future in waiters:
            if future.done():
                continue
            if contains in text:
                future.set_result(Arrival(now, text))
            else:
                pending.append((contains, future))
        self._waiters[chat_id] = pending


async def start_provider(*, latency: float = 0.0) -> FakeProvider:
    """The fake SMM panel with the test catalogue, listening on 127.0.0.1."""
    provider = FakeProvider(key=PROVIDER_KEY, balance=Decimal(10**9))
    provider.reject_duplicate_links = False
    demo_catalogue(provider)
    provider.latency = latency
    await provider.start()
    return provider


def bench_settings(
    db_path: Path, provider_url: str, telegram_url: str | None = None, **overrides: Any
) -> Settings:
    """Settings as an operator would write them, pointed at the fakes; no background job fires by itself."""
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "admin_ids": f"{ADMIN_ID},{OTHER_ADMIN_ID}",
        "telegram_api_url": telegram_url,
        "database_path": db_path,
        "provider_url": provider_url,
        "provider_key": PROVIDER_KEY,
        "poll_interval_seconds": 3600,
        "catalog_sync_minutes": 600,
        "markup_percent": Decimal(30),
        "currency": "USD",
        "provider_timeout_seconds": 10,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def running_shop(
    db_path: Path,
    *,
    telegram: dict[str, Any] | None = None,
    provider_latency: float = 0.0,
    **overrides: Any,
) -> AsyncIterator[Shop]:
    """The real bot, built by the project's own factories, polling a fresh fake Telegram.

    `overrides` change the settings, e.g. `database_url`.
    """
    provider = await start_provider(latency=provider_latency)
    try:
        async with BenchTelegram(**(telegram or {})) as tg:
            for admin in (ADMIN_ID, OTHER_ADMIN_ID):
                tg.add_user(admin, username=f"admin{admin}")
            settings = bench_settings(db_path, provider.url, tg.base_url, **overrides)
            shop = Shop(tg, provider, settings)
            await shop.start()
            try:
                yield shop
            finally:
                await shop.stop()
    finally:
        await provider.stop()


def telegram_of(shop: Shop) -> BenchTelegram:
    """The shop's fake Telegram, as the benchmarks' subclass."""
    assert isinstance(shop.tg, BenchTelegram)
    return shop.tg
