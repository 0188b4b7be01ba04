"""The registry of placements in flight that a shutdown waits for."""

from __future__ import annotations

import asyncio

from bot.orders.inflight import Placements


async def test_drain_waits_for_work_in_flight_then_refuses_new_work() -> None:
    placements = Placements()
    finished: list[str] = []

    async def work(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    assert placements.start(work("first", 0.2)) is not None
    assert await placements.drain(5) == 0
    assert finished == ["first"] and placements.closing
    late = work("late", 0)
    assert placements.start(late) is None
    assert late.cr_frame is None  # closed, not left unawaited
    assert finished == ["first"]


async def test_drain_cancels_what_outlasts_the_grace_period() -> None:
    placements = Placements()
    outcome: list[str] = []

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        outcome.append("finished")

    task = placements.start(slow())
    assert task is not None
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await placements.drain(0.2) == 1
    assert loop.time() - began < 2
    assert outcome == ["cancelled"] and task.cancelled() and len(placements) == 0
