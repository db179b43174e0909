"""Outcome records travel like attendance: two trainers -> coordinator gives the same rows,
scope follows the participant's (or session's) village, retention removes per-person
answers with the names and keeps the counts."""

from __future__ import annotations

import datetime as dt

import pytest
from support.outcome_pack import use_outcome_pack
from support.sync_devices import VILLAGE_IN, VILLAGE_OUT, make_programme, send

from debc_outreach.storage import (
    attendance,
    catalogue,
    outcomes,
    participants,
    privacy,
    retention,
    sessions,
)
from debc_outreach.storage.check import check_database

TABLES = {
    "quiz_answer": "session_id, participant_id, module, phase, question_id, answer, correct",
    "quiz_count": "session_id, module, phase, question_id, answer, count, correct",
    "scam_tally": "session_id, kind, count",
    "follow_up": "participant_id, module, question_id, answer, safe, date, method, session_id",
}


def _rows(store, table: str) -> set[tuple]:
    return {tuple(row) for row in store.database.query(f"SELECT {TABLES[table]} FROM {table}")}


def _record_a_session(trainer, village: str, names: tuple[str, ...]) -> str:
    slug = next(iter(catalogue.modules()))
    day = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    session = sessions.create(trainer, day, village, [slug])
    questions = outcomes.quick_checks(slug)
    people = []
    for number, name in enumerate(names):
        person = participants.add_participant(trainer, name, village_code=village,
                                              contact_consent=number % 2 == 0)
        attendance.check_in(trainer, session.id, person.id)
        people.append(person)
        outcomes.record_answers(trainer, session.id, person.id, slug, "before",
                                {q.id: (number + i) % len(q.answers)
                                 for i, q in enumerate(questions)})
        if number:                      # the first person left early: no "after"
            outcomes.record_answers(trainer, session.id, person.id, slug, "after",
                                    {q.id: min(q.good) for q in questions})
    outcomes.record_class_counts(trainer, session.id, slug, "after",
                                 {questions[0].id: [3, 4, 5][:len(questions[0].answers)]})
    outcomes.record_scam_tally(trainer, session.id, {"loan-app": 1, "parcel-sms": 2})
    fu = outcomes.follow_up_questions(slug)
    outcomes.record_follow_up(trainer, people[0].id, slug, {q.id: 0 for q in fu},
                              method="phone")
    return session.id


@pytest.fixture
def programme(tmp_path, monkeypatch):
    use_outcome_pack(tmp_path, monkeypatch)
    coordinator, trainers = make_programme(tmp_path, trainers=2,
                                           scopes=[["07"], ["12"]])
    yield coordinator, trainers, tmp_path / "bundles"
    for store in (*trainers, coordinator):
        store.close()


def test_two_trainers_to_the_coordinator_give_the_same_rows(programme):
    coordinator, (kampot, phnom_penh), bundles = programme
    _record_a_session(kampot, VILLAGE_IN, ("Sok Dara", "Chan Sophea", "Keo Malis"))
    _record_a_session(phnom_penh, VILLAGE_OUT, ("Heng Vanna", "Lim Srey"))
    send(kampot, coordinator, bundles / "a")
    send(phnom_penh, coordinator, bundles / "b")
    for table in TABLES:
        expected = _rows(kampot, table) | _rows(phnom_penh, table)
        assert _rows(coordinator, table) == expected, table
        assert _rows(kampot, table) and _rows(phnom_penh, table)
    # Importing again changes nothing.
    send(kampot, coordinator, bundles / "c")
    assert _rows(coordinator, "quiz_answer") == (_rows(kampot, "quiz_answer")
                                                 | _rows(phnom_penh, "quiz_answer"))
    # Scope: each trainer receives only its own area's answers and tallies.
    send(coordinator, kampot, bundles / "d")
    for table in TABLES:
        assert not (_rows(phnom_penh, table) & _rows(kampot, table)), table
    assert check_database(coordinator.database) == []


def test_retention_removes_answers_with_names_and_keeps_counts(programme):
    coordinator, (kampot, _other), bundles = programme
    privacy.set_rule(coordinator, privacy.RETENTION_DAYS, 30)
    _record_a_session(kampot, VILLAGE_IN, ("Sok Dara", "Chan Sophea"))
    send(coordinator, kampot, bundles / "1")
    send(kampot, coordinator, bundles / "2")
    send(coordinator, kampot, bundles / "3")
    retention.note_acknowledgements(kampot)
    counts = _rows(kampot, "quiz_count"), _rows(kampot, "scam_tally")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert retention.apply_retention(kampot, now=later).eligible == 2
    assert _rows(kampot, "quiz_answer") == set() and _rows(kampot, "follow_up") == set()
    assert (_rows(kampot, "quiz_count"), _rows(kampot, "scam_tally")) == counts
    assert kampot.database.scalar(
        "SELECT count(*) FROM event WHERE entity IN ('quiz_answer', 'follow_up') "
        "AND op != 'redacted'") == 0
    assert check_database(kampot.database) == []
    assert _rows(coordinator, "quiz_answer")          # the coordinator keeps them


def test_outcomes_travel_through_the_hub_within_scope(programme, tmp_path):
    from support.hub_server import RunningHub, enrolled_hub

    from debc_outreach.sync import hub_client

    coordinator, (kampot, phnom_penh), _bundles = programme
    _record_a_session(kampot, VILLAGE_IN, ("Sok Dara", "Chan Sophea"))
    _record_a_session(phnom_penh, VILLAGE_OUT, ("Heng Vanna", "Lim Srey"))
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    try:
        with RunningHub(hub) as running:
            for store in (kampot, phnom_penh, coordinator, kampot):
                hub_client.sync_with_hub(store, running.url)
    finally:
        hub.close()
    for table in TABLES:
        assert _rows(coordinator, table) == _rows(kampot, table) | _rows(phnom_penh, table)
        assert not (_rows(phnom_penh, table) & _rows(kampot, table)), table
