"""One running bot per database: a lock file next to it, held for the life of the process."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; the lock is then not enforced
    fcntl = None  # type: ignore[assignment]


class AlreadyRunning(Exception):
    """Another process holds the database's lock."""

    def __init__(self, lock_path: Path) -> None:
        super().__init__(f"another process holds {lock_path}")
        self.lock_path = lock_path


@contextlib.contextmanager
def instance_lock(db_path: Path) -> Iterator[Path]:
    """Hold `<database>.lock` exclusively while the block runs; raise AlreadyRunning if it is taken.

    Two bots on one database would each keep their own copy of conversation state and each run the
    scheduler. The operating system releases the lock when the process ends, however it ends.
    """
    lock_path = db_path.with_name(db_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise AlreadyRunning(lock_path) from None
        yield lock_path
