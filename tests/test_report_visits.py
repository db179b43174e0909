"""The counted-visit table (and the figures, lists and cells read from it) always equals a
plain recount of the records, whatever happened before: check-ins and removals,
merges and un-merges, edits, deletions, sync imports, retention, language switches."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.reports_data import raw_attendance
from support.sync_devices import make_programme, send

from debc_outreach import i18n
from debc_outreach.core import people
from debc_outreach.errors import UserError
from debc_outreach.reports import aggregates, rows
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage import attendance, participants, privacy, report_visits, retention
from debc_outreach.storage import sessions as sessions_store

VILLAGES = ("07010101", "07020203", "07030101", "12010101")
FIRST_DAY = dt.date(2025, 11, 20)

index = st.integers(0, 30)
person = st.tuples(st.just("person"), st.sampled_from("FMOX"),
                   st.one_of(st.none(), st.integers(1940, 2020)),
                   st.sampled_from(["", "0-14", "15-24", "25-59", "60+"]),
                   st.sampled_from(["yes", "no"]))
session = st.tuples(st.just("session"), st.integers(0, 120), st.sampled_from(VILLAGES))
check_in = st.tuples(st.just("check_in"), index, index)
# A programme to start from, then anything in any order (check-ins most often).
start = st.tuples(st.lists(person, min_size=3, max_size=8),
                  st.lists(session, min_size=2, max_size=5),
                  st.lists(check_in, min_size=4, max_size=20))
operation = st.one_of(
    person, session, check_in, check_in, check_in,
    st.tuples(st.just("remove"), index, index),
    st.tuples(st.just("merge"), index, index),
    st.tuples(st.just("unmerge"), index),
    st.tuples(st.just("edit"), index, st.sampled_from("FMX"),
              st.one_of(st.none(), st.integers(1950, 2015)), st.sampled_from(["yes", "no"])),
    st.tuples(st.just("delete_person"), index),
    st.tuples(st.just("move_session"), index, st.integers(0, 120), st.sampled_from(VILLAGES)),
    st.tuples(st.just("delete_session"), index),
    st.tuples(st.just("sync")),
    st.tuples(st.just("retention")),
    st.tuples(st.just("language"), st.sampled_from(["km", "en"])),
)
FILTERS = (ReportFilter(), ReportFilter(date_from="2026-01-01", date_to="2026-02-28"),
           ReportFilter(province="07"), ReportFilter(district="0702"),
           ReportFilter(date_from="2026-01-15", province="07"),
           ReportFilter(trainer_id="nobody"))


def _pick(items: list, position: int):
    return items[position % len(items)] if items else None


def _apply(op: tuple, store, coordinator, bundles: Path, made: dict) -> None:
    kind, *args = op
    persons, held = made["persons"], made["sessions"]
    if kind == "person":
        sex, year, band, consent = args
        persons.append(participants.add_participant(
            store, f"ឈ្មោះ {len(persons)}", sex=sex, birth_year=year, age_band=band,
            village_code=VILLAGES[len(persons) % len(VILLAGES)], consent=consent).id)
    elif kind == "session":
        day = (FIRST_DAY + dt.timedelta(days=args[0])).isoformat()
        held.append(sessions_store.create(store, day, args[1], []).id)
    elif kind in ("check_in", "remove") and persons and held:
        session_id, person_id = _pick(held, args[0]), _pick(persons, args[1])
        if kind == "check_in":
            attendance.check_in(store, session_id, person_id)
        else:
            attendance.remove(store, session_id, person_id)
    elif kind == "merge" and len(persons) > 1:
        participants.merge(store, _pick(persons, args[0]), _pick(persons, args[1]))
    elif kind == "unmerge" and persons:
        participants.unmerge(store, _pick(persons, args[0]))
    elif kind == "edit" and persons:
        sex, year, consent = args[1:]
        participants.update_participant(store, _pick(persons, args[0]), sex=sex,
                                        birth_year=year, consent=consent)
    elif kind == "delete_person" and persons:
        store.record("participant", _pick(persons, args[0]), {"deleted": 1})
    elif kind == "move_session" and held:
        day = (FIRST_DAY + dt.timedelta(days=args[1])).isoformat()
        store.record("session", _pick(held, args[0]), {"date": day, "village_code": args[2]})
    elif kind == "delete_session" and held:
        store.record("session", _pick(held, args[0]), {"deleted": 1})
    elif kind == "sync":
        send(store, coordinator, bundles)
        send(coordinator, store, bundles)
        retention.note_acknowledgements(store)
    elif kind == "retention":
        retention.apply_retention(store, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    elif kind == "language":
        i18n.set_language(args[0])


def _keep(filt: ReportFilter, row: tuple) -> bool:
    day, village = row[2], row[3]
    return ((not filt.date_from or day >= filt.date_from)
            and (not filt.date_to or day <= filt.date_to)
            and (not filt.province or village[:2] == filt.province)
            and (not filt.district or village[:4] == filt.district)
            and not filt.trainer_id)                # no session here names a trainer


def _recount(database, filt: ReportFilter) -> dict:
    """The figures counted in plain Python from the raw records."""
    raw = [row for row in raw_attendance(database) if _keep(filt, row)]
    visits = defaultdict(list)
    for row in raw:
        visits[row[1]].append(row)
    headline = Counter()
    by_sex_age = Counter()
    for person_rows in visits.values():
        first = min(person_rows, key=lambda row: row[2])
        _s, _k, day, _v, sex, year, band, disability, consent = first
        age = people.age_band(year, band, dt.date.fromisoformat(day))
        headline.update(people=1, women=sex == "F", disability=disability == 1,
                        disability_unknown=disability not in (0, 1),
                        without_consent=consent != "yes", youth=age == "15-24",
                        elders=age == "60+")
        by_sex_age[(sex, age)] += 1
    months, provinces, cells = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in raw:
        months[row[2][:7]].append(row[1])
        provinces[row[3][:2]].append(row[1])
        disabled = {1: "yes", 0: "no"}.get(row[7], "unknown")
        age = people.age_band(row[5], row[6], dt.date.fromisoformat(row[2]))
        cells[(row[3][:2], row[3][:4], row[4], age, disabled)].append(row[1])
    listed = {person: (len(person_rows), min(r[2] for r in person_rows),
                       max(r[2] for r in person_rows))
              for person, person_rows in visits.items() if person_rows[0][8] == "yes"}
    return {
        "headline": {**{k: headline[k] for k in ("people", "women", "disability",
                                                 "disability_unknown", "without_consent",
                                                 "youth", "elders")}, "attendances": len(raw)},
        "by_sex_age": {key: n for key, n in by_sex_age.items() if n},
        "by_month": sorted((m, len(ids), len(set(ids))) for m, ids in months.items()),
        "by_province": sorted((p, len(ids), len(set(ids))) for p, ids in provinces.items()),
        "cells": sorted((*key, len(ids), len(set(ids))) for key, ids in cells.items()),
        "listed": listed, "unnamed": len(visits) - len(listed),
    }


def _counted(database, filt: ReportFilter) -> dict:
    """The same figures as the reports give them."""
    figures = aggregates.figures(database, filt)
    h = figures.headline
    privacy_ = rows.Privacy()
    listed = {row[0]: (row[10], row[11], row[12])
              for row in rows.participant_rows(database, filt, "en", privacy_)}
    return {
        "headline": {k: getattr(h, k) for k in ("people", "women", "disability",
                                                "disability_unknown", "without_consent",
                                                "youth", "elders", "attendances")},
        "by_sex_age": figures.by_sex_age,
        "by_month": sorted(figures.by_month),
        "by_province": sorted(figures.by_province),
        "cells": sorted((c.province, c.district, c.sex, c.age_band, c.disability,
                         c.attendances, c.people)
                        for c in aggregates.disaggregation(database, filt)),
        "listed": listed, "unnamed": privacy_.unnamed,
    }


def _previous_dates(database) -> tuple[dict, dict]:
    """(The previous-visit dates as stored, the same recomputed in Python from the rows.)"""
    stored, expected, last = {}, {}, {}
    for person, day, session, village, *previous in sorted(database.conn.execute(
            "SELECT person, date, session, village, prev_date, prev_in_province "
            "FROM report_visit")):
        stored[(person, day, session)] = tuple(previous)
        expected[(person, day, session)] = (last.get(person),
                                               last.get((person, village[:2])))
        last[person] = last[(person, village[:2])] = day
    return stored, expected


def _check(store) -> None:
    for filt in FILTERS:
        assert _counted(store.database, filt) == _recount(store.database, filt)
    assert report_visits.pending(store.database) == 0
    stored, expected = _previous_dates(store.database)
    assert stored == expected
    assert aggregates.unique_people(store.database, ReportFilter()) == len(
        {row[1] for row in raw_attendance(store.database)})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start, st.lists(operation, min_size=4, max_size=40))
def test_figures_equal_a_plain_recount_after_any_history(programme, operations):
    operations = [*programme[0], *programme[1], *programme[2], *operations]
    with tempfile.TemporaryDirectory() as folder:
        coordinator, (trainer,) = make_programme(Path(folder))
        try:
            privacy.set_rule(coordinator, privacy.RETENTION_DAYS, 1)
            made = {"persons": [], "sessions": []}
            for step, op in enumerate(operations):
                try:
                    _apply(op, trainer, coordinator, Path(folder) / "bundles", made)
                except UserError:
                    continue                    # refused as a user would see it
                if op[0] == "sync" or step % 7 == 6:
                    _check(trainer)
                    _check(coordinator)
            _check(trainer)
            _check(coordinator)
        finally:
            i18n.set_language("en")
            trainer.close()
            coordinator.close()


def test_a_large_import_rebuilds_the_table_in_one_go(store, monkeypatch):
    from support.reports_data import demo_programme

    monkeypatch.setattr(report_visits, "REBUILD_AT", 10)
    demo_programme(store, participants=60, sessions=5)
    assert report_visits.pending(store.database) > 10
    _check(store)


def test_the_migration_fills_the_table_from_existing_records(store):
    from support.reports_data import demo_programme

    demo_programme(store, participants=40, sessions=4)
    conn = store.database.conn
    with store.database.transaction():
        report_visits.drop(conn)
        report_visits.create(conn)
    assert report_visits.pending(store.database) == 0
    _check(store)


def test_a_rebuild_reports_progress_and_stops_when_asked(store, monkeypatch):
    from support.reports_data import demo_programme

    monkeypatch.setattr(report_visits, "REBUILD_AT", 10)
    monkeypatch.setattr(report_visits, "_TICK", 1000)
    demo_programme(store, participants=60, sessions=5)
    waiting = report_visits.pending(store.database)
    assert waiting > 10

    class Stop(Exception):
        pass

    def stop_at_once(_share: float) -> None:
        raise Stop()

    with pytest.raises(Stop):
        report_visits.bring_up_to_date(store.database, stop_at_once)
    assert report_visits.pending(store.database) == waiting      # nothing half done
    shares: list[float] = []
    report_visits.bring_up_to_date(store.database, shares.append)
    assert shares and shares == sorted(shares) and 0 < shares[-1] < 1
    _check(store)


def test_migration_0025_keeps_every_figure_and_drops_what_no_query_reads(tmp_path,
                                                                         monkeypatch):
    from support.reports_data import demo_programme

    from debc_outreach.storage import migrations
    from debc_outreach.storage.database import Database
    from debc_outreach.storage.store import DB_FILENAME, Store

    folder = tmp_path / "old"
    before = tuple(m for m in migrations.MIGRATIONS if m.name < "0025")
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    with Store.open(folder) as store:
        demo_programme(store, participants=40, sessions=4)
        device = store.device_id
        filters = (*FILTERS, ReportFilter(device_id=device), ReportFilter(device_id="other"))
        figures = [_counted(store.database, filt) for filt in filters]
    monkeypatch.undo()
    heard: list[tuple[str, int, int]] = []
    database = Database(folder / DB_FILENAME)
    try:
        database.configure_for_writing()
        migrations.migrate(database, tmp_path / "backups",
                           lambda *args: heard.append(args))
    finally:
        database.close()
    with Store.open(folder) as store:
        assert "0025_lean_indexes" in migrations.applied_migrations(store.database)
        assert [_counted(store.database, filt) for filt in filters] == figures
        _check(store)
        columns = {row[1] for row in store.database.conn.execute(
            "PRAGMA table_info(participant)")}
        assert "name_key" not in columns
        indexes = {row[0] for row in store.database.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
        assert not {"participant_name_key", "participant_phone"} & indexes
    assert heard and heard[-1] == ("0025_lean_indexes", 1000, 1000)
