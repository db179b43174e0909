"""Line numbers for values in a TOML file (tomllib gives values, not places).

Good enough for the simple files of a content pack: top-level keys, `[table]`
keys and the keys of the n-th `[[array]]` entry.
"""

from __future__ import annotations

import re
import tomllib


def parse_toml(text: str) -> dict:
    """`tomllib.loads`, with nesting too deep for the parser reported as a TOML error.

    tomllib reads nested arrays and inline tables recursively, so a few thousand
    `[` in a file from a stranger exhaust Python's stack; the caller gets the same
    error it already handles for any other broken file.
    """
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("values are nested too deeply") from None


class TomlLines:
    def __init__(self, text: str):
        self.lines = text.splitlines()

    def _headers(self, name: str, array: bool) -> list[int]:
        pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]" if array
                             else rf"^\s*\[\s*{re.escape(name)}\s*\]")
        return [i for i, line in enumerate(self.lines) if pattern.match(line)]

    def _section_end(self, start: int) -> int:
        for i in range(start + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                return i
        return len(self.lines)

    def line(self, key: str | None = None, table: str | None = None, index: int | None = None
             ) -> int:
        """1-based line of `key` (in `[table]`, or the `index`-th `[[table]]`)."""
        start, end = 0, len(self.lines)
        if table is not None:
            headers = self._headers(table, array=index is not None)
            position = index or 0
            if position >= len(headers):
                return 1
            start = headers[position]
            end = self._section_end(start)
            if key is None:
                return start + 1
        elif key is not None:
            first_table = next((i for i, t in enumerate(self.lines)
                                if t.lstrip().startswith("[")), len(self.lines))
            end = first_table
        if key is None:
            return 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in range(start, end):
            if pattern.match(self.lines[i]):
                return i + 1
        return start + 1
