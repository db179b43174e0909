"""`checklist_ids.lock`: every checklist id ever published in a pack.

Checklist results are recorded against item ids, so an id, once published,
must keep its meaning forever. The lock file in the pack folder is that
promise, kept in version control next to the content:

    [[item]]
    id = "spot-scams-fake-messages.signs"
    module = "spot-scams-fake-messages"
    since = "1.0.0"                 # pack version that first published it
    en = "Can point to two warning signs in a sample message"
    km = "…"
    retired = "1.2.0"               # only once the item is no longer taught

`content check` fails when a locked id disappears from its module without
being retired, moves to another module, or its English text (the reference
meaning) changes beyond case, spacing and final punctuation. Khmer wording
may be improved freely (native review). `content lock` adds new ids and never
drops one; a retired id keeps its texts here, so old results still resolve.

`question_ids.lock`, beside it and in the same format, does the same for the
ids of quick checks and follow-up questions (answers are recorded against
them); its `en` is the English question.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from debc_outreach.content.model import ChecklistItem
from debc_outreach.content.toml_lines import parse_toml

LOCK_FILE = "checklist_ids.lock"
QUESTION_LOCK_FILE = "question_ids.lock"
_HEADERS = {
    LOCK_FILE: "# Every checklist id ever published in this pack "
               "(see `debc-outreach content lock`).",
    QUESTION_LOCK_FILE: "# Every quick-check and follow-up question id ever published in this "
                        "pack (see `debc-outreach content lock`).",
}


class Lockable(Protocol):
    """What the lock keeps of a checklist item or a question."""

    id: str
    module: str

    @property
    def en(self) -> str: ...

    @property
    def km(self) -> str: ...


@dataclass(frozen=True)
class LockEntry:
    id: str
    module: str
    since: str
    en: str
    km: str
    retired: str = ""
    line: int = 0


def same_meaning(a: str, b: str) -> bool:
    """English texts equal apart from case, spacing and final punctuation."""
    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip().rstrip(".!").casefold()
    return norm(a) == norm(b)


def read_lock(pack_dir: Path, name: str = LOCK_FILE) -> dict[str, LockEntry] | None:
    """The entries of lock file `name` by id, or None when the pack has no such file yet.

    Raises tomllib.TOMLDecodeError for a corrupt file (the validator reports it).
    """
    path = pack_dir / name
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    data = parse_toml(text)
    lines = text.splitlines()
    entries: dict[str, LockEntry] = {}
    for item in data.get("item", []):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        needle = "id = " + json.dumps(item["id"], ensure_ascii=False)
        line = next((n for n, t in enumerate(lines, 1) if t.strip() == needle), 0)
        entries[item["id"]] = LockEntry(
            id=item["id"], module=str(item.get("module", "")), since=str(item.get("since", "")),
            en=str(item.get("en", "")), km=str(item.get("km", "")),
            retired=str(item.get("retired", "")), line=line)
    return entries


def locked_items(pack_dir: Path) -> dict[str, ChecklistItem]:
    try:
        entries = read_lock(pack_dir) or {}
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        entries = {}
    return {e.id: ChecklistItem(id=e.id, km=e.km, en=e.en, module=e.module,
                                retired=bool(e.retired)) for e in entries.values()}


def write_lock(pack_dir: Path, entries: list[LockEntry], name: str = LOCK_FILE) -> Path:
    out = [_HEADERS[name],
           "# Never delete an entry: results recorded against it must keep their meaning.", ""]
    for entry in entries:
        out.append("[[item]]")
        for key in ("id", "module", "since", "en", "km", "retired"):
            value = getattr(entry, key)
            if key == "retired" and not value:
                continue
            out.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        out.append("")
    path = pack_dir / name
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def updated_entries(existing: dict[str, LockEntry] | None, items: list[Lockable],
                    pack_version: str, retire: set[str] = frozenset()) -> list[LockEntry]:
    """The lock after publishing `items` at `pack_version` (order: existing, then new)."""
    current = {item.id: item for item in items}
    result: list[LockEntry] = []
    for entry in (existing or {}).values():
        item = current.get(entry.id)
        if item is not None and same_meaning(item.en, entry.en):
            result.append(LockEntry(entry.id, entry.module, entry.since, item.en, item.km))
        elif item is None and (entry.id in retire or entry.retired):
            result.append(LockEntry(entry.id, entry.module, entry.since, entry.en, entry.km,
                                    entry.retired or pack_version))
        else:
            result.append(entry)       # a conflict: left for `content check` to report
    for item in items:
        if existing is None or item.id not in existing:
            result.append(LockEntry(item.id, item.module, pack_version, item.en, item.km))
    return result
