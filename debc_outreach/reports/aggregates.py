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
        params.append(report_visits.day_number(filt.date_from))
    if filt.date_to:
        clauses.append("v.date <= ?")
        params.append(report_visits.day_number(filt.date_to))
    place = filt.district or filt.province
    if place:       # village codes that start with it: a range of report_visit_village
        clauses.append("v.village >= ? AND v.village < ?")
        params += [place, place[:-1] + chr(ord(place[-1]) + 1)]
    if filt.device_id:
        clauses.append("v.device = (SELECT d.id FROM report_device d WHERE d.device = ?)")
        params.append(filt.device_id)
    session_filter = replace(ReportFilter(), module=filt.module,
                             module_slugs=filt.module_slugs, policy_area=filt.policy_area,
                             trainer_id=filt.trainer_id)
    more, more_params = session_filter.session_clauses()
    return ("JOIN session s ON s.rowid = v.session " if more else "", clauses + more,
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
    # min(v.date) makes SQLite take the age band of each person's first visit.
    return _tally(database.conn.execute(
        "SELECT sex, disability, consent, age_band, count(*), sum(visits) FROM ("
        "SELECT v.person, v.sex, v.disability, v.consent, v.age_band, min(v.date), "
        f"count(*) AS visits {source} GROUP BY v.person) "
        "GROUP BY sex, disability, consent, age_band", params))


def _tally(groups) -> tuple[Headline, dict[tuple[str, str], int]]:
    """Headline and people by (sex, age band) from rows of (sex, disability, consent,
    age band, people, visits)."""
    counts: Counter = Counter()
    by_sex_age: Counter = Counter()
    for sex, disability, consent, band, people, visits in groups:
        counts["attendances"] += visits
        counts["people"] += people
        counts["women"] += people if sex == "F" else 0
        counts["disability"] += people if disability == 1 else 0
        counts["disability_unknown"] += people if disability not in (0, 1) else 0
        counts["without_consent"] += people if consent != "yes" else 0
        counts["youth"] += people if band == "15-24" else 0
        counts["elders"] += people if band == "60+" else 0
        if people:
            by_sex_age[(sex, band)] += people
    return Headline(**counts), dict(by_sex_age)


# --- people counted from the previous-visit dates ------------------------------------
# With dates and a province alone, a visit is its person's first in the selection
# when their previous one (in that province, if one is chosen) is older than the
# start: people are counted by adding that test over the rows, with neither a
# DISTINCT nor a GROUP BY person (a temporary b-tree of up to a million people).

_PAST = chr(0x10FFFF)     # sorts after any text that starts with the same prefix


def _marks_count(filt: ReportFilter) -> bool:
    """Whether the previous-visit dates give the people of `filt`."""
    return filt == ReportFilter(date_from=filt.date_from, date_to=filt.date_to,
                                province=filt.province)


def _start(filt: ReportFilter) -> int:
    """The first day of the selection as `report_visit` keeps dates (0: none, and no
    visit is before it, so only people's first visits count)."""
    return report_visits.day_number(filt.date_from) if filt.date_from else 0


def _first_here(filt: ReportFilter, start: str = "?", previous: str = "") -> str:
    """SQL: the visit is its person's first in the selection from `start` on (the
    parameter `_start(filt)`); within one province, the first there (also with
    `previous` = "v.prev_in_province")."""
    previous = previous or ("v.prev_in_province" if filt.province else "v.prev_date")
    return f"({previous} IS NULL OR {previous} < {start})"


def _marked_people(database: Database, filt: ReportFilter, source: str, params: list
                   ) -> tuple[Headline, dict[tuple[str, str], int]]:
    conn = database.conn
    if filt == ReportFilter():      # one entry a person in report_visit_person, grouped
        headline_, by_sex_age = _tally(
            (*row, 0) for row in conn.execute(
                "SELECT sex, disability, consent, age_band, count(*) FROM report_visit "
                "WHERE prev_date IS NULL GROUP BY sex, disability, consent, age_band"))
        visits = conn.execute("SELECT count(*) FROM report_visit").fetchone()[0]
        return replace(headline_, attendances=visits), by_sex_age
    return _tally(conn.execute(
        f"SELECT v.sex, v.disability, v.consent, v.age_band, sum({_first_here(filt)}), "
        f"count(*) {source} GROUP BY v.sex, v.disability, v.consent, v.age_band",
        [_start(filt), *params]))


def _whole_months(database: Database) -> list[tuple[str, int, int]]:
    """Visits and people of each month, no filter: a person's first visit of a month is
    the one whose previous visit is older than the month. Each month is one range of
    the table, found by a seek, so nothing is sorted."""
    conn = database.conn
    out = []
    after = 0
    while True:
        first = conn.execute("SELECT min(date) FROM report_visit WHERE date >= ?",
                             (after,)).fetchone()[0]
        if first is None:
            return out
        start = first // 100 * 100            # YYYYMM00: before the month's first day
        after = start + 100                   # past its last day (YYYY1300 past December)
        visits, people = conn.execute(
            "SELECT count(*), sum(prev_date IS NULL OR prev_date < ?) FROM report_visit "
            "WHERE date > ? AND date < ?", (start, start, after)).fetchone()
        out.append((report_visits.iso_month(first // 100), visits, people or 0))


def _whole_provinces(database: Database) -> list[tuple[str, int, int]]:
    """Visits and people of each province, no filter, the most visits first."""
    groups = _marked_groups(database, "village", 2, "prev_in_province", lambda _code: 0)
    return sorted(groups, key=lambda group: (-group[1], group[0]))


def _marked_selection(database: Database, filt: ReportFilter, source: str, params: list
                      ) -> tuple[Headline, dict[tuple[str, str], int],
                                 list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """Headline, people by sex and age band, months and provinces of a selection by
    dates and province, from one GROUP BY (one sort of the selected visits, not three)."""
    month = "v.date / 100"
    rows = database.conn.execute(
        f"SELECT {month}, substr(v.village, 1, 2), v.sex, v.disability, v.consent, "
        f"v.age_band, count(*), sum({_first_here(filt)}), "
        f"sum({_first_here(filt, f'max(?, {month} * 100)')}), "
        f"sum({_first_here(filt, previous='v.prev_in_province')}) {source} "
        f"GROUP BY 1, 2, v.sex, v.disability, v.consent, v.age_band",
        [_start(filt)] * 3 + params).fetchall()
    headline_, by_sex_age = _tally((*row[2:6], row[7], row[6]) for row in rows)
    months: dict[str, list[int]] = {}
    provinces: dict[str, list[int]] = {}
    for month_, province, *_person, visits, _people, in_month, in_province in rows:
        counts = months.setdefault(report_visits.iso_month(month_), [0, 0])
        counts[0] += visits
        counts[1] += in_month
        counts = provinces.setdefault(province, [0, 0])
        counts[0] += visits
        counts[1] += in_province
    return (headline_, by_sex_age, [(m, *months[m]) for m in sorted(months)],
            sorted(((code, *counts) for code, counts in provinces.items()),
                   key=lambda group: (-group[1], group[0])))


def _marked_groups(database: Database, column: str, width: int, previous: str,
                   start_of: Callable[[str], int]) -> list[tuple[str, int, int]]:
    """(prefix of `column`, visits, people) for each prefix of `width` characters, people
    being visits whose `previous` date is before `start_of(prefix)`. Each group is one
    range of an index, found by a seek, so nothing is sorted."""
    conn = database.conn
    out = []
    start, above = "", ">="
    while True:
        key = conn.execute(f"SELECT substr(min({column}), 1, {width}) FROM report_visit "
                           f"WHERE {column} {above} ?", (start,)).fetchone()[0]
        if key is None:
            return out
        if len(key) < width:        # a short value is a group of its own
            where, params, start, above = f"{column} = ?", [key], key, ">"
        else:
            where, params = f"{column} >= ? AND {column} < ?", [key, key + _PAST]
            start, above = key + _PAST, ">="
        visits, people = conn.execute(
            f"SELECT count(*), sum({previous} IS NULL OR {previous} < ?) FROM report_visit "
            f"WHERE {where}", [start_of(key), *params]).fetchone()
        out.append((key, visits, people or 0))


def headline(database: Database, filt: ReportFilter) -> Headline:
    """The headline figures alone (targets)."""
    source, params = _visits(database, filt)
    if _marks_count(filt):
        return _marked_people(database, filt, source, params)[0]
    return _people_figures(database, source, params)[0]


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
    marked = _marks_count(filt)
    whole = filt == ReportFilter()
    if marked and not whole:
        (headline_, result.by_sex_age, result.by_month,
         result.by_province) = _marked_selection(database, filt, source, params)
    elif marked:
        headline_, result.by_sex_age = _marked_people(database, filt, source, params)
    else:
        headline_, result.by_sex_age = _people_figures(database, source, params)
    step(0.5)
    result.headline = replace(headline_, sessions=sessions_held(database, filt))
    if whole:
        result.by_month = _whole_months(database)
    elif not marked:
        result.by_month = [(report_visits.iso_month(month), visits, people)
                           for month, visits, people in database.conn.execute(
            f"SELECT v.date / 100 AS month, count(*), count(DISTINCT v.person) "
            f"{source} GROUP BY month ORDER BY month", params)]
    step(0.75)
    if whole:
        result.by_province = _whole_provinces(database)
    elif not marked:
        result.by_province = [tuple(row) for row in database.conn.execute(
            f"SELECT substr(v.village, 1, 2) AS code, count(*), count(DISTINCT v.person) "
            f"{source} GROUP BY code ORDER BY count(*) DESC, code", params)]
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
    if _marks_count(filt):
        return database.conn.execute(f"SELECT count(*) {source} AND {_first_here(filt)}",
                                     [*params, _start(filt)]).fetchone()[0]
    return database.conn.execute(f"SELECT count(DISTINCT v.person) {source}",
                                 params).fetchone()[0]
