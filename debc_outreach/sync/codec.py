"""Compact, column-oriented NDJSON for events inside a bundle ("debc-ndjson-1").

What the receiver can recompute is left out: the device id and seq (a run
header line gives the device, first seq and the hash the run links to), the
hash and prev_hash (recomputed, and checked against the signed header), the
HLC (a difference to the previous event), a check-in time equal to the HLC's
second, and defaults. Events are grouped in blocks of columns, so zstd sees
long runs of similar values and the receiver parses one JSON line per block:

    ["D", device_id, first_seq, prev_hash]                  a run of one device's chain
    ["B", [dhlc], [entity], [entity_id], [op], [fields_json], [base_json], [schema],
     [flags]]                                               up to BLOCK events

`fields_json` is the stored canonical JSON text of the fields (so the hash
is computed over exactly what is stored). An event outside the receiver's
scope travels as op "redacted" with its hash in place of the fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from itertools import accumulate

from debc_outreach.core.hlc import wall_ms
from debc_outreach.storage.events import EVENT_SCHEMA_VERSION, Event, dumps

REDACTED = "redacted"
_AT_FROM_HLC = 1


def _stamp_second(hlc: int) -> str:
    moment = dt.datetime.fromtimestamp(wall_ms(hlc) // 1000, dt.UTC)
    return moment.isoformat(timespec="seconds")


_CLOCK_MINUTES = [f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440)]
_CLOCK_SECONDS = [f"{s:02d}+00:00" for s in range(60)]


class _Stamps:
    """`_stamp_second` for a stream of increasing stamps, without a datetime per event."""

    def __init__(self):
        self._day = -1
        self._prefix = ""

    def __call__(self, hlc: int) -> str:
        second = wall_ms(hlc) // 1000
        day, rest = divmod(second, 86400)
        if day != self._day:
            if not 0 <= second < 253402300800:       # datetime's range (year 1..9999)
                return _stamp_second(hlc)
            self._day = day
            self._prefix = _stamp_second(hlc)[:11]
        return self._prefix + _CLOCK_MINUTES[rest // 60] + _CLOCK_SECONDS[rest % 60]


# The same canonical JSON as events.dumps, without building an encoder per call.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_parse = json.JSONDecoder().decode
# A flat object of strings that need no escape is canonical when its keys are sorted and
# unique: checked without parsing and serialising it again (most events look like this).
_PLAIN = r'"[^"\\\x00-\x1f]*"'
_FLAT = re.compile(r"\{" + _PLAIN + ":" + _PLAIN + "(?:," + _PLAIN + ":" + _PLAIN + r")*\}")
_PAIR = re.compile(r'"([^"\\\x00-\x1f]*)":"([^"\\\x00-\x1f]*)"')


BLOCK = 512
_COLUMNS = 8


def run_line(device_id: str, first_seq: int, prev_hash: str) -> bytes:
    return (dumps(["D", device_id, first_seq, prev_hash]) + "\n").encode("utf-8")


class BlockWriter:
    """Collects stored event rows (EVENT_COLUMNS order) of one run into block lines."""

    def __init__(self):
        self._events: list[tuple] = []         # a block's events, turned into columns
        self._previous_hlc = 0
        self._stamp = _Stamps()

    def start_run(self, device_id: str, first_seq: int, prev_hash: str) -> list[bytes]:
        lines = self.flush()
        self._previous_hlc = 0
        return [*lines, run_line(device_id, first_seq, prev_hash)]

    def add(self, row: tuple, full: bool = True) -> list[bytes]:
        """Add one event row; `full=False` sends only its hash (outside the scope)."""
        hlc, op = row[2], row[5]
        if not full or op == REDACTED:
            values = (hlc - self._previous_hlc, "", "", REDACTED, row[10], "{}",
                      EVENT_SCHEMA_VERSION, 0)
        else:
            fields_json = row[6]
            flags = 0
            prefix = '{"at":"' + self._stamp(hlc) + '"'
            if fields_json.startswith(prefix):
                rest = fields_json[len(prefix):]
                if rest[:1] == ",":
                    fields_json, flags = "{" + rest[1:], _AT_FROM_HLC
                elif rest == "}":
                    fields_json, flags = "{}", _AT_FROM_HLC
            values = (hlc - self._previous_hlc, row[3], row[4], op, fields_json, row[7],
                      row[8], flags)
        self._events.append(values)
        self._previous_hlc = hlc
        return self.flush() if len(self._events) >= BLOCK else []

    def flush(self) -> list[bytes]:
        if not self._events:
            return []
        line = (dumps(["B", *map(list, zip(*self._events, strict=True))]) + "\n")
        self._events = []
        return [line.encode("utf-8")]


class DecodeError(ValueError):
    """The payload does not follow the format."""


_HEX = frozenset("0123456789abcdef")
_INT = {int}
_STR = {str}


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


Decoded = tuple[tuple, dict, dict]   # (event row as stored, fields, base)


def to_event(decoded: Decoded) -> Event:
    row, fields, base = decoded
    return Event(row[0], row[1], row[2], row[3], row[4], row[5], fields, row[8], base,
                 row[9], row[10])


def redecode(rows: list[tuple]) -> list[Decoded]:
    """`(row, fields, base)` again for event rows that `decode` verified.

    Parsing the few fields again costs less than keeping the dictionaries in a
    spool (unmarshalling many small dictionaries is slow).
    """
    decoded = []
    append = decoded.append
    flat = _FLAT.fullmatch
    pairs_of = _PAIR.findall
    parse = _parse
    for row in rows:
        fields_json = row[6]
        fields = dict(pairs_of(fields_json)) if flat(fields_json) is not None \
            else parse(fields_json)
        append((row, fields, {} if row[7] == "{}" else parse(row[7])))
    return decoded


def _block(item: list) -> list[list]:
    if len(item) != _COLUMNS + 1:
        raise DecodeError("bad block")
    columns = item[1:]
    size = len(columns[0]) if isinstance(columns[0], list) else -1
    if size < 1 or size > BLOCK or any(not isinstance(c, list) or len(c) != size
                                       for c in columns):
        raise DecodeError("bad block")
    return columns


def decode(lines: Iterator[str]) -> Iterator[Decoded]:
    """Events with hashes recomputed, chained run by run. Raises DecodeError.

    Yields `(row, fields, base)`: `row` in `events.EVENT_COLUMNS` order, ready
    to insert. The hash is built from the same canonical JSON as
    `events.event_hash` (a JSON array is its items' JSON joined by commas);
    fields that are not in canonical form are refused.
    """
    device = ""
    device_json = ""
    seq = 0
    prev = ""
    hlc = 0
    parse = _parse
    canonical = _canonical
    stamp = _Stamps()
    quoted: dict[str, str] = {}
    sha256 = hashlib.sha256
    flat = _FLAT.fullmatch
    pairs_of = _PAIR.findall

    def quote(text: str) -> str:
        found = quoted.get(text)
        if found is None:
            if len(quoted) > 4096:
                quoted.clear()
            found = quoted[text] = dumps(text)
        return found

    for line in lines:
        try:
            item = parse(line)
        except ValueError as error:
            raise DecodeError("line is not JSON") from error
        if not isinstance(item, list) or not item:
            raise DecodeError("line is not an event block")
        if item[0] == "D":
            if len(item) != 4 or not isinstance(item[1], str) or type(item[2]) is not int \
                    or not _is_hash(item[3]) or item[2] < 1:
                raise DecodeError("bad run header")
            device, seq, prev, hlc = item[1], item[2], item[3], 0
            device_json = quote(device)
            continue
        if item[0] != "B" or not device:
            raise DecodeError("event block before a run header")
        columns = _block(item)
        # Types checked a column at a time (in C), not event by event.
        # A device's stamps normally only go forward, but a bundle from a device whose
        # clock stepped back (early demo data did) must still import: a delta may be
        # negative, a stamp may not.
        if set(map(type, columns[0])) != _INT or min(accumulate(columns[0], initial=hlc)) < 0 \
                or set(map(type, columns[4])) != _STR:
            raise DecodeError("bad event")
        if not (set(map(type, columns[1])) | set(map(type, columns[2]))
                | set(map(type, columns[3])) | set(map(type, columns[5]))) <= _STR \
                or not (set(map(type, columns[6])) | set(map(type, columns[7]))) <= _INT:
            raise DecodeError("bad event fields")
        for dhlc, entity, entity_id, op, fields_json, base_json, schema, flags \
                in zip(*columns, strict=True):
            hlc += dhlc
            if op == REDACTED:
                if not _is_hash(fields_json):
                    raise DecodeError("bad stand-in")
                row = (device, seq, hlc, "", "", REDACTED, "{}", "{}", EVENT_SCHEMA_VERSION,
                       prev, fields_json)
                fields = base = {}
            else:
                if flags & _AT_FROM_HLC:
                    at = '{"at":"' + stamp(hlc) + '"'
                    fields_json = at + "}" if fields_json == "{}" else \
                        at + "," + fields_json[1:]
                if flat(fields_json) is not None:
                    pairs = pairs_of(fields_json)
                    fields = dict(pairs)
                    if len(fields) != len(pairs) or (len(pairs) > 1
                                                     and list(fields) != sorted(fields)):
                        raise DecodeError("fields not in canonical form")
                else:
                    try:
                        fields = parse(fields_json)
                    except ValueError as error:
                        raise DecodeError("bad event fields") from error
                    if not isinstance(fields, dict) or canonical(fields) != fields_json:
                        raise DecodeError("fields not in canonical form")
                if base_json == "{}":
                    base = {}
                else:
                    try:
                        base = parse(base_json)
                    except ValueError as error:
                        raise DecodeError("bad event fields") from error
                    if not isinstance(base, dict) or (base and canonical(base) != base_json):
                        raise DecodeError("fields not in canonical form")
                payload = (f"[{device_json},{seq},{hlc},"
                           f"{quoted.get(entity) or quote(entity)},"
                           f"{quoted.get(entity_id) or quote(entity_id)},"
                           f"{quoted.get(op) or quote(op)},"
                           f"{fields_json},{base_json},{schema},\"{prev}\"]")
                try:
                    data = payload.encode("utf-8")
                except UnicodeEncodeError as error:      # a lone surrogate
                    raise DecodeError("bad event fields") from error
                row = (device, seq, hlc, entity, entity_id, op, fields_json, base_json, schema,
                       prev, sha256(data).hexdigest())
            yield row, fields, base
            prev = row[10]
            seq += 1
