"""Counted visits: one narrow row per attendance that the reports count, kept up to date.

`report_visit` holds, for every check-in that counts (present, live session, live
person, a merged duplicate's row once), the kept person and what the figures
group by: session date and village, sex, age band at the session date,
disability, consent and the device that recorded it. The dashboard, the
summary and the targets count these rows with SQL (a million of them in about a
second) instead of joining attendance, sessions and participants each time.

Each row also carries the date of the person's previous visit (by date, then
session), of all and in the same province. A visit in a period is its
person's first there exactly when the previous one is older than the period's
start, so people are counted by adding `prev_date < start` over the rows,
without `count(DISTINCT …)` (a temporary b-tree of up to a million people): the
figures for any dates and province read one index range. A change to a
person's visits recomputes that person's previous dates.

Triggers on attendance, participant and session note what changed in
`report_visit_dirty` (a cheap insert, so check-ins and sync imports stay fast);
`bring_up_to_date` recomputes just those rows before a count — or everything,
after a large import. The rows are always what the join below gives: the
Hypothesis tests compare them with a plain recount after merges, un-merges,
sync imports and retention.

The rows are kept lean, for a million of them is a cache beside the records: the
session and the person are their rowids, the device a number in `report_device`,
dates the numbers YYYYMMDD, and the table is kept in date order so that it is
itself the index a period's figures read; each other index is named with the
query that needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from debc_outreach.storage import driver
from debc_outreach.storage.database import Database

# Attendance rows that count: present, in a live session, of a live person. A
# record merged into another counts for the kept person; when both records of
# one person were checked in to the same session, the row counts once.
KEPT = "(CASE WHEN m.merged_into != '' THEN m.merged_into ELSE m.id END)"
ATTENDANCE_FROM = f"""
FROM attendance a
JOIN session s ON s.id = a.session_id
JOIN participant m ON m.id = a.participant_id
JOIN participant p ON p.id = {KEPT}
"""
ATTENDANCE_WHERE = (
    "a.present = 1 AND s.deleted = 0 AND p.deleted = 0 AND NOT (m.merged_into != '' AND "
    "EXISTS (SELECT 1 FROM attendance a2 JOIN participant m2 ON m2.id = a2.participant_id "
    "WHERE a2.session_id = a.session_id AND a2.present = 1 AND a2.participant_id != m.id "
    "AND (m2.id = m.merged_into OR (m2.merged_into = m.merged_into AND m2.id < m.id))))")

# Age band at the session date (core/people.age_band in SQL). A birth year that is not a
# number (stored by an older version) counts as unknown.
_AGE = "(CAST(substr(s.date, 1, 4) AS INTEGER) - p.birth_year)"
AGE_BAND_SQL = (
    "(CASE WHEN typeof(p.birth_year) = 'integer' AND p.birth_year > 0 THEN "
    f"CASE WHEN {_AGE} < 15 THEN '0-14' "
    f"WHEN {_AGE} <= 24 THEN '15-24' WHEN {_AGE} < 60 THEN '25-59' ELSE '60+' END "
    "WHEN p.age_band IN ('0-14', '15-24', '25-59', '60+') THEN p.age_band ELSE '' END)")

# A session's ISO date as the number the counted visits keep (YYYYMMDD: four bytes where
# the text takes ten, in the table and each of its indexes; months are date / 100).
DAY_SQL = "CAST(replace(s.date, '-', '') AS INTEGER)"


def day_number(iso_date: str) -> int:
    """'2026-02-01' -> 20260201, as `report_visit` keeps dates."""
    return int(iso_date.replace("-", ""))


def iso_day(number: int) -> str:
    """20260201 -> '2026-02-01'."""
    return f"{number // 10000:04d}-{number // 100 % 100:02d}-{number % 100:02d}"


def iso_month(number: int) -> str:
    """202602 (a date number / 100) -> '2026-02'."""
    return f"{number // 100:04d}-{number % 100:02d}"


SCHEMA = """
CREATE TABLE report_visit (
    date INTEGER NOT NULL,              -- of the session, as the number YYYYMMDD
    session INTEGER NOT NULL,           -- rowid of the session
    person INTEGER NOT NULL,            -- rowid of the kept participant
    village TEXT NOT NULL,              -- of the session
    sex TEXT NOT NULL,
    age_band TEXT NOT NULL,             -- at the session date
    disability INTEGER,
    consent TEXT NOT NULL,
    device INTEGER NOT NULL,            -- report_device.id of the device that checked in
    -- the date of the person's previous counted visit (by date, then session), and
    -- of their previous one in this province (NULL: none)
    prev_date INTEGER,
    prev_in_province INTEGER,
    PRIMARY KEY (date, session, person)
) WITHOUT ROWID;
-- The table itself, in date order, covers every figure of a period (dashboard, summary,
-- targets, disaggregation, the whole programme's months). Each index below also holds
-- the key (date, session, person).
-- A province or district (a range of village codes), covering the same figures.
CREATE INDEX report_visit_village ON report_visit (village, sex, age_band, disability,
                                                   consent, device, prev_date,
                                                   prev_in_province);
-- A person's visits: the participant list of an export, the quiz and follow-up figures
-- (person and session), recounting one person and their first-visit marks. It covers
-- what the list and those figures filter by and read, so they never look up the row.
CREATE INDEX report_visit_person ON report_visit (person, village, device, sex, age_band,
                                                  disability);
-- A session's visits: recounting one session, the scam tallies.
CREATE INDEX report_visit_session ON report_visit (session);
-- The whole programme's headline: one entry per person, in the order it groups them
-- (prev_date in it too, or SQLite would look up each row to check it is NULL).
CREATE INDEX report_visit_first ON report_visit (sex, disability, consent, age_band,
                                                 prev_date) WHERE prev_date IS NULL;
-- Devices that checked people in, numbered: a visit holds the number, not the 36-character id.
CREATE TABLE report_device (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL UNIQUE
);
CREATE TABLE report_visit_dirty (      -- a session to recount, or a person
    session_id TEXT NOT NULL,           -- '' : every session of the person
    participant_id TEXT NOT NULL,       -- '' : everyone in the session
    PRIMARY KEY (session_id, participant_id)
) WITHOUT ROWID;
"""

# ON CONFLICT, not OR IGNORE: an outer upsert's conflict rule would override OR IGNORE.
_NOTE = "INSERT INTO report_visit_dirty"
_ONCE = "ON CONFLICT DO NOTHING"
TRIGGERS = (
    # A check-in notes its session (already noted after the first of a bulk import,
    # which then costs a lookup, not a write); the session's rows are recounted.
    f"""CREATE TRIGGER report_visit_attendance_insert AFTER INSERT ON attendance BEGIN
        {_NOTE} VALUES (NEW.session_id, '') {_ONCE}; END""",
    f"""CREATE TRIGGER report_visit_attendance_update
        AFTER UPDATE OF present, added_device, session_id, participant_id ON attendance BEGIN
        {_NOTE} VALUES (NEW.session_id, '') {_ONCE};
        {_NOTE} SELECT OLD.session_id, '' WHERE OLD.session_id != NEW.session_id {_ONCE};
        END""",
    f"""CREATE TRIGGER report_visit_attendance_delete AFTER DELETE ON attendance BEGIN
        {_NOTE} VALUES (OLD.session_id, '') {_ONCE}; END""",
    f"""CREATE TRIGGER report_visit_participant_insert AFTER INSERT ON participant BEGIN
        {_NOTE} VALUES ('', NEW.id) {_ONCE};
        {_NOTE} SELECT '', NEW.merged_into WHERE NEW.merged_into != '' {_ONCE}; END""",
    f"""CREATE TRIGGER report_visit_participant_update AFTER UPDATE OF sex, birth_year,
        age_band, disability, consent, deleted, merged_into ON participant BEGIN
        {_NOTE} VALUES ('', NEW.id) {_ONCE};
        {_NOTE} SELECT '', OLD.merged_into WHERE OLD.merged_into != '' {_ONCE};
        {_NOTE} SELECT '', NEW.merged_into WHERE NEW.merged_into != '' {_ONCE}; END""",
    # Rows are kept under the participant's rowid, which a deleted row no longer has.
    f"""CREATE TRIGGER report_visit_participant_delete AFTER DELETE ON participant BEGIN
        DELETE FROM report_visit WHERE person = OLD.rowid;
        {_NOTE} SELECT '', OLD.merged_into WHERE OLD.merged_into != '' {_ONCE}; END""",
    f"""CREATE TRIGGER report_visit_session_insert AFTER INSERT ON session BEGIN
        {_NOTE} VALUES (NEW.id, '') {_ONCE}; END""",
    f"""CREATE TRIGGER report_visit_session_update
        AFTER UPDATE OF date, village_code, deleted ON session BEGIN
        {_NOTE} VALUES (NEW.id, '') {_ONCE}; END""",
    # Rows are kept under the session's rowid, which a deleted row no longer has.
    """CREATE TRIGGER report_visit_session_delete AFTER DELETE ON session BEGIN
        DELETE FROM report_visit WHERE session = OLD.rowid; END""",
)

_VISIT = "person, date, session, village, sex, age_band, disability, consent, device"
_COLUMNS = ("SELECT p.rowid AS person, " + DAY_SQL + " AS date, s.rowid AS session, "
            "s.village_code AS village, p.sex AS sex, " + AGE_BAND_SQL + " AS age_band, "
            "p.disability AS disability, p.consent AS consent, "
            "(SELECT d.id FROM report_device d WHERE d.device = a.added_device) AS device ")
# Number the devices of the check-ins about to be counted (a handful in a programme).
_DEVICES = "INSERT OR IGNORE INTO report_device (device) SELECT DISTINCT added_device "
_INSERT = f"INSERT OR REPLACE INTO report_visit ({_VISIT}) "
# The date of the person's visit before this one, of all and in the same province.
_PREVIOUS = ("lag(date) OVER person_visits, lag(date) OVER (PARTITION BY person, "
             "substr(village, 1, 2) ORDER BY date, session)")
_PERSON_VISITS = "WINDOW person_visits AS (PARTITION BY person ORDER BY date, session)"
# The previous dates of the people in temp.report_visit_touched, where they changed.
_MARK = (f"WITH f(person, date, session, previous, in_province) AS (SELECT person, date, "
         f"session, {_PREVIOUS} FROM report_visit WHERE person IN "
         f"(SELECT person FROM temp.report_visit_touched) {_PERSON_VISITS}) "
         "UPDATE report_visit SET prev_date = f.previous, prev_in_province = f.in_province "
         "FROM f WHERE report_visit.person = f.person AND report_visit.date = f.date "
         "AND report_visit.session = f.session AND (prev_date IS NOT f.previous "
         "OR prev_in_province IS NOT f.in_province)")
_ALL = (f"INSERT OR REPLACE INTO report_visit ({_VISIT}, prev_date, prev_in_province) "
        f"SELECT {_VISIT}, {_PREVIOUS} FROM ({_COLUMNS} {ATTENDANCE_FROM} "
        f"WHERE {ATTENDANCE_WHERE}) {_PERSON_VISITS}")
# Every counted row of one kept person (their own records and those merged into them).
_PERSON_FROM = (f"FROM participant m CROSS JOIN attendance a ON a.participant_id = m.id "
                f"JOIN session s ON s.id = a.session_id JOIN participant p ON p.id = {KEPT} ")
_PERSON = (_INSERT + _COLUMNS + _PERSON_FROM + "WHERE (m.id = :person OR (m.merged_into = "
           ":person AND m.merged_into != '')) AND p.id = :person AND " + ATTENDANCE_WHERE)
_SESSION = (_INSERT + _COLUMNS + ATTENDANCE_FROM + " WHERE a.session_id = :session AND "
            + ATTENDANCE_WHERE)
_ROWID = "(SELECT rowid FROM participant WHERE id = :person)"
_SESSION_ROWID = "(SELECT rowid FROM session WHERE id = :session)"
_SESSION_DEVICES = _DEVICES + "FROM attendance WHERE session_id = :session"
_PERSON_DEVICES = (_DEVICES + "FROM attendance WHERE participant_id IN "
                   "(SELECT id FROM participant WHERE id = :person OR (merged_into = :person "
                   "AND merged_into != ''))")

# Past this many changes (a large sync import) one rebuild beats row-by-row updates.
REBUILD_AT = 20_000
# SQLite steps between two progress reports of a rebuild, and about how many steps a
# check-in takes (measured on a million of them), to tell how far the rebuild has come.
_TICK = 200_000
_STEPS_PER_CHECK_IN = 300


def create(conn, progress: Callable[[float], None] | None = None) -> None:
    """The tables and triggers, filled from the records (migrations 0013 and 0025)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    for trigger in TRIGGERS:
        conn.execute(trigger)
    _rebuild(conn, progress)


def drop(conn) -> None:
    """Remove the tables and triggers (a migration then makes them anew)."""
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                "AND name LIKE 'report_visit_%'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE IF EXISTS report_visit")
    conn.execute("DROP TABLE IF EXISTS report_visit_dirty")
    conn.execute("DROP TABLE IF EXISTS report_device")


def pending(database: Database) -> int:
    """Changes not yet in `report_visit`."""
    return database.conn.execute("SELECT count(*) FROM report_visit_dirty").fetchone()[0]


def bring_up_to_date(database: Database,
                     progress: Callable[[float], None] | None = None) -> None:
    """Apply the noted changes to `report_visit` (all of it after a large import).

    Cheap when nothing changed (one lookup). `progress(share)` may raise to stop;
    the transaction then rolls back and the notes stay for the next time.
    """
    conn = database.conn
    if conn.execute("SELECT 1 FROM report_visit_dirty LIMIT 1").fetchone() is None:
        return
    with database.transaction():
        changes = conn.execute("SELECT session_id, participant_id FROM report_visit_dirty "
                               f"LIMIT {REBUILD_AT + 1}").fetchall()
        if len(changes) > REBUILD_AT:
            conn.execute("DELETE FROM report_visit")
            _rebuild(conn, progress)
        else:
            _apply(conn, changes, progress)
        conn.execute("DELETE FROM report_visit_dirty")


def _rebuild(conn, progress: Callable[[float], None] | None = None) -> None:
    """Every counted row, with its first-visit marks, from the records.

    One statement does it (minutes on a million check-ins of a slow laptop); SQLite
    calls back every `_TICK` steps, which reports progress and lets `progress` stop
    the statement by raising.
    """
    conn.execute(_DEVICES + "FROM attendance")
    if progress is None:
        conn.execute(_ALL)
        return
    expected = max(1, conn.execute("SELECT count(*) FROM attendance").fetchone()[0]
                   * _STEPS_PER_CHECK_IN)
    steps = 0
    stopped: list[BaseException] = []

    def tick() -> int:
        nonlocal steps
        steps += _TICK
        try:
            progress(min(0.99, steps / expected))
        except BaseException as error:     # noqa: BLE001 - re-raised below
            stopped.append(error)
            return 1                        # SQLite interrupts the statement
        return 0

    conn.set_progress_handler(tick, _TICK)
    try:
        conn.execute(_ALL)
    except driver.OperationalError:
        if stopped:
            raise stopped[0] from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def _apply(conn, changes: list[tuple[str, str]], progress) -> None:
    """Recount the noted sessions and people, then the first-visit marks of everyone
    whose rows changed (a visit added or removed can move a person's first one)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_visit_touched "
                 "(person INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.report_visit_touched")
    touch = "INSERT OR IGNORE INTO temp.report_visit_touched "
    for index, (session_id, participant_id) in enumerate(changes):
        if session_id:
            names = {"session": session_id}
            in_session = f"SELECT person FROM report_visit WHERE session = {_SESSION_ROWID}"
            conn.execute(touch + in_session, names)
            conn.execute(f"DELETE FROM report_visit WHERE session = {_SESSION_ROWID}", names)
            conn.execute(_SESSION_DEVICES, names)
            conn.execute(_SESSION, names)
            conn.execute(touch + in_session, names)
        else:
            names = {"person": participant_id}
            conn.execute(touch + f"SELECT {_ROWID} WHERE {_ROWID} IS NOT NULL", names)
            conn.execute(f"DELETE FROM report_visit WHERE person = {_ROWID}", names)
            conn.execute(_PERSON_DEVICES, names)
            conn.execute(_PERSON, names)
        if progress is not None and index % 500 == 0:
            progress(index / len(changes))
    conn.execute(_MARK)
