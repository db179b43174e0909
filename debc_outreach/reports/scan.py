"""One pass per person over the skills (checklist results) of a selection.

GROUP BY over millions of results makes SQLite sort them, and a protected
data folder keeps sorts in memory (SQLCipher) — gigabytes for the skills of
a million check-ins. Here SQLite walks the compact `checklist_row` table in
its primary key order (person, then session: storage/projection/checklist_rows.py),
so every group arrives already in order (no sort, no temporary index), with one
compact text per person; Python adds each person up as they stream by, so memory stays flat
whatever the number of results or of participants (only people with merged
records wait for the end).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage.database import Database
from debc_outreach.storage.projection import checklist_rows

_CHUNK = 2000


def _merge_targets(database: Database) -> set[str]:
    """Kept ids that other records were merged into (few: duplicates found by hand)."""
    return {row[0] for row in database.conn.execute(
        "SELECT DISTINCT merged_into FROM participant WHERE merged_into != ''")}


def id_share(participant_id: str) -> float:
    """How far a walk in participant id order has come (ids are random UUIDs, spread
    evenly), so progress needs no count of the rows first."""
    try:
        return int(participant_id[:4], 16) / 0x10000
    except ValueError:
        return 0.0


def skills(database: Database, filt: ReportFilter, codes: dict[str, str],
           progress: Callable[[float], None] | None = None) -> Iterator[tuple[str, str, str]]:
    """(kept person id, achieved item codes with repeats, assessed item codes), each
    person once; people stream out as the walk goes (only merged ones are held).

    `codes` maps item ids to one-character codes; each achieved result adds its
    code, so counting codes gives results and a set of them gives people. Results
    count for people present at the session; the session filter and the few
    removed check-ins come from small TEMP tables, which keeps the walk over
    millions of results to one table and a tiny lookup or two per person and session.
    """
    conn = database.conn
    cursor = conn.execute(_walk(database, filt))
    translate = _code_table(conn, codes)
    kept = {row[0]: (row[1] or row[0], row[2]) for row in conn.execute(
        "SELECT id, merged_into, deleted FROM participant WHERE merged_into != '' "
        "OR deleted != 0")}
    held_back = _merge_targets(database)
    found: dict[str, tuple[str, str]] = {}
    while rows := cursor.fetchmany(_CHUNK):
        for key, achieved_keys, assessed_keys in rows:
            participant_id = checklist_rows.participant_id(key)
            achieved = achieved_keys.translate(translate)
            assessed = assessed_keys.translate(translate)
            person_id, deleted = kept.get(participant_id, (participant_id, 0))
            if deleted or (person_id != participant_id and kept.get(person_id, ("", 0))[1]):
                continue
            if person_id == participant_id and person_id not in held_back:
                yield person_id, achieved, assessed
                continue
            before = found.get(person_id, ("", ""))
            found[person_id] = (before[0] + achieved, before[1] + assessed)
        if progress is not None:
            progress(id_share(checklist_rows.participant_id(rows[-1][0])))
    for person_id, (achieved, assessed) in found.items():
        yield person_id, achieved, assessed


def _walk(database: Database, filt: ReportFilter) -> str:
    """The query over every checklist row in person order (the table's primary key,
    so no sort): per person, the item characters achieved and assessed (with
    repeats). The session filter, the device's check-ins and the few removed
    check-ins come from small TEMP tables of local keys."""
    conn = database.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_absent (session INTEGER, "
                 "participant BLOB, PRIMARY KEY (session, participant)) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_in (session INTEGER PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_pair (session INTEGER, "
                 "participant BLOB, PRIMARY KEY (session, participant)) WITHOUT ROWID")
    for table in ("report_absent", "report_in", "report_pair"):
        conn.execute(f"DELETE FROM temp.{table}")
    _fill_pairs(conn, "report_absent", "present = 0", [])
    clauses, params = filt.session_clauses()
    where = ""
    if clauses or filt.device_id:
        session_where, session_params = filt.session_where()
        conn.execute(f"INSERT INTO temp.report_in SELECT k.key FROM session s JOIN "
                     f"{checklist_rows.SESSION_KEYS} k ON k.id = s.id WHERE {session_where}",
                     session_params)
        where += "AND c.session IN (SELECT session FROM temp.report_in) "
    if filt.device_id:
        _fill_pairs(conn, "report_pair", "added_device = ?", [filt.device_id])
        where += ("AND EXISTS (SELECT 1 FROM temp.report_pair d WHERE d.session = c.session "
                  "AND d.participant = c.participant) ")
    return ("SELECT c.participant, group_concat(c.achieved, ''), "
            "group_concat(c.achieved || c.not_yet, '') FROM checklist_row c "
            "WHERE NOT EXISTS (SELECT 1 FROM temp.report_absent x WHERE x.session = "
            "c.session AND x.participant = c.participant) " + where +
            "GROUP BY c.participant")


def _fill_pairs(conn, table: str, where: str, params: list) -> None:
    """Check-ins matching `where` into a TEMP table, as the keys checklist rows use."""
    cursor = conn.execute(f"SELECT k.key, a.participant_id FROM attendance a JOIN "
                          f"{checklist_rows.SESSION_KEYS} k ON k.id = a.session_id "
                          f"WHERE {where}", params)
    while rows := cursor.fetchmany(_CHUNK * 10):
        conn.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES (?, ?)",
                         [(session, checklist_rows.participant_key(person))
                          for session, person in rows])


def _code_table(conn, codes: dict[str, str]) -> dict[int, str | None]:
    """str.translate table: stored item characters to the caller's codes; items the
    caller did not ask for are dropped."""
    return {ord(checklist_rows.item_char(key)): codes.get(item)
            for key, item in checklist_rows.names(conn, checklist_rows.ITEM_KEYS).items()}


def item_codes(item_ids: list[str]) -> dict[str, str]:
    """One character per item (Unicode private use area: never in an item id)."""
    return {item: chr(0xE000 + index) for index, item in enumerate(item_ids)}


def count_codes(per_person: Iterable[tuple[str, str, str]],
                codes: dict[str, str]) -> dict[str, tuple]:
    """Item id -> (results achieved, people who achieved it, people assessed)."""
    items = {code: item for item, code in codes.items()}
    achieved: Counter = Counter()
    achieved_people: Counter = Counter()
    assessed_people: Counter = Counter()
    for _person, done, assessed in per_person:
        achieved.update(done)
        achieved_people.update(set(done))
        assessed_people.update(set(assessed))
    out = {}
    for code in set(achieved) | set(assessed_people):
        item = items.get(code, "?")
        out[item] = (achieved[code], achieved_people[code], assessed_people[code])
    return out
