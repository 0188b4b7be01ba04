"""The scheduler: one AsyncIOScheduler, jobs are plain async functions taking their dependencies."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler


def create_scheduler() -> AsyncIOScheduler:
    """Build the scheduler; it is started inside the running loop by the dispatcher's startup hook."""
    return AsyncIOScheduler(
        job_defaults={
            # One run at a time; runs missed while one was busy collapse into one.
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": None,
        }
    )
