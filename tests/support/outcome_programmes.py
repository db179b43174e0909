"""Small outcome programmes for the report tests: recorded through the storage services
(events, like a trainer's device), and the figures they should give, counted in plain
Python from the same description (never from the tables the reports read)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from debc_outreach.core import people as core_people
from debc_outreach.storage import attendance, participants, sessions
from debc_outreach.storage import outcomes as recording

VILLAGES = ("12010101", "12020101", "17010101")
DATES = ("2026-03-02", "2026-03-20", "2026-04-10")
FOLLOW_UP_DATE = "2026-05-30"
WG = {"yes": {"seeing": 3}, "no": {d: 1 for d in ("seeing", "hearing", "walking", "remembering",
                                                   "self_care", "communicating")},
      "unknown": None}


@dataclass
class Person:
    sex: str
    birth_year: int
    disability: str          # yes / no / unknown


@dataclass
class Session:
    date: str
    village: str
    present: list[int]                                     # person indices
    answers: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # (p, phase)
    hands: dict[str, list[list[int]]] = field(default_factory=dict)         # phase -> rows
    tally: dict[str, int] = field(default_factory=dict)


@dataclass
class Programme:
    people: list[Person]
    sessions: list[Session]
    follow_ups: dict[int, tuple[int, list[int]]] = field(default_factory=dict)  # p -> (s, a)


def record(store, programme: Programme, module: str) -> None:
    """Everything a trainer would record for `programme`."""
    ids = [participants.add_participant(
        store, f"Person {index}", sex=p.sex, birth_year=p.birth_year,
        wg_answers=WG[p.disability], consent="yes", contact_consent=True).id
        for index, p in enumerate(programme.people)]
    questions = recording.quick_checks(module)
    session_ids = []
    for s in programme.sessions:
        session = sessions.create(store, s.date, s.village, [module])
        session_ids.append(session.id)
        for person in s.present:
            attendance.check_in(store, session.id, ids[person])
        for (person, phase), given in s.answers.items():
            recording.record_answers(store, session.id, ids[person], module, phase,
                                     {q.id: a for q, a in zip(questions, given, strict=False)})
        for phase, rows in s.hands.items():
            hands = {q.id: row for q, row in zip(questions, rows, strict=True)}
            recording.record_class_counts(store, session.id, module, phase, hands)
        if s.tally:
            recording.record_scam_tally(store, session.id, s.tally)
    follow = recording.follow_up_questions(module)
    for person, (session, given) in programme.follow_ups.items():
        recording.record_follow_up(store, ids[person], module,
                                   {q.id: a for q, a in zip(follow, given, strict=False)},
                                   date=FOLLOW_UP_DATE, session_id=session_ids[session])


def _groups(person: Person, date: str) -> dict[str, str]:
    band = core_people.age_band(person.birth_year, "", dt.date.fromisoformat(date))
    return {"all": "", "sex": person.sex, "age_band": band, "disability": person.disability}


def expected_knowledge(programme: Programme, module: str) -> dict[tuple, tuple[int, int, int]]:
    """(mode, breakdown, group, phase) -> (people, answers, correct)."""
    questions = recording.quick_checks(module)
    people: dict[tuple, set] = defaultdict(set)
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for s in programme.sessions:
        for (person, phase), given in s.answers.items():
            for breakdown, group in _groups(programme.people[person], s.date).items():
                key = ("person", breakdown, group, phase)
                people[key].add(person)
                counts[key][0] += len(given)
                counts[key][1] += sum(a in q.good for q, a in zip(questions, given, strict=False))
    out = {key: (len(people[key]), *counts[key]) for key in people}
    hands: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in programme.sessions:
        for phase, rows in s.hands.items():
            key = ("class", "all", "", phase)
            hands[key][0] += max(sum(row) for row in rows)
            hands[key][1] += sum(sum(row) for row in rows)
            hands[key][2] += sum(row[min(q.good)] for q, row in zip(questions, rows, strict=False))
    out.update({key: tuple(value) for key, value in hands.items()})
    return out


def expected_follow_ups(programme: Programme, module: str) -> dict[tuple, tuple[int, int]]:
    """(question id, breakdown, group) -> (people, safe)."""
    questions = recording.follow_up_questions(module)
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for person, (session, given) in programme.follow_ups.items():
        date = programme.sessions[session].date
        for q, answer in zip(questions, given, strict=False):
            for breakdown, group in _groups(programme.people[person], date).items():
                out[(q.id, breakdown, group)][0] += 1
                out[(q.id, breakdown, group)][1] += answer in q.good
    return {key: tuple(value) for key, value in out.items()}


def expected_scams(programme: Programme) -> dict[tuple, tuple[int, int, int]]:
    """(district, month, kind) -> (sessions, people asked, hands) for the kinds reported."""
    asked: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    met: dict[tuple, int] = defaultdict(int)
    for s in programme.sessions:
        if not s.tally:
            continue
        place = (s.village[:4], s.date[:7])
        asked[place][0] += 1
        asked[place][1] += len(s.present)
        for kind, count in s.tally.items():
            met[(*place, kind)] += count
    kinds = {key[2] for key in met}
    return {(*place, kind): (*asked[place], met.get((*place, kind), 0))
            for place in asked for kind in kinds}
