"""The append-only event log and its per-device hash chain.

Every change is an event `(device_id, seq)`; tables are projections of the
log. Each device's events form a hash chain (`prev_hash` -> `hash`), so a
lost, reordered or edited event is detected by `db check` and by sync.

How this computer stores an event is private to this module. Other modules read the
log through the `event` view (the columns of `EVENT_COLUMNS` but `fields` and `base`,
plus `applied`: plain SQL, usable from any connection) or, for whole events, through
the functions here, and write it only through the functions here. Events
travel between computers as canonical JSON (sync/codec.py); the stored row is another
form of the same event, and `decode(encode(row)) == row` exactly, so the hash that
canonical JSON gives is the same on every computer:

- `event_row` is keyed by (device, seq) where device is a small local number
  (`event_device`); entity names and operations are small local numbers (`event_name`);
- an entity id that is a canonical UUID is kept as its 16 bytes, anything else as text;
- hashes that are 64 lowercase hex digits are kept as their 32 bytes;
- `fields` and `base` share one `body`: their JSON text with every quoted UUID taken
  out (a one-byte mark in the text, its 16 bytes after the text), compressed with a
  fixed dictionary (storage/event_dictionary.py). The first byte says how the rest was
  written, so a later dictionary can be added beside it.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _quote  # dumps() of one string

import zstandard

EVENT_SCHEMA_VERSION = 1
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Event:
    device_id: str
    seq: int
    hlc: int
    entity: str
    entity_id: str
    op: str
    fields: dict
    schema_version: int = EVENT_SCHEMA_VERSION
    base: dict = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def computed_hash(self) -> str:
        return event_hash(self.device_id, self.seq, self.hlc, self.entity, self.entity_id,
                          self.op, self.fields, self.base, self.schema_version, self.prev_hash)

    def as_row(self) -> tuple:
        return (self.device_id, self.seq, self.hlc, self.entity, self.entity_id, self.op,
                dumps(self.fields), dumps(self.base), self.schema_version, self.prev_hash,
                self.hash)


def dumps(value) -> str:
    """Canonical JSON: the same value always gives the same bytes (hashes depend on it)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(device_id: str, seq: int, hlc: int, entity: str, entity_id: str, op: str,
               fields: dict, base: dict, schema_version: int, prev_hash: str) -> str:
    payload = dumps([device_id, seq, hlc, entity, entity_id, op, fields, base,
                     schema_version, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


EVENT_COLUMNS = ("device_id, seq, hlc, entity, entity_id, op, fields, base, "
                 "schema_version, prev_hash, hash")
# Positions in a row selected or inserted in EVENT_COLUMNS order. Sync moves event
# rows as plain tuples (much faster than building an Event each), read by these names.
(DEVICE_ID, SEQ, HLC, ENTITY, ENTITY_ID, OP, FIELDS, BASE, SCHEMA_VERSION, PREV_HASH,
 HASH) = range(11)


def from_row(row) -> Event:
    return Event(device_id=row[0], seq=row[1], hlc=row[2], entity=row[3], entity_id=row[4],
                 op=row[5], fields=json.loads(row[6]), base=json.loads(row[7]),
                 schema_version=row[8], prev_hash=row[9], hash=row[10])


# --- The stored form of one event ------------------------------------------------------

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A quoted canonical UUID inside JSON text. In a body each becomes one byte that never
# occurs in UTF-8; the UUIDs' 16 bytes follow the text, in order.
_QUOTED_UUID = re.compile(rb'"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"')
_UUID_MARK = b"\xff"

_PLAIN = 0              # body version: the payload as it is
_DICTIONARY_V1 = 1      # body version: the payload compressed with DICTIONARY_V1
_COMPRESS_FROM = 24     # shorter payloads are not worth a compressed frame


def id_key(entity_id: str) -> bytes | str:
    """How an entity id is stored (and compared in a query): 16 bytes for a canonical
    UUID, the text itself otherwise. Text and bytes never compare equal in SQLite."""
    if len(entity_id) == 36 and _CANONICAL_UUID.fullmatch(entity_id):
        return binascii.unhexlify(entity_id.replace("-", ""))
    return entity_id


def id_text(stored: bytes | str) -> str:
    if isinstance(stored, str):
        return stored
    digits = stored.hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def hash_key(digest: str) -> bytes | str:
    """How a hash is stored: 32 bytes for 64 lowercase hex digits, the text otherwise."""
    return _packed_hash(digest, bytes)


def _packed_hash(digest: str, kind: type[bytes] | type[bytearray]) -> bytes | bytearray | str:
    if len(digest) == 64:
        try:
            packed = kind.fromhex(digest)
        except ValueError:
            return digest
        if packed.hex() == digest:      # not capitals, not spaces: the very same text
            return packed
    return digest


def hash_text(stored: bytes | str) -> str:
    return stored if isinstance(stored, str) else stored.hex()


def _mark(text: str) -> tuple[bytes, bytes]:
    """UTF-8 `text` with each quoted UUID replaced by the mark, and the UUIDs' text
    (dashes kept), in order."""
    data = text.encode("utf-8")
    if b"-" not in data:
        return data, b""
    parts = _QUOTED_UUID.split(data)            # text, uuid, text, uuid, ..., text
    if len(parts) == 1:
        return data, b""
    return _UUID_MARK.join(parts[::2]), b"".join(parts[1::2])


def _unmark(data: bytes, quoted: list[bytes]) -> str:
    """`data` with its marks replaced by `quoted` UUIDs, in order, as text."""
    if not quoted:
        return data.decode("utf-8")
    parts = data.split(_UUID_MARK)
    joined = [parts[0]]
    for uuid_text, part in zip(quoted, parts[1:], strict=True):
        joined += (uuid_text, part)
    return b"".join(joined).decode("utf-8")


def _quoted_uuids(packed: bytes) -> list[bytes]:
    digits = binascii.hexlify(packed)
    return [b'"%s-%s-%s-%s-%s"' % (digits[at:at + 8], digits[at + 8:at + 12],
                                   digits[at + 12:at + 16], digits[at + 16:at + 20],
                                   digits[at + 20:at + 32])
            for at in range(0, len(digits), 32)]


class _Zstd(threading.local):
    """One compressor and decompressor per thread (they are not thread-safe)."""

    def __init__(self) -> None:
        from debc_outreach.storage.event_dictionary import DICTIONARY_V1

        dictionary = zstandard.ZstdCompressionDict(DICTIONARY_V1)
        params = zstandard.ZstdCompressionParameters.from_level(
            3, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=True,
            write_checksum=False, write_dict_id=False)
        self.compress = zstandard.ZstdCompressor(dict_data=dictionary,
                                                 compression_params=params).compress
        self.decompress = zstandard.ZstdDecompressor(
            dict_data=dictionary, format=zstandard.FORMAT_ZSTD1_MAGICLESS).decompress


_zstd = _Zstd()


def _varint(number: int) -> bytes:
    if number < 0x80:
        return _SMALL[number]
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


_SMALL = [bytes((number,)) for number in range(0x80)]


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    """(number, position after it)."""
    number = shift = 0
    while True:
        byte = data[position]
        number |= (byte & 0x7F) << shift
        position += 1
        if byte < 0x80:
            return number, position
        shift += 7


def encode_body(fields_text: str, base_text: str) -> bytes:
    """`fields` and `base` (JSON text) as one stored body.

    The payload: how many UUIDs were taken out, the length of the marked fields, the
    marked fields, the marked base, then the UUIDs' bytes. Any text comes back exactly.
    """
    return _encode_body(fields_text, base_text, _zstd.compress)


def _encode_body(fields_text: str, base_text: str, compress) -> bytes:
    fields = fields_text.encode("utf-8")
    found = b""
    if b"-" in fields:                          # no UUID without a dash
        parts = _QUOTED_UUID.split(fields)      # text, uuid, text, uuid, ..., text
        if len(parts) > 1:
            fields, found = _UUID_MARK.join(parts[::2]), b"".join(parts[1::2])
    if base_text == "{}":
        base = b"{}"
    else:
        base, in_base = _mark(base_text)
        found += in_base
    packed = binascii.unhexlify(found.replace(b"-", b"")) if found else b""
    count, length = len(packed) >> 4, len(fields)
    head = bytes((count, length)) if count < 0x80 and length < 0x80 else \
        _varint(count) + _varint(length)
    payload = b"".join((head, fields, base, packed))
    if len(payload) >= _COMPRESS_FROM:
        compressed = compress(payload)
        if len(compressed) < len(payload):
            return _DICTIONARY_V1_MARK + compressed
    return _PLAIN_MARK + payload


_DICTIONARY_V1_MARK = bytes((_DICTIONARY_V1,))
_PLAIN_MARK = bytes((_PLAIN,))


def _payload(body: bytes) -> bytes:
    version = body[0]
    if version == _DICTIONARY_V1:
        return _zstd.decompress(body[1:])
    if version == _PLAIN:
        return body[1:]
    raise ValueError(f"event body written by a newer version ({version})")


def decode_body(body: bytes) -> tuple[str, str]:
    """(fields, base) as the JSON text they were encoded from."""
    return _decode_payload(_payload(body))


def _decode_payload(payload: bytes) -> tuple[str, str]:
    count, length = payload[0], payload[1]
    if count < 0x80 and length < 0x80:          # most events: read the lengths at once
        at = 2
    else:
        count, at = _read_varint(payload, 0)
        length, at = _read_varint(payload, at)
    end = len(payload) - 16 * count
    fields, base = payload[at:at + length], payload[at + length:end]
    if not count:
        return fields.decode("utf-8"), base.decode("utf-8")
    quoted = _quoted_uuids(payload[end:])
    in_fields = fields.count(_UUID_MARK)
    return _unmark(fields, quoted[:in_fields]), _unmark(base, quoted[in_fields:])


class _Keys:
    """Local numbers of devices and names, looked up (or given) once per call."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self.devices: dict[str, int] = {}       # known so far (keys start at 1)
        self.names: dict[str, int] = {}

    def device(self, device_id: str) -> int:
        key = self.devices.get(device_id)
        if key is None:
            key = self.devices[device_id] = _key(self._conn, "event_device", "device_id",
                                                 device_id)
        return key

    def name(self, name: str) -> int:
        key = self.names.get(name)
        if key is None:
            key = self.names[name] = _key(self._conn, "event_name", "name", name)
        return key


def _key(conn: sqlite3.Connection, table: str, column: str, value: str) -> int:
    row = conn.execute(f"SELECT key FROM {table} WHERE {column} = ?", (value,)).fetchone()
    if row is not None:
        return row[0]
    return conn.execute(f"INSERT INTO {table} ({column}) VALUES (?)", (value,)).lastrowid


# How many ids a long read or write remembers in text and stored form: a log names the
# same sessions and people again and again (bounded, so a whole log never piles up).
_REMEMBERED = 50000


def _stored_rows(keys: _Keys, rows: Iterable[tuple], applied: int | None = None
                 ) -> list[tuple]:
    """Rows in EVENT_COLUMNS order plus `applied` (or all `applied`), as `event_row`
    holds them.

    One pass with the work of `id_key`, `hash_key` and `encode_body` done in line and
    remembered where it repeats: an id already seen, and each event's `prev_hash`,
    which in a chain is the hash of the event just before it."""
    device_key, name_key = keys.device, keys.name
    devices, names = keys.devices, keys.names
    ids: dict[str, bytearray | str] = {}
    compress = _zstd.compress
    last_text, last_stored = None, None
    stored = []
    append = stored.append
    for row in rows:
        entity_id = row[ENTITY_ID]
        stored_id = ids.get(entity_id)
        if stored_id is None:
            if len(ids) >= _REMEMBERED:
                ids.clear()
            stored_id = ids[entity_id] = _bindable(id_key(entity_id))
        prev = row[PREV_HASH]
        stored_prev = last_stored if prev == last_text else _stored_hash(prev)
        last_text = row[HASH]
        last_stored = _stored_hash(last_text)
        device, entity, op = row[DEVICE_ID], row[ENTITY], row[OP]
        append((devices.get(device) or device_key(device), row[SEQ], row[HLC],
                names.get(entity) or name_key(entity), stored_id,
                names.get(op) or name_key(op),
                bytearray(_encode_body(row[FIELDS], row[BASE], compress)),
                row[SCHEMA_VERSION], stored_prev, last_stored,
                row[11] if applied is None else applied))
    return stored


def _stored_hash(digest: str) -> bytearray | str:
    """`hash_key` as bound into a statement (a bytearray: see `_bindable`)."""
    return _packed_hash(digest, bytearray)


def _bindable(value: bytes | str) -> bytearray | str:
    """The SQLite driver binds a bytearray as a blob about ten times faster than bytes
    (bytes first goes through its adapter lookup); both are stored the same."""
    return bytearray(value) if isinstance(value, bytes) else value


def _logical_rows(cursor: sqlite3.Cursor, devices: dict[int, str] | None = None,
                  names: dict[int, str] | None = None) -> Iterator[tuple]:
    """Stored rows (`_STORED_COLUMNS`, or `event_row`'s own columns when `devices` and
    `names` give the text of their keys) back in EVENT_COLUMNS order.

    One pass with the work of `id_text`, `hash_text` and `decode_body` done in line and
    remembered where it repeats (the ids a log names again and again, the hash each
    event links to); other bodies than the usual ones go through `_decode_payload`."""
    ids: dict[bytes, str] = {}
    quoted: dict[bytes, bytes] = {}
    decompress = _zstd.decompress
    mark = _UUID_MARK
    last_stored, last_text = None, ""
    # Row by row from the cursor: a caller may count the rows as they are read.
    for device, seq, hlc, entity, entity_id, op, body, schema, prev, digest in cursor:
        if devices is not None:
            device, entity, op = devices[device], names[entity], names[op]
        if type(entity_id) is bytes:
            text = ids.get(entity_id)
            if text is None:
                if len(ids) >= _REMEMBERED:
                    ids.clear()
                text = ids[entity_id] = id_text(entity_id)
            entity_id = text
        version = body[0]
        if version == _DICTIONARY_V1:
            payload = decompress(body[1:])
        elif version == _PLAIN:
            payload = body[1:]
        else:
            raise ValueError(f"event body written by a newer version ({version})")
        count, length = payload[0], payload[1]
        if count == 0 and length < 0x80:
            fields_text = payload[2:2 + length].decode("utf-8")
            base_text = payload[2 + length:].decode("utf-8")
        elif count == 1 and length < 0x80:
            # One UUID, so one mark in fields and base together.
            packed = payload[-16:]
            uuid_text = quoted.get(packed)
            if uuid_text is None:
                if len(quoted) >= _REMEMBERED:
                    quoted.clear()
                digits = packed.hex()
                uuid_text = quoted[packed] = (f'"{digits[:8]}-{digits[8:12]}-'
                                              f'{digits[12:16]}-{digits[16:20]}-'
                                              f'{digits[20:]}"').encode()
            fields_text = payload[2:2 + length].replace(mark, uuid_text).decode("utf-8")
            base_text = payload[2 + length:-16].replace(mark, uuid_text).decode("utf-8")
        else:
            fields_text, base_text = _decode_payload(payload)
        prev_text = last_text if prev == last_stored else \
            prev.hex() if type(prev) is bytes else prev
        last_stored = digest
        last_text = digest.hex() if type(digest) is bytes else digest
        yield (device, seq, hlc, entity, entity_id, op, fields_text, base_text, schema,
               prev_text, last_text)


# --- The tables and the view -----------------------------------------------------------

def _uuid_sql(column: str) -> str:
    digits = f"lower(hex({column}))"
    parts = " || '-' || ".join(f"substr({digits}, {start}, {length})" for start, length in
                                ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))
    return f"CASE WHEN typeof({column}) = 'blob' THEN {parts} ELSE {column} END"


def _hash_sql(column: str) -> str:
    return f"CASE WHEN typeof({column}) = 'blob' THEN lower(hex({column})) ELSE {column} END"


# Created by migration 0024 (`convert_legacy`): change them only with a new migration.
CREATE_TABLES = f"""
    CREATE TABLE event_device (key INTEGER PRIMARY KEY, device_id TEXT NOT NULL UNIQUE);
    CREATE TABLE event_name (key INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE event_row (
        device INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        hlc INTEGER NOT NULL,
        entity INTEGER NOT NULL,
        entity_id BLOB NOT NULL,
        op INTEGER NOT NULL,
        body BLOB NOT NULL,
        schema_version INTEGER NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL,
        applied INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (device, seq)
    ) WITHOUT ROWID;
    CREATE INDEX event_entity ON event_row (entity, entity_id);
    -- events stored but not applied (waiting for a newer app, held, stand-ins): the
    -- Sync page's counts, the retry after each import and the backup's list of them
    CREATE INDEX event_unapplied ON event_row (applied) WHERE applied = 0;
    CREATE VIEW event AS SELECT
        d.device_id AS device_id, r.seq AS seq, r.hlc AS hlc, n.name AS entity,
        {_uuid_sql("r.entity_id")} AS entity_id, o.name AS op,
        r.schema_version AS schema_version, {_hash_sql("r.prev_hash")} AS prev_hash,
        {_hash_sql("r.hash")} AS hash, r.applied AS applied,
        r.device AS stored_device, r.entity_id AS stored_entity_id, r.body AS stored_body,
        r.prev_hash AS stored_prev_hash, r.hash AS stored_hash
    FROM event_row r JOIN event_device d ON d.key = r.device
        JOIN event_name n ON n.key = r.entity JOIN event_name o ON o.key = r.op
"""
# The stored columns of a whole event, read through the view: device and names come
# back as text from their tables, the rest is decoded in Python (`_logical_rows`).
_STORED_COLUMNS = ("device_id, seq, hlc, entity, stored_entity_id, op, stored_body, "
                   "schema_version, stored_prev_hash, stored_hash")


# --- Writing ---------------------------------------------------------------------------

def insert(conn: sqlite3.Connection, event: Event, applied: bool = True) -> None:
    insert_rows(conn, [(*event.as_row(), int(applied))])


def insert_rows(conn: sqlite3.Connection, rows: Iterable[tuple],
                applied: int | None = None) -> None:
    """Store rows in EVENT_COLUMNS order followed by `applied` (0 or 1), or rows in
    EVENT_COLUMNS order that are all `applied`."""
    conn.executemany("INSERT INTO event_row VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     _stored_rows(_Keys(conn), rows, applied))


def set_applied(conn: sqlite3.Connection, device_id: str, seq: int) -> None:
    conn.execute("UPDATE event_row SET applied = 1 WHERE device = "
                 "(SELECT key FROM event_device WHERE device_id = ?) AND seq = ?",
                 (device_id, seq))


def delete_from(conn: sqlite3.Connection, device_id: str, seq: int,
                only_this: bool = False) -> int:
    """Remove a device's events from `seq` on (or only event `seq`); how many went."""
    return conn.execute(f"DELETE FROM event_row WHERE device = (SELECT key FROM event_device "
                        f"WHERE device_id = ?) AND seq {'=' if only_this else '>='} ?",
                        (device_id, seq)).rowcount


def redact(conn: sqlite3.Connection, keys: Iterable[tuple[str, int]]) -> int:
    """Make these events (device_id, seq) stand-ins: the hash stays, the content goes
    (retention). Returns how many were changed."""
    keys = list(keys)
    if not keys:
        return 0
    redacted, empty = _Keys(conn).name("redacted"), encode_body("{}", "{}")
    changed = 0
    for device_id, seq in keys:
        changed += conn.execute(
            "UPDATE event_row SET op = ?, body = ? WHERE device = (SELECT key FROM "
            "event_device WHERE device_id = ?) AND seq = ? AND op != ?",
            (redacted, empty, device_id, seq, redacted)).rowcount
    return changed


def name_stand_ins(conn: sqlite3.Connection,
                   stand_ins: Iterable[tuple[str, str, str, int]]) -> None:
    """Give stand-ins (entity, entity_id, device_id, seq) back the record they were."""
    stand_ins = list(stand_ins)
    if not stand_ins:
        return
    keys = _Keys(conn)
    redacted = keys.name("redacted")
    conn.executemany("UPDATE event_row SET entity = ?, entity_id = ? WHERE device = ? "
                     "AND seq = ? AND op = ?",
                     [(keys.name(entity), id_key(entity_id), keys.device(device_id), seq,
                       redacted) for entity, entity_id, device_id, seq in stand_ins])


# --- Reading ---------------------------------------------------------------------------

def rows(conn: sqlite3.Connection, where: str = "", params: tuple = (),
         order: str = "") -> Iterator[tuple]:
    """Whole events in EVENT_COLUMNS order. `where` and `order` name columns of the
    `event` view other than fields, base and hashes (device_id, seq, hlc, entity, op,
    schema_version, applied); filter records with `of_record`."""
    return _logical_rows(conn.execute(_select(where, order), params))


def _select(where: str, order: str = "") -> str:
    sql = f"SELECT {_STORED_COLUMNS} FROM event"
    if where:
        sql += f" WHERE {where}"
    if order:
        sql += f" ORDER BY {order}"
    return sql


def chain_rows(conn: sqlite3.Connection, device_id: str, from_seq: int = 1,
               to_seq: int | None = None) -> Iterator[tuple]:
    """A device's events from `from_seq` (up to `to_seq`), in chain order."""
    key = conn.execute("SELECT key FROM event_device WHERE device_id = ?",
                       (device_id,)).fetchone()
    if key is None:
        return iter(())
    return _scan(conn, "WHERE device = ? AND seq BETWEEN ? AND ? ORDER BY seq",
                 (key[0], from_seq, 2**63 - 1 if to_seq is None else to_seq))


def all_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Every event, each device's chain in order (devices in storage order)."""
    if _is_legacy(conn):
        yield from conn.execute(f"SELECT {EVENT_COLUMNS} FROM event ORDER BY device_id, seq")
        return
    yield from _scan(conn, "ORDER BY device, seq", ())


def _scan(conn: sqlite3.Connection, clause: str, params: tuple) -> Iterator[tuple]:
    """Rows of `event_row` read straight from its primary key, names looked up in Python
    (long reads: a whole chain, the whole log)."""
    devices = dict(conn.execute("SELECT key, device_id FROM event_device"))
    names = dict(conn.execute("SELECT key, name FROM event_name"))
    return _logical_rows(conn.execute("SELECT device, seq, hlc, entity, entity_id, op, body, "
                                      f"schema_version, prev_hash, hash FROM event_row "
                                      f"{clause}", params), devices, names)


def mentioning(conn: sqlite3.Connection, names: tuple[str, ...]) -> Iterator[tuple]:
    """(device_id, hlc, entity_id, fields) of the events, stand-ins left out, whose body
    holds one of `names` in quotes, in storage order: a quick filter for a walk of the
    whole log that needs a few fields (the caller still reads them from `fields`)."""
    needles = tuple(dumps(name).encode("utf-8") for name in names)
    devices = dict(conn.execute("SELECT key, device_id FROM event_device"))
    redacted = conn.execute("SELECT key FROM event_name WHERE name = 'redacted'").fetchone()
    cursor = conn.execute("SELECT device, hlc, entity_id, body FROM event_row WHERE op != ?",
                          (redacted[0] if redacted else -1,))
    while batch := cursor.fetchmany(5000):
        for device, hlc, entity_id, body in batch:
            payload = _payload(body)
            if any(needle in payload for needle in needles):
                yield devices[device], hlc, id_text(entity_id), _decode_payload(payload)[0]


def row_at(conn: sqlite3.Connection, device_id: str, seq: int) -> tuple | None:
    """Event `seq` of a device's chain in EVENT_COLUMNS order (None: not stored here)."""
    return next(rows(conn, "device_id = ? AND seq = ?", (device_id, seq)), None)


def hash_at(conn: sqlite3.Connection, device_id: str, seq: int) -> str | None:
    """The hash of event `seq` of a device's chain (None: not stored here)."""
    row = conn.execute("SELECT stored_hash FROM event WHERE device_id = ? AND seq = ?",
                       (device_id, seq)).fetchone()
    return hash_text(row[0]) if row else None


def hashes(conn: sqlite3.Connection, device_id: str, from_seq: int,
           to_seq: int) -> list[tuple[int, str]]:
    """(seq, hash) of a stretch of a device's chain, in order."""
    return [(seq, hash_text(digest)) for seq, digest in conn.execute(
        "SELECT seq, stored_hash FROM event WHERE device_id = ? AND seq BETWEEN ? AND ? "
        "ORDER BY seq", (device_id, from_seq, to_seq))]


def of_record(conn: sqlite3.Connection, entities: tuple[str, ...], entity_id: str,
              where: str = "", params: tuple = (), order: str = "") -> Iterator[tuple]:
    """The events of the record `entity_id` of any of `entities` (found through the
    entity index); `where`, `params` and `order` as in `rows`."""
    condition = (f"entity IN ({', '.join('?' * len(entities))}) "
                 f"AND stored_entity_id = ?")
    return rows(conn, f"{condition} AND ({where})" if where else condition,
                (*entities, id_key(entity_id), *params), order)


def last_seqs(conn: sqlite3.Connection) -> dict[str, int]:
    """The last seq held of every device's chain (devices without events left out): one
    search of the primary key per device, not a walk of the whole log."""
    return {device_id: seq for device_id, seq in conn.execute(
        "SELECT d.device_id, (SELECT max(r.seq) FROM event_row r WHERE r.device = d.key) "
        "FROM event_device d") if seq is not None}


def chain_head(conn: sqlite3.Connection, device_id: str) -> tuple[int, str]:
    """(last seq, last hash) of a device's chain; (0, GENESIS_HASH) when empty."""
    row = conn.execute("SELECT seq, stored_hash FROM event WHERE device_id = ? "
                       "ORDER BY seq DESC LIMIT 1", (device_id,)).fetchone()
    return (row[0], hash_text(row[1])) if row else (0, GENESIS_HASH)


def _is_legacy(conn: sqlite3.Connection) -> bool:
    """Whether the log is still in the layout before events were stored compactly (a
    full-copy backup being checked before it is migrated)."""
    return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'event'").fetchone()[0] == 1


def verify_chains(conn: sqlite3.Connection) -> list[str]:
    """Check every device's chain: consecutive seqs, links and hashes. Returns problems."""
    problems: list[str] = []
    expected_seq: dict[str, int] = {}
    expected_prev: dict[str, str] = {}
    for row in all_rows(conn):
        device, seq = row[DEVICE_ID], row[SEQ]
        want_seq = expected_seq.get(device, 1)
        want_prev = expected_prev.get(device, GENESIS_HASH)
        if seq != want_seq:
            problems.append(f"device {device}: event {want_seq} is missing (found {seq})")
        elif row[PREV_HASH] != want_prev:
            problems.append(f"device {device}: event {seq} does not link to event {seq - 1}")
        # A "redacted" event is another device's record outside this device's sync scope:
        # only its hash travelled, so the link is checked but not the content.
        if row[OP] != "redacted" and _stored_text_hash(row) != row[HASH] \
                and from_row(row).computed_hash() != row[HASH]:
            problems.append(f"device {device}: event {seq} was altered (hash mismatch)")
        expected_seq[device] = seq + 1
        expected_prev[device] = row[HASH]
    return problems


_TEXT_POSITIONS = (DEVICE_ID, ENTITY, ENTITY_ID, OP, FIELDS, BASE, PREV_HASH)


def _stored_text_hash(row: tuple) -> str | None:
    """The hash of a row taken as it is stored, its `fields` and `base` text as they are:
    the event's hash when that text is canonical JSON, as every event this app writes
    (then the JSON need not be parsed and written again). None for a row that is not
    plain text and numbers; the caller then computes the hash from the parsed event."""
    if not all(type(row[position]) is int for position in (SEQ, HLC, SCHEMA_VERSION)) \
            or not all(type(row[position]) is str for position in _TEXT_POSITIONS):
        return None
    text = _quote
    payload = (f"[{text(row[DEVICE_ID])},{row[SEQ]},{row[HLC]},{text(row[ENTITY])},"
               f"{text(row[ENTITY_ID])},{text(row[OP])},{row[FIELDS]},{row[BASE]},"
               f"{row[SCHEMA_VERSION]},{text(row[PREV_HASH])}]")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def count(conn: sqlite3.Connection) -> int:
    """How many events the log holds (this device's and every other's)."""
    table = "event" if _is_legacy(conn) else "event_row"
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] or 0


def device_count(conn: sqlite3.Connection) -> int:
    """How many devices' chains the log holds."""
    sql = "SELECT count(DISTINCT device_id) FROM event" if _is_legacy(conn) \
        else "SELECT count(DISTINCT device) FROM event_row"
    return conn.execute(sql).fetchone()[0] or 0


def newest_hlc(conn: sqlite3.Connection) -> int:
    """The newest stamp in the log, applied or not (0 for an empty log)."""
    return conn.execute("SELECT max(hlc) FROM event_row").fetchone()[0] or 0


def newest_applied_hlc(conn: sqlite3.Connection) -> int:
    """The newest stamp among applied events (0 for an empty log): after another
    connection wrote, a clock observes it so the next local edit is newer."""
    return conn.execute("SELECT max(hlc) FROM event_row WHERE applied = 1").fetchone()[0] or 0


# --- Moving a folder to this layout ----------------------------------------------------

def convert_legacy(conn: sqlite3.Connection, progress=None, batch: int = 20000) -> int:
    """Rewrite the log from its legacy table (`event`: text ids, hex hashes, JSON text)
    into `event_row`, then drop the legacy table. Returns how many events moved.

    Run inside the caller's transaction (a migration); `progress(done, total)` hears
    about each batch."""
    conn.execute("ALTER TABLE event RENAME TO event_legacy")
    for index in ("event_entity", "event_unapplied"):     # names the new table's take
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    for statement in CREATE_TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)
    total = conn.execute("SELECT count(*) FROM event_legacy").fetchone()[0]
    keys = _Keys(conn)
    done = 0
    cursor = conn.execute(f"SELECT {EVENT_COLUMNS}, applied FROM event_legacy "
                          f"ORDER BY device_id, seq")
    insert_sql = "INSERT INTO event_row VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    while chunk := cursor.fetchmany(batch):
        stored = _stored_rows(keys, chunk)
        for before, after in zip(chunk, stored, strict=True):
            _check_round_trip(before, after)
        conn.executemany(insert_sql, stored)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    if done != total or count(conn) != total:
        raise ValueError(f"{total} events in the log, {count(conn)} rewritten")
    conn.execute("DROP TABLE event_legacy")
    return done


def _check_round_trip(before: tuple, after: tuple) -> None:
    """The stored form of `before` reads back as exactly `before` (else the migration
    stops and its transaction is rolled back: nothing is lost)."""
    fields_text, base_text = decode_body(after[6])
    if (fields_text, base_text) != (before[FIELDS], before[BASE]) \
            or id_text(after[4]) != before[ENTITY_ID] \
            or hash_text(after[8]) != before[PREV_HASH] or hash_text(after[9]) != before[HASH]:
        raise ValueError(f"event {before[SEQ]} of device {before[DEVICE_ID]} does not read "
                         f"back as it was written")
