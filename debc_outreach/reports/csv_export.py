"""CSV files: UTF-8 with BOM (Excel shows Khmer), one header row of stable keys.

Rows arrive in chunks; each chunk is formatted by the C csv writer into a
buffer and encoded once, which keeps a million rows close to the speed of
`sqlite3 -csv` (bench/bench_reports.py).

Every text cell goes through `neutralised` first: a spreadsheet treats a cell
that begins with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula,
so a name typed as `=HYPERLINK(...)` would become a live link on the
coordinator's computer. Such cells get a leading `'` (OWASP's advice); numbers
stay numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed number such as -12 or +3.5 is read as that number, not as a formula.
_SIGNED_NUMBER = re.compile(r"[+-][0-9]+(\.[0-9]*)?")


def neutralised(value: object) -> object:
    """`value`, with a leading `'` when a spreadsheet would read the text as a formula."""
    if (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not _SIGNED_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def neutralised_sql(expression: str) -> str:
    """SQL for `neutralised` of a text `expression` (the same rule, inside SQLite)."""
    tail = f"substr({expression}, 2)"
    return (f"(CASE WHEN substr({expression}, 1, 1) IN ('=', '+', '-', '@', char(9), char(13)) "
            f"AND NOT (substr({expression}, 1, 1) IN ('+', '-') AND {tail} GLOB '[0-9]*' "
            f"AND {tail} NOT GLOB '*[^0-9.]*' AND {tail} NOT GLOB '*.*.*') "
            f"THEN char(39) || {expression} ELSE {expression} END)")


def write_csv(path: Path, header: list[str], chunks: Iterable[list[tuple]],
              tick: Callable[[int], None] | None = None) -> int:
    """Write the rows of `chunks` under `header` to `path`; return the number of rows."""
    count = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with open(path, "wb") as out:
        out.write(codecs.BOM_UTF8)
        writer.writerow(header)
        for chunk in chunks:
            writer.writerows([tuple(map(neutralised, row)) for row in chunk])
            count += len(chunk)
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
            if tick is not None:
                tick(count)
        out.write(buffer.getvalue().encode("utf-8"))
    return count


def write_csv_lines(path: Path, header: list[str], chunks: Iterable[list[bytes]],
                    tick: Callable[[int], None] | None = None) -> int:
    """Like `write_csv` for rows already made into CSV lines (and neutralised) in UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(header)
    count = 0
    with open(path, "wb") as out:
        out.write(codecs.BOM_UTF8)
        out.write(buffer.getvalue().encode("utf-8"))
        for chunk in chunks:
            if chunk:
                out.write(b"\r\n".join(chunk))     # no concatenation: one copy less
                out.write(b"\r\n")
            count += len(chunk)
            if tick is not None:
                tick(count)
    return count


def csv_bytes(header: list[str], rows: Iterable[tuple]) -> bytes:
    """A small table as the bytes of a CSV file (BOM, neutralised cells), for a ZIP."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(tuple(map(neutralised, row)) for row in rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
