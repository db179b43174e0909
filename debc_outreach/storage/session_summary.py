"""What a session amounts to: live counters, the skills summary, and its history.

Kept apart from storage/sessions.py because they read attendance and
checklist results, which themselves check the session's state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from debc_outreach.core import people
from debc_outreach.core.hlc import wall_ms
from debc_outreach.storage import attendance, checklist, events
from debc_outreach.storage.database import Database
from debc_outreach.storage.events import from_row as event_from_row
from debc_outreach.storage.sessions import Session

# --- counters and summary -----------------------------------------------------------

@dataclass(frozen=True)
class Counters:
    total: int = 0
    women: int = 0
    disability: int = 0
    youth: int = 0
    elders: int = 0


def counters(database: Database, session: Session) -> Counters:
    """Live figures: everyone checked in, women, people with disabilities, 15–24, 60+."""
    total = women = disability = youth = elders = 0
    for person in attendance.attendees(database.conn, session.id):
        total += 1
        women += person.sex == "F"
        disability += bool(person.disability)
        band = people.age_band(person.birth_year, person.age_band, session.day)
        youth += band == "15-24"
        elders += band == "60+"
    return Counters(total, women, disability, youth, elders)


@dataclass(frozen=True)
class Summary:
    counters: Counters
    achieved: dict[str, int]         # item id -> people who achieved it
    assessed: dict[str, int]         # item id -> people with a result other than not assessed
    without_consent: int


def summary(database: Database, session: Session) -> Summary:
    present = {p.id: p for p in attendance.attendees(database.conn, session.id)}
    achieved: dict[str, int] = {}
    assessed: dict[str, int] = {}
    for (participant_id, item_id), state in checklist.results(database.conn,
                                                              session.id).items():
        if participant_id not in present:
            continue
        if state == checklist.ACHIEVED:
            achieved[item_id] = achieved.get(item_id, 0) + 1
        if state != checklist.NOT_ASSESSED:
            assessed[item_id] = assessed.get(item_id, 0) + 1
    no_consent = sum(1 for p in present.values() if p.consent != "yes")
    return Summary(counters(database, session), achieved, assessed, no_consent)


# --- history ----------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    device_id: str
    entity: str
    op: str
    fields: dict
    reason: str


# What a session's history shows: people's own quick-check answers only with a reason.
_HISTORY_ENTITIES = ("session", "attendance", "checklist", "quiz_count", "scam_tally",
                     "quiz_answer")


def history(database: Database, session_id: str) -> list[HistoryEntry]:
    """Every change to the session, its attendance, checklist, class counts and scam
    tally, oldest first; people's own quick-check answers only when they amend a closed
    session (one line per key press would bury the rest)."""
    cursor = events.of_record(database.conn, _HISTORY_ENTITIES, session_id,
                              order="hlc, device_id")
    entries = []
    for row in cursor:
        event = event_from_row(row)
        if event.entity == "quiz_answer" and event.fields.get("reason") is None:
            continue
        reason = event.fields.get("amendment") or event.fields.get("reason") or ""
        when = dt.datetime.fromtimestamp(wall_ms(event.hlc) / 1000, dt.UTC)
        entries.append(HistoryEntry(when, event.device_id, event.entity, event.op,
                                    event.fields, reason))
    return entries

