"""A record an older version stored with a wrong-typed value (birth_year "abc") never
breaks an export or the summary, counts as "age unknown", and `db check` lists it."""

from __future__ import annotations

import json

import pytest
from support.reports_data import demo_programme

from debc_outreach.reports import aggregates
from debc_outreach.reports.exports import FORMATS, KINDS, ExportRequest, Who, run_export
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage import events, participants, projection, session_summary, sessions
from debc_outreach.storage.check import record_problems
from debc_outreach.storage.events import Event


def _store_as_an_older_version_did(store, entity: str, entity_id: str, fields: dict) -> None:
    """Append and apply an event with no check at all, as versions before the schemas."""
    with store.database.transaction() as conn:
        seq, prev = events.chain_head(conn, store.device_id)
        draft = Event(store.device_id, seq + 1, store.clock.now(), entity, entity_id, "set",
                      fields, prev_hash=prev)
        event = Event(**{**draft.__dict__, "hash": draft.computed_hash()})
        events.insert(conn, event)
        projection.apply(conn, event)


@pytest.fixture
def broken(store):
    demo_programme(store, participants=60, sessions=4)
    person, session_id = store.database.conn.execute(
        "SELECT a.participant_id, a.session_id FROM attendance a JOIN participant p "
        "ON p.id = a.participant_id WHERE a.present = 1 AND p.merged_into = '' "
        "AND p.consent = 'yes' LIMIT 1").fetchone()
    _store_as_an_older_version_did(store, "participant", person, {"birth_year": "abc"})
    assert store.database.scalar("SELECT birth_year FROM participant WHERE id = ?",
                                 (person,)) == "abc"
    return store, person, session_id


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_export_works_with_a_birth_year_that_is_not_a_number(broken, tmp_path, kind,
                                                                   fmt):
    store, _person, _session = broken
    path = tmp_path / f"{kind}.{fmt}"
    result = run_export(store.database, ExportRequest(kind, fmt, path, ReportFilter(), "en"),
                        Who(store.device_id))
    assert result.path.exists() and result.rows >= 0     # outcomes as CSV: a .zip


def test_sheets_summary_and_session_summary_count_the_person_as_age_unknown(broken,
                                                                            tmp_path):
    store, person, session_id = broken
    assert participants.get(store.database, person).birth_year is None
    for kind in ("attendance-sheet", "sign-in-sheet"):
        run_export(store.database, ExportRequest(kind, "pdf", tmp_path / f"{kind}.pdf",
                                                 ReportFilter(), "km", target_id=session_id),
                   Who(store.device_id))
    session_summary.summary(store.database, sessions.get(store.database, session_id))
    figures = aggregates.figures(store.database, ReportFilter())
    assert figures is not None
    band = store.database.scalar("SELECT v.age_band FROM report_visit v JOIN participant p "
                                 "ON p.rowid = v.person WHERE p.id = ? LIMIT 1", (person,))
    recorded = store.database.scalar("SELECT age_band FROM participant WHERE id = ?",
                                     (person,))
    assert band == recorded          # the recorded band (often unknown), never from "abc"


def test_db_check_lists_the_record_the_field_and_what_is_wrong(broken, run_cli):
    store, person, _session = broken
    [found] = record_problems(store.database.conn)
    assert (found.entity, found.entity_id, found.field) == ("participant", person,
                                                           "birth_year")
    assert "whole number" in found.message
    store.close()
    code, out, _err = run_cli("db", "check", "--json")
    assert code == 0
    listed = json.loads(out)["records_to_repair"]
    assert [(r["id"], r["field"]) for r in listed] == [(person, "birth_year")]
    code, out, _err = run_cli("db", "check")
    assert code == 0 and "birth_year" in out and person in out


def test_repairing_the_record_takes_it_off_the_list(broken):
    store, person, _session = broken
    participants.update_participant(store, person, birth_year=1990)
    assert record_problems(store.database.conn) == []


def test_the_participant_form_flags_the_field_to_repair(broken, qtbot):
    from debc_outreach.gui.participants.participant_dialog import ParticipantDialog

    store, person, _session = broken
    dialog = ParticipantDialog(store, existing=participants.get(store.database, person))
    qtbot.addWidget(dialog)
    assert not dialog.repair_note.isHidden()
    assert "birth_year" in dialog.repair_note.text()
    assert dialog.birth_year.text() == ""          # "abc" is not shown as a year
