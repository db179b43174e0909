"""Evidence that people learned and stayed safe: quick checks, scam tally, follow-ups.

- Quick checks: per module of a session, the trainer records each present
  person's answers **before** and **after** the module (`quiz_answer`), or, for
  a large group, the number of hands per answer (`quiz_count`, class mode).
  The two are kept apart: reports never add hands to people.
- Scam tally: at the end of a running session, how many of the people present
  met each kind of scam in the last month (`scam_tally`). Counts only.
- Follow-ups: 4-6 weeks after a session (the programme's `followup_window_days`),
  people who agreed to be contacted are due for a short follow-up per module,
  by phone or visit (`follow_up`).

Questions and scam kinds come from the content pack (storage/catalogue.py);
the answer key travels in each event (storage/projection/outcomes.py lists
the events). Every write checks everything first and records nothing when
any part is wrong. Reads resolve merged participants to the kept record.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from debc_outreach.errors import UserError
from debc_outreach.i18n import _, format_number, ngettext, to_ascii_digits
from debc_outreach.storage import attendance, catalogue, participants, privacy, sessions
from debc_outreach.storage.database import Database
from debc_outreach.storage.projection.outcomes import (
    FOLLOW_UP,
    METHODS,
    PHASES,
    QUIZ_ANSWER,
    QUIZ_COUNT,
    SCAM_TALLY,
)
from debc_outreach.storage.store import Store

__all__ = ["FOLLOW_UP", "METHODS", "PHASES", "QUIZ_ANSWER", "QUIZ_COUNT", "SCAM_TALLY",
           "DueFollowUp", "answers", "class_counts", "follow_up_questions", "follow_ups",
           "follow_ups_due", "followup_window", "parse_answer_indices", "parse_class_counts",
           "parse_tally", "quick_checks", "record_answers", "record_class_counts",
           "record_follow_up", "record_scam_tally", "scam_counts", "scam_kinds",
           "set_followup_window"]

FOLLOWUP_WINDOW = "followup_window_days"
DEFAULT_WINDOW = (28, 42)
MAX_WINDOW_DAYS = 366
MAX_COUNT = 100000            # hands or people in one session: far above any real group


# --- the questions ---------------------------------------------------------------------

def quick_checks(module: str) -> tuple[catalogue.Question, ...]:
    """The module's quick-check questions, in the pack's order (none for an unknown slug)."""
    found = catalogue.modules().get(module)
    return found.quick_checks if found else ()


def follow_up_questions(module: str) -> tuple[catalogue.Question, ...]:
    found = catalogue.modules().get(module)
    return found.follow_ups if found else ()


def scam_kinds() -> tuple[catalogue.ScamKind, ...]:
    return catalogue.scam_kinds()


def _require_phase(phase: str) -> str:
    if phase not in PHASES:
        raise UserError(_("The phase must be \"before\" or \"after\", not {phase}.")
                        .format(phase=phase))
    return phase


def _require_session_module(session: sessions.Session, module: str,
                            questions_of) -> tuple[catalogue.Question, ...]:
    if module not in session.modules:
        raise UserError(_("The session does not cover the module {module}.")
                        .format(module=module))
    questions = questions_of(module)
    if not questions:
        raise UserError(_("The module {module} has no quick-check questions in this content "
                          "pack.").format(module=module))
    return questions


def _question(questions: Sequence[catalogue.Question], question_id: str,
              module: str) -> catalogue.Question:
    for question in questions:
        if question.id == question_id:
            return question
    raise UserError(_("The module {module} has no question {question}.")
                    .format(module=module, question=question_id))


def _require_answer(question: catalogue.Question, answer: object) -> int:
    if not isinstance(answer, int) or isinstance(answer, bool) or \
            not 0 <= answer < len(question.answers):
        raise UserError(_("Answer {answer} is out of range for question {question}: choose "
                          "0 to {last}.").format(answer=answer, question=question.id,
                                                 last=len(question.answers) - 1))
    return answer


def _checked_answers(questions: Sequence[catalogue.Question], module: str,
                     given: Mapping[str, object]) -> dict[str, int]:
    if not given:
        raise UserError(_("Give at least one answer."))
    return {question_id: _require_answer(_question(questions, question_id, module), answer)
            for question_id, answer in given.items()}


# --- parsing what a person typed (CLI) --------------------------------------------------

def _int(text: str) -> int:
    try:
        return int(to_ascii_digits(text.strip()))
    except ValueError:
        raise UserError(_("{text} is not a whole number.").format(text=text.strip())) from None


def parse_answer_indices(text: str, questions: Sequence[catalogue.Question]) -> dict[str, int]:
    """"1,0,2": one answer index per question, in the pack's order (fewer is allowed;
    "-" or nothing skips a question)."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > len(questions):
        raise UserError(ngettext(
            "{given} answers given, but the module has only {known} question.",
            "{given} answers given, but the module has only {known} questions.",
            len(questions)).format(given=format_number(len(parts)),
                                   known=format_number(len(questions))))
    return {question.id: _int(part) for question, part in zip(questions, parts, strict=False)
            if part not in ("", "-")}


def _question_ref(ref: str, questions: Sequence[catalogue.Question], module: str
                  ) -> catalogue.Question:
    """A question named by its id, its short name (after the last dot) or its number
    (1 = the first question)."""
    ref = ref.strip()
    for question in questions:
        if ref in (question.id, question.id.rsplit(".", 1)[-1]):
            return question
    number = to_ascii_digits(ref)
    if number.isdigit() and 1 <= int(number) <= len(questions):
        return questions[int(number) - 1]
    return _question(questions, ref, module)      # refuses with the name given


def parse_class_counts(text: str, questions: Sequence[catalogue.Question], module: str
                       ) -> dict[str, list[int]]:
    """"Q:A=N,…" (question, answer index, hands) into {question id: [hands per answer]}.
    A question is its number (1 = first), short name or id."""
    counts: dict[str, list[int]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        head, sep, number = part.partition("=")
        ref, colon, answer = head.partition(":")
        if not sep or not colon:
            raise UserError(_("Write each count as QUESTION:ANSWER=COUNT, e.g. 1:0=12; "
                              "not {part}.").format(part=part))
        question = _question_ref(ref, questions, module)
        row = counts.setdefault(question.id, [0] * len(question.answers))
        row[_require_answer(question, _int(answer))] = _int(number)
    if not counts:
        raise UserError(_("Give at least one count, e.g. 1:0=12."))
    return counts


def parse_tally(pairs: Sequence[str]) -> dict[str, int]:
    """["fake-prize-bank=4", …] into {kind: count}."""
    counts: dict[str, int] = {}
    for pair in pairs:
        kind, sep, number = pair.partition("=")
        if not sep or not kind.strip():
            raise UserError(_("Write each count as KIND=COUNT, e.g. loan-app=3; not {pair}.")
                            .format(pair=pair))
        counts[kind.strip()] = _int(number)
    return counts


# --- quick checks ------------------------------------------------------------------------

def record_answers(store: Store, session_id: str, participant_id: str, module: str,
                   phase: str, given: Mapping[str, object], reason: str = "") -> dict[str, int]:
    """Record one person's quick-check answers for one module and phase (one event).

    The person must be checked in; on a closed session this is an amendment and
    needs a reason. Answering again replaces the earlier answer per question.
    """
    database = store.database
    session = sessions.require_editable(database, session_id, reason)
    _require_phase(phase)
    questions = _require_session_module(session, module, quick_checks)
    person = participants.resolve(database, participants.require(database, participant_id).id)
    if not attendance.is_present(database.conn, session.id, person):
        raise UserError(_("This person is not checked in to the session."))
    answers = _checked_answers(questions, module, given)
    correct = {qid: int(answer in _question(questions, qid, module).good)
               for qid, answer in answers.items()}
    fields = {"session_id": session.id, "participant_id": person, "module": module,
              "phase": phase, "answers": answers, "correct": correct}
    if reason:
        fields["reason"] = reason
    store.record(QUIZ_ANSWER, session.id, fields)
    return answers


def record_class_counts(store: Store, session_id: str, module: str, phase: str,
                        counts: Mapping[str, Sequence[int]], reason: str = "") -> None:
    """Class mode: hands raised per answer of each question (one event per question,
    all in one transaction)."""
    database = store.database
    session = sessions.require_editable(database, session_id, reason)
    _require_phase(phase)
    questions = _require_session_module(session, module, quick_checks)
    if not counts:
        raise UserError(_("Give at least one count, e.g. 1:0=12."))
    checked: list[dict] = []
    for question_id, row in counts.items():
        question = _question(questions, question_id, module)
        if len(row) > len(question.answers):
            _require_answer(question, len(row) - 1)
        values = [int(n) for n in row] + [0] * (len(question.answers) - len(row))
        if any(n < 0 or n > MAX_COUNT for n in values):
            raise UserError(_("A count must be between 0 and {most}.")
                            .format(most=format_number(MAX_COUNT)))
        fields = {"session_id": session.id, "module": module, "phase": phase,
                  "question_id": question.id, "counts": values,
                  "correct": min(question.good, default=-1)}
        if reason:
            fields["reason"] = reason
        checked.append(fields)
    with database.transaction():
        for fields in checked:
            store.record(QUIZ_COUNT, session.id, fields)


def answers(conn: sqlite3.Connection, session_id: str, module: str, phase: str
            ) -> dict[str, dict[str, int]]:
    """{participant id (the kept record): {question id: answer index}} of one phase."""
    found: dict[str, dict[str, int]] = {}
    for person, question, answer in conn.execute(
            "SELECT CASE WHEN p.merged_into != '' THEN p.merged_into ELSE p.id END, "
            "q.question_id, q.answer FROM quiz_answer q JOIN participant p "
            "ON p.id = q.participant_id WHERE q.session_id = ? AND q.module = ? "
            "AND q.phase = ? ORDER BY q.hlc", (session_id, module, phase)):
        found.setdefault(person, {})[question] = answer
    return found


def class_counts(conn: sqlite3.Connection, session_id: str, module: str, phase: str
                 ) -> dict[str, list[int]]:
    """{question id: [hands per answer]} of one phase (class mode)."""
    found: dict[str, list[int]] = {}
    for question, answer, count in conn.execute(
            "SELECT question_id, answer, count FROM quiz_count WHERE session_id = ? "
            "AND module = ? AND phase = ? ORDER BY question_id, answer",
            (session_id, module, phase)):
        row = found.setdefault(question, [])
        row.extend([0] * (answer + 1 - len(row)))
        row[answer] = count
    return found


# --- scam tally -------------------------------------------------------------------------

def record_scam_tally(store: Store, session_id: str, counts: Mapping[str, int]) -> None:
    """The anonymous tally at the end of a session: per kind, how many of the people
    present met it in the last month. Refused on a closed session (the question is
    asked to the people in the room) and before anyone is checked in."""
    database = store.database
    session = sessions.require(database, session_id)
    if session.closed:
        raise UserError(_("This session is closed. Take the scam tally at the end of the "
                          "session, before you close it."))
    present = sessions.present_count(database, session.id)
    if not present:
        raise UserError(_("Nobody is checked in to this session yet: check people in "
                          "before the scam tally."))
    known = {kind.id for kind in scam_kinds()}
    if not counts:
        raise UserError(_("Give at least one count, e.g. loan-app=3."))
    for kind, count in counts.items():
        if kind not in known:
            raise UserError(_("Unknown kind of scam {kind}. Known kinds: {known}")
                            .format(kind=kind, known=", ".join(sorted(known)) or "—"))
        if not isinstance(count, int) or not 0 <= count <= present:
            raise UserError(ngettext(
                "The count for {kind} must be between 0 and the {present} person present.",
                "The count for {kind} must be between 0 and the {present} people present.",
                present).format(kind=kind, present=format_number(present)))
    store.record(SCAM_TALLY, session.id, {"session_id": session.id, "counts": dict(counts)})


def scam_counts(conn: sqlite3.Connection, session_id: str) -> dict[str, int]:
    return dict(conn.execute("SELECT kind, count FROM scam_tally WHERE session_id = ?",
                             (session_id,)))


# --- follow-ups ---------------------------------------------------------------------------

def followup_window(store: Store) -> tuple[int, int]:
    """(first, last) day after the session on which a follow-up is due; the
    coordinator's programme setting, else 28-42 days (4-6 weeks)."""
    coordinator = privacy.coordinator_id(store)
    raw = store.database.scalar(
        "SELECT value FROM programme_setting WHERE name = ? AND device_id = ?",
        (FOLLOWUP_WINDOW, coordinator)) if coordinator else None
    try:
        first, last = (int(n) for n in json.loads(raw))
    except (TypeError, ValueError):
        return DEFAULT_WINDOW
    return (first, last) if 0 <= first <= last <= MAX_WINDOW_DAYS else DEFAULT_WINDOW


def set_followup_window(store: Store, first: int | None, last: int | None) -> None:
    """Coordinator only: the follow-up window of the programme (reaches devices by sync).
    Both days are needed (None: one was not given)."""
    if not privacy.is_coordinator_device(store):
        raise UserError(_("Only the coordinator's computer can change when follow-ups "
                          "are due."))
    if first is None or last is None or not 0 <= first <= last <= MAX_WINDOW_DAYS:
        raise UserError(_("The follow-up window must be two numbers of days, the first "
                          "not after the second, at most {most}.")
                        .format(most=format_number(MAX_WINDOW_DAYS)))
    store.record(privacy.ENTITY, FOLLOWUP_WINDOW, {"value": json.dumps([first, last])})


@dataclass(frozen=True)
class DueFollowUp:
    participant_id: str        # the kept record
    name: str
    phone: str
    village_code: str          # where the person lives, else where the session was
    session_id: str
    session_date: str
    modules: tuple[str, ...]   # the session's modules with questions and no follow-up yet
    due_from: str
    due_until: str

    def as_json(self) -> dict:
        return {"participant_id": self.participant_id, "name": self.name,
                "phone": self.phone, "village_code": self.village_code,
                "session_id": self.session_id, "session_date": self.session_date,
                "modules": list(self.modules), "due_from": self.due_from,
                "due_until": self.due_until}


def _followed_up(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    """(kept participant id, module) pairs that already have a follow-up."""
    return {(row[0], row[1]) for row in conn.execute(
        "SELECT DISTINCT CASE WHEN p.merged_into != '' THEN p.merged_into ELSE p.id END, "
        "f.module FROM follow_up f JOIN participant p ON p.id = f.participant_id")}


def follow_ups_due(store: Store, today: dt.date | None = None) -> list[DueFollowUp]:
    """People who agreed to be contacted, whose session was `followup_window` days ago
    and who have no follow-up yet for some of its modules; by village, then name."""
    first, last = followup_window(store)
    today = today or dt.date.today()
    oldest = (today - dt.timedelta(days=last)).isoformat()
    newest = (today - dt.timedelta(days=first)).isoformat()
    conn = store.database.conn
    done = _followed_up(conn)
    with_questions = {slug for slug, m in catalogue.modules().items() if m.follow_ups}
    due: dict[tuple[str, str], DueFollowUp] = {}
    rows = conn.execute(
        "SELECT k.id, k.display_name, k.phone, CASE WHEN k.village_code != '' "
        "THEN k.village_code ELSE s.village_code END, s.id, s.date, s.modules "
        "FROM session s JOIN attendance a ON a.session_id = s.id AND a.present = 1 "
        "JOIN participant m ON m.id = a.participant_id "
        "JOIN participant k ON k.id = CASE WHEN m.merged_into != '' THEN m.merged_into "
        "ELSE m.id END "
        "WHERE s.deleted = 0 AND k.deleted = 0 AND k.contact_consent = 1 "
        "AND s.date BETWEEN ? AND ? ORDER BY 4, k.sort_key, s.date",
        (oldest, newest))
    for pid, name, phone, village, session_id, date, modules in rows:
        pending = tuple(slug for slug in json.loads(modules or "[]")
                        if slug in with_questions and (pid, slug) not in done)
        if not pending or (pid, session_id) in due:
            continue
        day = dt.date.fromisoformat(date)
        due[(pid, session_id)] = DueFollowUp(
            pid, name, phone, village, session_id, date, pending,
            (day + dt.timedelta(days=first)).isoformat(),
            (day + dt.timedelta(days=last)).isoformat())
    return list(due.values())


def _parse_day(text: str) -> dt.date:
    return dt.date.fromisoformat(sessions.parse_date(text))


def _follow_up_session(database: Database, person: str, module: str, day: dt.date) -> str:
    """The latest session on or before `day` that taught `module` to the person."""
    for session_id, date, modules in database.conn.execute(
            "SELECT s.id, s.date, s.modules FROM session s JOIN attendance a "
            "ON a.session_id = s.id AND a.present = 1 JOIN participant m "
            "ON m.id = a.participant_id WHERE s.deleted = 0 AND (m.id = ? OR "
            "(m.merged_into = ? AND m.merged_into != '')) ORDER BY s.date DESC", (person, person)):
        if module in json.loads(modules or "[]") and date <= day.isoformat():
            return session_id
    raise UserError(_("This person did not attend a session with the module {module} "
                      "before that date.").format(module=module))


def record_follow_up(store: Store, participant_id: str, module: str,
                     given: Mapping[str, object], *, method: str = "phone",
                     date: str = "", session_id: str = "") -> None:
    """Record a follow-up for one module (one event). Refused for a person who did not
    agree to be contacted."""
    database = store.database
    person = participants.resolve(database, participants.require(database, participant_id).id)
    if not participants.has_contact_consent(database, person):
        raise UserError(_("This person did not agree to be contacted for a follow-up. "
                          "Record their consent first (edit the participant)."))
    questions = follow_up_questions(module)
    if not questions:
        raise UserError(_("The module {module} has no follow-up questions in this content "
                          "pack.").format(module=module))
    if method not in METHODS:
        raise UserError(_("The method must be \"phone\" or \"visit\", not {method}.")
                        .format(method=method))
    day = _parse_day(date) if date.strip() else dt.date.today()
    if day > dt.date.today():
        raise UserError(_("The date {date} is in the future.").format(date=day.isoformat()))
    if session_id:
        session = sessions.require(database, session_id)
        if module not in session.modules or session.date > day.isoformat() or \
                not attendance.is_present(database.conn, session.id, person):
            raise UserError(_("This person did not attend a session with the module "
                              "{module} before that date.").format(module=module))
        session_id = session.id
    else:
        session_id = _follow_up_session(database, person, module, day)
    answers = _checked_answers(questions, module, given)
    safe = {qid: int(answer in _question(questions, qid, module).good)
            for qid, answer in answers.items()}
    store.record(FOLLOW_UP, person, {
        "participant_id": person, "module": module, "session_id": session_id,
        "method": method, "date": day.isoformat(), "answers": answers, "safe": safe})


@dataclass(frozen=True)
class FollowUpRecord:
    module: str
    date: str
    method: str
    session_id: str
    answers: dict[str, int]


def follow_ups(conn: sqlite3.Connection, participant_id: str) -> dict[str, FollowUpRecord]:
    """{module: the follow-up recorded} of one person (and records merged into them)."""
    found: dict[str, FollowUpRecord] = {}
    for module, question, answer, date, method, session_id in conn.execute(
            "SELECT f.module, f.question_id, f.answer, f.date, f.method, f.session_id "
            "FROM follow_up f JOIN participant p ON p.id = f.participant_id "
            "WHERE p.id = ? OR (p.merged_into = ? AND p.merged_into != '') ORDER BY f.hlc",
            (participant_id, participant_id)):
        record = found.setdefault(module, FollowUpRecord(module, date, method, session_id, {}))
        record.answers[question] = answer
    return found
