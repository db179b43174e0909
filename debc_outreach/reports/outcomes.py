"""Outcome figures: what people learned, whether they stayed safe, which scams reach them.

Three read-only counts over the tables the session screen and the follow-up
list fill (storage/outcomes.py), each grouped in SQL so a national programme
is never loaded into Python:

- knowledge: quick-check answers before and after a module, per person
  (`quiz_answer`) and, kept apart, counted by show of hands (`quiz_count`);
- follow-up: answers a month later (`follow_up`), the share that is safe;
- scams: the anonymous tally of scams met in the last month (`scam_tally`), per
  100 people asked (the session's counted attendance).

Per-person answers count for a person who was checked in to that session
(`report_visit`), so the page's filters (dates, place, module, policy area,
trainer, device) mean exactly what they mean for attendance, a merged duplicate
counts as the kept person, and the sex, age band (at the session date) and
disability used to break figures down are those of the attendance figures.
The dates are those of the session: a follow-up counts in the period of the
session it follows up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from debc_outreach.reports.aggregates import counted_visits
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage.database import Database
from debc_outreach.storage.report_visits import KEPT, iso_month

# Ways a figure is broken down; "all" is the whole group.
BREAKDOWNS = ("all", "sex", "age_band", "disability")
_DISABLED_SQL = "CASE v.disability WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE 'unknown' END"


@dataclass(frozen=True)
class PhaseCount:
    """Answers of one phase: people who answered, answers given, answers correct."""

    people: int = 0
    answers: int = 0
    correct: int = 0

    @property
    def share(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class Knowledge:
    """Quick checks of one module, one mode, one group: before and after."""

    module: str
    mode: str            # "person" (answers per participant) or "class" (hands counted)
    breakdown: str       # BREAKDOWNS
    group: str           # sex, age band or disability code; "" for "all"
    before: PhaseCount
    after: PhaseCount

    @property
    def change(self) -> float | None:
        """Share correct after minus before; None without both."""
        if not (self.before.answers and self.after.answers):
            return None
        return self.after.share - self.before.share


@dataclass(frozen=True)
class FollowUp:
    """Answers to one follow-up question from one group: how many are safe."""

    module: str
    question_id: str
    breakdown: str
    group: str
    people: int
    safe: int

    @property
    def share(self) -> float:
        return self.safe / self.people if self.people else 0.0


@dataclass(frozen=True)
class ScamCell:
    """The tally of one kind of scam in one district and month."""

    district: str        # 4-digit code (the province is its first two digits)
    month: str           # YYYY-MM
    kind: str
    sessions: int        # sessions that took the tally
    asked: int           # people asked: the attendance of those sessions
    met: int             # hands raised

    @property
    def per_100(self) -> float:
        return 100 * self.met / self.asked if self.asked else 0.0


@dataclass
class Outcomes:
    knowledge: list[Knowledge] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    scams: list[ScamCell] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.knowledge or self.follow_ups or self.scams)


def outcomes(database: Database, filt: ReportFilter) -> Outcomes:
    """Every outcome figure for `filt`."""
    return Outcomes(knowledge(database, filt), follow_ups(database, filt),
                    scams(database, filt))


# --- knowledge ---------------------------------------------------------------------

def _module_clause(filt: ReportFilter, column: str) -> tuple[str, list]:
    """Answers of the chosen module (or policy area's modules) only: a session that
    covered two modules has answers for both."""
    clauses, params = [], []
    if filt.module:
        clauses.append(f"{column} = ?")
        params.append(filt.module)
    if filt.policy_area:
        slugs = filt.module_slugs or ("\x00",)
        clauses.append(f"{column} IN ({', '.join('?' * len(slugs))})")
        params += list(slugs)
    return "".join(f" AND {c}" for c in clauses), params


def _merged_twin_answered(table: str, alias: str, same: str) -> str:
    """SQL: the record `m` is merged into another and the kept record (or a merged twin
    with a smaller id) has a row of `table` for the same `same` columns of `alias`. Two
    records of one person count once, with the kept record's answers, as attendance
    counts a person checked in twice once."""
    match = " AND ".join(f"o.{column} = {alias}.{column}" for column in same.split(", "))
    return (f"(m.merged_into != '' AND EXISTS (SELECT 1 FROM {table} o JOIN participant m2 "
            f"ON m2.id = o.participant_id WHERE {match} AND o.participant_id != m.id "
            "AND (m2.id = m.merged_into OR (m2.merged_into = m.merged_into AND m2.id < m.id))))")


def _person_knowledge(database: Database, filt: ReportFilter) -> dict[tuple, PhaseCount]:
    """(module, phase, breakdown, group) -> counts of per-person answers."""
    join, where, params = counted_visits(database, filt)
    modules, module_params = _module_clause(filt, "a.module")
    twin = _merged_twin_answered("quiz_score", "a", "session_id, module, phase")
    # The answers of a record, session, module and phase are added up already
    # (`quiz_score`, kept by triggers); each such row meets its person's visit of that
    # session by primary keys. A person is counted once per module and phase, in the
    # groups (sex, age band, disability) of their first session with answers, as the
    # headline figures do.
    sql = f"""
        WITH person AS (
            SELECT a.module AS module, a.phase AS phase, min(v.date), v.sex AS sex,
                   v.age_band AS age_band, {_DISABLED_SQL} AS disabled,
                   sum(a.answers) AS answers, sum(a.correct) AS correct
            FROM quiz_score a
            CROSS JOIN participant m ON m.id = a.participant_id
            CROSS JOIN participant p ON p.id = {KEPT}
            CROSS JOIN session vs ON vs.id = a.session_id
            CROSS JOIN report_visit v ON v.person = p.rowid AND v.session = vs.rowid
            {join}WHERE {where}{modules} AND NOT {twin}
            GROUP BY p.rowid, a.module, a.phase)
        SELECT module, phase, sex, age_band, disabled, count(*), sum(answers), sum(correct)
        FROM person GROUP BY module, phase, sex, age_band, disabled"""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for module, phase, *groups, people, answers, correct in database.conn.execute(
            sql, params + module_params):
        for breakdown, group in _groups(*groups):
            total = totals[(module, phase, breakdown, group)]
            total[0] += people
            total[1] += answers
            total[2] += correct
    return {key: PhaseCount(*values) for key, values in totals.items()}


def _groups(sex: str, age_band: str, disabled: str) -> tuple[tuple[str, str], ...]:
    """The (breakdown, group) pairs a cell of people adds to. Each person is in one cell
    per figure, so cells add up to every breakdown exactly."""
    return (("all", ""), ("sex", sex), ("age_band", age_band), ("disability", disabled))


def _class_knowledge(database: Database, filt: ReportFilter) -> dict[tuple, PhaseCount]:
    """(module, phase, "all", "") -> counts of hands; the people of a session are the
    most hands counted on one of its questions."""
    where, params = filt.session_where()
    modules, module_params = _module_clause(filt, "c.module")
    sql = f"""
        WITH question AS (
            SELECT c.session_id, c.module, c.phase, c.question_id, sum(c.count) AS hands,
                   sum(c.count * c.correct) AS correct
            FROM session s JOIN quiz_count c ON c.session_id = s.id
            WHERE {where}{modules}
            GROUP BY c.session_id, c.module, c.phase, c.question_id),
        counted AS (
            SELECT module, phase, max(hands) AS people, sum(hands) AS answers,
                   sum(correct) AS correct
            FROM question GROUP BY session_id, module, phase)
        SELECT module, phase, sum(people), sum(answers), sum(correct)
        FROM counted GROUP BY module, phase"""
    return {(module, phase, "all", ""): PhaseCount(people, answers, correct)
            for module, phase, people, answers, correct
            in database.conn.execute(sql, params + module_params)}


def knowledge(database: Database, filt: ReportFilter) -> list[Knowledge]:
    """Before and after per module, mode and group: per-person rows first, then the
    class counts; groups in BREAKDOWNS order."""
    out = []
    for mode, counts in (("person", _person_knowledge(database, filt)),
                         ("class", _class_knowledge(database, filt))):
        keys = sorted({(module, breakdown, group) for module, _phase, breakdown, group
                       in counts}, key=lambda k: (k[0], BREAKDOWNS.index(k[1]), k[2]))
        for module, breakdown, group in keys:
            out.append(Knowledge(
                module, mode, breakdown, group,
                counts.get((module, "before", breakdown, group), PhaseCount()),
                counts.get((module, "after", breakdown, group), PhaseCount())))
    return out


# --- follow-up ---------------------------------------------------------------------

def follow_ups(database: Database, filt: ReportFilter) -> list[FollowUp]:
    """People who answered each follow-up question and how many of them are safe."""
    join, where, params = counted_visits(database, filt)
    modules, module_params = _module_clause(filt, "f.module")
    twin = _merged_twin_answered("follow_up", "f", "module, question_id")
    # One row per record, module and question (the table's key); a person's groups are
    # those of the session followed up.
    sql = f"""
        WITH answer AS (
            SELECT f.module AS module, f.question_id AS question, v.sex AS sex,
                   v.age_band AS age_band, {_DISABLED_SQL} AS disabled, f.safe AS safe
            FROM follow_up f
            CROSS JOIN participant m ON m.id = f.participant_id
            CROSS JOIN participant p ON p.id = {KEPT}
            CROSS JOIN session vs ON vs.id = f.session_id
            CROSS JOIN report_visit v ON v.person = p.rowid AND v.session = vs.rowid
            {join}WHERE {where}{modules} AND NOT {twin})
        SELECT module, question, sex, age_band, disabled, count(*), sum(safe)
        FROM answer GROUP BY module, question, sex, age_band, disabled"""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for module, question, *groups, people, safe in database.conn.execute(
            sql, params + module_params):
        for breakdown, group in _groups(*groups):
            total = totals[(module, question, breakdown, group)]
            total[0] += people
            total[1] += safe
    return [FollowUp(*key, *totals[key]) for key in sorted(
        totals, key=lambda k: (k[0], k[1], BREAKDOWNS.index(k[2]), k[3]))]


# --- scams -------------------------------------------------------------------------

def scams(database: Database, filt: ReportFilter) -> list[ScamCell]:
    """Per district, month and kind: hands raised and people asked in the sessions that
    took the tally. Kinds a district-month's sessions did not report count 0 there."""
    source, where, params = _tallied_visits(database, filt)
    asked_sql = f"""
        SELECT substr(v.village, 1, 4) AS district, v.date / 100 AS month,
               count(DISTINCT v.session), count(*)
        {source} WHERE {where}
        GROUP BY district, month"""
    met_sql = f"""
        WITH tallied AS (
            SELECT DISTINCT v.session AS session, substr(v.village, 1, 4) AS district,
                   v.date / 100 AS month
            {source} WHERE {where})
        SELECT district, month, t.kind, sum(t.count)
        FROM tallied CROSS JOIN session ts ON ts.rowid = tallied.session
        CROSS JOIN scam_tally t ON t.session_id = ts.id
        GROUP BY district, month, t.kind"""
    met: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for district, month, kind, count in database.conn.execute(met_sql, params):
        met[(district, month)][kind] = count
    kinds = list(dict.fromkeys(kind for found in met.values() for kind in found))
    cells = []
    for district, month, sessions, asked in database.conn.execute(asked_sql, params):
        found = met.get((district, month), {})
        cells += [ScamCell(district, iso_month(month), kind, sessions, asked,
                           found.get(kind, 0))
                  for kind in kinds]
    return sorted(cells, key=lambda c: (c.district, c.month))


def _tallied_visits(database: Database, filt: ReportFilter) -> tuple[str, str, list]:
    """FROM and WHERE over the counted visits `v` of sessions that took a tally."""
    join, where, params = counted_visits(database, filt)
    return (f"FROM report_visit v {join}",
            "v.session IN (SELECT ts.rowid FROM scam_tally t JOIN session ts "
            f"ON ts.id = t.session_id) AND {where}", params)


@dataclass(frozen=True)
class ScamTotal:
    """Tallies added up over a place or month (people asked counted once per session)."""

    key: str
    kind: str
    sessions: int
    asked: int
    met: int

    @property
    def per_100(self) -> float:
        return 100 * self.met / self.asked if self.asked else 0.0


def scam_totals(cells: list[ScamCell], key) -> list[ScamTotal]:
    """`cells` added up by `key(cell)` and kind; kind "" is every kind together."""
    places: dict[str, dict[tuple[str, str], tuple[int, int]]] = defaultdict(dict)
    met: dict[tuple[str, str], int] = defaultdict(int)
    for cell in cells:
        group = key(cell)
        # Each district-month appears once per kind with the same sessions and people.
        places[group][(cell.district, cell.month)] = (cell.sessions, cell.asked)
        met[(group, cell.kind)] += cell.met
        met[(group, "")] += cell.met
    asked = {group: (sum(s for s, _a in found.values()), sum(a for _s, a in found.values()))
             for group, found in places.items()}
    return [ScamTotal(group, kind, *asked[group], count)
            for (group, kind), count in met.items()]
