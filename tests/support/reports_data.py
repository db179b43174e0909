"""Shared helpers for the report tests: a small demo programme and raw counts."""

from __future__ import annotations

import datetime as dt

TODAY = dt.date(2026, 6, 30)


def demo_programme(store, participants: int = 260, sessions: int = 14, seed: int = 7):
    from debc_outreach.storage import demo

    return demo.generate(store, participants, sessions, seed=seed, today=TODAY)


def raw_attendance(database) -> list[tuple]:
    """(session id, kept person id, session date, village, sex, birth_year, age_band,
    disability, consent) of every present attendance, counted in plain Python."""
    people = {row[0]: row[1:] for row in database.conn.execute(
        "SELECT id, merged_into, sex, birth_year, age_band, disability, consent, deleted "
        "FROM participant")}
    sessions = {row[0]: row[1:] for row in database.conn.execute(
        "SELECT id, date, village_code, deleted FROM session")}
    seen = set()
    out = []
    for session_id, participant_id in database.conn.execute(
            "SELECT session_id, participant_id FROM attendance WHERE present = 1"):
        merged_into = people[participant_id][0]
        kept = merged_into or participant_id
        day, village, session_deleted = sessions[session_id]
        _m, sex, birth_year, band, disability, consent, deleted = people[kept]
        if session_deleted or deleted or (session_id, kept) in seen:
            continue
        seen.add((session_id, kept))
        out.append((session_id, kept, day, village, sex, birth_year, band, disability, consent))
    return out
