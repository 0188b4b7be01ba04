"""`python -m bench [--quick] [--compare REF] [name ...]`: run the benchmarks and print one table of figures.

With `--compare REF` (any git commit: a branch, a tag, HEAD~3) the same benchmarks also run on REF, checked
out in a temporary git worktree that is removed afterwards, and the table shows both columns: each figure
on REF and on the current tree, matched by benchmark and figure name ("-" where one side lacks it), with
the current target and verdict ("ok (was MISSED)" when REF's differs). REF runs first, by its own code, in
a subprocess of the same interpreter (`python -m bench --json PATH` with the worktree first on PYTHONPATH);
the two columns are taken minutes apart, so read small differences against the load averages printed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType

import aiogram

from bench import broadcast, catalog, notifications, payments, placement, polling, scale, scaleout, updates
from bench.common import BENCH_DIR, Outcome, print_table
from bench.compare import CompareError, Side, print_comparison, resolve, run_at, side_of, write_json

Benchmark = Callable[[bool, Path], Awaitable[Outcome]]

BENCHMARKS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (updates, polling, notifications, placement, payments, broadcast, scale, catalog, scaleout)
}


def _git(*args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (fixed git arguments from this module)
            ["git", *args],  # noqa: S607
            cwd=BENCH_DIR.parent,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return done.stdout.strip()


def _describe(quick: bool) -> str:
    """One line naming the code and the machine the figures come from."""
    commit = _git("rev-parse", "--short", "HEAD") or "?"
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    return (
        f"mode {'quick' if quick else 'full'}; commit {commit}; Python {platform.python_version()}; "
        f"aiogram {aiogram.__version__}; {os.cpu_count()} CPU; {platform.platform()}; {_load()}"
    )


def _load() -> str:
    """Other work on the machine skews wall-clock figures; say how busy it was."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


async def _run_all(names: list[str], quick: bool) -> tuple[list[tuple[str, Outcome]], list[str]]:
    outcomes: list[tuple[str, Outcome]] = []
    failed: list[str] = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        benchmark: Benchmark = BENCHMARKS[name].run
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
            try:
                outcome = await benchmark(quick, Path(folder))
            except Exception:
                traceback.print_exc()
                failed.append(name)
                continue
        print(f"  {name} done in {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
        outcomes.append((name, outcome))
    return outcomes, failed


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default); 1 if one of them could not run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help="any of: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="smaller sizes; about two minutes in all")
    parser.add_argument("--log-level", default="ERROR", help="log level of the bot and fakes (default ERROR)")
    parser.add_argument(
        "--compare", metavar="REF", help="also run them on git commit REF and show both columns"
    )
    # Internal: how --compare reads the figures of the other commit's run.
    parser.add_argument("--json", type=Path, metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    level = args.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Some loggers set their own level (aiogram.event in the test harness); the handler has the last word.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    other: Side | None = None
    label = args.compare or ""
    if args.compare:
        try:
            commit = resolve(args.compare)
        except CompareError as exc:
            parser.error(str(exc))
        short = commit[:7]
        label = short if commit.startswith(args.compare.lower()) else f"{args.compare} ({short})"
        options = [*(["--quick"] if args.quick else []), "--log-level", args.log_level]
        try:
            other = run_at(commit, args.names, options)
        except CompareError as exc:
            other = Side(describe="could not run", failed=[str(exc)])
        print(f"{label}: {other.describe}")
    describe = _describe(args.quick)
    print(f"current: {describe}" if other else describe)
    outcomes, failed = asyncio.run(_run_all(names, args.quick))
    if args.json is not None:
        write_json(args.json, describe, outcomes, failed)
    if other is None:
        print_table(outcomes)
    else:
        print_comparison(label, other, side_of(describe, outcomes, failed))
    print(f"\nafter the run: {_load()}")
    if other is not None and other.failed:
        print(f"\nfailed to run on {label}: {', '.join(other.failed)}", file=sys.stderr)
    if failed:
        print(f"\nfailed to run: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or (other is not None and other.failed) else 0


if __name__ == "__main__":
    sys.exit(main())
