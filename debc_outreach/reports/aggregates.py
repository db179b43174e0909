"""Figures for the dashboard, the summary and the targets: counts by SQL, never by rows.

Every figure is a GROUP BY over the attendance join of `filters.py`, so the
dashboard opens on a million attendance rows without loading them. "People"
are unique participants (a merged duplicate counts as the kept person).
"""

from __future__ import annotations

from collections import Counter
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


def _headline(found: dict[str, scan.Person]) -> tuple[Headline, dict]:
    """Headline figures and people by (sex, age band at their first visit)."""
    attendances = women = disability = unknown = youth = elders = no_consent = 0
    by_sex_age: dict[tuple[str, str], int] = {}
    for person in found.values():
        attendances += person.visits_text.count(",") + 1
        women += person.sex == "F"
        disability += person.disability == 1
        unknown += person.disability not in (0, 1)
        no_consent += person.consent != "yes"
        age = scan.band_at(person, min(person.visits))
        youth += age == "15-24"
        elders += age == "60+"
        by_sex_age[(person.sex, age)] = by_sex_age.get((person.sex, age), 0) + 1
    return Headline(0, attendances, len(found), women, disability, unknown, youth, elders,
                    no_consent), by_sex_age


def headline(database: Database, filt: ReportFilter) -> Headline:
    """The headline figures alone (targets)."""
    return _headline(scan.people(database, filt))[0]


def sessions_held(database: Database, filt: ReportFilter) -> int:
    """Sessions that took place: started, closed, or with someone checked in."""
    where, params = filt.session_where()
    return database.conn.execute(
        f"SELECT count(*) FROM session s WHERE {where} AND (s.state != 'planned' OR EXISTS "
        "(SELECT 1 FROM attendance a WHERE a.session_id = s.id AND a.present = 1))",
        params).fetchone()[0]


def _by_key(found: dict[str, scan.Person], key) -> list[tuple[str, int, int]]:
    """(key, attendances, unique people) for a key of each visit."""
    visits: Counter = Counter()
    people: Counter = Counter()
    for person in found.values():
        keys = [key(visit) for visit in person.visits]
        visits.update(keys)
        people.update(set(keys))
    return [(k, visits[k], people[k]) for k in visits]


def skills_by_item(database: Database, filt: ReportFilter,
                   item_ids: list[str]) -> dict[str, tuple[int, int, int]]:
    """Item id -> (results achieved, people who achieved it, people assessed)."""
    codes = scan.item_codes(item_ids)
    return scan.count_codes(scan.skills(database, filt, codes), codes)


def skills_by_module(database: Database, filt: ReportFilter,
                     item_ids: list[str]) -> list[ModuleSkills]:
    """Per module: skills achieved, people with at least one, people assessed."""
    codes = scan.item_codes(item_ids)
    module_of = {code: item.split(".")[0] for item, code in codes.items()}
    achieved: Counter = Counter()
    people: Counter = Counter()
    assessed: Counter = Counter()
    for done, tried in scan.skills(database, filt, codes).values():
        for code, count in Counter(done).items():
            achieved[module_of.get(code, "?")] += count
        people.update({module_of.get(code, "?") for code in done})
        assessed.update({module_of.get(code, "?") for code in tried})
    modules = sorted(set(achieved) | set(assessed), key=lambda m: -achieved[m])
    return [ModuleSkills(m, achieved[m], people[m], assessed[m]) for m in modules]


def figures(database: Database, filt: ReportFilter, *, item_ids: list[str] | None = None,
            should_stop=None) -> Figures:
    """Everything the dashboard shows for `filt` (skills only when `item_ids` are given)."""
    found = scan.people(database, filt)
    headline_, by_sex_age = _headline(found)
    result = Figures()
    result.headline = replace(headline_, sessions=sessions_held(database, filt))
    result.by_sex_age = by_sex_age
    result.by_month = sorted(_by_key(found, lambda visit: visit[:7]))
    result.by_province = sorted(_by_key(found, lambda visit: visit[10:12]),
                                key=lambda row: -row[1])
    del found
    stop = should_stop or (lambda: False)
    if item_ids and not stop():
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
    for person in scan.people(database, filt).values():
        disabled = disability_code.get(person.disability, "unknown")
        keys = [(visit[10:12], visit[10:14], person.sex, scan.band_at(person, visit), disabled)
                for visit in person.visits]
        visits.update(keys)
        people.update(set(keys))
    return [Cell(*key, visits[key], people[key]) for key in sorted(visits)]


def unique_people(database: Database, filt: ReportFilter) -> int:
    return len(scan.people(database, filt))
