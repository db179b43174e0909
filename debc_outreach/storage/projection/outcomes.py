"""Outcome records: quick-check answers (per person and per class), the anonymous
scam tally of a session, and follow-up answers a month later.

Every cell keeps its last writer (HLC, then device id), so records from two
devices never conflict and arrive in any order. The answer key (which answer
is correct or safe) travels in the event, as the pack the trainer used had it,
so a coordinator with another pack version reads the same figures.

Events (all op "set"; the recording side is storage/outcomes.py):

============  ============  ==========================================================
entity        entity id     fields
============  ============  ==========================================================
quiz_answer   session id    session_id: str, participant_id: str, module: str (slug),
                            phase: "before" | "after",
                            answers: {question_id: int answer index},
                            correct: {question_id: 0 | 1}
quiz_count    session id    session_id: str, module: str, phase: "before" | "after",
                            question_id: str, counts: [int >= 0, one per answer],
                            correct: int (index of the correct answer)
scam_tally    session id    session_id: str, counts: {scam kind id: int >= 0}
follow_up     participant   participant_id: str, module: str, session_id: str,
              id            method: "phone" | "visit", date: "YYYY-MM-DD",
                            answers: {question_id: int answer index},
                            safe: {question_id: 0 | 1}
============  ============  ==========================================================

Last writer wins per (session, participant, module, phase, question) for
`quiz_answer`, per (session, module, phase, question) for `quiz_count`, per
(session, kind) for `scam_tally` and per (participant, module, question) for
`follow_up`.
"""

from __future__ import annotations

import sqlite3

from debc_outreach.i18n import N_
from debc_outreach.storage.events import DEVICE_ID, ENTITY, HLC, OP, Event
from debc_outreach.storage.projection import schema as s
from debc_outreach.storage.projection.spec import BatchItem

QUIZ_ANSWER, QUIZ_COUNT, SCAM_TALLY, FOLLOW_UP = ("quiz_answer", "quiz_count", "scam_tally",
                                                  "follow_up")
PHASES = ("before", "after")
METHODS = ("phone", "visit")

# The fields of the table above, as checked before an event is stored or applied.
# Answer indices stay below MAX_ANSWERS; counts of people below MAX_PEOPLE.
MAX_ANSWERS = 9
MAX_PEOPLE = 100_000
MAX_QUESTIONS = 20
MAX_SCAM_KINDS = 50
_ANSWERS = s.numbers_by_id(0, MAX_ANSWERS - 1, MAX_QUESTIONS, N_("answers by question"))
_MARKS = s.numbers_by_id(0, 1, MAX_QUESTIONS, N_("0 / 1 by question"))
_MODULE = s.text(s.MAX_ID, min_len=1)
QUIZ_ANSWER_SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema(
    ("session_id", "participant_id", "module", "phase", "answers"),
    {"session_id": s.ident(), "participant_id": s.ident(), "module": _MODULE,
     "phase": s.choice(PHASES), "answers": _ANSWERS, "correct": _MARKS})}
QUIZ_COUNT_SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema(
    ("session_id", "module", "phase", "question_id", "counts"),
    {"session_id": s.ident(), "module": _MODULE, "phase": s.choice(PHASES),
     "question_id": s.ident(),
     "counts": s.list_of(s.whole_number(0, MAX_PEOPLE), MAX_ANSWERS, N_("a list of counts")),
     "correct": s.whole_number(0, MAX_ANSWERS - 1)})}
SCAM_TALLY_SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema(
    ("session_id", "counts"),
    {"session_id": s.ident(),
     "counts": s.numbers_by_id(0, MAX_PEOPLE, MAX_SCAM_KINDS, N_("counts by kind of scam"))})}
FOLLOW_UP_SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema(
    ("participant_id", "module", "method", "date", "answers"),
    {"participant_id": s.ident(), "module": _MODULE, "session_id": s.text(s.MAX_ID),
     "method": s.choice(METHODS), "date": s.date(), "answers": _ANSWERS, "safe": _MARKS})}


def _newer(table: str) -> str:
    return (f"WHERE (excluded.hlc, excluded.device_id) > ({table}.hlc, {table}.device_id)")


_QUIZ_ANSWER = (
    "INSERT INTO quiz_answer (session_id, participant_id, module, phase, question_id, answer, "
    "correct, hlc, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (session_id, participant_id, module, phase, question_id) DO UPDATE SET "
    "answer = excluded.answer, correct = excluded.correct, hlc = excluded.hlc, "
    "device_id = excluded.device_id " + _newer("quiz_answer"))
_QUIZ_COUNT = (
    "INSERT INTO quiz_count (session_id, module, phase, question_id, answer, count, correct, "
    "hlc, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (session_id, module, phase, question_id, answer) DO UPDATE SET "
    "count = excluded.count, correct = excluded.correct, hlc = excluded.hlc, "
    "device_id = excluded.device_id " + _newer("quiz_count"))
_SCAM_TALLY = (
    "INSERT INTO scam_tally (session_id, kind, count, hlc, device_id) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (session_id, kind) DO UPDATE SET count = excluded.count, "
    "hlc = excluded.hlc, device_id = excluded.device_id " + _newer("scam_tally"))
_FOLLOW_UP = (
    "INSERT INTO follow_up (participant_id, module, question_id, answer, safe, date, method, "
    "session_id, hlc, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (participant_id, module, question_id) DO UPDATE SET "
    "answer = excluded.answer, safe = excluded.safe, date = excluded.date, "
    "method = excluded.method, session_id = excluded.session_id, hlc = excluded.hlc, "
    "device_id = excluded.device_id " + _newer("follow_up"))


def _flag(marks: object, key: str) -> int:
    return int(bool(marks.get(key))) if isinstance(marks, dict) else 0


def _quiz_answer_rows(f: dict, hlc: int, device: str) -> list[tuple]:
    answers = f.get("answers") or {}
    return [(f["session_id"], f["participant_id"], f["module"], f["phase"], question,
             int(answer), _flag(f.get("correct"), question), hlc, device)
            for question, answer in answers.items()]


def _quiz_count_rows(f: dict, hlc: int, device: str) -> list[tuple]:
    correct = f.get("correct")
    return [(f["session_id"], f["module"], f["phase"], f["question_id"], index, int(count),
             int(index == correct), hlc, device)
            for index, count in enumerate(f.get("counts") or [])]


def _scam_tally_rows(f: dict, hlc: int, device: str) -> list[tuple]:
    return [(f["session_id"], kind, int(count), hlc, device)
            for kind, count in (f.get("counts") or {}).items()]


def _follow_up_rows(f: dict, hlc: int, device: str) -> list[tuple]:
    return [(f["participant_id"], f["module"], question, int(answer),
             _flag(f.get("safe"), question), f["date"], f["method"], f.get("session_id", ""),
             hlc, device)
            for question, answer in (f.get("answers") or {}).items()]


_ROWS = {QUIZ_ANSWER: (_QUIZ_ANSWER, _quiz_answer_rows),
         QUIZ_COUNT: (_QUIZ_COUNT, _quiz_count_rows),
         SCAM_TALLY: (_SCAM_TALLY, _scam_tally_rows),
         FOLLOW_UP: (_FOLLOW_UP, _follow_up_rows)}


def apply(conn: sqlite3.Connection, event: Event) -> None:
    """Apply one outcome event (any of the four entities)."""
    if event.op != "set":
        raise ValueError(f"unknown op {event.op!r} for {event.entity}")
    sql, rows = _ROWS[event.entity]
    conn.executemany(sql, rows(event.fields, event.hlc, event.device_id))


def apply_batch(conn: sqlite3.Connection, items: list[BatchItem]) -> None:
    """Many outcome events of one entity at once (sync import): the last writer per cell
    wins whatever the order, so one executemany per entity is enough."""
    by_entity: dict[str, list[tuple]] = {}
    for row, fields, _base in items:
        if row[OP] != "set":
            raise ValueError(f"unknown op {row[OP]!r} for {row[ENTITY]}")
        _sql, rows = _ROWS[row[ENTITY]]
        by_entity.setdefault(row[ENTITY], []).extend(rows(fields, row[HLC], row[DEVICE_ID]))
    for entity, rows in by_entity.items():
        conn.executemany(_ROWS[entity][0], rows)
