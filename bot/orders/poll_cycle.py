"""One poll cycle's traffic: workers keep each provider's status requests going back to back, at most
its `concurrency` at once, and the replies are settled in batches as they arrive.

A worker sends its next request as soon as a reply is read; settling runs in a task of its own, one
transaction per batch of whatever replies are waiting. Replies not yet settled are bounded, so memory
stays flat: when settling falls behind, the workers wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.orders.settlement import SettleReport, row_repeats
from providers.base import Provider, StatusReport
from providers.parsing import is_usable_order_id
from storage.database import Database
from storage.orders import ROW_ID, ROW_PROVIDER, ROW_PROVIDER_ORDER_ID, Order, OrderRow, order_from_row

if TYPE_CHECKING:
    from bot.orders.poller import PollReport

# The cycle is the poller's work: its failures are logged where operators follow the poller.
logger = logging.getLogger("bot.orders.poller")

Pairs = list[tuple[Order, StatusReport]]
Settle = Callable[[Database, Settings, Pairs], Awaitable[SettleReport]]

# Replies a provider may have waiting for settlement, per request it may have in flight.
_BACKLOG_PER_REQUEST = 4
# Replies waiting together are settled in one transaction of at most about this many orders (the
# write lock is held that long); one per reply would spend most of its time going to and fro.
_SETTLE_TOGETHER = 500


@dataclass(slots=True)
class Chunk:
    """One request's worth of orders (as rows) by provider order id; an id shared by several keeps the
    rest as twins."""

    rows: dict[str, OrderRow]
    twins: dict[str, list[OrderRow]] = field(default_factory=dict)

    def ids(self) -> Iterator[int]:
        """Our ids of every order, twins included."""
        for row in self.rows.values():
            yield row[ROW_ID]
        for twins in self.twins.values():
            for row in twins:
                yield row[ROW_ID]

    def pairs(self, statuses: Mapping[str, StatusReport]) -> Pairs:
        """Each order (built now) with its status, but for orders the status only repeats (settling
        them would change nothing) and orders the reply leaves out."""
        rows, twins = self.rows, self.twins
        pairs: Pairs = []
        for oid, status in statuses.items():
            row = rows.get(oid)
            if row is not None:
                if not row_repeats(row, status):
                    pairs.append((order_from_row(row), status))
                if twins:
                    pairs.extend(
                        (order_from_row(twin), status)
                        for twin in twins.get(oid, ())
                        if not row_repeats(twin, status)
                    )
        return pairs


@dataclass(slots=True)
class _Lane:
    """One provider's workers, the chunks waiting for them and its replies not settled yet."""

    name: str
    provider: Provider
    chunks: asyncio.Queue[Chunk | None]
    backlog: asyncio.Semaphore
    workers: list[asyncio.Task[None]] = field(default_factory=list)


@dataclass(slots=True)
class _Reply:
    """One request's statuses paired with their orders, waiting to be settled."""

    pairs: Pairs
    lane: _Lane | None = None  # whose backlog to free once settled (set on a request's last reply)


class Cycle:
    """Sends a cycle's status requests and settles the replies; see the module's docstring."""

    def __init__(
        self,
        db: Database,
        providers: Mapping[str, Provider],
        settings: Settings,
        report: PollReport,
        settle: Settle,
    ) -> None:
        self.db = db
        self.providers = providers
        self.settings = settings
        self.report = report
        self.settle = settle
        self.lanes: dict[str, _Lane] = {}
        self.ready: list[_Reply] = []
        self.settler: asyncio.Task[None] | None = None

    async def submit(self, page: list[OrderRow]) -> list[OrderRow]:
        """Queue requests for a page of active orders; return those whose provider id is unusable.

        Returns once every request has a place in its provider's queue (a few wait there at most).
        """
        groups: dict[str, Chunk] = {}
        unusable: list[OrderRow] = []
        for row in page:
            provider_order_id = row[ROW_PROVIDER_ORDER_ID]
            if not is_usable_order_id(provider_order_id):
                unusable.append(row)
                continue
            group = groups.get(row[ROW_PROVIDER])
            if group is None:
                group = groups[row[ROW_PROVIDER]] = Chunk({})
            if provider_order_id in group.rows:
                group.twins.setdefault(provider_order_id, []).append(row)
            else:
                group.rows[provider_order_id] = row
        for name, group in groups.items():
            lane = self._lane(name)
            if lane is None:
                logger.error(
                    "%d active orders belong to provider %r, which is not configured", len(group.rows), name
                )
                continue
            ids = list(group.rows)
            size = max(1, lane.provider.max_ids_per_request)
            for start in range(0, len(ids), size):
                part = ids[start : start + size]
                twins = {oid: group.twins[oid] for oid in part if oid in group.twins} if group.twins else {}
                await lane.chunks.put(Chunk({oid: group.rows[oid] for oid in part}, twins))
        return unusable

    async def close(self) -> None:
        """Let the workers finish the queued requests, then settle every reply."""
        for lane in self.lanes.values():
            for _ in lane.workers:
                await lane.chunks.put(None)
        await asyncio.gather(*(worker for lane in self.lanes.values() for worker in lane.workers))
        while self.settler is not None and not self.settler.done():
            await self.settler
            if self.ready:
                self._wake_settler()

    async def cancel(self) -> None:
        """Stop every request and settlement (a settlement under way rolls back)."""
        tasks = [worker for lane in self.lanes.values() for worker in lane.workers]
        if self.settler is not None:
            tasks.append(self.settler)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _lane(self, name: str) -> _Lane | None:
        lane = self.lanes.get(name)
        if lane is None:
            provider = self.providers.get(name)
            if provider is None:
                return None
            concurrency = max(1, provider.concurrency)
            lane = _Lane(
                name,
                provider,
                asyncio.Queue(concurrency),
                asyncio.Semaphore(concurrency * _BACKLOG_PER_REQUEST),
            )
            lane.workers = [asyncio.create_task(self._work(lane)) for _ in range(concurrency)]
            self.lanes[name] = lane
        return lane

    async def _work(self, lane: _Lane) -> None:
        """One worker: a request at a time until the cycle closes; a bug loses its chunk, not the worker."""
        while (chunk := await lane.chunks.get()) is not None:
            await lane.backlog.acquire()
            try:
                replies = await self._fetch(lane, chunk)
            except Exception:
                logger.exception("Polling orders %s failed; they are skipped this cycle", ids_of(chunk.ids()))
                replies = []
            if not replies:
                lane.backlog.release()
                continue
            replies[-1].lane = lane
            self.ready.extend(replies)
            self._wake_settler()

    async def _fetch(self, lane: _Lane, chunk: Chunk) -> list[_Reply]:
        """Ask about one chunk; return its replies with orders to settle (none when the request failed)."""
        report = self.report
        try:
            statuses = await lane.provider.statuses_chunked(list(chunk.rows))
        except Exception as exc:
            # Provider failures come back per chunk; anything raised here is a bug. Skip these orders only.
            report.requests += 1
            report.failed_requests += 1
            report.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception(
                "Status requests to %s failed unexpectedly; orders %s are skipped this cycle",
                lane.name,
                ids_of(chunk.ids()),
            )
            return []
        replies: list[_Reply] = []
        for reply in statuses:
            report.requests += 1
            if reply.error is not None:
                report.failed_requests += 1
                report.last_error = str(reply.error)
                logger.warning(
                    "Status request for %d orders failed (%s); they are skipped this cycle",
                    len(reply.order_ids),
                    reply.error,
                )
                continue
            pairs = chunk.pairs(reply.statuses)
            if pairs:  # a reply that only repeats what the orders record leaves nothing to settle
                replies.append(_Reply(pairs))
        return replies

    def _wake_settler(self) -> None:
        if self.settler is None or self.settler.done():
            self.settler = asyncio.create_task(self._settle_ready())

    async def _settle_ready(self) -> None:
        """Settle the waiting replies, a batch at a time, until none is left."""
        while self.ready:
            batch: list[_Reply] = []
            size = 0
            while self.ready and (not batch or size + len(self.ready[0].pairs) <= _SETTLE_TOGETHER):
                reply = self.ready.pop(0)
                batch.append(reply)
                size += len(reply.pairs)
            try:
                await self._settle_batch(batch)
            finally:
                for reply in batch:
                    if reply.lane is not None:
                        reply.lane.backlog.release()

    async def _settle_batch(self, batch: list[_Reply]) -> None:
        """Settle replies in one transaction; should that fail, each alone, so a failure loses its own."""
        report = self.report
        each = [reply.pairs for reply in batch]
        if len(each) > 1:
            try:
                pairs = [pair for reply in each for pair in reply]
                _add(report.settled, await self.settle(self.db, self.settings, pairs))
                return
            except Exception as exc:
                # Nothing of the batch was written (what a fallback inside wrote is skipped as changed
                # since): settle each reply alone.
                logger.warning(
                    "Settling %d replies together failed (%s: %s); settling each alone",
                    len(batch),
                    type(exc).__name__,
                    exc,
                )
        for pairs in each:
            try:
                _add(report.settled, await self.settle(self.db, self.settings, pairs))
            except Exception:
                # Settlement is one transaction per reply, so nothing of this reply was written.
                report.failed_settles += 1
                logger.exception(
                    "Settling orders %s failed; they are skipped this cycle",
                    ids_of(order.id for order, _ in pairs),
                )


def ids_of(order_ids: Iterable[int]) -> str:
    """Our order ids for a log line (never the provider's key or reply)."""
    return ", ".join(str(order_id) for order_id in sorted(set(order_ids))) or "-"


def _add(total: SettleReport, part: SettleReport) -> None:
    for name in SettleReport.__slots__:
        setattr(total, name, getattr(total, name) + getattr(part, name))
