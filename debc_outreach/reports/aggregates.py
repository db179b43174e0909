"""Figures for the dashboard, the summary and the targets: counts by SQL, never by rows.

Every figure is a GROUP BY over the attendance join of `filters.py`, so the
dashboard opens on a million attendance rows without loading them. "People"
are unique participants (a merged duplicate counts as the kept person).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from debc_outreach.core import people as people_rules
from debc_outreach.reports.filters import AGE_BAND_SQL, ATTENDANCE_FROM, ReportFilter
from debc_outreach.storage.database import Database

AGE_BANDS = ("0-14", "15-24", "25-59", "60+", "")
SEXES = ("F", "M", "O", "X")


@dataclass(frozen=True)
class Headline:
    """The figures at the top of the dashboard."""

    sessions: int = 0
    attendances: int = 0
    people: int = 0
    women: int = 0
    disability: int = 0
    disability_unknown: int = 0
    youth: int = 0
    elders: int = 0
    without_consent: int = 0

    def share(self, part: int) -> float:
        return part / self.people if self.people else 0.0


@dataclass(frozen=True)
class ModuleSkills:
    slug: str
    achieved: int        # skills achieved (person x skill)
    people: int          # people who achieved at least one skill of the module
    assessed: int        # people assessed on at least one skill of the module


@dataclass
class Figures:
    headline: Headline = field(default_factory=Headline)
    by_month: list[tuple[str, int, int]] = field(default_factory=list)     # YYYY-MM, att, ppl
    by_province: list[tuple[str, int, int]] = field(default_factory=list)  # code, att, people
    by_sex_age: dict[tuple[str, str], int] = field(default_factory=dict)   # people
    skills: list[ModuleSkills] = field(default_factory=list)


def _people(database: Database, filt: ReportFilter) -> tuple[Headline, dict]:
    """One row per person: sex, disability, consent, age band at their first session."""
    where, params = filt.attendance_where()
    cursor = database.conn.execute(
        "SELECT p.sex, p.disability, p.consent, p.birth_year, p.age_band, min(s.date), "
        f"count(*) {ATTENDANCE_FROM} WHERE {where} GROUP BY p.id", params)
    attendances = people = women = disability = unknown = youth = elders = no_consent = 0
    by_sex_age: dict[tuple[str, str], int] = {}
    for sex, disabled, consent, birth_year, band, first, count in cursor:
        people += 1
        attendances += count
        women += sex == "F"
        disability += disabled == 1
        unknown += disabled not in (0, 1)
        no_consent += consent != "yes"
        age = people_rules.age_band(birth_year, band, dt.date.fromisoformat(first))
        youth += age == "15-24"
        elders += age == "60+"
        by_sex_age[(sex, age)] = by_sex_age.get((sex, age), 0) + 1
    headline = Headline(0, attendances, people, women, disability, unknown, youth, elders,
                        no_consent)
    return headline, by_sex_age


def sessions_held(database: Database, filt: ReportFilter) -> int:
    """Sessions that took place: started, closed, or with someone checked in."""
    where, params = filt.session_where()
    return database.conn.execute(
        f"SELECT count(*) FROM session s WHERE {where} AND (s.state != 'planned' OR EXISTS "
        "(SELECT 1 FROM attendance a WHERE a.session_id = s.id AND a.present = 1))",
        params).fetchone()[0]


def by_month(database: Database, filt: ReportFilter) -> list[tuple[str, int, int]]:
    where, params = filt.attendance_where()
    return [tuple(row) for row in database.conn.execute(
        f"SELECT substr(s.date, 1, 7), count(*), count(DISTINCT p.id) {ATTENDANCE_FROM} "
        f"WHERE {where} GROUP BY 1 ORDER BY 1", params)]


def by_province(database: Database, filt: ReportFilter) -> list[tuple[str, int, int]]:
    where, params = filt.attendance_where()
    return [tuple(row) for row in database.conn.execute(
        f"SELECT substr(s.village_code, 1, 2), count(*), count(DISTINCT p.id) "
        f"{ATTENDANCE_FROM} WHERE {where} GROUP BY 1 ORDER BY 2 DESC", params)]


def skills_by_item(database: Database, filt: ReportFilter) -> dict[str, tuple[int, int]]:
    """Item id -> (people assessed, people who achieved it), for people present."""
    where, params = filt.attendance_where()
    cursor = database.conn.execute(
        "SELECT c.item_id, count(DISTINCT CASE WHEN c.state != 'not_assessed' THEN p.id END), "
        "count(DISTINCT CASE WHEN c.state = 'achieved' THEN p.id END) "
        "FROM checklist_result c JOIN attendance a ON a.session_id = c.session_id "
        "AND a.participant_id = c.participant_id " + ATTENDANCE_FROM.replace(
            "FROM attendance a\n", "") + f" WHERE {where} GROUP BY c.item_id", params)
    return {row[0]: (row[1], row[2]) for row in cursor}


def skills_by_module(database: Database, filt: ReportFilter) -> list[ModuleSkills]:
    where, params = filt.attendance_where()
    cursor = database.conn.execute(
        "SELECT substr(c.item_id, 1, instr(c.item_id, '.') - 1), "
        "sum(c.state = 'achieved'), "
        "count(DISTINCT CASE WHEN c.state = 'achieved' THEN p.id END), "
        "count(DISTINCT CASE WHEN c.state != 'not_assessed' THEN p.id END) "
        "FROM checklist_result c JOIN attendance a ON a.session_id = c.session_id "
        "AND a.participant_id = c.participant_id " + ATTENDANCE_FROM.replace(
            "FROM attendance a\n", "") + f" WHERE {where} GROUP BY 1 ORDER BY 2 DESC", params)
    return [ModuleSkills(row[0], row[1] or 0, row[2], row[3]) for row in cursor]


def figures(database: Database, filt: ReportFilter, *, with_skills: bool = True,
            should_stop=None) -> Figures:
    """Everything the dashboard shows for `filt` (a handful of GROUP BY queries)."""
    headline, by_sex_age = _people(database, filt)
    result = Figures()
    stop = should_stop or (lambda: False)
    held = sessions_held(database, filt)
    result.headline = replace(headline, sessions=held)
    result.by_sex_age = by_sex_age
    if stop():
        return result
    result.by_month = by_month(database, filt)
    if stop():
        return result
    result.by_province = by_province(database, filt)
    if with_skills and not stop():
        result.skills = skills_by_module(database, filt)
    return result


# --- disaggregation -------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    province: str
    district: str
    sex: str
    age_band: str
    disability: str     # yes / no / unknown
    attendances: int
    people: int         # unique people in this cell


def disaggregation(database: Database, filt: ReportFilter) -> list[Cell]:
    """Attendances and unique people by province, district (of the session), sex, age band
    (at the session date) and disability (Washington Group cut-off)."""
    where, params = filt.attendance_where()
    cursor = database.conn.execute(
        "SELECT substr(s.village_code, 1, 2), substr(s.village_code, 1, 4), p.sex, "
        f"{AGE_BAND_SQL}, CASE p.disability WHEN 1 THEN 'yes' WHEN 0 THEN 'no' "
        "ELSE 'unknown' END, count(*), count(DISTINCT p.id) "
        f"{ATTENDANCE_FROM} WHERE {where} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
        params)
    return [Cell(*row) for row in cursor]


def unique_people(database: Database, filt: ReportFilter) -> int:
    where, params = filt.attendance_where()
    return database.conn.execute(f"SELECT count(DISTINCT p.id) {ATTENDANCE_FROM} WHERE {where}",
                                 params).fetchone()[0]
