"""Sessions: planned -> running -> closed, on a village of the gazetteer.

A session is a last-writer-wins entity. The first check-in starts it;
closing locks it. A closed session changes only through an amendment: the
change is recorded together with a reason, and its history (the event log
of the session) shows who changed what, when and why.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from debc_outreach.core.ids import is_id, new_id
from debc_outreach.errors import UserError
from debc_outreach.i18n import N_, _, to_ascii_digits
from debc_outreach.storage import catalogue, gazetteer
from debc_outreach.storage.database import Database
from debc_outreach.storage.store import Store

PLANNED, RUNNING, CLOSED = "planned", "running", "closed"
STATE_NAMES = {PLANNED: N_("Planned"), RUNNING: N_("Running"), CLOSED: N_("Closed")}

@dataclass(frozen=True)
class Session:
    id: str
    date: str
    start_time: str
    venue: str
    village_code: str
    modules: tuple[str, ...]
    trainer_ids: tuple[str, ...]
    partner: str
    audience: str
    language: str
    state: str
    closed_at: str
    amendment: str

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.date)

    @property
    def closed(self) -> bool:
        return self.state == CLOSED


_COLUMNS = ("id, date, start_time, venue, village_code, modules, trainer_ids, partner, "
            "audience, language, state, closed_at, amendment")


def _from_row(row) -> Session:
    return Session(row[0], row[1], row[2], row[3], row[4], tuple(json.loads(row[5] or "[]")),
                   tuple(json.loads(row[6] or "[]")), row[7], row[8], row[9], row[10],
                   row[11], row[12])


def parse_date(text: str) -> str:
    try:
        return dt.date.fromisoformat(to_ascii_digits(text.strip())).isoformat()
    except ValueError:
        raise UserError(_("The date {date} is not a date like 2026-03-08.")
                        .format(date=text)) from None


def parse_time(text: str) -> str:
    text = to_ascii_digits((text or "").strip())
    if not text:
        return ""
    try:
        return dt.time.fromisoformat(text).strftime("%H:%M")
    except ValueError:
        raise UserError(_("The time {time} is not a time like 08:30.")
                        .format(time=text)) from None


def create(store: Store, date: str, village_code: str, modules: list[str] | None = None, *,
           start_time: str = "", venue: str = "", trainer_ids: list[str] | None = None,
           partner: str = "", audience: str = "", language: str = "km",
           session_id: str | None = None) -> Session:
    """Plan a session (state planned)."""
    gazetteer.require_village(village_code)
    fields = {"date": parse_date(date), "start_time": parse_time(start_time),
              "venue": venue.strip(), "village_code": village_code.strip(),
              "modules": catalogue.require_modules(list(modules or [])),
              "trainer_ids": list(trainer_ids or []), "partner": partner.strip(),
              "audience": audience.strip(), "language": language if language in ("km", "en")
              else "km", "state": PLANNED, "closed_at": "", "amendment": "", "deleted": 0}
    new = session_id or new_id()
    store.record("session", new, fields)
    return get(store.database, new)


def update(store: Store, session_id: str, reason: str = "", **changes) -> Session:
    """Change planning fields; on a closed session this is an amendment needing a reason."""
    session = require_editable(store.database, session_id, reason)
    fields: dict = {}
    if "date" in changes:
        fields["date"] = parse_date(changes["date"])
    if "start_time" in changes:
        fields["start_time"] = parse_time(changes["start_time"])
    if "village_code" in changes:
        gazetteer.require_village(changes["village_code"])
        fields["village_code"] = changes["village_code"]
    if "modules" in changes:
        fields["modules"] = catalogue.require_modules(list(changes["modules"]))
    for name in ("venue", "partner", "audience", "trainer_ids", "language"):
        if name in changes:
            fields[name] = changes[name]
    if session.closed:
        fields["amendment"] = reason
    if fields:
        store.record("session", session_id, fields)
    return get(store.database, session_id)


def get(database: Database, session_id: str) -> Session | None:
    rows = database.conn.execute(f"SELECT {_COLUMNS} FROM session WHERE id = ? AND deleted = 0",
                                 (session_id,)).fetchall()
    return _from_row(rows[0]) if rows else None


def require(database: Database, session_id: str) -> Session:
    found = get(database, session_id) if is_id(session_id or "") else None
    if found is None:
        raise UserError(_("There is no session with id {id}.").format(id=session_id))
    return found


def require_editable(database: Database, session_id: str, reason: str = "") -> Session:
    """The session, if it may change now: open, or closed with an amendment reason."""
    session = require(database, session_id)
    if session.closed and not reason.strip():
        raise UserError(_("This session is closed. To correct it, make an amendment and "
                          "give a reason."))
    return session


def start_if_planned(store: Store, session_id: str) -> None:
    session = require(store.database, session_id)
    if session.state == PLANNED:
        store.record("session", session_id, {"state": RUNNING})


def close(store: Store, session_id: str) -> Session:
    """Lock the session; later changes are amendments."""
    session = require(store.database, session_id)
    if session.closed:
        raise UserError(_("This session is already closed."))
    store.record("session", session_id, {
        "state": CLOSED, "closed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return get(store.database, session_id)


def list_sessions(database: Database, limit: int | None = None) -> list[Session]:
    """Newest first."""
    sql = f"SELECT {_COLUMNS} FROM session WHERE deleted = 0 ORDER BY date DESC, start_time DESC"
    params: tuple = ()
    if limit:
        sql += " LIMIT ?"
        params = (limit,)
    return [_from_row(row) for row in database.conn.execute(sql, params)]


def page(database: Database, after: Session | None = None, limit: int = 200) -> list[Session]:
    """Newest first, `limit` at a time after the session `after` (keyset paging)."""
    sql = f"SELECT {_COLUMNS} FROM session WHERE deleted = 0"
    params: tuple = ()
    if after is not None:
        sql += " AND (date, start_time, id) < (?, ?, ?)"
        params = (after.date, after.start_time, after.id)
    sql += " ORDER BY date DESC, start_time DESC, id DESC LIMIT ?"
    return [_from_row(row) for row in database.conn.execute(sql, (*params, limit))]


def present_count(database: Database, session_id: str) -> int:
    return database.scalar("SELECT count(*) FROM attendance WHERE session_id = ? AND "
                           "present = 1", (session_id,)) or 0


def count(database: Database) -> int:
    return database.scalar("SELECT count(*) FROM session WHERE deleted = 0") or 0
