"""Quick checks, class counts, scam tally and follow-ups: recording, bad input, merges,
retention and the due list."""

from __future__ import annotations

import datetime as dt

import pytest
from support.outcome_pack import use_outcome_pack

from debc_outreach import resources
from debc_outreach.errors import UserError
from debc_outreach.storage import attendance, catalogue, outcomes, participants, sessions

VILLAGE = "12010101"


@pytest.fixture
def pack(tmp_path, monkeypatch):
    return use_outcome_pack(tmp_path, monkeypatch)


@pytest.fixture
def slug(pack):
    return next(iter(catalogue.modules()))


@pytest.fixture
def session(store, slug):
    return sessions.create(store, dt.date.today().isoformat(), VILLAGE, [slug])


def _present(store, session, name="Sok Dara", **extra):
    person = participants.add_participant(store, name, **extra)
    attendance.check_in(store, session.id, person.id)
    return person


def _events(store) -> int:
    return store.database.scalar("SELECT count(*) FROM event")


def test_answers_are_recorded_with_the_answer_key(store, session, slug):
    person = _present(store, session)
    questions = outcomes.quick_checks(slug)
    given = outcomes.parse_answer_indices("1,0,2", questions)
    outcomes.record_answers(store, session.id, person.id, slug, "before", given)
    rows = store.database.query("SELECT question_id, answer, correct FROM quiz_answer "
                                "ORDER BY question_id")
    expected = sorted((q.id, given[q.id], int(given[q.id] in q.good)) for q in questions[:3])
    assert [tuple(r) for r in rows] == expected
    assert outcomes.answers(store.database.conn, session.id, slug, "before") == {
        person.id: given}
    assert outcomes.answers(store.database.conn, session.id, slug, "after") == {}
    # answering again replaces the answer of that question only
    first = questions[0].id
    outcomes.record_answers(store, session.id, person.id, slug, "before", {first: 2})
    assert outcomes.answers(store.database.conn, session.id, slug, "before")[person.id][
        first] == 2


@pytest.mark.parametrize("change", [
    lambda s, p, slug, q: outcomes.record_answers(s, *p, slug, "before", {q[0].id: 3}),
    lambda s, p, slug, q: outcomes.record_answers(s, *p, slug, "before", {q[0].id: -1}),
    lambda s, p, slug, q: outcomes.record_answers(s, *p, slug, "before", {"nope.qc.x": 0}),
    lambda s, p, slug, q: outcomes.record_answers(s, *p, slug, "during", {q[0].id: 0}),
    lambda s, p, slug, q: outcomes.record_answers(s, *p, "no-such-module", "before",
                                                  {q[0].id: 0}),
    lambda s, p, slug, q: outcomes.record_answers(s, *p, slug, "before", {}),
    lambda s, p, slug, q: outcomes.record_class_counts(s, p[0], slug, "after",
                                                       {q[0].id: [1, 2, 3, 4]}),
    lambda s, p, slug, q: outcomes.record_class_counts(s, p[0], slug, "after",
                                                       {q[0].id: [1, -2]}),
    lambda s, p, slug, q: outcomes.record_class_counts(s, p[0], slug, "after",
                                                       {"nope.qc.x": [1]}),
])
def test_bad_quick_check_input_changes_nothing(store, session, slug, change):
    person = _present(store, session)
    before = _events(store)
    with pytest.raises(UserError) as refused:
        change(store, (session.id, person.id), slug, outcomes.quick_checks(slug))
    assert "\n" not in str(refused.value)
    assert _events(store) == before


def test_only_people_checked_in_have_answers(store, session, slug):
    absent = participants.add_participant(store, "Chan Sophea")
    first = outcomes.quick_checks(slug)[0].id
    with pytest.raises(UserError, match="not checked in"):
        outcomes.record_answers(store, session.id, absent.id, slug, "before", {first: 0})


def test_parsing_refuses_too_many_answers_and_words(slug):
    questions = outcomes.quick_checks(slug)
    with pytest.raises(UserError, match="only"):
        outcomes.parse_answer_indices(",".join(["0"] * (len(questions) + 1)), questions)
    with pytest.raises(UserError, match="whole number"):
        outcomes.parse_answer_indices("a", questions)
    assert outcomes.parse_answer_indices("-,2", questions) == {questions[1].id: 2}
    with pytest.raises(UserError, match="no question"):
        outcomes.parse_class_counts("9:0=3", questions, slug)
    with pytest.raises(UserError, match="QUESTION:ANSWER=COUNT"):
        outcomes.parse_class_counts("1=3", questions, slug)


def test_class_counts_are_kept_apart_from_people(store, session, slug):
    _present(store, session)
    questions = outcomes.quick_checks(slug)
    counts = outcomes.parse_class_counts("1:0=12,1:2=5,2:1=17", questions, slug)
    outcomes.record_class_counts(store, session.id, slug, "before", counts)
    found = outcomes.class_counts(store.database.conn, session.id, slug, "before")
    assert found == {questions[0].id: [12, 0, 5], questions[1].id: [0, 17, 0]}
    assert store.database.scalar("SELECT count(*) FROM quiz_answer") == 0
    correct = store.database.query(
        "SELECT answer FROM quiz_count WHERE question_id = ? AND correct = 1",
        (questions[0].id,))
    assert [r[0] for r in correct] == sorted(questions[0].good)


def test_closed_session_needs_an_amendment_for_answers(store, session, slug):
    person = _present(store, session)
    sessions.close(store, session.id)
    first = outcomes.quick_checks(slug)[0].id
    with pytest.raises(UserError, match="closed"):
        outcomes.record_answers(store, session.id, person.id, slug, "after", {first: 0})
    outcomes.record_answers(store, session.id, person.id, slug, "after", {first: 0},
                            reason="written on paper, typed the next day")


def test_scam_tally(store, session):
    for name in ("Sok Dara", "Chan Sophea", "Keo Malis"):
        _present(store, session, name)
    outcomes.record_scam_tally(store, session.id, outcomes.parse_tally(
        ["loan-app=2", "parcel-sms=3"]))
    assert outcomes.scam_counts(store.database.conn, session.id) == {
        "loan-app": 2, "parcel-sms": 3}
    outcomes.record_scam_tally(store, session.id, {"loan-app": 1})
    assert outcomes.scam_counts(store.database.conn, session.id)["loan-app"] == 1


@pytest.mark.parametrize("counts, message", [
    ({"no-such-kind": 1}, "Unknown kind"),
    ({"loan-app": 4}, "between 0"),
    ({"loan-app": -1}, "between 0"),
    ({}, "at least one"),
])
def test_bad_scam_tally_changes_nothing(store, session, counts, message):
    for name in ("Sok Dara", "Chan Sophea", "Keo Malis"):
        _present(store, session, name)
    before = _events(store)
    with pytest.raises(UserError, match=message):
        outcomes.record_scam_tally(store, session.id, counts)
    assert _events(store) == before


def test_scam_tally_with_one_person_present_says_person(store, session):
    _present(store, session)
    with pytest.raises(UserError, match="and the 1 person present"):
        outcomes.record_scam_tally(store, session.id, {"loan-app": 2})


def test_scam_tally_is_refused_on_a_closed_or_empty_session(store, session, slug):
    with pytest.raises(UserError, match="Nobody is checked in"):
        outcomes.record_scam_tally(store, session.id, {"loan-app": 0})
    _present(store, session)
    sessions.close(store, session.id)
    before = _events(store)
    with pytest.raises(UserError, match="closed"):
        outcomes.record_scam_tally(store, session.id, {"loan-app": 1})
    assert _events(store) == before
    with pytest.raises(UserError, match="KIND=COUNT"):
        outcomes.parse_tally(["loan-app"])


def _session_days_ago(store, slug, days):
    day = (dt.date.today() - dt.timedelta(days=days)).isoformat()
    return sessions.create(store, day, VILLAGE, [slug])


def test_follow_ups_due_in_the_window_for_people_who_agreed(store, slug):
    due_session = _session_days_ago(store, slug, 30)
    early = _session_days_ago(store, slug, 10)
    late = _session_days_ago(store, slug, 60)
    agreed = _present(store, due_session, "Sok Dara", contact_consent=True)
    _present(store, due_session, "Chan Sophea")                   # no contact consent
    _present(store, early, "Keo Malis", contact_consent=True)
    _present(store, late, "Heng Vanna", contact_consent=True)
    due = outcomes.follow_ups_due(store)
    assert [(d.participant_id, d.session_id, d.modules) for d in due] == [
        (agreed.id, due_session.id, (slug,))]
    assert due[0].due_from == (dt.date.fromisoformat(due_session.date)
                               + dt.timedelta(days=28)).isoformat()
    questions = outcomes.follow_up_questions(slug)
    outcomes.record_follow_up(store, agreed.id, slug, {questions[0].id: 0, questions[1].id: 1},
                              method="visit")
    assert outcomes.follow_ups_due(store) == []
    record = outcomes.follow_ups(store.database.conn, agreed.id)[slug]
    assert (record.method, record.session_id, record.date) == (
        "visit", due_session.id, dt.date.today().isoformat())
    safe = dict(store.database.query("SELECT question_id, safe FROM follow_up"))
    assert safe == {questions[0].id: int(0 in questions[0].good),
                    questions[1].id: int(1 in questions[1].good)}


def test_follow_up_without_contact_consent_is_refused(store, slug):
    session = _session_days_ago(store, slug, 30)
    person = _present(store, session, "Chan Sophea")
    first = outcomes.follow_up_questions(slug)[0].id
    before = _events(store)
    with pytest.raises(UserError, match="did not agree to be contacted"):
        outcomes.record_follow_up(store, person.id, slug, {first: 0})
    assert _events(store) == before
    participants.update_participant(store, person.id, contact_consent=True)
    assert participants.has_contact_consent(store.database, person.id)
    outcomes.record_follow_up(store, person.id, slug, {first: 0})


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "letter"}, "phone"),
    ({"date": "2999-01-01"}, "future"),
    ({"date": "yesterday"}, "not a date"),
    ({"answers": {"x.fu.9": 0}}, "no question"),
    ({"answers": "out of range"}, "out of range"),
    ({"module": "no-such-module"}, "no follow-up questions"),
])
def test_bad_follow_up_changes_nothing(store, slug, kwargs, message):
    session = _session_days_ago(store, slug, 30)
    person = _present(store, session, contact_consent=True)
    first = outcomes.follow_up_questions(slug)[0].id
    answers = kwargs.pop("answers", {first: 0})
    if answers == "out of range":
        answers = {first: 7}
    module = kwargs.pop("module", slug)
    before = _events(store)
    with pytest.raises(UserError, match=message):
        outcomes.record_follow_up(store, person.id, module, answers, **kwargs)
    assert _events(store) == before


def test_follow_up_needs_a_session_with_the_module(store, slug):
    person = participants.add_participant(store, "Sok Dara", contact_consent=True)
    first = outcomes.follow_up_questions(slug)[0].id
    with pytest.raises(UserError, match="did not attend"):
        outcomes.record_follow_up(store, person.id, slug, {first: 0})


def test_follow_up_cannot_be_dated_before_the_session_it_follows(store, slug):
    session = _session_days_ago(store, slug, 30)
    person = _present(store, session, contact_consent=True)
    first = outcomes.follow_up_questions(slug)[0].id
    earlier = (dt.date.today() - dt.timedelta(days=40)).isoformat()
    before = _events(store)
    with pytest.raises(UserError, match="did not attend"):
        outcomes.record_follow_up(store, person.id, slug, {first: 0}, date=earlier,
                                  session_id=session.id)
    assert _events(store) == before


def test_answers_follow_a_merge_and_an_unmerge(store, session, slug):
    duplicate = _present(store, session, "Sok Dara")
    kept = participants.add_participant(store, "Sok Dara", contact_consent=True)
    first = outcomes.quick_checks(slug)[0].id
    outcomes.record_answers(store, session.id, duplicate.id, slug, "before", {first: 1})
    participants.merge(store, duplicate.id, kept.id)
    assert outcomes.answers(store.database.conn, session.id, slug, "before") == {
        kept.id: {first: 1}}
    participants.unmerge(store, duplicate.id)
    assert outcomes.answers(store.database.conn, session.id, slug, "before") == {
        duplicate.id: {first: 1}}


def test_followup_window_is_the_coordinators(store):
    assert outcomes.followup_window(store) == (28, 42)
    with pytest.raises(UserError, match="coordinator"):
        outcomes.set_followup_window(store, 20, 30)


# --- CLI ------------------------------------------------------------------------------

def _cli(capsys, data_dir, *args):
    from conftest import cli_in

    return cli_in(capsys, data_dir, *args)


def test_cli_quiz_scams_and_followups(store, slug, data_dir, capsys):
    session = _session_days_ago(store, slug, 30)
    agreed = participants.add_participant(store, "Sok Dara", contact_consent=True)
    other = participants.add_participant(store, "Chan Sophea")
    for person in (agreed, other):
        attendance.check_in(store, session.id, person.id)
    store.close()
    code, out, _err = _cli(capsys, data_dir, "session", "quiz", session.id, agreed.id,
                           "--phase", "before", "--answers", "1,0,2")
    assert code == 0, _err
    code, _out, _err = _cli(capsys, data_dir, "session", "quiz", session.id, "--phase",
                            "after", "--counts", "1:0=1,1:1=1")
    assert code == 0, _err
    code, _out, _err = _cli(capsys, data_dir, "session", "scams", session.id,
                            "loan-app=1", "other=2")
    assert code == 0, _err
    code, out, _err = _cli(capsys, data_dir, "followup", "due", "--json")
    assert code == 0 and agreed.id in out and other.id not in out
    code, _out, _err = _cli(capsys, data_dir, "followup", "record", agreed.id, "--module",
                            slug, "--answers", "0,1", "--method", "visit")
    assert code == 0, _err
    code, out, _err = _cli(capsys, data_dir, "followup", "due")
    assert code == 0 and agreed.id not in out


@pytest.mark.parametrize("args, message", [
    (("session", "quiz", "{sid}", "{pid}", "--phase", "before", "--answers", "5"),
     "out of range"),
    (("session", "quiz", "{sid}", "--phase", "before", "--counts", "9:0=2"), "no question"),
    (("session", "quiz", "{sid}", "{pid}", "--phase", "before"), "--answers"),
    (("session", "scams", "{sid}", "romance=2"), "Unknown kind"),
    (("session", "scams", "{sid}", "loan-app"), "KIND=COUNT"),
    (("followup", "record", "{pid}", "--module", "{slug}", "--answers", "0"),
     "did not agree"),
    (("participants", "contact-consent", "nobody", "yes"), "no participant"),
    (("session", "quiz", "{sid}", "{pid}", "--phase", "before", "--module", "no-such",
      "--answers", "0"), "does not cover the module no-such"),
    (("followup", "record", "{pid}", "--module", "no-such", "--answers", "0"),
     "no follow-up questions"),
])
def test_cli_bad_input_says_why_and_changes_nothing(store, slug, data_dir, capsys, args,
                                                    message):
    session = _session_days_ago(store, slug, 30)
    person = _present(store, session)
    before = _events(store)
    store.close()
    filled = [a.format(sid=session.id, pid=person.id, slug=slug) for a in args]
    code, _out, err = _cli(capsys, data_dir, *filled)
    assert code == 1 and message.lower() in err.lower()
    assert "Traceback" not in err
    from debc_outreach.storage.store import Store

    with Store.open(data_dir) as again:
        assert _events(again) == before


def test_cli_tally_on_a_closed_session_is_refused(store, slug, data_dir, capsys):
    session = _session_days_ago(store, slug, 30)
    _present(store, session)
    sessions.close(store, session.id)
    store.close()
    code, _out, err = _cli(capsys, data_dir, "session", "scams", session.id, "loan-app=1")
    assert code == 1 and "closed" in err


def test_recording_reads_the_questions_the_pack_loader_reads():
    """Storage reads the pack's files itself (it may not import the content layer): it
    must find the same questions, answers and answer keys as the loader."""
    from debc_outreach.content.loader import load_pack

    pack = load_pack(resources.content_dir())
    modules = catalogue.modules(resources.content_dir())
    assert any(m.quick_checks for m in pack.modules)
    for module in pack.modules:
        mine = modules[module.slug]
        assert [(q.id, len(q.answers), {q.correct}) for q in module.quick_checks] == [
            (q.id, len(q.answers), set(q.good)) for q in mine.quick_checks]
        assert [(q.id, len(q.answers), set(q.safe)) for q in module.follow_ups] == [
            (q.id, len(q.answers), set(q.good)) for q in mine.follow_ups]
    assert [k.id for k in pack.scam_kinds] == [k.id for k in
                                               catalogue.scam_kinds(resources.content_dir())]


def test_the_coordinator_sets_the_followup_window(tmp_path, pack, capsys):
    from support.sync_devices import make_programme, send

    coordinator, (trainer,) = make_programme(tmp_path)
    try:
        outcomes.set_followup_window(coordinator, 21, 35)
        with pytest.raises(UserError, match="first not after the second"):
            outcomes.set_followup_window(coordinator, 40, 30)
        with pytest.raises(UserError, match="coordinator"):
            outcomes.set_followup_window(trainer, 1, 2)
        send(coordinator, trainer, tmp_path / "bundles")
        assert outcomes.followup_window(trainer) == (21, 35)
    finally:
        trainer.close()
        coordinator.close()
    code, out, _err = _cli(capsys, tmp_path / "coordinator", "followup", "window", "14", "28")
    assert code == 0 and "14 to 28" in out
    code, _out, err = _cli(capsys, tmp_path / "coordinator", "followup", "window", "14")
    assert code == 1 and "two numbers of days" in err and "Traceback" not in err
    code, _out, err = _cli(capsys, tmp_path / "trainer0", "followup", "window", "1", "2")
    assert code == 1 and "coordinator" in err
