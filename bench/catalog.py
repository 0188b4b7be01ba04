"""The catalogue at the size of a large panel: 10,000 services built from a real panel's reply.

The services are the real catalogue of tests/data (1,633 services, 358 categories, Cyrillic names, every
type) repeated with new ids and categories until there are 10,000. The fake panel serves them from a
process of its own, so the memory figures are the sync's alone: the `services` reply over HTTP, read by
the API client, cleaned, given a platform and written to a fresh SQLite file by `sync_catalog`, as the
bot does at start-up and on /sync. Figures: the first sync (every service added), a second one (nothing
changed) and one where a tenth of the prices moved; the process's RSS growth and peak over the first.

Figures about the synced catalogue (search, taps to reach a service) take the same `Catalogue` and are
listed in `MEASURES` after the sync.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench import browse
from bench.common import BENCH_DIR, Figure, Outcome, below, exactly
from bot.catalog.sync import SyncReport, sync_catalog
from providers.smm_v2 import SmmV2Client
from storage.catalog import CatalogRepo
from storage.database import Database, SQLiteDatabase
from tests.harness import PROVIDER_KEY

NAME = "catalog"
SERVICES = 10_000
REAL = BENCH_DIR.parent / "tests" / "data" / "services-smmpanelus-2024-09-20.json"
FIRST_SYNC_LIMIT_S = 5.0
RESYNC_LIMIT_S = 3.0
RSS_GROWTH_LIMIT_MB = 60.0
PEAK_GROWTH_LIMIT_MB = 120.0


@dataclass(slots=True)
class Catalogue:
    """What every figure of this module works on: a synced catalogue of `SERVICES` services."""

    folder: Path
    quick: bool
    entries: list[dict[str, Any]]  # the provider's `services` reply, as served
    db: Database
    catalog: CatalogRepo
    provider: SmmV2Client
    panel: Panel
    notes: list[str] = field(default_factory=list)


# A measure adds figures about the catalogue; they run in this order, the sync first.
Measure = Callable[[Catalogue], Awaitable[list[Figure]]]


def build_entries(size: int = SERVICES, source: Path = REAL) -> list[dict[str, Any]]:
    """`size` services of the real reply's shapes: repeated with new ids, each round in new categories."""
    real: list[dict[str, Any]] = json.loads(source.read_bytes())
    entries: list[dict[str, Any]] = []
    rounds = 0
    while len(entries) < size:
        for entry in real[: size - len(entries)]:
            copy = dict(entry)
            copy["service"] = str(1_000_000 + len(entries))
            if rounds:
                copy["category"] = f"{entry['category']} · {rounds + 1}"
            entries.append(copy)
        rounds += 1
    return entries


def memory_mb() -> tuple[float, float]:
    """This process's VmRSS and VmHWM (peak), in MB."""
    values: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def reset_peak() -> bool:
    """Start VmHWM again from the current RSS (Linux: `5` to clear_refs); False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Panel:
    """The fake panel in a process of its own, serving a saved `services` reply from a file."""

    def __init__(self, services_json: Path, folder: Path) -> None:
        self.services_json = services_json
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v2"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start serving; return once it listens."""
        with (self.folder / "provider.log").open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.fakes.provider",
                "--port",
                str(self.port),
                "--key",
                PROVIDER_KEY,
                "--services-json",
                str(self.services_json),
                cwd=BENCH_DIR.parent,
                env={**os.environ, "PYTHONPATH": str(BENCH_DIR.parent)},
                stdout=log,
                stderr=log,
            )
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return
        await self.stop()
        raise RuntimeError("the fake panel did not start within 15 s")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        self.process = None

    async def serve(self, entries: list[dict[str, Any]]) -> None:
        """Serve these entries from now on (the panel reads its file at start: restart it)."""
        self.services_json.write_text(json.dumps(entries, ensure_ascii=False))
        await self.stop()
        await self.start()


async def timed_sync(catalogue: Catalogue) -> tuple[SyncReport, float]:
    started = time.perf_counter()
    report = await sync_catalog(catalogue.provider, catalogue.catalog)
    return report, time.perf_counter() - started


async def sync_figures(catalogue: Catalogue) -> list[Figure]:
    """The first sync (all added), a second (nothing changed), one with a tenth of the prices moved."""
    size = len(catalogue.entries)
    rss_before, _ = memory_mb()
    peak_measured = reset_peak()
    first, first_s = await timed_sync(catalogue)
    rss_after, peak = memory_mb()
    again, again_s = await timed_sync(catalogue)
    for entry in catalogue.entries[::10]:
        entry["rate"] = str(Decimal(entry["rate"]) * Decimal("1.1"))
    await catalogue.panel.serve(catalogue.entries)
    moved, moved_s = await timed_sync(catalogue)
    counts = await catalogue.catalog.count()
    categories = await catalogue.db.fetchval("SELECT COUNT(*) FROM categories")
    platforms = await catalogue.db.fetchval("SELECT COUNT(DISTINCT platform) FROM services")
    other = await catalogue.db.fetchval("SELECT COUNT(*) FROM services WHERE platform = 'other'")
    catalogue.notes.append(
        f"{size:,} services in {categories:,} categories; {counts['available']:,} orderable, "
        f"{first.hidden_total:,} hidden by type, {first.unreadable_total:,} unreadable; "
        f"{platforms} platforms, {int(other or 0) / size:.1%} 'other'"
    )
    figures = [
        exactly(NAME, "services added by the first sync", first.counts.added, "", size),
        below(NAME, f"first sync of {size:,} services", first_s, "s", FIRST_SYNC_LIMIT_S),
        below(NAME, "sync again, nothing changed", again_s, "s", RESYNC_LIMIT_S),
        exactly(NAME, "services unchanged by the second sync", again.counts.unchanged, "", size),
        below(NAME, "sync with 10% of the prices moved", moved_s, "s", RESYNC_LIMIT_S),
        exactly(NAME, "services updated by it", moved.counts.updated, "", len(catalogue.entries[::10])),
        below(NAME, "RSS growth over the first sync", rss_after - rss_before, "MB", RSS_GROWTH_LIMIT_MB, 1),
    ]
    if peak_measured:
        figures.append(
            below(NAME, "peak RSS growth during it", peak - rss_before, "MB", PEAK_GROWTH_LIMIT_MB, 1)
        )
    else:
        catalogue.notes.append("peak RSS not measured: /proc/self/clear_refs is not writable here")
    return figures


MEASURES: list[Measure] = [sync_figures, browse.search_figures, browse.taps_figures]


async def run(quick: bool, folder: Path) -> Outcome:
    """Build the catalogue, serve it from a fake panel process, and take every measure in turn."""
    entries = build_entries()
    panel = Panel(folder / "services.json", folder)
    db = SQLiteDatabase(folder / "catalog.sqlite3")
    await db.connect()
    try:
        await panel.serve(entries)
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as http:
            client = SmmV2Client(panel.url, PROVIDER_KEY, http)
            catalogue = Catalogue(folder, quick, entries, db, CatalogRepo(db), client, panel)
            figures: list[Figure] = []
            for measure in MEASURES:
                figures.extend(await measure(catalogue))
            return Outcome(figures, catalogue.notes)
    finally:
        await panel.stop()
        await db.close()
