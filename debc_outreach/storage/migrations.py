"""Ordered, named schema migrations (sqlite-utils style).

Each migration runs once, in order, and is recorded in `_migrations`; all the
pending ones run in ONE transaction, so a power cut half-way leaves the file
as it was before. A backup is written before the first pending migration of
an existing database: the compact log backup when the caller opening the folder
hands one in (`before`, see sync/upgrade.py), else a full copy. A database that
has migrations this app does not know was written by a newer version: it is
refused and left untouched.

Append new migrations at the end; never edit or reorder a released one.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage.backup import backup_database
from debc_outreach.storage.database import Database


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[sqlite3.Connection], None]


# (migration name, rows done, rows to do): whoever runs `migrate` shows it, as a progress
# bar in the window or a line on the command line. Each migration is announced as it
# starts with (name, 0, 0): rows to do not known yet.
Progress = Callable[[str, int, int], None]
_progress: ContextVar[Progress | None] = ContextVar("migration_progress", default=None)
_running: ContextVar[str] = ContextVar("migration_running", default="")


def report_progress(done: int, total: int) -> None:
    """Heavy migrations (those that rewrite millions of rows) call this as they go."""
    callback = _progress.get()
    if callback is not None and _running.get():
        callback(_running.get(), done, total)


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statements inside the caller's transaction.

    (`executescript` would COMMIT first and break the one-transaction rule.)
    """
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _event_log(conn: sqlite3.Connection) -> None:
    _run(conn, """
        CREATE TABLE device (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT 'trainer',
            created_at TEXT NOT NULL
        );
        CREATE TABLE event (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hlc INTEGER NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            op TEXT NOT NULL,
            fields TEXT NOT NULL,
            base TEXT NOT NULL DEFAULT '{}',
            schema_version INTEGER NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            applied INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (device_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX event_entity ON event (entity, entity_id);
        CREATE TABLE field_version (
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (entity, entity_id, field)
        ) WITHOUT ROWID;
    """)


def _trainers(conn: sqlite3.Connection) -> None:
    _run(conn, """
        CREATE TABLE trainer (
            id TEXT PRIMARY KEY,
            display_name TEXT NOT NULL DEFAULT '',
            name_key TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            deleted INTEGER NOT NULL DEFAULT 0,
            created_hlc INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX trainer_name_key ON trainer (name_key);
    """)


def _participants_sessions(conn: sqlite3.Connection) -> None:
    """Participants (ICU sort key, trigram search), sessions, attendance, checklist."""
    _run(conn, """
        CREATE TABLE participant (
            id TEXT PRIMARY KEY,
            display_name TEXT NOT NULL DEFAULT '',
            name_key TEXT NOT NULL DEFAULT '',
            sort_key BLOB NOT NULL DEFAULT x'',
            sex TEXT NOT NULL DEFAULT 'X',
            birth_year INTEGER NOT NULL DEFAULT 0,
            age_band TEXT NOT NULL DEFAULT '',
            village_code TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            phone_key TEXT NOT NULL DEFAULT '',
            wg TEXT NOT NULL DEFAULT '{}',
            disability INTEGER NOT NULL DEFAULT -1,
            consent TEXT NOT NULL DEFAULT '',
            consent_date TEXT NOT NULL DEFAULT '',
            consent_by TEXT NOT NULL DEFAULT '',
            merged_into TEXT NOT NULL DEFAULT '',
            deleted INTEGER NOT NULL DEFAULT 0,
            created_hlc INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX participant_sort ON participant (sort_key, name_key);
        CREATE INDEX participant_latin ON participant (sort_key, name_key)
            WHERE name_key GLOB '*[a-z]*';
        CREATE INDEX participant_name_key ON participant (name_key);
        -- the search by village name, the registry's villages, the export's place names
        CREATE INDEX participant_village ON participant (village_code, sort_key);
        CREATE INDEX participant_phone ON participant (phone_key);
        CREATE INDEX participant_merged ON participant (merged_into);
        CREATE VIRTUAL TABLE participant_fts USING fts5(
            name_key, content='participant', content_rowid='rowid', tokenize='trigram');
        CREATE TABLE session (
            id TEXT PRIMARY KEY,
            date TEXT NOT NULL DEFAULT '',
            start_time TEXT NOT NULL DEFAULT '',
            venue TEXT NOT NULL DEFAULT '',
            village_code TEXT NOT NULL DEFAULT '',
            modules TEXT NOT NULL DEFAULT '[]',
            trainer_ids TEXT NOT NULL DEFAULT '[]',
            partner TEXT NOT NULL DEFAULT '',
            audience TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT 'km',
            state TEXT NOT NULL DEFAULT 'planned',
            closed_at TEXT NOT NULL DEFAULT '',
            amendment TEXT NOT NULL DEFAULT '',
            deleted INTEGER NOT NULL DEFAULT 0,
            created_hlc INTEGER NOT NULL DEFAULT 0
        );
        -- sessions of a period: filters, the exports' walk in date order
        CREATE INDEX session_date ON session (date);
        CREATE INDEX session_village ON session (village_code);
        CREATE TABLE attendance (
            session_id TEXT NOT NULL,
            participant_id TEXT NOT NULL,
            present INTEGER NOT NULL,
            added_hlc INTEGER NOT NULL DEFAULT 0,
            added_device TEXT NOT NULL DEFAULT '',
            removed_hlc INTEGER NOT NULL DEFAULT 0,
            removed_device TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (session_id, participant_id)
        ) WITHOUT ROWID;
        -- a person's sessions: their card, certificates, recounting one person's visits
        CREATE INDEX attendance_participant ON attendance (participant_id, session_id);
        CREATE TABLE checklist_result (
            session_id TEXT NOT NULL,
            participant_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            state TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (session_id, participant_id, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX checklist_participant ON checklist_result (participant_id);
    """)
    # Trigger bodies hold ";", so they cannot go through _run's statement split.
    for trigger in _PARTICIPANT_FTS_TRIGGERS:
        conn.execute(trigger)


_PARTICIPANT_FTS_TRIGGERS = (
    """CREATE TRIGGER participant_fts_insert AFTER INSERT ON participant BEGIN
        INSERT INTO participant_fts (rowid, name_key) VALUES (new.rowid, new.name_key);
    END""",
    """CREATE TRIGGER participant_fts_delete AFTER DELETE ON participant BEGIN
        INSERT INTO participant_fts (participant_fts, rowid, name_key)
        VALUES ('delete', old.rowid, old.name_key);
    END""",
    """CREATE TRIGGER participant_fts_update AFTER UPDATE OF name_key ON participant BEGIN
        INSERT INTO participant_fts (participant_fts, rowid, name_key)
        VALUES ('delete', old.rowid, old.name_key);
        INSERT INTO participant_fts (rowid, name_key) VALUES (new.rowid, new.name_key);
    END""",
)


def _sync(conn: sqlite3.Connection) -> None:
    """Programme membership, peers, bundle logs, conflicts, waiting and quarantined events."""
    _run(conn, """
        CREATE TABLE field_seen (
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            PRIMARY KEY (entity, entity_id, field, hlc)
        ) WITHOUT ROWID;
        CREATE TABLE conflict (
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            loser_hlc INTEGER NOT NULL,
            loser_device TEXT NOT NULL,
            loser_value TEXT NOT NULL,
            PRIMARY KEY (entity, entity_id, field, loser_hlc, loser_device)
        ) WITHOUT ROWID;
        CREATE TABLE conflict_resolution (
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            loser_hlc INTEGER NOT NULL,
            loser_device TEXT NOT NULL,
            choice TEXT NOT NULL,
            resolved_hlc INTEGER NOT NULL,
            resolved_device TEXT NOT NULL,
            PRIMARY KEY (entity, entity_id, field, loser_hlc, loser_device)
        ) WITHOUT ROWID;
        CREATE TABLE sync_programme (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            coordinator_id TEXT NOT NULL,
            coordinator_sign TEXT NOT NULL,
            coordinator_enc TEXT NOT NULL,
            certificate TEXT NOT NULL DEFAULT '',
            revocations TEXT NOT NULL DEFAULT '',
            joined_at TEXT NOT NULL
        );
        CREATE TABLE sync_peer (
            device_id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT '[]',
            certificate TEXT NOT NULL,
            expires TEXT NOT NULL,
            acked TEXT NOT NULL DEFAULT '{}',
            last_import_at TEXT NOT NULL DEFAULT '',
            last_export_at TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE sync_bundle_in (
            bundle_id TEXT PRIMARY KEY,
            sender TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            report TEXT NOT NULL
        );
        CREATE TABLE sync_bundle_out (
            bundle_id TEXT PRIMARY KEY,
            recipient TEXT NOT NULL,
            created_at TEXT NOT NULL,
            events INTEGER NOT NULL
        );
        CREATE TABLE sync_bundle_range (
            bundle_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            from_seq INTEGER NOT NULL,
            to_seq INTEGER NOT NULL,
            PRIMARY KEY (bundle_id, device_id)
        ) WITHOUT ROWID;
        CREATE INDEX sync_bundle_range_device ON sync_bundle_range (device_id, to_seq);
        CREATE TABLE sync_waiting (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            event TEXT NOT NULL,
            bundle_id TEXT NOT NULL,
            PRIMARY KEY (device_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE sync_quarantine (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hlc INTEGER NOT NULL,
            bundle_id TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            PRIMARY KEY (device_id, seq)
        ) WITHOUT ROWID
    """)
    conn.execute("CREATE INDEX event_unapplied ON event (applied) WHERE applied = 0")


def _reports(conn: sqlite3.Connection) -> None:
    """Targets (synced, entity `target`) and the local log of exports."""
    _run(conn, """
        CREATE TABLE target (
            id TEXT PRIMARY KEY,
            province_code TEXT NOT NULL DEFAULT '',
            period_start TEXT NOT NULL DEFAULT '',
            period_end TEXT NOT NULL DEFAULT '',
            policy_area TEXT NOT NULL DEFAULT '',
            measure TEXT NOT NULL DEFAULT 'participants',
            value INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL DEFAULT '',
            deleted INTEGER NOT NULL DEFAULT 0,
            created_hlc INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE export_audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            device_id TEXT NOT NULL,
            trainer_id TEXT NOT NULL DEFAULT '',
            trainer_name TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            format TEXT NOT NULL,
            path TEXT NOT NULL,
            filters TEXT NOT NULL DEFAULT '{}',
            rows INTEGER NOT NULL DEFAULT 0,
            named INTEGER NOT NULL DEFAULT 0,
            unnamed INTEGER NOT NULL DEFAULT 0
        )
    """)


def _protection(conn: sqlite3.Connection) -> None:
    """Programme privacy rules (synced) and the local record of retention purges."""
    _run(conn, """
        CREATE TABLE programme_setting (
            name TEXT NOT NULL,
            device_id TEXT NOT NULL,
            value TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            PRIMARY KEY (name, device_id)
        ) WITHOUT ROWID;
        CREATE TABLE ack_seen (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (device_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE retention_purged (
            participant_id TEXT PRIMARY KEY,
            purged_at TEXT NOT NULL,
            acknowledged_at TEXT NOT NULL,
            events_redacted INTEGER NOT NULL DEFAULT 0
        )
    """)


def _certificates(conn: sqlite3.Connection) -> None:
    """Signed certificate statements issued (synced, entity `issued_certificate`): the
    short code printed on a certificate is looked up here on every device."""
    _run(conn, """
        CREATE TABLE issued_certificate (
            id TEXT PRIMARY KEY,
            participant_id TEXT NOT NULL DEFAULT '',
            code TEXT NOT NULL DEFAULT '',
            issued TEXT NOT NULL DEFAULT '',
            created_hlc INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX issued_certificate_participant ON issued_certificate (participant_id)
    """)


def _distinct_pairs(conn: sqlite3.Connection) -> None:
    """Pairs a user marked "not the same person" (synced, entity `distinct_pair`): the
    newest mark or unmark of a pair wins, as for attendance."""
    _run(conn, """
        CREATE TABLE distinct_pair (
            first_id TEXT NOT NULL,
            second_id TEXT NOT NULL,
            distinct_people INTEGER NOT NULL,
            hlc INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (first_id, second_id)
        ) WITHOUT ROWID
    """)


def _distinct_pairs_newest_wins(conn: sqlite3.Connection) -> None:
    """Folders that ran the first form of 0009 (on `main` for an afternoon, never
    released: one row per pair id, merged field by field) get the table of 0009 as it
    is now, rebuilt from their event log."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(distinct_pair)")}
    if "id" not in columns:
        return
    conn.execute("DROP TABLE distinct_pair")
    _distinct_pairs(conn)
    for table in ("field_seen", "conflict"):
        conn.execute(f"DELETE FROM {table} WHERE entity = 'distinct_pair'")
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'field_version'").fetchone():
        conn.execute("DELETE FROM field_version WHERE entity = 'distinct_pair'")
    else:                   # a folder whose field versions were made compact since
        from debc_outreach.storage import field_versions

        field_versions.forget(conn, "distinct_pair")
    source = _applied_pair_events(conn)
    conn.execute(f"""
        INSERT INTO distinct_pair
        SELECT fields ->> 'first_id', fields ->> 'second_id',
               CASE op WHEN 'set' THEN coalesce(fields ->> 'distinct_people', 1)
                       ELSE op = 'add' END, hlc, device_id
        FROM {source} WHERE entity = 'distinct_pair' AND applied = 1
          AND fields ->> 'first_id' IS NOT NULL AND fields ->> 'second_id' IS NOT NULL
        ORDER BY hlc, device_id
        ON CONFLICT (first_id, second_id) DO UPDATE SET
          distinct_people = excluded.distinct_people, hlc = excluded.hlc,
          device_id = excluded.device_id""")
    if source != "event":
        conn.execute(f"DROP TABLE {source}")


def _applied_pair_events(conn: sqlite3.Connection) -> str:
    """The table 0010 reads its events from: the log itself while it is still text (as
    when 0010 runs in order), else a temporary copy of its pair events, decoded."""
    from debc_outreach.storage import events

    if events._is_legacy(conn):
        return "event"
    conn.execute("CREATE TEMP TABLE pair_events (entity TEXT, op TEXT, fields TEXT, "
                  "hlc INTEGER, device_id TEXT, applied INTEGER)")
    conn.executemany("INSERT INTO pair_events VALUES ('distinct_pair', ?, ?, ?, ?, 1)",
                     [(row[events.OP], row[events.FIELDS], row[events.HLC],
                       row[events.DEVICE_ID]) for row in events.rows(
                           conn, "entity = 'distinct_pair' AND applied = 1")])
    return "temp.pair_events"


def _participant_search_keys(conn: sqlite3.Connection) -> None:
    """Participant search ignores spaces and the script: two derived keys per person
    (core.name_search), filled here for the people already registered, and the trigram
    index and sorted indexes moved onto them. Folders keep their records and events;
    only the projection gains columns."""
    from debc_outreach.core.name_search import compact_key, roman_key

    conn.execute("ALTER TABLE participant ADD COLUMN search_key TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE participant ADD COLUMN roman_key TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT rowid, display_name FROM participant").fetchall()
    conn.executemany("UPDATE participant SET search_key = ?, roman_key = ? WHERE rowid = ?",
                     [(compact_key(name), roman_key(name), rowid) for rowid, name in rows])
    for trigger in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER IF EXISTS participant_fts_{trigger}")
    _run(conn, """
        DROP TABLE participant_fts;
        CREATE VIRTUAL TABLE participant_fts USING fts5(
            search_key, roman_key, content='participant', content_rowid='rowid',
            tokenize='trigram');
        INSERT INTO participant_fts (participant_fts) VALUES ('rebuild');
        DROP INDEX participant_sort;
        DROP INDEX participant_latin;
        -- a name search walked in Khmer order (search_key read from the index), the
        -- participant list of an export, and the Latin one for a query with a Latin letter
        CREATE INDEX participant_sort ON participant (sort_key, search_key);
        CREATE INDEX participant_latin ON participant (sort_key, search_key)
            WHERE search_key GLOB '*[a-z]*'
    """)
    for trigger in _PARTICIPANT_SEARCH_TRIGGERS:
        conn.execute(trigger)


_PARTICIPANT_SEARCH_TRIGGERS = (
    """CREATE TRIGGER participant_fts_insert AFTER INSERT ON participant BEGIN
        INSERT INTO participant_fts (rowid, search_key, roman_key)
        VALUES (new.rowid, new.search_key, new.roman_key);
    END""",
    """CREATE TRIGGER participant_fts_delete AFTER DELETE ON participant BEGIN
        INSERT INTO participant_fts (participant_fts, rowid, search_key, roman_key)
        VALUES ('delete', old.rowid, old.search_key, old.roman_key);
    END""",
    """CREATE TRIGGER participant_fts_update AFTER UPDATE OF search_key, roman_key
        ON participant BEGIN
        INSERT INTO participant_fts (participant_fts, rowid, search_key, roman_key)
        VALUES ('delete', old.rowid, old.search_key, old.roman_key);
        INSERT INTO participant_fts (rowid, search_key, roman_key)
        VALUES (new.rowid, new.search_key, new.roman_key);
    END""",
)


def _local_preferences(conn: sqlite3.Connection) -> None:
    """Choices of the people using this computer (not synced), e.g. the province a
    trainer's village picker is limited to."""
    _run(conn, """
        CREATE TABLE local_preference (
            owner TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (owner, name)
        ) WITHOUT ROWID
    """)


def _report_visits(conn: sqlite3.Connection) -> None:
    """Counted visits for the reports, kept up to date by triggers (storage/report_visits)."""
    from debc_outreach.storage import report_visits

    report_visits.create(conn)


def _skills_index_covers_state(conn: sqlite3.Connection) -> None:
    """The skills walk (reports/scan.py) reads each result's state from the index
    instead of looking up millions of rows: three times faster on national data."""
    _run(conn, """
        DROP INDEX checklist_participant;
        CREATE INDEX checklist_participant ON checklist_result (participant_id, state);
    """)


def _signed_heads(conn: sqlite3.Connection) -> None:
    """Chain heads signed by the device that wrote them (sync/heads.py), and the chains
    this computer held before heads were signed: those stay trusted, and a coordinator
    vouches for them when it passes them on."""
    _run(conn, """
        CREATE TABLE sync_head (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            document TEXT NOT NULL,
            PRIMARY KEY (device_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE sync_head_before_signing (
            device_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO sync_head_before_signing (device_id, seq)
            SELECT device_id, max(seq) FROM event GROUP BY device_id
    """)


def _quarantine(conn: sqlite3.Connection) -> None:
    """Devices whose chain is held from an event that failed admission (storage/quarantine)."""
    from debc_outreach.storage import quarantine

    quarantine.create(conn)
    # Birth years that are not numbers (older versions stored them) now count as unknown:
    # recount those people's visits.
    conn.execute("INSERT INTO report_visit_dirty SELECT '', id FROM participant "
                 "WHERE typeof(birth_year) != 'integer' ON CONFLICT DO NOTHING")


def _quick_checks_and_tallies(conn: sqlite3.Connection) -> None:
    """Quick-check answers per person and per class, and the anonymous scam tally
    (synced entities `quiz_answer`, `quiz_count`, `scam_tally`; appliers in
    storage/projection/outcomes.py). Each row keeps who wrote it last (hlc,
    device_id): the last writer wins per cell."""
    _run(conn, """
        CREATE TABLE quiz_answer (
            session_id TEXT NOT NULL,
            participant_id TEXT NOT NULL,
            module TEXT NOT NULL,
            phase TEXT NOT NULL,
            question_id TEXT NOT NULL,
            answer INTEGER NOT NULL,
            correct INTEGER NOT NULL DEFAULT 0,
            hlc INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (session_id, participant_id, module, phase, question_id)
        ) WITHOUT ROWID;
        CREATE INDEX quiz_answer_participant ON quiz_answer (participant_id);
        CREATE TABLE quiz_count (
            session_id TEXT NOT NULL,
            module TEXT NOT NULL,
            phase TEXT NOT NULL,
            question_id TEXT NOT NULL,
            answer INTEGER NOT NULL,
            count INTEGER NOT NULL,
            correct INTEGER NOT NULL DEFAULT 0,
            hlc INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (session_id, module, phase, question_id, answer)
        ) WITHOUT ROWID;
        CREATE TABLE scam_tally (
            session_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            count INTEGER NOT NULL,
            hlc INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (session_id, kind)
        ) WITHOUT ROWID
    """)


def _follow_ups(conn: sqlite3.Connection) -> None:
    """Follow-up answers a month after a session (synced entity `follow_up`), and the
    participant's consent to be contacted for them (fields of `participant`)."""
    _run(conn, """
        ALTER TABLE participant ADD COLUMN contact_consent INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE participant ADD COLUMN contact_consent_date TEXT NOT NULL DEFAULT '';
        ALTER TABLE participant ADD COLUMN contact_consent_by TEXT NOT NULL DEFAULT '';
        CREATE TABLE follow_up (
            participant_id TEXT NOT NULL,
            module TEXT NOT NULL,
            question_id TEXT NOT NULL,
            answer INTEGER NOT NULL,
            safe INTEGER NOT NULL DEFAULT 0,
            date TEXT NOT NULL,
            method TEXT NOT NULL,
            session_id TEXT NOT NULL DEFAULT '',
            hlc INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (participant_id, module, question_id)
        ) WITHOUT ROWID;
        CREATE INDEX follow_up_session ON follow_up (session_id)
    """)


_QUIZ_SCORE_ADD = """INSERT INTO quiz_score VALUES (NEW.session_id, NEW.participant_id,
        NEW.module, NEW.phase, 1, NEW.correct)
    ON CONFLICT DO UPDATE SET answers = answers + 1, correct = correct + excluded.correct;"""
_QUIZ_SCORE_TAKE = """UPDATE quiz_score SET answers = answers - 1, correct = correct - OLD.correct
    WHERE session_id = OLD.session_id AND participant_id = OLD.participant_id
      AND module = OLD.module AND phase = OLD.phase;
    DELETE FROM quiz_score WHERE session_id = OLD.session_id
      AND participant_id = OLD.participant_id AND module = OLD.module AND phase = OLD.phase
      AND answers <= 0;"""
QUIZ_SCORE_TRIGGERS = (
    f"CREATE TRIGGER quiz_score_insert AFTER INSERT ON quiz_answer BEGIN {_QUIZ_SCORE_ADD} END",
    f"""CREATE TRIGGER quiz_score_update AFTER UPDATE ON quiz_answer BEGIN {_QUIZ_SCORE_TAKE}
        {_QUIZ_SCORE_ADD} END""",
    f"CREATE TRIGGER quiz_score_delete AFTER DELETE ON quiz_answer BEGIN {_QUIZ_SCORE_TAKE} END",
)


def _outcome_figures(conn: sqlite3.Connection) -> None:
    """Outcome figures (reports/outcomes.py) read two things faster.

    `quiz_score` holds, per record, session, module and phase, the answers given and
    how many are correct, kept by triggers on `quiz_answer` (an answer added, changed
    by a newer one, or removed with a name), so the figures read one row where a
    person answered three to five questions. And the session index of the counted
    visits covers the person, date, place, device, sex, age band and disability, so
    meeting an answer's visit reads the index alone (it still serves recounting a
    session).
    """
    _run(conn, """
        CREATE TABLE quiz_score (
            session_id TEXT NOT NULL,
            participant_id TEXT NOT NULL,
            module TEXT NOT NULL,
            phase TEXT NOT NULL,
            answers INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            PRIMARY KEY (session_id, participant_id, module, phase)
        ) WITHOUT ROWID;
        INSERT INTO quiz_score SELECT session_id, participant_id, module, phase, count(*),
            sum(correct) FROM quiz_answer GROUP BY session_id, participant_id, module, phase
    """)
    # (The wider session index of the counted visits this made is gone: 0025 makes the
    # table again, leaner, in the same run.)
    for trigger in QUIZ_SCORE_TRIGGERS:      # one statement each: they hold semicolons
        conn.execute(trigger)
def _report_visit_first_marks(conn: sqlite3.Connection) -> None:
    """Counted visits carry their person's first-visit marks, so the dashboard counts
    people of a million check-ins without DISTINCT. Nothing to do here any more:
    0025 makes the table again, with the marks, in the same run."""


def _lean_indexes(conn: sqlite3.Connection) -> None:
    """Indexes only where a query needs them, and the counted visits made again, lean.

    Of the participant: no query reads `name_key` any more (search reads `search_key`
    and the trigram index), so the column and its index go, and the Washington Group
    answers take six digits instead of a JSON object. The phone search looks for
    digits anywhere in the number (`instr`), which no index serves. Merged records are
    few: their index holds them alone, so listing everyone walks the sort index in
    order instead of the merged index sorted afterwards. The village index loses the
    sort key: a search by village name meets many villages at once, whose people are
    sorted anyway. Sessions are filtered by the
    start of their village code, which their village index never served. The counted visits
    (storage/report_visits) hold rowids and numbers for the session, person and device,
    and the table in date order is itself the index of a period; with progress, since
    a million check-ins take minutes.
    """
    from debc_outreach.storage import report_visits

    _run(conn, """
        DROP INDEX participant_name_key;
        ALTER TABLE participant DROP COLUMN name_key;
        DROP INDEX participant_phone;
        DROP INDEX participant_merged;
        -- the records merged into a person: their card, merge, un-merge, recounts
        CREATE INDEX participant_merged ON participant (merged_into) WHERE merged_into != '';
        DROP INDEX session_village;
        DROP INDEX participant_village;
        -- the search by village name, the registry's villages, the export's place names
        CREATE INDEX participant_village ON participant (village_code)
    """)
    _pack_wg_answers(conn)
    report_visits.drop(conn)
    report_visits.create(conn, lambda share: report_progress(round(share * 1000), 1000))
    report_progress(1000, 1000)


def _pack_wg_answers(conn: sqlite3.Connection, chunk: int = 20_000) -> None:
    """Washington Group answers stored as six digits (core/wg.pack), not JSON."""
    from debc_outreach.core import wg

    total = conn.execute("SELECT count(*) FROM participant").fetchone()[0]
    done = last = 0
    while True:
        rows = conn.execute("SELECT rowid, wg FROM participant WHERE rowid > ? "
                            "ORDER BY rowid LIMIT ?", (last, chunk)).fetchall()
        if not rows:
            return
        conn.executemany("UPDATE participant SET wg = ? WHERE rowid = ?",
                         [(wg.pack(wg.unpack(stored)), rowid) for rowid, stored in rows])
        last = rows[-1][0]
        done += len(rows)
        report_progress(done, total)


def _field_versions_compact(conn: sqlite3.Connection) -> None:
    """Field versions move from one row per field to one row per record
    (storage/field_versions.py): the same versions, read in key order so each
    record's fields arrive together and the new rows are written in their own order."""
    from debc_outreach.storage import field_versions

    field_versions.create(conn)
    total = conn.execute("SELECT count(*) FROM field_version").fetchone()[0]
    codes = field_versions.Codes(conn)
    cursor = conn.execute("SELECT entity, entity_id, field, hlc, device_id FROM field_version "
                          "ORDER BY entity, entity_id")
    done, batch = 0, []
    for entity, entity_id, versions in field_versions.group(cursor):
        batch.append(codes.encode(entity, entity_id, versions))
        done += len(versions)
        if len(batch) == 20000:
            field_versions.insert(conn, batch)
            batch.clear()
            report_progress(done, total)
    field_versions.insert(conn, batch)
    report_progress(total, total)
    conn.execute("DROP TABLE field_version")


def _checklist_rows_compact(conn: sqlite3.Connection) -> None:
    """Checklist results move from one row per cell with text ids (checklist_result and
    its index, about 340 bytes a result) to one row per person and session with local
    numbers (storage/projection/checklist_rows.py, about 28 bytes a result)."""
    fill_checklist_rows(conn)
    conn.execute("DROP TABLE checklist_result")       # and its index checklist_participant


def fill_checklist_rows(conn: sqlite3.Connection) -> None:
    """Write every result of `checklist_result` into the compact rows (kept apart from
    the migration so bench/ can compare both layouts on one folder)."""
    from debc_outreach.storage.projection import checklist_rows

    checklist_rows.create(conn)
    total = conn.execute("SELECT count(*) FROM checklist_result").fetchone()[0]
    done = 0
    report_progress(done, total)
    # Rows arrive in session order but go into a table in person order: a page cache
    # that holds the new table keeps SQLite from spilling the same pages to the
    # write-ahead log again and again (a million rows touch pages all over it).
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-_CHECKLIST_CACHE_KIB}")
    try:
        # In primary key order each (session, participant)'s results arrive together,
        # so a batch ends between two people and every row is written once.
        cursor = conn.execute(
            "SELECT session_id, participant_id, item_id, state, hlc, device_id "
            "FROM checklist_result ORDER BY session_id, participant_id, item_id")
        batch: list[tuple] = []
        while rows := cursor.fetchmany(_CHECKLIST_BATCH):
            batch += rows
            last = batch[-1][:2]
            cut = len(batch)
            while cut and batch[cut - 1][:2] == last:
                cut -= 1
            ready, batch = batch[:cut], batch[cut:]
            checklist_rows.write(conn, ready)
            done += len(ready)
            report_progress(done, total)
        checklist_rows.write(conn, batch)
        report_progress(total, total)
    finally:
        conn.execute(f"PRAGMA cache_size = {cache}")


_CHECKLIST_BATCH = 20000
_CHECKLIST_CACHE_KIB = 256 * 1024


def _event_rows_compact(conn: sqlite3.Connection) -> None:
    """Store the event log compactly (storage/events.py): binary ids and hashes, local
    numbers for devices and names, compressed fields. Every row is read back and
    compared before the old table goes, so the chains verify exactly as before."""
    from debc_outreach.storage import events

    try:
        events.convert_legacy(conn, report_progress)
    except ValueError as error:
        raise UserError(_("The record log could not be stored in its new form ({reason}); "
                          "the data folder was not changed.").format(reason=error)) from error


MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_event_log", _event_log),
    Migration("0002_trainers", _trainers),
    Migration("0003_participants_sessions", _participants_sessions),
    Migration("0004_sync", _sync),
    Migration("0006_reports", _reports),
    Migration("0007_protection", _protection),
    Migration("0008_certificates", _certificates),
    Migration("0009_distinct_pairs", _distinct_pairs),
    Migration("0010_distinct_pairs_newest_wins", _distinct_pairs_newest_wins),
    Migration("0011_participant_search_keys", _participant_search_keys),
    Migration("0012_local_preferences", _local_preferences),
    Migration("0013_report_visits", _report_visits),
    Migration("0014_skills_index_covers_state", _skills_index_covers_state),
    Migration("0015_signed_heads", _signed_heads),
    Migration("0017_quarantine", _quarantine),
    Migration("0018_quick_checks_and_tallies", _quick_checks_and_tallies),
    Migration("0019_follow_ups", _follow_ups),
    Migration("0020_outcome_figures", _outcome_figures),
    Migration("0021_report_visit_first_marks", _report_visit_first_marks),
    Migration("0022_field_versions_compact", _field_versions_compact),
    Migration("0023_checklist_rows_compact", _checklist_rows_compact),
    Migration("0024_event_rows_compact", _event_rows_compact),
    Migration("0025_lean_indexes", _lean_indexes),
)


def applied_migrations(database: Database) -> list[str]:
    exists = database.scalar(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='_migrations'")
    if not exists:
        return []
    return [row[0] for row in database.query("SELECT name FROM _migrations ORDER BY rowid")]


def check_not_newer(database: Database) -> list[str]:
    """Refuse a DB written by a newer app; return the applied migration names."""
    applied = applied_migrations(database)
    known = {m.name for m in MIGRATIONS}
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise UserError(_("This database was written by a newer version of DEBC Outreach "
                          "(schema {schema}). Install the newer version to open it; the "
                          "file was not changed.").format(schema=unknown[-1]))
    has_user_tables = database.scalar(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
    if has_user_tables and not applied:
        raise UserError(_("The file {path} is an SQLite database, but not one of DEBC "
                          "Outreach. Nothing was changed.").format(path=database.path))
    return applied


def pending(database: Database) -> list[Migration]:
    applied = set(applied_migrations(database))
    return [m for m in MIGRATIONS if m.name not in applied]


# Writes the backup taken before migrating a database that holds records, given the
# names of the migrations about to run.
BeforeMigrating = Callable[[list[str]], None]


def pre_migration_name(first: str, suffix: str) -> str:
    """The file name of the backup taken before migration `first` (and those after it)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"before-{first}-{stamp}{suffix}"


def migrate(database: Database, backup_dir: Path, progress: Progress | None = None, *,
            before: BeforeMigrating | None = None) -> list[str]:
    """Apply pending migrations; back the file up first if it already holds a schema.

    `before(names)` writes that backup; without it a full copy goes to `backup_dir`
    (folders opened outside `sync.upgrade`, which hands in the compact log backup).
    `progress(name, done, total)` hears each migration start and the rows done by
    migrations that rewrite many rows.
    """
    applied = check_not_newer(database)
    todo = pending(database)
    if not todo:
        return []
    if applied and before is not None:
        before([m.name for m in todo])
    elif applied:
        backup_database(database, backup_dir / pre_migration_name(todo[0].name, ".sqlite"))
    with database.transaction() as conn:
        # Read again under the write lock: another copy of the app may have migrated
        # the folder while this one waited for it (or wrote its backup).
        check_not_newer(database)
        todo = pending(database)
        conn.execute("CREATE TABLE IF NOT EXISTS _migrations "
                     "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        for migration in todo:
            if progress is not None:
                progress(migration.name, 0, 0)
            progress_token = _progress.set(progress)
            running_token = _running.set(migration.name)
            try:
                migration.apply(conn)
            finally:
                _running.reset(running_token)
                _progress.reset(progress_token)
            conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                         (migration.name, dt.datetime.now(dt.UTC).isoformat()))
    return [m.name for m in todo]
