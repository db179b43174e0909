"""Figures for the dashboard, the summary and the targets: counts by SQL, never by rows.

Every figure is a GROUP BY over `report_visit` (storage/report_visits: one
narrow row per counted check-in, kept up to date as records change), so the
dashboard opens on a million check-ins of a million people in seconds without
loading them. "People" are unique participants (a merged duplicate counts as
the kept person). Skills walk the checklist results (scan.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from debc_outreach.reports import scan
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage import report_visits
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


def _visit_filter(filt: ReportFilter) -> tuple[str, list[str], list]:
    """(JOIN of the session `s`, needed only for module, policy area and trainer;
    WHERE clauses over `report_visit v`; their parameters)."""
    clauses: list[str] = []
    params: list = []
    if filt.date_from:
        clauses.append("v.date >= ?")
        params.append(filt.date_from)
    if filt.date_to:
        clauses.append("v.date <= ?")
        params.append(filt.date_to)
    place = filt.district or filt.province
    if place:       # village codes that start with it: a range of report_visit_village
        clauses.append("v.village >= ? AND v.village < ?")
        params += [place, place[:-1] + chr(ord(place[-1]) + 1)]
    if filt.device_id:
        clauses.append("v.device = ?")
        params.append(filt.device_id)
    session_filter = replace(ReportFilter(), module=filt.module,
                             module_slugs=filt.module_slugs, policy_area=filt.policy_area,
                             trainer_id=filt.trainer_id)
    more, more_params = session_filter.session_clauses()
    return ("JOIN session s ON s.id = v.session_id " if more else "", clauses + more,
            params + more_params)


def _visits(database: Database, filt: ReportFilter,
            progress: Callable[[float], None] | None = None) -> tuple[str, list]:
    """FROM and WHERE over `report_visit v` for `filt`, after bringing it up to date."""
    report_visits.bring_up_to_date(database, progress)
    join, clauses, params = _visit_filter(filt)
    return f"FROM report_visit v {join}WHERE " + (" AND ".join(clauses) or "1"), params


def counted_visits(database: Database, filt: ReportFilter) -> tuple[str, str, list]:
    """(JOIN of the session `s` to the visits `v` when `filt` needs it, WHERE over them,
    parameters), after bringing `report_visit` up to date: for counts that start from
    another table and meet the visits by person and session."""
    report_visits.bring_up_to_date(database)
    join, clauses, params = _visit_filter(filt)
    return join, " AND ".join(clauses) or "1", params


def visits_of_people(database: Database, filt: ReportFilter) -> tuple[str, str, list]:
    """(JOINs from people `p` to their visits `v` in `filt`, WHERE, parameters)."""
    report_visits.bring_up_to_date(database)
    join, clauses, params = _visit_filter(filt)
    return (f"CROSS JOIN report_visit v ON v.person = p.rowid {join}",
            " AND ".join(clauses) or "1", params)


def _people_figures(database: Database, source: str, params: list
                    ) -> tuple[Headline, dict[tuple[str, str], int]]:
    """Headline figures and people by (sex, age band at their first visit)."""
    counts: Counter = Counter()
    by_sex_age: Counter = Counter()
    # min(v.date) makes SQLite take the age band of each person's first visit.
    for sex, disability, consent, band, people, visits in database.conn.execute(
            "SELECT sex, disability, consent, age_band, count(*), sum(visits) FROM ("
            "SELECT v.person, v.sex, v.disability, v.consent, v.age_band, min(v.date), "
            f"count(*) AS visits {source} GROUP BY v.person) "
            "GROUP BY sex, disability, consent, age_band", params):
        counts["attendances"] += visits
        counts["people"] += people
        counts["women"] += people if sex == "F" else 0
        counts["disability"] += people if disability == 1 else 0
        counts["disability_unknown"] += people if disability not in (0, 1) else 0
        counts["without_consent"] += people if consent != "yes" else 0
        counts["youth"] += people if band == "15-24" else 0
        counts["elders"] += people if band == "60+" else 0
        by_sex_age[(sex, band)] += people
    return Headline(**counts), dict(by_sex_age)


def headline(database: Database, filt: ReportFilter) -> Headline:
    """The headline figures alone (targets)."""
    return _people_figures(database, *_visits(database, filt))[0]


def sessions_held(database: Database, filt: ReportFilter) -> int:
    """Sessions that took place: started, closed, or with someone checked in."""
    where, params = filt.session_where()
    return database.conn.execute(
        f"SELECT count(*) FROM session s WHERE {where} AND (s.state != 'planned' OR EXISTS "
        "(SELECT 1 FROM attendance a WHERE a.session_id = s.id AND a.present = 1))",
        params).fetchone()[0]


def skills_by_item(database: Database, filt: ReportFilter,
                   item_ids: list[str]) -> dict[str, tuple[int, int, int]]:
    """Item id -> (results achieved, people who achieved it, people assessed)."""
    codes = scan.item_codes(item_ids)
    return scan.count_codes(scan.skills(database, filt, codes), codes)


def skills_by_module(database: Database, filt: ReportFilter, item_ids: list[str],
                     progress: Callable[[float], None] | None = None) -> list[ModuleSkills]:
    """Per module: skills achieved, people with at least one, people assessed."""
    codes = scan.item_codes(item_ids)
    module_of = {code: item.split(".")[0] for item, code in codes.items()}
    achieved: Counter = Counter()
    people: Counter = Counter()
    assessed: Counter = Counter()
    for _person, done, tried in scan.skills(database, filt, codes, progress):
        for code, count in Counter(done).items():
            achieved[module_of.get(code, "?")] += count
        people.update({module_of.get(code, "?") for code in done})
        assessed.update({module_of.get(code, "?") for code in tried})
    modules = sorted(set(achieved) | set(assessed), key=lambda m: -achieved[m])
    return [ModuleSkills(m, achieved[m], people[m], assessed[m]) for m in modules]


def figures(database: Database, filt: ReportFilter, *, item_ids: list[str] | None = None,
            progress: Callable[[float], None] | None = None) -> Figures:
    """Everything the dashboard shows for `filt` (skills only when `item_ids` are given).

    `progress(share)` is called now and then; it may raise to stop the count.
    """
    source, params = _visits(database, filt, progress)
    step = progress or (lambda _share: None)
    result = Figures()
    headline_, result.by_sex_age = _people_figures(database, source, params)
    step(0.5)
    result.headline = replace(headline_, sessions=sessions_held(database, filt))
    result.by_month = [tuple(row) for row in database.conn.execute(
        f"SELECT substr(v.date, 1, 7) AS month, count(*), count(DISTINCT v.person) {source} "
        "GROUP BY month ORDER BY month", params)]
    step(0.75)
    result.by_province = [tuple(row) for row in database.conn.execute(
        f"SELECT substr(v.village, 1, 2) AS code, count(*), count(DISTINCT v.person) {source} "
        "GROUP BY code ORDER BY count(*) DESC, code", params)]
    if item_ids:
        result.skills = skills_by_module(database, filt, item_ids)
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
    source, params = _visits(database, filt)
    return [Cell(*row) for row in database.conn.execute(
        "SELECT substr(v.village, 1, 2) AS province, substr(v.village, 1, 4) AS district, "
        "v.sex, v.age_band, CASE v.disability WHEN 1 THEN 'yes' WHEN 0 THEN 'no' "
        f"ELSE 'unknown' END AS disabled, count(*), count(DISTINCT v.person) {source} "
        "GROUP BY province, district, v.sex, v.age_band, disabled "
        "ORDER BY province, district, v.sex, v.age_band, disabled", params)]


def attendances(database: Database, filt: ReportFilter) -> int:
    source, params = _visits(database, filt)
    return database.conn.execute(f"SELECT count(*) {source}", params).fetchone()[0]


def unique_people(database: Database, filt: ReportFilter) -> int:
    source, params = _visits(database, filt)
    return database.conn.execute(f"SELECT count(DISTINCT v.person) {source}",
                                 params).fetchone()[0]
