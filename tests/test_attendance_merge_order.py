"""Attendance and checklist ticks from several devices converge in any order."""

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from debc_outreach.storage import checklist, projection
from debc_outreach.storage.events import Event
from debc_outreach.storage.projection import checklist as checklist_projection
from debc_outreach.storage.projection import checklist_rows

SCHEMA = """
CREATE TABLE attendance (session_id TEXT, participant_id TEXT, present INTEGER NOT NULL,
    added_hlc INTEGER NOT NULL DEFAULT 0, added_device TEXT NOT NULL DEFAULT '',
    removed_hlc INTEGER NOT NULL DEFAULT 0, removed_device TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, participant_id));
"""
# Both spellings of a record id: a UUID (stored as 16 bytes) and any other text.
PEOPLE = ["p1", "0b6c1f8e-3d2a-4c55-9e61-7a8b9c0d1e2f"]

event = st.tuples(st.sampled_from(["add", "remove", "tick"]), st.sampled_from(PEOPLE),
                  st.integers(1, 30), st.sampled_from(["dev-a", "dev-b"]),
                  st.sampled_from(checklist.STATES))
tick = st.tuples(st.sampled_from(["s1", "s2"]), st.lists(st.sampled_from(PEOPLE), min_size=1,
                                                         max_size=2, unique=True),
                 st.sampled_from(["m.a", "m.b", "n.c"]), st.integers(1, 20),
                 st.sampled_from(["dev-a", "dev-b", "dev-c"]), st.sampled_from(checklist.STATES))


def _connection():
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    checklist_rows.create(conn)
    return conn


def _state(events):
    conn = _connection()
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
    ticks = [(cell[1], cell[3]) for cell in checklist_rows.cells(conn)]
    return present, ticks


def _tick_event(session, people, item, hlc, device, state):
    return Event(device, 1, hlc, "checklist", session, "set",
                 {"participant_ids": people, "item_id": item, "state": state})


def _newest_per_cell(ticks):
    """What last-writer-wins must give, worked out by hand: per cell the tick with the
    highest (HLC, device id)."""
    best = {}
    for session, people, item, hlc, device, state in ticks:
        for person in people:
            cell = (session, person, item)
            if cell not in best or (hlc, device) > best[cell][1:]:
                best[cell] = (state, hlc, device)
    return sorted((*cell, *won) for cell, won in best.items())


@settings(max_examples=150, deadline=None)
@given(st.lists(event, max_size=12, unique_by=lambda e: (e[2], e[3])), st.randoms())
def test_any_arrival_order_gives_the_same_attendance_and_ticks(events, rng):
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert _state(events) == _state(shuffled)
    assert _state(events + events) == _state(events)          # applying twice changes nothing


@settings(max_examples=150, deadline=None)
@given(st.lists(tick, max_size=16, unique_by=lambda t: (t[3], t[4])), st.randoms(),
       st.integers(1, 5))
def test_ticks_in_any_order_and_any_batches_give_the_newest_tick_per_cell(ticks, rng, size):
    """One tick at a time or many per batch (sync import), in any order, with old
    ticks arriving after new ones: each cell holds its newest tick, nothing else."""
    shuffled = list(ticks)
    rng.shuffle(shuffled)
    one_by_one, batched = _connection(), _connection()
    for item in ticks:
        projection.apply(one_by_one, _tick_event(*item))
    for start in range(0, len(shuffled), size):
        events = [_tick_event(*item) for item in shuffled[start:start + size]]
        checklist_projection.apply_batch(batched, [(e.as_row(), e.fields, e.base) for e in events])
    expected = _newest_per_cell(ticks)
    assert checklist_rows.cells(one_by_one) == expected
    assert checklist_rows.cells(batched) == expected
