"""One pass per person over the skills (checklist results) of a selection.

GROUP BY over millions of results makes SQLite sort them, and a protected
data folder keeps sorts in memory (SQLCipher) — gigabytes for the skills of
a million check-ins. Here SQLite walks the `checklist_participant` index
instead (it holds the state too, so no row is looked up), so every group
arrives already in order (no sort, no temporary index), with one compact text
per person; Python adds each person up as they stream by, so memory stays flat
whatever the number of results or of participants (only people with merged
records wait for the end).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage.database import Database

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
    millions of results to one index and two tiny lookups per row.
    """
    conn = database.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_item (item_id TEXT PRIMARY KEY, "
                 "code TEXT) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_absent (session_id TEXT, "
                 "participant_id TEXT, PRIMARY KEY (session_id, participant_id)) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_in (id TEXT PRIMARY KEY) WITHOUT ROWID")
    for table in ("report_item", "report_absent", "report_in"):
        conn.execute(f"DELETE FROM temp.{table}")
    conn.executemany("INSERT INTO temp.report_item VALUES (?, ?)", codes.items())
    conn.execute("INSERT INTO temp.report_absent SELECT session_id, participant_id "
                 "FROM attendance WHERE present = 0")
    clauses, params = filt.session_clauses()
    joins, where = "", ""
    if clauses or filt.device_id:
        session_where, session_params = filt.session_where()
        conn.execute(f"INSERT INTO temp.report_in SELECT s.id FROM session s "
                     f"WHERE {session_where}", session_params)
        joins = "JOIN temp.report_in r ON r.id = c.session_id "
    if filt.device_id:
        joins += ("JOIN attendance a ON a.session_id = c.session_id AND a.participant_id = "
                  "c.participant_id ")
        where = "AND a.added_device = ? "
    cursor = conn.execute(
        "SELECT c.participant_id, "
        "group_concat(CASE WHEN c.state = 'achieved' THEN i.code END, ''), "
        "group_concat(CASE WHEN c.state != 'not_assessed' THEN i.code END, '') "
        "FROM checklist_result c INDEXED BY checklist_participant "
        "JOIN temp.report_item i ON i.item_id = c.item_id " + joins +
        "WHERE NOT EXISTS (SELECT 1 FROM temp.report_absent x WHERE x.session_id = "
        "c.session_id AND x.participant_id = c.participant_id) " + where +
        "GROUP BY c.participant_id", [filt.device_id] if filt.device_id else [])
    kept = {row[0]: (row[1] or row[0], row[2]) for row in conn.execute(
        "SELECT id, merged_into, deleted FROM participant WHERE merged_into != '' "
        "OR deleted != 0")}
    held_back = _merge_targets(database)
    found: dict[str, tuple[str, str]] = {}
    while rows := cursor.fetchmany(_CHUNK):
        for participant_id, achieved, assessed in rows:
            person_id, deleted = kept.get(participant_id, (participant_id, 0))
            if deleted or (person_id != participant_id and kept.get(person_id, ("", 0))[1]):
                continue
            if person_id == participant_id and person_id not in held_back:
                yield person_id, achieved or "", assessed or ""
                continue
            before = found.get(person_id, ("", ""))
            found[person_id] = (before[0] + (achieved or ""), before[1] + (assessed or ""))
        if progress is not None:
            progress(id_share(rows[-1][0]))
    for person_id, (achieved, assessed) in found.items():
        yield person_id, achieved, assessed


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
