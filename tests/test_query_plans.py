"""Each index of the records and report tables serves a query the app runs: the query is
named here (and at the index's CREATE, and in the README's table), and SQLite's plan for
it, as the app runs it, uses the index. An index no query needs is not kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support.reports_data import demo_programme

from debc_outreach.reports import aggregates, outcomes, rows
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage import participants, registry, report_visits


def _plans(database, run: Callable[[], object]) -> list[str]:
    """SQLite's plan of every statement `run` makes (as run, parameters bound)."""
    statements: list[str] = []
    database.conn.set_trace_callback(statements.append)
    try:
        result = run()
        if hasattr(result, "__next__"):
            list(result)
    finally:
        database.conn.set_trace_callback(None)
    plans = []
    for sql in statements:
        if sql.lstrip().upper().startswith(("SELECT", "WITH", "INSERT", "DELETE", "UPDATE")):
            plans += [row[3] for row in database.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    return plans


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    from debc_outreach.storage.store import Store

    with Store.open(tmp_path_factory.mktemp("plans")) as store:
        demo_programme(store, participants=120, sessions=8)
        kept, duplicate = [row[0] for row in store.database.conn.execute(
            "SELECT id FROM participant ORDER BY rowid LIMIT 2")]
        participants.merge(store, duplicate, kept)
        aggregates.figures(store.database, ReportFilter())      # counted visits up to date
        province = store.database.scalar("SELECT substr(village_code, 1, 2) FROM session")
        yield store, kept, province


def _queries(store, kept: str, province: str) -> dict[str, tuple[Callable[[], object], ...]]:
    database = store.database
    return {
        # a name search walked in Khmer order, and the participant list of an export
        "participant_sort": (lambda: participants.search(database, "ស"),
                             lambda: rows.participant_rows(database, ReportFilter(), "en",
                                                           rows.Privacy())),
        # a search with a Latin letter walks the names that have one
        "participant_latin": (lambda: participants.search(database, "so"),),
        # the registry's village filter lists the villages in use
        "participant_village": (lambda: registry.villages_in_use(database),),
        # the records merged into a person (their card, merge, un-merge, recounts)
        "participant_merged": (lambda: registry.merged_into_this(database, kept),),
        # a person's sessions (their card, certificates, recounting one person)
        "attendance_participant": (lambda: registry.attended(database, kept),),
        # figures of a province or district
        "report_visit_village": (
            lambda: aggregates.figures(database, ReportFilter(province=province)),),
        # the participant list of an export meets each person's visits
        "report_visit_person": (
            lambda: rows.participant_rows(database, ReportFilter(), "en", rows.Privacy()),),
        # the scam tallies meet the visits of the sessions that took one
        "report_visit_session": (lambda: outcomes.scams(database, ReportFilter()),),
        # the whole programme's headline: one entry per person
        "report_visit_first": (lambda: aggregates.figures(database, ReportFilter()),),
        # sessions of a period (exports walk them in date order, too)
        "session_date": (
            lambda: aggregates.sessions_held(database, ReportFilter(date_from="2000-01-01")),),
    }


def test_every_index_serves_a_named_query(programme):
    store, kept, province = programme
    queries = _queries(store, kept, province)
    owned = {row[0] for row in store.database.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
        "tbl_name IN ('participant', 'attendance', 'session', 'report_visit')")}
    assert owned == set(queries)
    for index, runs in queries.items():
        for run in runs:
            plans = _plans(store.database, run)
            assert any(f"INDEX {index} " in plan or plan.endswith(f"INDEX {index}")
                       for plan in plans), (index, plans)
    assert report_visits.pending(store.database) == 0


def _searches_only(plans: list[str]) -> bool:
    """Every step of the plans looks rows up by a key; none walks a whole table."""
    return bool(plans) and not any(plan.startswith("SCAN") and " VALUES" not in plan
                                   and "CONSTANT ROW" not in plan for plan in plans)


def test_looking_up_many_records_at_once_searches_their_keys(programme):
    """Restore and import look up thousands of (entity, id) or (person, session) pairs
    per batch: each pair is one search of a primary key, not a scan of the table per
    batch (a tuple `IN (VALUES ...)` can plan as one)."""
    from debc_outreach.storage import field_versions
    from debc_outreach.storage.projection import checklist_rows

    store, _kept, _province = programme
    conn = store.database.conn
    people = [row[0] for row in conn.execute("SELECT id FROM participant LIMIT 50")]
    sessions = [row[0] for row in conn.execute("SELECT id FROM session LIMIT 3")]
    wanted = [("participant", person) for person in people] + \
        [("session", session) for session in sessions] + [("participant", "not-a-uuid")]
    plans = _plans(store.database, lambda: field_versions.stored(conn, wanted))
    assert any("record_version USING PRIMARY KEY (entity=? AND entity_id=?)" in plan
               for plan in plans), plans
    assert _searches_only(plans), plans
    pairs = [tuple(row) for row in conn.execute(
        "SELECT participant, session FROM checklist_row LIMIT 50")]
    plans = _plans(store.database, lambda: checklist_rows._stored_rows(conn, pairs))
    assert "SEARCH r USING PRIMARY KEY (participant=? AND session=?)" in plans, plans
    assert _searches_only(plans), plans


def test_the_last_event_of_every_chain_is_read_from_the_primary_key(programme):
    """The version vector (every sync, every peer listed) is one search per device, not
    a walk of the whole log."""
    from debc_outreach.storage import events

    store, _kept, _province = programme
    plans = _plans(store.database, lambda: events.last_seqs(store.database.conn))
    assert "SEARCH r USING PRIMARY KEY (device=?)" in plans, plans
    assert [plan for plan in plans if plan.startswith("SCAN")] == ["SCAN d"], plans
