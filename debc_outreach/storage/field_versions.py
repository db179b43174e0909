"""Which event last wrote each field of a plain record: the versions merges compare.

A version is the (HLC, device id) of the event that wrote a field last
(storage/projection/fields.py compares them: last writer wins). They are kept
one row per record in `record_version`, not one row per field: nearly every
record is written once, so all its fields share the version of the event that
created it. A row holds that shared version, the fields it covers as a bit mask,
and in `others` each field whose version is its own (a later edit), as
`[[bit, hlc, device], ...]`. A field with no version (never written) is in
neither. At a million participants that is one row of about 45 bytes a person
instead of a dozen rows of about 130.

The encoding is local to this computer, like every projection: devices and field
names are small numbers given in the order this computer meets them
(`version_device`; `version_entity` lists each entity's field names in bit
order), and a record id in UUID form is kept as its 16 bytes. Bundles, hub
deltas and backups carry device ids and field names (`rows` reads them so), so
the numbers never leave the computer.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Iterator

from debc_outreach.storage.events import id_key, id_text

Version = tuple[int, str]            # (hlc, device id) of the event that wrote a field
# What `rows` yields: the layout the versions had as one row per field.
COLUMNS = ("entity", "entity_id", "field", "hlc", "device_id")
MASK_BITS = 63                       # bits of a signed 64-bit integer; later fields go to others
_IN_CHUNK = 500                      # ids per IN (...) list


@functools.lru_cache(maxsize=64)
def _field_names(names_json: str) -> tuple[tuple[str, ...], dict[str, int]]:
    """An entity's field names in bit order, and each one's bit (parsed once per text)."""
    names = tuple(json.loads(names_json))
    return names, {name: bit for bit, name in enumerate(names)}


def create(conn: sqlite3.Connection) -> None:
    """The tables (one statement each: the caller's transaction stays open)."""
    conn.execute("CREATE TABLE version_device (no INTEGER PRIMARY KEY, "
                 "device_id TEXT NOT NULL UNIQUE)")
    conn.execute("CREATE TABLE version_entity (no INTEGER PRIMARY KEY, "
                 "entity TEXT NOT NULL UNIQUE, fields TEXT NOT NULL DEFAULT '[]')")
    # entity_id has no type affinity: 16 bytes for a UUID, the text for any other id.
    conn.execute("""
        CREATE TABLE record_version (
            entity INTEGER NOT NULL,
            entity_id BLOB NOT NULL,
            hlc INTEGER NOT NULL,
            device INTEGER NOT NULL,
            fields INTEGER NOT NULL,
            others TEXT,
            PRIMARY KEY (entity, entity_id)
        ) WITHOUT ROWID""")


class Codes:
    """The local numbers of devices and of each entity's fields.

    Looked up once and remembered for one transaction (a rolled-back transaction
    can take back numbers it gave, so an instance never outlives its own).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._devices: dict[str, int] = {}
        self._device_ids: dict[int, str] = {}
        self._entities: dict[str, tuple[int, list[str], dict[str, int]]] = {}

    def device(self, device_id: str) -> int:
        number = self._devices.get(device_id)
        if number is None:
            row = self.conn.execute("SELECT no FROM version_device WHERE device_id = ?",
                                    (device_id,)).fetchone()
            number = row[0] if row else self.conn.execute(
                "INSERT INTO version_device (device_id) VALUES (?) RETURNING no",
                (device_id,)).fetchone()[0]
            self._devices[device_id] = number
            self._device_ids[number] = device_id
        return number

    def device_id(self, number: int) -> str:
        found = self._device_ids.get(number)
        if found is None:
            found = self.conn.execute("SELECT device_id FROM version_device WHERE no = ?",
                                      (number,)).fetchone()[0]
            self._device_ids[number] = found
            self._devices[found] = number
        return found

    def entity(self, entity: str, create: bool = True) -> tuple[int, list[str]] | None:
        """The entity's number and its field names in bit order (None: never stored)."""
        found = self._entity(entity, create)
        return None if found is None else found[:2]

    def _entity(self, entity: str, create: bool) -> tuple[int, list[str], dict[str, int]] | None:
        found = self._entities.get(entity)
        if found is None:
            row = self.conn.execute("SELECT no, fields FROM version_entity WHERE entity = ?",
                                    (entity,)).fetchone()
            if row is None and not create:
                return None
            if row is None:
                row = self.conn.execute("INSERT INTO version_entity (entity) VALUES (?) "
                                        "RETURNING no, fields", (entity,)).fetchone()
            found = self._learn(entity, *row)
        return found

    def _learn(self, entity: str, number: int, names_json: str
               ) -> tuple[int, list[str], dict[str, int]]:
        found = self._entities.get(entity)
        if found is None:
            names, bits = _field_names(names_json)
            # Copies: `bit` appends to them within this transaction only.
            found = self._entities[entity] = (number, list(names), dict(bits))
        return found

    def read(self, entity: str, entity_id: str, writer: str = "") -> dict[str, Version]:
        """The record's versions, in one query: a merge reads them once per event, and
        learns the number of the event's device (`writer`) on the way."""
        row = self.conn.execute(
            "SELECT e.no, e.fields, r.hlc, r.device, d.device_id, r.fields, r.others, w.no "
            "FROM version_entity e "
            "LEFT JOIN record_version r ON r.entity = e.no AND r.entity_id = ? "
            "LEFT JOIN version_device d ON d.no = r.device "
            "LEFT JOIN version_device w ON w.device_id = ? WHERE e.entity = ?",
            (id_key(entity_id), writer, entity)).fetchone()
        if row is None:
            return {}
        number, names_json, hlc, device, device_id, mask, others, writer_no = row
        self._learn(entity, number, names_json)
        for known_no, known_id in ((writer_no, writer), (device, device_id)):
            if known_no is not None:
                self._devices[known_id] = known_no
                self._device_ids[known_no] = known_id
        return {} if hlc is None else self.decode(entity, (hlc, device, mask, others))

    def bit(self, entity: str, field: str) -> int:
        """The field's bit, given on first use (names are only ever appended)."""
        number, names, bits = self._entity(entity, True)
        found = bits.get(field)
        if found is None:
            found = bits[field] = len(names)
            names.append(field)
            self.conn.execute("UPDATE version_entity SET fields = ? WHERE no = ?",
                              (json.dumps(names, ensure_ascii=False), number))
        return found

    def encode(self, entity: str, entity_id: str, versions: dict[str, Version]) -> tuple:
        """The `record_version` row of a record's versions (at least one)."""
        tally: dict[Version, int] = {}
        for version in versions.values():
            tally[version] = tally.get(version, 0) + 1
        shared = next(iter(tally)) if len(tally) == 1 else \
            max(tally, key=lambda version: (tally[version], version))
        number, _names, bits = self._entity(entity, True)
        mask = 0
        others = []
        for name, version in versions.items():
            bit = bits.get(name)
            if bit is None:
                bit = self.bit(entity, name)
            if version == shared and bit < MASK_BITS:
                mask |= 1 << bit
            else:
                others.append([bit, version[0], self.device(version[1])])
        return (number, id_key(entity_id), shared[0], self.device(shared[1]), mask,
                json.dumps(sorted(others), separators=(",", ":")) if others else None)

    def fresh(self, entity: str, entity_id: str, names: Iterable[str], hlc: int,
              device_id: str) -> tuple:
        """The row of a record whose every field was written by one event (its first)."""
        return self.encode(entity, entity_id, dict.fromkeys(names, (hlc, device_id)))

    def decode(self, entity: str, row: tuple) -> dict[str, Version]:
        """A record's versions from (hlc, device, fields, others) of its row."""
        hlc, device, mask, others = row
        names = self._entity(entity, True)[1]
        shared = (hlc, self.device_id(device))
        versions = {names[bit]: shared for bit in range(min(len(names), MASK_BITS))
                    if mask >> bit & 1}
        for bit, other_hlc, other_device in json.loads(others) if others else ():
            versions[names[bit]] = (other_hlc, self.device_id(other_device))
        return versions


def read(conn: sqlite3.Connection, entity: str, entity_id: str, codes: Codes | None = None,
         writer: str = "") -> dict[str, Version]:
    """Each written field of the record and its version ({} for a record never written).

    `writer`: the device about to write the record, if any (its number is looked up at
    the same time)."""
    return (codes or Codes(conn)).read(entity, entity_id, writer)


def write(conn: sqlite3.Connection, entity: str, entity_id: str,
          versions: dict[str, Version], codes: Codes | None = None) -> None:
    """Store the record's versions, in place of what it had."""
    codes = codes or Codes(conn)
    if versions:
        conn.execute("INSERT OR REPLACE INTO record_version VALUES (?, ?, ?, ?, ?, ?)",
                     codes.encode(entity, entity_id, versions))
    else:
        delete(conn, entity, [entity_id])


def insert(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Add rows made by `Codes.encode`/`Codes.fresh` of records not stored yet."""
    conn.executemany("INSERT INTO record_version VALUES (?, ?, ?, ?, ?, ?)", rows)


def delete(conn: sqlite3.Connection, entity: str, entity_ids: Iterable[str]) -> None:
    found = Codes(conn).entity(entity, create=False)
    if found is not None:
        conn.executemany("DELETE FROM record_version WHERE entity = ? AND entity_id = ?",
                         [(found[0], id_key(entity_id)) for entity_id in entity_ids])


def forget(conn: sqlite3.Connection, entity: str) -> None:
    """Drop the versions of every record of the entity."""
    found = Codes(conn).entity(entity, create=False)
    if found is not None:
        conn.execute("DELETE FROM record_version WHERE entity = ?", (found[0],))


def stored(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Those of the (entity, id) pairs that have versions."""
    by_entity: dict[str, list[str]] = {}
    for entity, entity_id in keys:
        by_entity.setdefault(entity, []).append(entity_id)
    codes = Codes(conn)
    found: set[tuple[str, str]] = set()
    for entity, ids in by_entity.items():
        known = codes.entity(entity, create=False)
        if known is None:
            continue
        for start in range(0, len(ids), _IN_CHUNK):
            part = [id_key(entity_id) for entity_id in ids[start:start + _IN_CHUNK]]
            found.update((entity, id_text(key)) for (key,) in conn.execute(
                f"SELECT entity_id FROM record_version WHERE entity = ? AND entity_id IN "
                f"({', '.join('?' * len(part))})", (known[0], *part)))
    return found


def rows(conn: sqlite3.Connection, entity: str | None = None,
         entity_ids: Iterable[str] | None = None) -> Iterator[tuple]:
    """(entity, entity_id, field, hlc, device_id) of every version, or of the given
    records of one entity: what backups carry and what devices compare."""
    codes = Codes(conn)
    if entity_ids is not None:
        if entity is None:
            raise ValueError("records are named within one entity")
        for entity_id in entity_ids:
            for field, (hlc, device_id) in read(conn, entity, entity_id, codes).items():
                yield entity, entity_id, field, hlc, device_id
        return
    entities = conn.execute("SELECT no, entity FROM version_entity ORDER BY entity").fetchall()
    for number, name in entities:
        if entity is not None and name != entity:
            continue
        cursor = conn.execute("SELECT entity_id, hlc, device, fields, others FROM "
                              "record_version WHERE entity = ?", (number,))
        for key, *stamp in cursor:
            entity_id = id_text(key)
            for field, (hlc, device_id) in codes.decode(name, tuple(stamp)).items():
                yield name, entity_id, field, hlc, device_id


def group(rows: Iterable[tuple]) -> Iterator[tuple[str, str, dict[str, Version]]]:
    """(entity, entity_id, versions) of rows in the `COLUMNS` layout, ordered by record."""
    current: tuple[str, str] | None = None
    versions: dict[str, Version] = {}
    for entity, entity_id, field, hlc, device_id in rows:
        if (entity, entity_id) != current:
            if current is not None:
                yield *current, versions
            current, versions = (entity, entity_id), {}
        versions[field] = (hlc, device_id)
    if current is not None:
        yield *current, versions
