"""Dashboard figures, disaggregation and targets agree with counts made by hand."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from support.reports_data import demo_programme, raw_attendance

from debc_outreach.core import people
from debc_outreach.errors import UserError
from debc_outreach.reports import aggregates, lookup, targets
from debc_outreach.reports.filters import ReportFilter, build_filter
from debc_outreach.storage.projection import checklist_rows


@pytest.fixture
def programme(store):
    demo_programme(store)
    return store


def _band(row) -> str:
    return people.age_band(row[5], row[6], dt.date.fromisoformat(row[2]))


def test_disaggregation_counts_and_unique_people_equal_raw_counts(programme):
    raw = raw_attendance(programme.database)
    expected_count = defaultdict(int)
    expected_people = defaultdict(set)
    for row in raw:
        disability = {1: "yes", 0: "no"}.get(row[7], "unknown")
        key = (row[3][:2], row[3][:4], row[4], _band(row), disability)
        expected_count[key] += 1
        expected_people[key].add(row[1])
    cells = aggregates.disaggregation(programme.database, ReportFilter())
    got = {(c.province, c.district, c.sex, c.age_band, c.disability): (c.attendances, c.people)
           for c in cells}
    assert got == {k: (expected_count[k], len(expected_people[k])) for k in expected_count}
    assert sum(c.attendances for c in cells) == len(raw)


def test_headline_figures_count_unique_people_women_and_disability(programme):
    raw = raw_attendance(programme.database)
    figures = aggregates.figures(programme.database, ReportFilter())
    h = figures.headline
    persons = {row[1]: row for row in raw}
    assert h.attendances == len(raw)
    assert h.people == len(persons)
    assert h.women == sum(1 for r in persons.values() if r[4] == "F")
    assert h.disability == sum(1 for r in persons.values() if r[7] == 1)
    assert h.without_consent == sum(1 for r in persons.values() if r[8] != "yes")
    assert sum(a for _m, a, _p in figures.by_month) == len(raw)
    assert sum(a for _c, a, _p in figures.by_province) == len(raw)
    assert sum(figures.by_sex_age.values()) == h.people
    assert h.sessions == len({r[0] for r in raw})


def test_age_band_in_sql_follows_the_core_rule(store):
    from debc_outreach.storage import attendance, participants, sessions

    session = sessions.create(store, "2026-03-08", "12010101", [])
    cases = [(2012, ""), (2011, ""), (2002, ""), (2001, ""), (1967, ""), (1966, ""),
             (0, "15-24"), (0, "60+"), (0, "")]
    for index, (year, band) in enumerate(cases):
        person = participants.add_participant(store, f"សុខ {index}", birth_year=year or None,
                                              age_band=band, consent="yes")
        attendance.check_in(store, session.id, person.id)
    cells = aggregates.disaggregation(store.database, ReportFilter())
    got = sorted((c.age_band, c.people) for c in cells)
    expected = defaultdict(int)
    for year, band in cases:
        expected[people.age_band(year or None, band, dt.date(2026, 3, 8))] += 1
    assert got == sorted(expected.items())


def test_a_merged_duplicate_counts_once_for_the_kept_person(store):
    from debc_outreach.storage import attendance, participants, sessions

    session = sessions.create(store, "2026-03-08", "12010101", [])
    keep = participants.add_participant(store, "សុខ ស្រីពៅ", sex="F", consent="yes")
    twin = participants.add_participant(store, "សុខ\u200bស្រីពៅ", sex="F", consent="yes")
    attendance.check_in(store, session.id, keep.id)
    attendance.check_in(store, session.id, twin.id)
    other = sessions.create(store, "2026-03-09", "12010101", [])
    attendance.check_in(store, other.id, twin.id)
    assert aggregates.figures(store.database, ReportFilter()).headline.people == 2
    participants.merge(store, twin.id, keep.id)
    h = aggregates.figures(store.database, ReportFilter()).headline
    assert (h.people, h.attendances, h.women) == (1, 2, 1)


def test_filters_by_date_province_module_and_policy_area(programme):
    catalog = lookup.catalog(None)
    raw = raw_attendance(programme.database)
    march = [r for r in raw if "2026-03-01" <= r[2] <= "2026-03-31"]
    filt = build_filter(date_from="2026-03-01", date_to="2026-03-31")
    assert aggregates.figures(programme.database, filt).headline.attendances == len(march)
    province = raw[0][3][:2]
    filt = build_filter(province=province)
    assert aggregates.figures(programme.database, filt).headline.attendances == \
        sum(1 for r in raw if r[3].startswith(province))
    area, slugs = next(iter(catalog.policy_modules().items()))
    in_area = build_filter(policy_area=area, policy_modules=catalog.policy_modules())
    module = build_filter(module=slugs[0])
    assert aggregates.figures(programme.database, module).headline.attendances <= \
        aggregates.figures(programme.database, in_area).headline.attendances


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"date_from": "8/3/2026"}, "not a date"),
    ({"date_from": "2026-04-01", "date_to": "2026-03-01"}, "after the end date"),
    ({"province": "99"}, "no province with code 99"),
    ({"province": "Phnom Penh"}, "no province"),
    ({"district": "12"}, "no district"),
    ({"policy_area": "nope"}, "Unknown policy area"),
])
def test_bad_filter_input_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(UserError, match=message):
        build_filter(policy_modules={"consumer-trust": ("x",)}, **kwargs)


def test_khmer_digits_in_dates_are_accepted():
    assert build_filter(date_from="២០២៦-០៣-០១").date_from == "2026-03-01"


def test_targets_are_synced_events_and_measured_against_attendance(programme):
    catalog = lookup.catalog(None)
    raw = raw_attendance(programme.database)
    province = raw[0][3][:2]
    target = targets.set_target(programme, province_code=province, period_start="2025-07-01",
                                period_end="2026-06-30", measure="women", value="២០០",
                                policy_modules=catalog.policy_modules())
    assert target.value == 200
    event = programme.database.query(
        "SELECT entity, op FROM event WHERE entity_id = ?", (target.id,))
    assert [tuple(e) for e in event] == [("target", "set")]
    women = {r[1] for r in raw if r[3].startswith(province) and r[4] == "F"
             and "2025-07-01" <= r[2] <= "2026-06-30"}
    [progress] = targets.progress(programme.database, catalog.policy_modules())
    assert progress.actual == len(women)
    targets.set_target(programme, province_code=province, period_start="2025-07-01",
                       period_end="2026-06-30", measure="women", value=50,
                       target_id=target.id)
    assert targets.list_targets(programme.database)[0].value == 50
    targets.remove_target(programme, target.id)
    assert targets.list_targets(programme.database) == []


@pytest.mark.parametrize(("value", "measure", "message"), [
    ("0", "women", "above zero"), ("many", "women", "above zero"),
    ("10", "smiles", "Unknown measure")])
def test_a_bad_target_is_refused(store, value, measure, message):
    with pytest.raises(UserError, match=message):
        targets.set_target(store, province_code="12", period_start="2026-01-01",
                           period_end="2026-12-31", measure=measure, value=value)


def test_skills_per_module_count_results_and_people_present(programme):
    from debc_outreach.storage import attendance

    catalog = lookup.catalog(None)
    conn = programme.database.conn
    session_id, person = next(cell[:2] for cell in checklist_rows.cells(conn)
                              if cell[3] == "achieved")
    attendance.remove(programme, session_id, person, reason="checked in by mistake")
    # The removed check-in's results no longer count; the recount reads present people only.
    got = aggregates.skills_by_module(programme.database, ReportFilter(), list(catalog.items))
    assert {m.slug: (m.achieved, m.people, m.assessed) for m in got} == \
        _skills_recount(programme.database, ReportFilter())


def _skills_recount(database, filt: ReportFilter) -> dict:
    """Skills per module counted from every cell, with the filter applied by hand."""
    conn = database.conn
    sessions = {row[0]: row for row in conn.execute(
        "SELECT id, date, village_code FROM session WHERE deleted = 0")}
    present = {(row[0], row[1]): row[2] for row in conn.execute(
        "SELECT session_id, participant_id, added_device FROM attendance WHERE present = 1")}
    achieved, people_by_module, assessed = defaultdict(int), defaultdict(set), defaultdict(set)
    for session, person, item, state, _hlc, _device in checklist_rows.cells(conn):
        held = sessions.get(session)
        if held is None or (session, person) not in present:
            continue
        if filt.date_from and held[1] < filt.date_from:
            continue
        if filt.province and not held[2].startswith(filt.province):
            continue
        if filt.device_id and present[(session, person)] != filt.device_id:
            continue
        module = item.split(".")[0]
        if state == "achieved":
            achieved[module] += 1
            people_by_module[module].add(person)
        if state != "not_assessed":
            assessed[module].add(person)
    return {m: (achieved[m], len(people_by_module[m]), len(assessed[m])) for m in assessed}


def test_skills_per_module_follow_the_date_place_and_device_filters(programme):
    catalog = lookup.catalog(None)
    conn = programme.database.conn
    device = conn.execute("SELECT added_device FROM attendance GROUP BY added_device "
                          "ORDER BY count(*) DESC").fetchone()[0]
    middle = conn.execute("SELECT date FROM session ORDER BY date LIMIT 1 OFFSET "
                          "(SELECT count(*) / 2 FROM session)").fetchone()[0]
    province = conn.execute("SELECT substr(village_code, 1, 2) FROM session "
                            "WHERE village_code != '' LIMIT 1").fetchone()[0]
    for filt in (ReportFilter(date_from=middle), ReportFilter(province=province),
                 ReportFilter(device_id=device), ReportFilter(device_id=device,
                                                              date_from=middle)):
        got = aggregates.skills_by_module(programme.database, filt, list(catalog.items))
        expected = _skills_recount(programme.database, filt)
        assert expected, filt
        assert {m.slug: (m.achieved, m.people, m.assessed) for m in got} == expected, filt


def test_named_periods_cover_whole_months_and_quarters():
    from debc_outreach.reports.periods import period_range

    today = dt.date(2026, 5, 14)
    assert period_range("this_month", today) == ("2026-05-01", "2026-05-14")
    assert period_range("last_month", today) == ("2026-04-01", "2026-04-30")
    assert period_range("last_quarter", today) == ("2026-01-01", "2026-03-31")
    assert period_range("this_year", today) == ("2026-01-01", "2026-05-14")
    assert period_range("last_12_months", today) == ("2025-06-01", "2026-05-14")
    assert period_range("last_month", dt.date(2026, 1, 3)) == ("2025-12-01", "2025-12-31")
    assert period_range("all", today) == ("", "")
