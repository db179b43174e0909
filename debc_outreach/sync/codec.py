"""Compact NDJSON for events inside a bundle (format "debc-ndjson-1").

What the receiver can recompute is left out: the device id and seq (a run
header line gives the device, first seq and the hash the run links to), the
hash and prev_hash (recomputed and checked against the signed header), the
HLC (stored as a difference to the previous event), a check-in time that
equals the HLC's second, and defaults (empty base, current schema).

    ["D", device_id, first_seq, prev_hash]            a run of one device's chain
    [dhlc, entity, entity_id, op, fields, base?, schema?, flags?]
    ["R", dhlc, hash]                                 an event outside the
                                                      receiver's scope (only its hash)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from debc_outreach.core.hlc import wall_ms
from debc_outreach.storage.events import EVENT_SCHEMA_VERSION, Event, dumps

REDACTED = "redacted"
_AT_FROM_HLC = 1


def _stamp_second(hlc: int) -> str:
    moment = dt.datetime.fromtimestamp(wall_ms(hlc) // 1000, dt.UTC)
    return moment.isoformat(timespec="seconds")


def run_line(device_id: str, first_seq: int, prev_hash: str) -> bytes:
    return (dumps(["D", device_id, first_seq, prev_hash]) + "\n").encode("utf-8")


def event_line(event: Event, previous_hlc: int) -> bytes:
    fields = event.fields
    flags = 0
    if isinstance(fields.get("at"), str) and fields["at"] == _stamp_second(event.hlc):
        fields = {k: v for k, v in fields.items() if k != "at"}
        flags |= _AT_FROM_HLC
    item: list = [event.hlc - previous_hlc, event.entity, event.entity_id, event.op, fields,
                  event.base, event.schema_version, flags]
    defaults = [None, None, None, None, None, {}, EVENT_SCHEMA_VERSION, 0]
    while len(item) > 5 and item[-1] == defaults[len(item) - 1]:
        item.pop()
    return (dumps(item) + "\n").encode("utf-8")


def stub_line(event: Event, previous_hlc: int) -> bytes:
    return (dumps(["R", event.hlc - previous_hlc, event.hash]) + "\n").encode("utf-8")


class DecodeError(ValueError):
    """The payload does not follow the format."""


def decode(lines: Iterator[bytes]) -> Iterator[Event]:
    """Events with hashes recomputed, chained run by run. Raises DecodeError."""
    device = ""
    seq = 0
    prev = ""
    hlc = 0
    loads = json.loads
    for line in lines:
        try:
            item = loads(line)
        except ValueError as error:
            raise DecodeError("line is not JSON") from error
        if not isinstance(item, list) or not item:
            raise DecodeError("line is not an event")
        head = item[0]
        if head == "D":
            if len(item) != 4 or not isinstance(item[1], str) or type(item[2]) is not int \
                    or not isinstance(item[3], str) or item[2] < 1:
                raise DecodeError("bad run header")
            device, seq, prev, hlc = item[1], item[2], item[3], 0
            continue
        if not device:
            raise DecodeError("event before a run header")
        if head == "R":
            if len(item) != 3 or type(item[1]) is not int or not isinstance(item[2], str):
                raise DecodeError("bad stub")
            hlc += item[1]
            event = Event(device, seq, hlc, "", "", REDACTED, {}, prev_hash=prev,
                          hash=item[2])
        else:
            if type(head) is not int or not 5 <= len(item) <= 8:
                raise DecodeError("bad event")
            entity, entity_id, op, fields = item[1], item[2], item[3], item[4]
            base = item[5] if len(item) > 5 else {}
            schema = item[6] if len(item) > 6 else EVENT_SCHEMA_VERSION
            flags = item[7] if len(item) > 7 else 0
            if not (isinstance(entity, str) and isinstance(entity_id, str)
                    and isinstance(op, str) and isinstance(fields, dict)
                    and isinstance(base, dict) and type(schema) is int
                    and type(flags) is int) or op == REDACTED:
                raise DecodeError("bad event fields")
            hlc += head
            if flags & _AT_FROM_HLC:
                fields = {**fields, "at": _stamp_second(hlc)}
            draft = Event(device, seq, hlc, entity, entity_id, op, fields, schema, base, prev)
            event = Event(device, seq, hlc, entity, entity_id, op, fields, schema, base, prev,
                          draft.computed_hash())
        if hlc < 0:
            raise DecodeError("negative clock")
        yield event
        prev = event.hash
        seq += 1
