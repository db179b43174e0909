"""Skills checklist: items come from the module pack; results are per cell.

A result is (session, participant, item id) -> achieved / not yet / not
assessed. Each tick is a `checklist` event; the projection keeps the last
writer per cell (HLC, then device id), so ticks from two devices never
conflict. "Whole group" is one event listing many participants.
"""

from __future__ import annotations

import sqlite3
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from debc_outreach import resources
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, language
from debc_outreach.storage import projection
from debc_outreach.storage.events import Event
from debc_outreach.storage.store import Store

ACHIEVED, NOT_YET, NOT_ASSESSED = "achieved", "not_yet", "not_assessed"
STATES: tuple[str, ...] = (ACHIEVED, NOT_YET, NOT_ASSESSED)


@dataclass(frozen=True)
class Item:
    id: str            # "<module slug>.<key>"
    module: str
    km: str
    en: str

    def text(self, lang: str | None = None) -> str:
        return self.km if (lang or language()) == "km" else self.en


@dataclass(frozen=True)
class Module:
    slug: str
    title_km: str
    title_en: str
    items: tuple[Item, ...]

    def title(self, lang: str | None = None) -> str:
        return self.title_km if (lang or language()) == "km" else self.title_en


@cache
def _read_modules(content_dir: Path) -> dict[str, Module]:
    # The one place module files are read here; switch to the pack loader when it lands.
    modules: dict[str, Module] = {}
    for path in sorted(content_dir.glob("modules/*/module.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        slug = data.get("slug") or path.parent.name
        items = []
        for entry in data.get("checklist", []):
            item_id = str(entry.get("id", ""))
            if not item_id.startswith(slug + "."):
                item_id = f"{slug}.{item_id}"
            items.append(Item(item_id, slug, entry.get("km", ""), entry.get("en", "")))
        title = data.get("title", {})
        modules[slug] = Module(slug, title.get("km", slug), title.get("en", slug),
                               tuple(items))
    return modules


_active: dict[str, Path] = {}


def use_content_dir(folder: Path) -> None:
    """Read checklists from this pack folder from now on.

    Storage may not import the content layer, so the GUI and the commands pass in
    the active pack (`content.loader.active_pack_dir`: an imported pack, or the
    shipped one) when they open a data folder.
    """
    _active["dir"] = Path(folder)


def modules(content_dir: Path | None = None) -> dict[str, Module]:
    """Modules of the content pack by slug."""
    return _read_modules(content_dir or _active.get("dir") or resources.content_dir())


def checklist_items(slugs: list[str] | tuple[str, ...],
                    content_dir: Path | None = None) -> list[Item]:
    """Checklist items of these modules, in module then pack order."""
    known = modules(content_dir)
    return [item for slug in slugs if slug in known for item in known[slug].items]


def require_modules(slugs: list[str]) -> list[str]:
    known = modules()
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise UserError(_("Unknown module {slug}. Known modules: {known}")
                        .format(slug=unknown[0], known=", ".join(sorted(known)) or "—"))
    return list(dict.fromkeys(slugs))


# --- events and projection ---------------------------------------------------------

_UPSERT = ("INSERT INTO checklist_result (session_id, participant_id, item_id, state, hlc, "
           "device_id) VALUES (?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (session_id, participant_id, item_id) DO UPDATE SET "
           "state = excluded.state, hlc = excluded.hlc, device_id = excluded.device_id "
           "WHERE (excluded.hlc, excluded.device_id) > (checklist_result.hlc, "
           "checklist_result.device_id)")


def _cells(entity_id: str, fields: dict, hlc: int, device_id: str) -> list[tuple]:
    state = fields.get("state")
    if state not in STATES:
        return []
    return [(entity_id, participant_id, fields["item_id"], state, hlc, device_id)
            for participant_id in fields.get("participant_ids", [])]


def _apply(conn: sqlite3.Connection, event: Event) -> None:
    for cell in _cells(event.entity_id, event.fields, event.hlc, event.device_id):
        conn.execute(_UPSERT, cell)


def _apply_batch(conn: sqlite3.Connection, items: list[projection.BatchItem]) -> None:
    """Many ticks at once (sync import): last writer per cell wins whatever the order."""
    cells = []
    for row, fields, _base in items:
        cells.extend(_cells(row[4], fields, row[2], row[0]))
    if cells:
        conn.executemany(_UPSERT, cells)


projection.register("checklist", applier=_apply, batch=_apply_batch)


def set_result(store: Store, session_id: str, participant_ids: list[str], item_id: str,
               state: str, reason: str = "") -> None:
    """Tick one item for one or many participants (one event, one transaction)."""
    from debc_outreach.storage import sessions

    if state not in STATES:
        raise UserError(_("Unknown checklist state {state}.").format(state=state))
    sessions.require_editable(store.database, session_id, reason)
    fields = {"participant_ids": list(participant_ids), "item_id": item_id, "state": state}
    if reason:
        fields["reason"] = reason
    store.record("checklist", session_id, fields, op="set")


def fill_unmarked(store: Store, session_id: str, participant_ids: list[str], item_id: str,
                  state: str, reason: str = "") -> list[str]:
    """"Whole group": give `state` to those of `participant_ids` who have no mark yet for
    the item (one event); a mark someone set for one person is never overwritten.
    Returns the ids that were filled (empty when everyone already had a mark)."""
    marked = {participant_id for (participant_id, item), cell in
              results(store.database.conn, session_id).items()
              if item == item_id and cell != NOT_ASSESSED}
    unmarked = [pid for pid in dict.fromkeys(participant_ids) if pid not in marked]
    if unmarked:
        set_result(store, session_id, unmarked, item_id, state, reason)
    return unmarked


def results(conn: sqlite3.Connection, session_id: str) -> dict[tuple[str, str], str]:
    """{(participant id, item id): state} for one session."""
    return {(row[0], row[1]): row[2] for row in conn.execute(
        "SELECT participant_id, item_id, state FROM checklist_result WHERE session_id = ?",
        (session_id,))}
