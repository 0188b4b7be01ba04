"""Many rows in one statement: the rows travel as one JSON array, read in SQL with `json_each`.

aiosqlite runs statements on a thread of their own, and SQLite gives the GIL back while it works. One
`executemany` over N rows takes the GIL back N times; while the event loop runs Python (a poll cycle
parsing replies, say) each row then waits for the loop to let go of the GIL, up to the 5 ms switch
interval, and a batch of thousands crawls. One statement over a JSON array takes it back once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

# What JSON carries exactly: strings (but see NUL below), NULL, booleans (stored as 1 and 0, as bound)
# and 64-bit integers. SQLite's JSON reader would cut a string short at NUL, read a bigger integer as
# a float (where binding it raises) and may round a float differently; anything else binding refuses.
_PLAIN = frozenset({str, type(None), bool})
_INT64 = range(-(2**63), 2**63)
_NUL = "\\u0000"
# Rows hold plain values only, so there is nothing circular to look for (a third faster).
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)


def json_rows(rows: Iterable[Sequence[object]]) -> str | None:
    """The rows as one JSON array of arrays, or None when some value cannot travel exactly that way.

    Read the columns in SQL with `json_extract(value, '$[i]')` over `json_each(?)`; on None, fall back
    to `executemany` (rare: a NUL in a string, a huge integer, a float, a value of another type).
    """
    table = rows if isinstance(rows, list) else list(rows)
    for row in table:
        if type(row) is not tuple and type(row) is not list:
            return None
        for value in row:
            kind = type(value)
            if kind is int:
                if value not in _INT64:
                    return None
            elif kind not in _PLAIN:
                return None
    text = _ENCODER.encode(table)
    return None if _NUL in text else text


def columns(names: Sequence[str]) -> str:
    """The select list naming each position of a `json_rows` row: `json_extract(value, '$[0]') AS a, ...`."""
    return ", ".join(f"json_extract(value, '$[{index}]') AS {name}" for index, name in enumerate(names))
