"""How checklist results are stored: one compact row per (participant, session).

A national programme holds millions of results. One row per cell, with the
session, person, item and device as text ids and an index beside it, took
about 340 bytes a result; a person's results in one session share one row
here instead, at about 28 bytes a result with the session index:

- `participant`: the record id as its 16 bytes when it is a UUID written the
  usual way (every id the app makes), else the id text itself;
- `session`: a small local number for the session id (`checklist_session_key`);
- `achieved`, `not_yet`, `not_assessed`: one character per item in that state,
  the item's local number (`checklist_item_key`) as a code point;
- `stamps`: per result, in the order of those three texts, the local number of
  the device that set it (`checklist_device_key`) and its HLC: what
  last-writer-wins compares (HLC, then device id text) when a later tick arrives.

The numbers are local to this computer, like every projection: bundles,
hub deltas and backups carry the events, never these rows.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Iterator
from itertools import repeat

# A record id is stored as events.py stores entity ids: 16 bytes for a UUID in its usual
# spelling, the text itself otherwise.
from debc_outreach.storage.events import id_key as participant_key
from debc_outreach.storage.events import id_text as participant_id

ACHIEVED, NOT_YET, NOT_ASSESSED = "achieved", "not_yet", "not_assessed"
STATE_COLUMNS: tuple[str, ...] = (ACHIEVED, NOT_YET, NOT_ASSESSED)
SESSION_KEYS, ITEM_KEYS, DEVICE_KEYS = ("checklist_session_key", "checklist_item_key",
                                        "checklist_device_key")
TABLES: tuple[str, ...] = ("checklist_row", SESSION_KEYS, ITEM_KEYS, DEVICE_KEYS)

_STAMP = struct.Struct(">Iq")            # device key, HLC
_CHUNK = 400                             # (participant, session) pairs per lookup
_SURROGATES = 0xD800                     # code points a text cannot hold start here

# The primary key serves the skills walk (reports/scan.py: every row in person
# order), a person's sessions (certificates, a person's history: one range) and
# the writes. `checklist_row_session` serves the session grid
# (storage/checklist.results): one session's rows, states included, so the grid
# reads one range of the index and no row.
DDL = f"""
    CREATE TABLE checklist_row (
        participant BLOB NOT NULL,
        session INTEGER NOT NULL,
        achieved TEXT NOT NULL,
        not_yet TEXT NOT NULL,
        not_assessed TEXT NOT NULL,
        stamps BLOB NOT NULL,
        PRIMARY KEY (participant, session)
    ) WITHOUT ROWID;
    CREATE INDEX checklist_row_session ON checklist_row (session, achieved, not_yet,
                                                         not_assessed);
    CREATE TABLE {SESSION_KEYS} (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
    CREATE TABLE {ITEM_KEYS} (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
    CREATE TABLE {DEVICE_KEYS} (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
"""

Cell = tuple[str, str, str, str, int, str]   # session, participant, item, state, HLC, device


def create(conn: sqlite3.Connection) -> None:
    for statement in DDL.split(";"):
        if statement.strip():
            conn.execute(statement)


# --- keys ------------------------------------------------------------------------------

def item_char(key: int) -> str:
    return chr(key if key < _SURROGATES else key + 0x800)


def item_key(char: str) -> int:
    point = ord(char)
    return point if point < _SURROGATES else point - 0x800


def keys(conn: sqlite3.Connection, table: str, names: Iterable[str],
         create_missing: bool = False) -> dict[str, int]:
    """Local numbers of `names` in a key table (`table` is one of the three above)."""
    wanted = list(dict.fromkeys(names))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        part = wanted[start:start + _CHUNK]
        marks = ", ".join("?" * len(part))
        found.update(conn.execute(f"SELECT id, key FROM {table} WHERE id IN ({marks})", part))
    missing = [name for name in wanted if name not in found]
    if missing and create_missing:
        conn.executemany(f"INSERT INTO {table} (id) VALUES (?)", [(name,) for name in missing])
        found.update(keys(conn, table, missing))
    return found


def names(conn: sqlite3.Connection, table: str) -> dict[int, str]:
    """Every local number of a key table and its id (items and devices are few)."""
    return dict(conn.execute(f"SELECT key, id FROM {table}"))


# --- one row ---------------------------------------------------------------------------

def decode(achieved: str, not_yet: str, not_assessed: str,
           stamps: bytes) -> Iterator[tuple[int, str, int, int]]:
    """(item key, state, HLC, device key) of every result of one row."""
    marks = [(char, ACHIEVED) for char in achieved]
    marks += [(char, NOT_YET) for char in not_yet]
    marks += [(char, NOT_ASSESSED) for char in not_assessed]
    for (char, state), (device, hlc) in zip(marks, _STAMP.iter_unpack(stamps), strict=True):
        yield item_key(char), state, hlc, device


_STATE_INDEX = {state: index for index, state in enumerate(STATE_COLUMNS)}


def encode(cells: dict[int, tuple[str, int, int]]) -> tuple[str, str, str, bytes]:
    """The columns of one row from {item key: (state, HLC, device key)}."""
    texts: tuple[list[str], ...] = ([], [], [])
    stamps: tuple[list[bytes], ...] = ([], [], [])
    for item in sorted(cells):
        state, hlc, device = cells[item]
        index = _STATE_INDEX[state]
        texts[index].append(item_char(item))
        stamps[index].append(_STAMP.pack(device, hlc))
    return ("".join(texts[0]), "".join(texts[1]), "".join(texts[2]),
            b"".join(stamps[0]) + b"".join(stamps[1]) + b"".join(stamps[2]))


# --- writing ---------------------------------------------------------------------------

_UPSERT = ("INSERT INTO checklist_row (participant, session, achieved, not_yet, not_assessed, "
           "stamps) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (participant, session) DO UPDATE SET "
           "achieved = excluded.achieved, not_yet = excluded.not_yet, "
           "not_assessed = excluded.not_assessed, stamps = excluded.stamps")


def write(conn: sqlite3.Connection, cells: Iterable[Cell]) -> None:
    """Store results; per (session, participant, item) the last writer wins: the
    higher HLC, then the higher device id, whatever the order they come in."""
    newest: dict[tuple[str, str], dict[str, tuple[str, int, str]]] = {}
    for session_id, person_id, item_id, state, hlc, device_id in cells:
        row = newest.get((person_id, session_id))
        if row is None:
            newest[(person_id, session_id)] = {item_id: (state, hlc, device_id)}
            continue
        held = row.get(item_id)
        if held is None or (hlc, device_id) > held[1:]:
            row[item_id] = (state, hlc, device_id)
    if not newest:
        return
    session_keys = keys(conn, SESSION_KEYS, {session for _person, session in newest}, True)
    item_keys = keys(conn, ITEM_KEYS, {item for row in newest.values() for item in row}, True)
    device_keys = keys(conn, DEVICE_KEYS, {cell[2] for row in newest.values()
                                           for cell in row.values()}, True)
    incoming = {(participant_key(person), session_keys[session]): row
                for (person, session), row in newest.items()}
    stored = _stored_rows(conn, list(incoming))
    device_ids = _device_ids(conn, {cell[2] for row in stored.values()
                                    for cell in row.values()})
    changed = []
    for key, row in incoming.items():
        merged = stored.get(key)
        if merged is None:
            merged = {item_keys[item_id]: (state, hlc, device_keys[device_id])
                      for item_id, (state, hlc, device_id) in row.items()}
        elif not _merge(merged, row, item_keys, device_keys, device_ids):
            continue
        changed.append((*key, *encode(merged)))
    conn.executemany(_UPSERT, changed)


def _merge(stored: dict[int, tuple[str, int, int]], row: dict[str, tuple[str, int, str]],
           item_keys: dict[str, int], device_keys: dict[str, int],
           device_ids: dict[int, str]) -> bool:
    """Take into `stored` each result of `row` newer than the one held; True if any was."""
    taken = False
    for item_id, (state, hlc, device_id) in row.items():
        item = item_keys[item_id]
        held = stored.get(item)
        if held is None or (hlc, device_id) > (held[1], device_ids[held[2]]):
            stored[item] = (state, hlc, device_keys[device_id])
            taken = True
    return taken


def _device_ids(conn: sqlite3.Connection, device_keys: set[int]) -> dict[int, str]:
    """{local number: device id} of the devices that set the results already stored."""
    found: dict[int, str] = {}
    wanted = list(device_keys)
    for start in range(0, len(wanted), _CHUNK):
        part = wanted[start:start + _CHUNK]
        found.update(conn.execute(f"SELECT key, id FROM {DEVICE_KEYS} WHERE key IN "
                                  f"({', '.join('?' * len(part))})", part))
    return found


def _stored_rows(conn: sqlite3.Connection, row_keys: list[tuple[bytes | str, int]]
                 ) -> dict[tuple[bytes | str, int], dict[int, tuple[str, int, int]]]:
    """The rows already stored for `row_keys`, decoded."""
    stored = {}
    for start in range(0, len(row_keys), _CHUNK):
        part = row_keys[start:start + _CHUNK]
        marks = ", ".join("(?, ?)" for _ in part)
        # The pairs drive the join: one primary key search each ("(participant,
        # session) IN (VALUES ...)" would scan the whole table).
        for person, session, *columns in conn.execute(
                f"SELECT r.participant, r.session, r.achieved, r.not_yet, r.not_assessed, "
                f"r.stamps FROM (VALUES {marks}) v CROSS JOIN checklist_row r "
                f"ON r.participant = v.column1 AND r.session = v.column2",
                [value for key in part for value in key]):
            stored[(person, session)] = {item: (state, hlc, device)
                                         for item, state, hlc, device in decode(*columns)}
    return stored


# --- reading ---------------------------------------------------------------------------

def session_results(conn: sqlite3.Connection, session_id: str) -> dict[tuple[str, str], str]:
    """{(participant id, item id): state} for one session."""
    rows = conn.execute(
        f"SELECT r.participant, r.achieved, r.not_yet, r.not_assessed FROM {SESSION_KEYS} k "
        f"JOIN checklist_row r ON r.session = k.key WHERE k.id = ?", (session_id,)).fetchall()
    items = _item_ids(conn, set("".join(text for row in rows for text in row[1:])))
    item_of = items.__getitem__
    out: dict[tuple[str, str], str] = {}
    for person, *texts in rows:
        person_id = participant_id(person)
        for state, text in zip(STATE_COLUMNS, texts, strict=True):
            out.update(zip(zip(repeat(person_id), map(item_of, text)), repeat(state)))
    return out


def achieved_items(conn: sqlite3.Connection, participant_ids: list[str],
                   session_ids: list[str]) -> set[str]:
    """Item ids any of `participant_ids` achieved in any of `session_ids`."""
    return set().union(*achieved_by_session(conn, participant_ids, session_ids).values())


def achieved_by_session(conn: sqlite3.Connection, participant_ids: list[str],
                        session_ids: list[str]) -> dict[str, set[str]]:
    """{session id: item ids any of `participant_ids` achieved there} (sessions with
    none are left out)."""
    wanted = set(session_ids)
    if not participant_ids or not wanted:
        return {}
    people = [participant_key(person) for person in participant_ids]
    # Each person's rows are one range of the primary key: read them all and keep
    # the sessions asked for (a person attends a few dozen sessions at most).
    chars: dict[str, set[str]] = {}
    for session_id, text in conn.execute(
            f"SELECT k.id, r.achieved FROM checklist_row r JOIN {SESSION_KEYS} k "
            f"ON k.key = r.session WHERE r.participant IN ({', '.join('?' * len(people))}) "
            f"AND r.achieved != ''", people):
        if session_id in wanted:
            chars.setdefault(session_id, set()).update(text)
    items = _item_ids(conn, set().union(*chars.values()))
    return {session_id: {items[char] for char in found} for session_id, found in chars.items()}


def _item_ids(conn: sqlite3.Connection, chars: set[str]) -> dict[str, str]:
    """{stored item character: item id} for `chars`."""
    if not chars:
        return {}
    found = [item_key(char) for char in chars]
    return {item_char(key): item for key, item in conn.execute(
        f"SELECT key, id FROM {ITEM_KEYS} WHERE key IN ({', '.join('?' * len(found))})",
        found)}


def recorded_items(conn: sqlite3.Connection) -> set[str]:
    """Every item id a result was recorded against (a key exists only with a result)."""
    return {row[0] for row in conn.execute(f"SELECT id FROM {ITEM_KEYS}")}


def cells(conn: sqlite3.Connection) -> list[Cell]:
    """Every result as (session, participant, item, state, HLC, device), sorted: for
    checks and tests that compare two folders cell by cell."""
    sessions, items, devices = (names(conn, table)
                                for table in (SESSION_KEYS, ITEM_KEYS, DEVICE_KEYS))
    out = [(sessions[session], participant_id(person), items[item], state, hlc, devices[device])
           for person, session, *columns in conn.execute(
               "SELECT participant, session, achieved, not_yet, not_assessed, stamps "
               "FROM checklist_row")
           for item, state, hlc, device in decode(*columns)]
    out.sort()
    return out
