"""CSV files: UTF-8 with BOM (Excel shows Khmer), one header row of stable keys."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path


def write_csv(path: Path, header: list[str], rows: Iterable[tuple]) -> int:
    """Write `rows` under `header` to `path` (a temporary file of the caller); return rows."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 5000:
                writer.writerows(chunk)
                count += len(chunk)
                chunk.clear()
        writer.writerows(chunk)
        count += len(chunk)
    return count
