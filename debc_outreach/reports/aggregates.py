"""Figures for the dashboard, the summary and the targets: counts by SQL, never by rows.

Every figure is a GROUP BY over the attendance join of `filters.py`, so the
dashboard opens on a million attendance rows without loading them. "People"
are unique participants (a merged duplicate counts as the kept person).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from debc_outreach.reports import scan
from debc_outreach.reports.filters import ReportFilter
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


class _Tally:
    """Headline, month, province and sex-by-age figures, added up one person at a time."""

    def __init__(self) -> None:
        self.counts = Counter()
        self.by_sex_age: Counter = Counter()
        self.month_visits: Counter = Counter()
        self.month_people: Counter = Counter()
        self.province_visits: Counter = Counter()
        self.province_people: Counter = Counter()

    def add(self, person: scan.Person) -> None:
        visits = person.visits
        counts = self.counts
        counts["attendances"] += len(visits)
        counts["people"] += 1
        counts["women"] += person.sex == "F"
        counts["disability"] += person.disability == 1
        counts["disability_unknown"] += person.disability not in (0, 1)
        counts["without_consent"] += person.consent != "yes"
        age = scan.band_at(person, min(visits))
        counts["youth"] += age == "15-24"
        counts["elders"] += age == "60+"
        self.by_sex_age[(person.sex, age)] += 1
        months = [visit[:7] for visit in visits]
        provinces = [visit[10:12] for visit in visits]
        self.month_visits.update(months)
        self.province_visits.update(provinces)
        if len(visits) == 1:
            self.month_people.update(months)
            self.province_people.update(provinces)
        else:
            self.month_people.update(set(months))
            self.province_people.update(set(provinces))

    def headline(self) -> Headline:
        return Headline(**{name: self.counts[name] for name in (
            "attendances", "people", "women", "disability", "disability_unknown", "youth",
            "elders", "without_consent")})


def _tally(database: Database, filt: ReportFilter, progress=None) -> _Tally:
    tally = _Tally()
    for person in scan.each_person(database, filt, progress):
        tally.add(person)
    return tally


def headline(database: Database, filt: ReportFilter) -> Headline:
    """The headline figures alone (targets)."""
    return _tally(database, filt).headline()


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

    `progress(share)` is called as the walk goes; it may raise to stop it.
    """
    tally = _tally(database, filt, progress)
    result = Figures()
    result.headline = replace(tally.headline(), sessions=sessions_held(database, filt))
    result.by_sex_age = dict(tally.by_sex_age)
    result.by_month = sorted((month, visits, tally.month_people[month])
                             for month, visits in tally.month_visits.items())
    result.by_province = sorted(((code, visits, tally.province_people[code])
                                 for code, visits in tally.province_visits.items()),
                                key=lambda row: -row[1])
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
    visits: Counter = Counter()
    people: Counter = Counter()
    disability_code = {1: "yes", 0: "no"}
    for person in scan.each_person(database, filt):
        disabled = disability_code.get(person.disability, "unknown")
        keys = [(visit[10:12], visit[10:14], person.sex, scan.band_at(person, visit), disabled)
                for visit in person.visits]
        visits.update(keys)
        people.update(set(keys))
    return [Cell(*key, visits[key], people[key]) for key in sorted(visits)]


def unique_people(database: Database, filt: ReportFilter) -> int:
    return sum(1 for _person in scan.each_person(database, filt))
