"""Reading the participant registry: filtered pages, history, duplicates.

Pages are fetched by keyset (after the last row's sort key and id), so a
view over 100,000 people fills lazily without OFFSET scans.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from debc_outreach.storage import participants
from debc_outreach.storage.database import Database
from debc_outreach.storage.participants import ACTIVE, COLUMNS, Participant, from_row
from debc_outreach.storage.projection import checklist_rows


@dataclass(frozen=True)
class Filter:
    """What the registry shows. Empty values do not filter."""

    query: str = ""
    village_code: str = ""
    sex: str = ""
    disability: bool | None = None
    module: str = ""             # attended a session covering this module slug
    include_merged: bool = False


def _where(filt: Filter) -> tuple[str, list]:
    clauses = ["p.deleted = 0"] if filt.include_merged else [ACTIVE]
    params: list = []
    if filt.village_code:
        clauses.append("p.village_code = ?")
        params.append(filt.village_code)
    if filt.sex:
        clauses.append("p.sex = ?")
        params.append(filt.sex)
    if filt.disability is not None:
        clauses.append("p.disability = 1" if filt.disability else "p.disability != 1")
    if filt.module:
        clauses.append("p.id IN (SELECT id FROM temp.registry_module WHERE module = ?)")
        params.append(filt.module)
    name_clause, name_params = participants.name_filter(filt.query)
    if name_clause:
        clauses.append(name_clause)
        params.extend(name_params)
    return " AND ".join(clauses), params


@dataclass(frozen=True)
class Row:
    participant: Participant
    sort_key: bytes


_module_cache: dict[int, tuple] = {}


def _prepare_module(database: Database, module: str) -> None:
    """Who attended a session covering `module`, in a temporary table.

    Computed once per module and database state (about a second for 1,000,000
    check-ins); every page and count of the filtered view then reuses it.
    """
    conn = database.conn
    state = (module, conn.total_changes,
             conn.execute("PRAGMA data_version").fetchone()[0])
    if _module_cache.get(id(conn)) == state:
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS registry_module "
                 "(module TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (module, id))")
    conn.execute("DELETE FROM temp.registry_module")
    conn.execute(
        "INSERT OR IGNORE INTO temp.registry_module (module, id) "
        "SELECT ?, CASE WHEN m.merged_into != '' THEN m.merged_into ELSE m.id END "
        "FROM attendance a JOIN participant m ON m.id = a.participant_id "
        "WHERE a.present = 1 AND a.session_id IN (SELECT s.id FROM session s WHERE "
        "s.deleted = 0 AND EXISTS (SELECT 1 FROM json_each(s.modules) "
        "WHERE json_each.value = ?))", (module, module))
    _module_cache[id(conn)] = (module, conn.total_changes,
                               conn.execute("PRAGMA data_version").fetchone()[0])


def page(database: Database, filt: Filter, after: tuple[bytes, str] | None = None,
         limit: int = 200) -> list[Row]:
    """Up to `limit` rows in Khmer alphabetical order, after (sort key, id)."""
    if filt.module:
        _prepare_module(database, filt.module)
    where, params = _where(filt)
    if after is not None:
        where += " AND (p.sort_key, p.id) > (?, ?)"
        params += [after[0], after[1]]
    cursor = database.conn.execute(
        f"SELECT {COLUMNS}, p.sort_key FROM participant p WHERE {where} "
        f"ORDER BY p.sort_key, p.id LIMIT ?", (*params, limit))
    return [Row(from_row(row), row[10]) for row in cursor]


def count(database: Database, filt: Filter) -> int:
    if filt.module:
        _prepare_module(database, filt.module)
    where, params = _where(filt)
    return database.scalar(f"SELECT count(*) FROM participant p WHERE {where}",
                           tuple(params)) or 0


def villages_in_use(database: Database) -> list[str]:
    return [row[0] for row in database.conn.execute(
        "SELECT DISTINCT village_code FROM participant WHERE village_code != '' "
        "ORDER BY village_code")]


# --- one person's history ------------------------------------------------------------

@dataclass(frozen=True)
class Attended:
    session_id: str
    date: str
    village_code: str
    modules: tuple[str, ...]
    achieved: tuple[str, ...]     # checklist item ids achieved in that session


def attended(database: Database, participant_id: str) -> list[Attended]:
    """Sessions this person (and records merged into it) attended, newest first."""
    ids = [participant_id, *participants.merged_records(database, participant_id)]
    marks = ",".join("?" * len(ids))
    sessions = database.conn.execute(
        f"SELECT DISTINCT s.id, s.date, s.village_code, s.modules FROM attendance a "
        f"JOIN session s ON s.id = a.session_id WHERE a.present = 1 AND a.participant_id "
        f"IN ({marks}) AND s.deleted = 0 ORDER BY s.date DESC", ids).fetchall()
    achieved = checklist_rows.achieved_by_session(database.conn, ids,
                                                  [row[0] for row in sessions])
    return [Attended(session_id, date, village, tuple(json.loads(modules)),
                     tuple(sorted(achieved.get(session_id, ()))))
            for session_id, date, village, modules in sessions]


def merged_into_this(database: Database, participant_id: str) -> list[Participant]:
    cursor = database.conn.execute(
        f"SELECT {COLUMNS} FROM participant p WHERE p.merged_into = ? AND p.merged_into != '' "
        "ORDER BY p.sort_key",
        (participant_id,))
    return [from_row(row) for row in cursor]


# --- duplicates --------------------------------------------------------------------------

@dataclass(frozen=True)
class Duplicate:
    first: Participant
    second: Participant
    reason: str          # "same_name_village", "same_name_year", "similar_name"


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1:] for i in range(len(key))} | {key}


def find_duplicates(database: Database, limit: int = 500) -> list[Duplicate]:
    """Likely duplicates: the same name (by search key: spaces and the digits' script
    do not count) and the same village or birth year, or keys one edit apart (insert,
    delete or change one code point) in the same village.
    Pairs a user marked as different people (`participants.mark_distinct`) are left out.

    Near matches use a deletion index (as SymSpell does), so the work grows with the
    number of people, not with its square.
    """
    rows = database.conn.execute(
        f"SELECT {COLUMNS}, p.search_key FROM participant p WHERE {ACTIVE}").fetchall()
    people = [from_row(row) for row in rows]
    keys = {row[0]: row[10] for row in rows}
    by_id = {p.id: p for p in people}
    distinct = set(database.conn.execute(
        "SELECT first_id, second_id FROM distinct_pair WHERE distinct_people = 1"))
    found: dict[tuple[str, str], str] = {}
    by_key: dict[str, list[Participant]] = defaultdict(list)
    for person in people:
        by_key[keys[person.id]].append(person)
    for group in by_key.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                pair = tuple(sorted((a.id, b.id)))
                if pair in distinct:
                    continue
                if a.village_code and a.village_code == b.village_code:
                    found[pair] = "same_name_village"
                elif a.birth_year and a.birth_year == b.birth_year:
                    found[pair] = "same_name_year"
    variants: dict[tuple[str, str], list[str]] = defaultdict(list)
    for person in people:
        key = keys[person.id]
        if len(key) < 4 or not person.village_code:
            continue
        for variant in _deletions(key):
            variants[(person.village_code, variant)].append(person.id)
    for ids in variants.values():
        if len(ids) < 2 or len(ids) > 50:
            continue
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                pair = tuple(sorted((a, b)))
                if pair not in found and pair not in distinct and keys[a] != keys[b] \
                        and _one_edit(keys[a], keys[b]):
                    found[pair] = "similar_name"
        if len(found) >= limit:
            break
    out = [Duplicate(by_id[a], by_id[b], reason) for (a, b), reason in found.items()]
    return out[:limit]


def marked_distinct(database: Database) -> list[Duplicate]:
    """Pairs marked as different people (`participants.mark_distinct`), both still listed."""
    by_id = {p.id: p for p in (from_row(row) for row in database.conn.execute(
        f"SELECT {COLUMNS} FROM participant p JOIN distinct_pair d "
        f"ON p.id IN (d.first_id, d.second_id) WHERE d.distinct_people = 1 AND {ACTIVE}"))}
    pairs = database.conn.execute("SELECT first_id, second_id FROM distinct_pair "
                                  "WHERE distinct_people = 1 ORDER BY hlc DESC")
    return [Duplicate(by_id[a], by_id[b], "marked_distinct") for a, b in pairs
            if a in by_id and b in by_id]


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one inserted, deleted or changed code point."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]
