"""Attendance and checklist ticks from several devices converge in any order."""

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from debc_outreach.storage import checklist, projection
from debc_outreach.storage.events import Event

SCHEMA = """
CREATE TABLE attendance (session_id TEXT, participant_id TEXT, present INTEGER NOT NULL,
    added_hlc INTEGER NOT NULL DEFAULT 0, added_device TEXT NOT NULL DEFAULT '',
    removed_hlc INTEGER NOT NULL DEFAULT 0, removed_device TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, participant_id));
CREATE TABLE checklist_result (session_id TEXT, participant_id TEXT, item_id TEXT,
    state TEXT NOT NULL, hlc INTEGER NOT NULL, device_id TEXT NOT NULL,
    PRIMARY KEY (session_id, participant_id, item_id));
"""

event = st.tuples(st.sampled_from(["add", "remove", "tick"]), st.sampled_from(["p1", "p2"]),
                  st.integers(1, 30), st.sampled_from(["dev-a", "dev-b"]),
                  st.sampled_from(checklist.STATES))


def _state(events):
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    for kind, person, hlc, device, state in events:
        if kind == "tick":
            projection.apply(conn, Event(device, 1, hlc, "checklist", "s1", "set",
                                         {"participant_ids": [person], "item_id": "m.a",
                                          "state": state}))
        else:
            projection.apply(conn, Event(device, 1, hlc, "attendance", "s1", kind,
                                         {"participant_id": person}))
    present = conn.execute("SELECT participant_id, present FROM attendance "
                           "ORDER BY participant_id").fetchall()
    ticks = conn.execute("SELECT participant_id, state FROM checklist_result "
                         "ORDER BY participant_id").fetchall()
    return present, ticks


@settings(max_examples=150, deadline=None)
@given(st.lists(event, max_size=12, unique_by=lambda e: (e[2], e[3])), st.randoms())
def test_any_arrival_order_gives_the_same_attendance_and_ticks(events, rng):
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert _state(events) == _state(shuffled)
    assert _state(events + events) == _state(events)          # applying twice changes nothing
