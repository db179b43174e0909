"""Machine-readable output of the commands (`--json`): one way to print it."""

from __future__ import annotations

import json


def print_json(document: object, *, indent: int | None = None) -> None:
    """Print `document` as JSON, Khmer text kept readable (not \\u-escaped)."""
    print(json.dumps(document, ensure_ascii=False, indent=indent))
