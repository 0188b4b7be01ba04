"""`python -m bench --compare REF`: the same benchmarks on another commit, side by side with this tree.

REF is checked out in a temporary `git worktree` and benchmarked by its own code in a subprocess
(`python -m bench --json PATH`, same interpreter, the worktree first on PYTHONPATH). A commit older than
`--json` is read from the table it prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import BENCH_DIR, Figure, Outcome

REPO = BENCH_DIR.parent
FORMAT = 1  # of the --json file


@dataclass(frozen=True, slots=True)
class Shown:
    """One figure as the table shows it."""

    value: str
    target: str
    met: bool | None


@dataclass(slots=True)
class Side:
    """What one side of a comparison produced: figures by (benchmark, name), in order, and notes."""

    describe: str = ""
    figures: dict[tuple[str, str], Shown] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class CompareError(Exception):
    """REF cannot be checked out or benchmarked."""


# ---------------------------------------------------------------------------------------- json


def write_json(path: Path, describe: str, outcomes: Sequence[tuple[str, Outcome]], failed: list[str]) -> None:
    """Write a run's figures for the other side of a comparison."""
    body = {
        "format": FORMAT,
        "describe": describe,
        "figures": [asdict(fig) for _, outcome in outcomes for fig in outcome.figures],
        "notes": [[name, note] for name, outcome in outcomes for note in outcome.notes],
        "failed": failed,
    }
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")


def side_of(describe: str, outcomes: Sequence[tuple[str, Outcome]], failed: list[str]) -> Side:
    """This tree's run as one side of a comparison."""
    figures = [fig for _, outcome in outcomes for fig in outcome.figures]
    notes = [(name, note) for name, outcome in outcomes for note in outcome.notes]
    return _side(describe, figures, notes, failed)


def _side(describe: str, figures: list[Figure], notes: list[tuple[str, str]], failed: list[str]) -> Side:
    shown = {(f.benchmark, f.name): Shown(f.shown(), f.target, f.met) for f in figures}
    return Side(describe, shown, notes, failed)


def _read_json(path: Path) -> Side:
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    figures = [Figure(**fig) for fig in body["figures"]]
    notes = [(str(name), str(note)) for name, note in body["notes"]]
    return _side(str(body["describe"]), figures, notes, list(body["failed"]))


_NOTE = re.compile(r"^\[([^\]]+)\] (.*)$")


def _read_table(stdout: str) -> Side:
    """Read the figures back from the table `print_table` printed (commits older than --json)."""
    lines = stdout.splitlines()
    side = Side(describe=lines[0] if lines else "")
    rules = [i for i, line in enumerate(lines) if line.startswith("-") and not line.strip(" -")]
    if len(rules) < 3:
        return side
    starts = [m.start() for m in re.finditer(r"-+", lines[rules[0]])]
    for line in lines[rules[1] + 1 : rules[2]]:
        # Values are right-aligned; a figure name may start with spaces (a row under the one above).
        cells = [
            line[a:b].strip() if i == 2 else line[a:b].rstrip()
            for i, (a, b) in enumerate(zip(starts, [*starts[1:], None], strict=True))
        ]
        benchmark, name, value, target, *rest = [*cells, "", ""][:5]
        verdict = rest[0] if rest else ""
        met = {"ok": True, "MISSED": False}.get(verdict)
        side.figures[(benchmark, name)] = Shown(value, target, met)
    for line in lines[rules[2] + 1 :]:
        if match := _NOTE.match(line):
            side.notes.append((match.group(1), match.group(2)))
    return side


# ---------------------------------------------------------------------------------------- the other side


def resolve(ref: str) -> str:
    """The commit `ref` names; CompareError if none."""
    done = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise CompareError(f"{ref!r} names no commit in {REPO}")
    return done.stdout.strip()


def run_at(commit: str, names: list[str], options: list[str]) -> Side:
    """Run `python -m bench [options] names` on `commit`, checked out in a temporary worktree."""
    with _worktree(commit) as tree:
        env = dict(os.environ)
        # The worktree's packages must win over this tree's (the venv installs it in editable mode).
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(tree), env.get("PYTHONPATH", "")) if p)
        known = _benchmarks_at(tree, env)
        missing = [name for name in names if known is not None and name not in known]
        if missing:
            print(f"{commit[:10]} has no benchmark {', '.join(missing)}", file=sys.stderr)
            names = [name for name in names if name not in missing]
            if not names:
                return Side(describe=f"commit {commit[:10]}: none of the chosen benchmarks")
        entry = tree / "bench" / "__main__.py"
        if not entry.exists():
            raise CompareError(f"{commit[:10]} has no benchmarks (no bench/__main__.py)")
        as_json = "--json" in entry.read_text(encoding="utf-8")
        output = tree.parent / "figures.json"
        command = [
            sys.executable,
            "-m",
            "bench",
            *options,
            *(["--json", str(output)] if as_json else []),
            *names,
        ]
        print(
            f"running {' '.join(names) or 'every benchmark'} on {commit[:10]} ...",
            file=sys.stderr,
            flush=True,
        )
        # stderr (progress, tracebacks) goes straight through; stdout holds that side's own table.
        done = subprocess.run(command, cwd=tree, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
        if as_json and output.exists():
            side = _read_json(output)
        elif not as_json and done.returncode in (0, 1):
            side = _read_table(done.stdout)
        else:
            raise CompareError(f"python -m bench on {commit[:10]} exited with {done.returncode}")
        if done.returncode != 0 and not side.failed:
            side.failed.append(f"exit status {done.returncode}")
        return side


def _benchmarks_at(tree: Path, env: dict[str, str]) -> set[str] | None:
    """The benchmark names the worktree's code knows; None if it cannot tell."""
    code = "from bench.__main__ import BENCHMARKS; print(' '.join(BENCHMARKS))"
    done = subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    return set(done.stdout.split()) if done.returncode == 0 else None


@contextmanager
def _worktree(commit: str) -> Iterator[Path]:
    """`commit` checked out in a temporary directory, removed afterwards whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    tree = folder / "tree"
    try:
        done = _git("worktree", "add", "--detach", "--quiet", str(tree), commit)
        if done.returncode != 0:
            raise CompareError(f"git worktree add failed: {done.stderr.strip()}")
        yield tree
    finally:
        _git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(folder, ignore_errors=True)
        _git("worktree", "prune")


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (fixed git arguments from this module)
        ["git", *args],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


# ---------------------------------------------------------------------------------------- the table


def print_comparison(label: str, ref: Side, current: Side) -> None:
    """Print both sides' figures in one table, matched by (benchmark, figure); "-" where one lacks it."""
    keys: list[tuple[str, str]] = []
    for benchmark in dict.fromkeys(b for b, _ in [*current.figures, *ref.figures]):
        keys += [key for key in current.figures if key[0] == benchmark]
        keys += [key for key in ref.figures if key[0] == benchmark and key not in current.figures]
    header = ("benchmark", "figure", label, "current", "target / reference", "met")
    rows = [header]
    for key in keys:
        old, new = ref.figures.get(key), current.figures.get(key)
        shown = new or old
        assert shown is not None
        rows.append(
            (*key, old.value if old else "-", new.value if new else "-", shown.target, _met(old, new))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for index, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i in (2, 3) and index else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        print("  ".join(cells).rstrip())
        if index == 0:
            print(line)
    print(line)
    for tag, side in ((label, ref), ("current", current)):
        if side.notes:
            print()
            for name, note in side.notes:
                print(f"[{tag}: {name}] {note}")


def _met(old: Shown | None, new: Shown | None) -> str:
    """The current verdict, with REF's when it differs ("was ..." alone when only REF has the figure)."""
    word = {True: "ok", False: "MISSED", None: ""}
    if new is None:
        return f"was {word[old.met]}" if old is not None and old.met is not None else ""
    if old is None or old.met is None or old.met == new.met:
        return word[new.met]
    return f"{word[new.met]} (was {word[old.met]})"
