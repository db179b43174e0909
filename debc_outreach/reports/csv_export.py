"""CSV files: UTF-8 with BOM (Excel shows Khmer), one header row of stable keys.

Rows arrive in chunks; each chunk is formatted by the C csv writer into a
buffer and encoded once, which keeps a million rows close to the speed of
`sqlite3 -csv` (bench/bench_reports.py).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path


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
            writer.writerows(chunk)
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
    """Like `write_csv` for rows that are already CSV lines in UTF-8."""
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
