"""Outcome reports: knowledge before/after, follow-ups and scam tallies in files and on the
dashboard equal counts made by hand from what the trainers recorded; small cells are
suppressed in files; tab names and the dashboard follow the language."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.outcome_programmes import (
    DATES,
    VILLAGES,
    Person,
    Programme,
    Session,
    expected_follow_ups,
    expected_knowledge,
    expected_scams,
    record,
)

from debc_outreach import i18n, resources
from debc_outreach.errors import UserError
from debc_outreach.reports import audit, outcomes
from debc_outreach.reports.exports import ExportRequest, Who, run_export
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage import catalogue
from debc_outreach.storage import outcomes as recording
from debc_outreach.storage.store import Store
from tests.support.outcome_pack import SCAM_KINDS, outcome_pack


@pytest.fixture
def pack(tmp_path_factory, monkeypatch):
    folder = outcome_pack(tmp_path_factory.mktemp("pack"))
    monkeypatch.setattr(resources, "content_dir", lambda: folder)
    monkeypatch.setattr(catalogue, "_active", {})
    return folder


@pytest.fixture
def module(pack) -> str:
    return next(iter(catalogue.modules()))


def _export_tables(store: Store, data_dir: Path, path: Path) -> dict[str, list[dict]]:
    result = run_export(store.database, ExportRequest("outcomes", "csv", path, ReportFilter(), "en",
                                                      data_dir=data_dir, column_keys=True),
                        Who(store.device_id))
    with zipfile.ZipFile(result.path) as archive:
        return {name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(
            archive.read(name).decode("utf-8-sig")))) for name in archive.namelist()}


def _shown(cell: str, people: int, share_cell: str, share: float) -> None:
    """A file's count and share: the figure, or "<5" and nothing for a small cell."""
    if cell == "<5":
        assert share_cell == ""
        return
    assert 0 < people < 5 or int(cell) == people, (cell, people)
    assert not 0 < people < 5, f"{people} people shown"
    if share_cell:
        assert float(share_cell) == pytest.approx(share, abs=1e-4)


def _programmes(questions: int, follow_questions: int):
    person = st.builds(Person, st.sampled_from("FM"), st.sampled_from((1950, 1990, 2005)),
                       st.sampled_from(("yes", "no", "unknown")))

    @st.composite
    def programme(draw):
        people = draw(st.lists(person, min_size=1, max_size=14))
        answer = st.lists(st.integers(0, 2), min_size=1, max_size=questions)
        runs = []
        for _index in range(draw(st.integers(1, 3))):
            present = draw(st.lists(st.integers(0, len(people) - 1), min_size=1,
                                    unique=True))
            answers = {(p, phase): draw(answer) for p in present
                       for phase in ("before", "after") if draw(st.booleans())}
            hands = {phase: [draw(st.lists(st.integers(0, 9), min_size=3, max_size=3))
                             for _q in range(questions)]
                     for phase in ("before", "after") if draw(st.booleans())}
            tally = draw(st.dictionaries(st.sampled_from(SCAM_KINDS[:3]),
                                         st.integers(0, len(present)), max_size=3))
            runs.append(Session(draw(st.sampled_from(DATES)), draw(st.sampled_from(VILLAGES)),
                                present, answers, hands, tally))
        attended = {p: index for index, run in enumerate(runs) for p in run.present}
        follow = {p: (session, draw(st.lists(st.integers(0, 2), min_size=follow_questions,
                                             max_size=follow_questions)))
                  for p, session in attended.items() if draw(st.booleans())}
        return Programme(people, runs, follow)

    return programme()


@pytest.mark.usefixtures("pack")
def test_export_outcomes_equals_counts_from_the_raw_answers(tmp_path_factory, module):
    questions = len(recording.quick_checks(module))
    follow_questions = len(recording.follow_up_questions(module))

    @settings(max_examples=15, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(_programmes(questions, follow_questions))
    def check(programme: Programme) -> None:
        folder = tmp_path_factory.mktemp("programme")
        store = Store.open(folder)
        try:
            record(store, programme, module)
            found = outcomes.outcomes(store.database, ReportFilter())
            if found.is_empty():        # nothing recorded: nothing written
                with pytest.raises(UserError, match="nothing was written"):
                    _export_tables(store, folder, folder / "outcomes.zip")
                return
            tables = _export_tables(store, folder, folder / "outcomes.zip")
        finally:
            store.close()
        knowledge = expected_knowledge(programme, module)
        got = {(k.mode, k.breakdown, k.group, phase): (c.people, c.answers, c.correct)
               for k in found.knowledge for phase, c in (("before", k.before),
                                                          ("after", k.after)) if c.people}
        assert got == knowledge
        rows = {(r["mode"], r["breakdown"], r["group"]): r for r in tables["knowledge"]}
        assert {key[:3] for key in knowledge} == set(rows)
        for (mode, breakdown, group, phase), (people, answers, correct) in knowledge.items():
            row = rows[(mode, breakdown, group)]
            _shown(row[f"people_{phase}"], people, row[f"correct_{phase}"], correct / answers)
        follow = expected_follow_ups(programme, module)
        rows = {(r["question_id"], r["breakdown"], r["group"]): r for r in tables["follow-up"]}
        assert set(rows) == set(follow)
        for key, (people, safe) in follow.items():
            _shown(rows[key]["people"], people, rows[key]["safe_share"], safe / people)
        scams = expected_scams(programme)
        rows = {(r["district_code"], r["month"], r["kind"]): r for r in tables["scams"]}
        assert set(rows) == set(scams)
        for key, (sessions, asked, met) in scams.items():
            row = rows[key]
            if 0 < asked < 5:
                assert row["people_asked"] == row["people_met"] == "<5"
                continue
            assert (int(row["sessions"]), int(row["people_asked"]), int(row["people_met"])) \
                == (sessions, asked, met)
            assert float(row["per_100"]) == pytest.approx(100 * met / asked, abs=0.05)

    check()


def _people(store, module, women: int, men: int) -> None:
    session_people = [Person("F", 1990, "no")] * women + [Person("M", 1990, "no")] * men
    record(store, Programme(session_people, [Session(
        DATES[0], VILLAGES[0], list(range(women + men)),
        {(p, "before"): [0] for p in range(women + men)})]), module)


def test_a_group_of_fewer_than_five_is_suppressed_with_one_more_group(store, data_dir, module,
                                                                        tmp_path):
    _people(store, module, women=4, men=7)
    rows = _export_tables(store, data_dir, tmp_path / "out.zip")["knowledge"]
    by_group = {(r["breakdown"], r["group"]): r["people_before"] for r in rows}
    # 4 women are hidden; the 7 men too, or 11 - 7 would give the women away
    assert by_group[("sex", "F")] == "<5"
    assert by_group[("sex", "M")] == "<5"
    assert by_group[("all", "")] == "11"
    assert by_group[("age_band", "25-59")] == "11"


def test_groups_of_five_and_more_are_shown(store, data_dir, module, tmp_path):
    _people(store, module, women=5, men=6)
    rows = _export_tables(store, data_dir, tmp_path / "out.csv")["knowledge"]
    assert {(r["group"], r["people_before"]) for r in rows if r["breakdown"] == "sex"} == {
        ("F", "5"), ("M", "6")}
    assert (tmp_path / "out.csv.zip").exists() and not (tmp_path / "out.csv").exists()
    [entry] = audit.entries(store.database)
    assert (entry.kind, entry.path) == ("outcomes", str((tmp_path / "out.csv.zip").resolve()))


def test_the_workbook_tabs_are_in_the_language_of_the_file(store, data_dir, module, tmp_path):
    import openpyxl

    _people(store, module, women=5, men=6)
    tabs = {}
    for lang in ("km", "en"):
        path = tmp_path / f"outcomes-{lang}.xlsx"
        run_export(store.database, ExportRequest("outcomes", "xlsx", path, ReportFilter(),
                                                 lang, data_dir=data_dir),
                   Who(store.device_id))
        tabs[lang] = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert tabs["en"] == ["Knowledge", "Follow-up", "Scams"]
    i18n.set_language("km")
    assert tabs["km"] == [i18n._("Knowledge"), i18n._("Follow-up"), i18n._("Scams")]
    assert all(any("\u1780" <= ch <= "\u17ff" for ch in tab) for tab in tabs["km"])


def test_no_outcomes_in_the_selection_writes_nothing(store, data_dir, module, tmp_path):
    _people(store, module, women=5, men=6)
    path = tmp_path / "out.xlsx"
    with pytest.raises(UserError, match="nothing was written"):
        run_export(store.database, ExportRequest("outcomes", "xlsx", path,
                                                 ReportFilter(province="17"),
                                                 data_dir=data_dir), Who(store.device_id))
    assert not path.exists() and not list(tmp_path.glob(".out*"))


def test_export_outcomes_on_the_command_line(capsys, module, tmp_path):
    from conftest import cli_in

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    store = Store.open(data_dir)
    _people(store, module, women=5, men=6)
    store.close()
    code, out, _err = cli_in(capsys, data_dir, "export", "outcomes", "-o",
                             str(tmp_path / "o.zip"), "--column-keys")
    assert code == 0 and "o.zip" in out
    with zipfile.ZipFile(tmp_path / "o.zip") as archive:
        assert archive.namelist() == ["knowledge.csv", "follow-up.csv", "scams.csv"]
    code, _out, err = cli_in(capsys, data_dir, "export", "outcomes", "-o",
                             str(tmp_path / "o.pdf"), "--province", "99")
    assert code != 0 and "99" in err and not (tmp_path / "o.pdf").exists()


@pytest.fixture
def outcome_page(qtbot, pack, module, app_context, main_window):
    programme = Programme(
        [Person("F", 1990, "no")] * 6 + [Person("M", 2005, "yes")] * 5,
        [Session(DATES[0], VILLAGES[0], list(range(11)),
                 {**{(p, "before"): [0, 1, 2] for p in range(11)},
                  **{(p, "after"): [0, 0, 0] for p in range(8)}},
                 tally={SCAM_KINDS[0]: 3, SCAM_KINDS[2]: 1})],
        {p: (0, [0, 1]) for p in range(7)})
    record(app_context.store, programme, module)
    page = main_window.page("reports")
    page.refresh()
    qtbot.waitUntil(lambda: page.data is not None and page.data.outcomes is not None
                    and not page.worker.busy, timeout=20000)
    return page


def test_the_dashboard_shows_outcomes_and_follows_the_language(qtbot, outcome_page,
                                                              app_context):
    section = outcome_page.outcomes
    found = outcome_page.data.outcomes
    whole = next(k for k in found.knowledge if k.mode == "person" and k.breakdown == "all")
    assert (whole.before.people, whole.after.people) == (11, 8)
    assert section.knowledge.rowCount() == 1
    assert section.knowledge.item(0, 4).text() == i18n.format_percent(whole.before.share)
    assert section.kind_chart.chart.labels and section.place_chart.chart.labels
    section.breakdown.setCurrentIndex(section.breakdown.findData("sex"))
    assert section.knowledge.rowCount() == 3          # all, women, men
    app_context.set_language("km")
    assert section.title.text() == i18n._("Outcomes: learning, follow-up and scams")
    assert section.title.text() != "Outcomes: learning, follow-up and scams"
    assert section.knowledge.horizontalHeaderItem(3).text() == i18n._("People before")
    assert section.knowledge_chart.chart.series == (i18n._("Before"), i18n._("After"))
    app_context.set_language("en")
    assert section.title.text() == "Outcomes: learning, follow-up and scams"
    assert section.knowledge_chart.chart.series == ("Before", "After")


def test_two_merged_records_of_one_person_count_once_with_the_kept_answers(store, module):
    from debc_outreach.storage import attendance, participants, sessions

    session = sessions.create(store, DATES[0], VILLAGES[0], [module])
    keep = participants.add_participant(store, "សុខ ស្រីពៅ", sex="F", consent="yes")
    twin = participants.add_participant(store, "សុខ\u200bស្រីពៅ", sex="F", consent="yes")
    questions = recording.quick_checks(module)
    for person, answer in ((keep, min(questions[0].good)), (twin, 2 - min(questions[0].good))):
        attendance.check_in(store, session.id, person.id)
        recording.record_answers(store, session.id, person.id, module, "before",
                                 {q.id: answer for q in questions[:2]})
    participants.merge(store, twin.id, keep.id)
    whole = next(k for k in outcomes.knowledge(store.database, ReportFilter())
                 if k.breakdown == "all")
    assert (whole.before.people, whole.before.answers) == (1, 2)
    assert whole.before.correct == 1 + (min(questions[1].good) == min(questions[0].good))


def test_the_page_filters_narrow_every_outcome(store, module):
    people = [Person("F", 1990, "no")] * 6
    record(store, Programme(people, [
        Session(DATES[0], VILLAGES[0], list(range(6)),
                {(p, "before"): [0] for p in range(6)}, tally={SCAM_KINDS[0]: 2}),
        Session(DATES[2], VILLAGES[2], list(range(3)),
                {(p, "after"): [0] for p in range(3)}, tally={SCAM_KINDS[1]: 1})],
        {p: (1, [0]) for p in range(3)}), module)
    found = outcomes.outcomes(store.database, ReportFilter(province="17"))
    assert {(k.before.people, k.after.people) for k in found.knowledge
            if k.breakdown == "all"} == {(0, 3)}
    assert {c.kind for c in found.scams if c.met} == {SCAM_KINDS[1]}
    assert {f.people for f in found.follow_ups if f.breakdown == "all"} == {3}
    spring = outcomes.outcomes(store.database, ReportFilter(date_to=DATES[1]))
    assert not spring.follow_ups and {c.district for c in spring.scams} == {"1201"}
    assert outcomes.outcomes(store.database, ReportFilter(module="no-such-module")).is_empty()


def test_the_khmer_outcomes_pdf_carries_its_khmer_text(store, data_dir, module, tmp_path):
    import subprocess

    _people(store, module, women=5, men=6)
    path = tmp_path / "outcomes.pdf"
    run_export(store.database, ExportRequest("outcomes", "pdf", path, ReportFilter(), "km",
                                             data_dir=data_dir), Who(store.device_id))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    i18n.set_language("km")
    assert i18n._("Quick checks: what people learned") in text.replace("\n", " ")
    assert "\u25cc" not in text                    # no dotted circle


def test_the_export_dialog_writes_outcomes_with_the_csv_tables_in_a_zip(
        qtbot, outcome_page, app_context, tmp_path):
    from debc_outreach.gui.reporting.export_dialog import ExportDialog

    dialog = ExportDialog(app_context, outcome_page.filters.current(), outcome_page)
    dialog.kind.setCurrentIndex(dialog.kind.findData("outcomes"))
    for box in dialog.formats.values():
        box.setChecked(True)
    dialog.folder.setText(str(tmp_path))
    dialog.name.setText("outcomes")
    assert sorted(path.name for path in dialog.paths()) == [
        "outcomes.csv.zip", "outcomes.pdf", "outcomes.xlsx"]
    assert "outcomes.csv.zip" in dialog.files.text()
    dialog.start()                     # no names: no privacy question
    qtbot.waitUntil(lambda: dialog.outcomes is not None, timeout=60000)
    assert [o.problem for o in dialog.outcomes] == ["", "", ""]
    with zipfile.ZipFile(tmp_path / "outcomes.csv.zip") as archive:
        assert archive.namelist() == ["knowledge.csv", "follow-up.csv", "scams.csv"]
    dialog.deleteLater()


_cell = st.tuples(st.sampled_from(("s1", "s2")), st.sampled_from(("p1", "p2")),
                  st.sampled_from(("before", "after")), st.sampled_from(("q1", "q2", "q3")))
_operation = st.one_of(
    st.tuples(st.just("answer"), _cell, st.integers(0, 2), st.booleans(), st.integers(1, 9)),
    st.tuples(st.just("remove"), st.sampled_from(("p1", "p2"))))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_operation, max_size=30))
def test_the_summed_answers_follow_every_change_of_the_answers(store, operations):
    """`quiz_score` (kept by triggers) equals a recount after answers arrive in any order
    (the newest wins, as sync applies them) and leave with a name (retention)."""
    from debc_outreach.storage.projection import outcomes as applier

    conn = store.database.conn
    with store.database.transaction():
        conn.execute("DELETE FROM quiz_answer")
        for operation in operations:
            if operation[0] == "remove":
                conn.execute("DELETE FROM quiz_answer WHERE participant_id = ?",
                             (operation[1],))
                continue
            _op, (session, person, phase, question), answer, correct, hlc = operation
            conn.execute(applier._QUIZ_ANSWER, (session, person, "m", phase, question,
                                                answer, int(correct), hlc, "device"))
    score = sorted(tuple(r) for r in conn.execute("SELECT * FROM quiz_score"))
    recount = sorted(tuple(r) for r in conn.execute(
        "SELECT session_id, participant_id, module, phase, count(*), sum(correct) "
        "FROM quiz_answer GROUP BY session_id, participant_id, module, phase"))
    assert score == recount
