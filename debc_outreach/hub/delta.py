"""What a device lacks, by version vector, within its scope, sealed for it.

The delta is a normal bundle from the hub (sender = the hub, with its
certificate), so the device imports it with the same verified import as a
bundle from a USB stick. Events outside the device's scope travel as
hash-only stand-ins, exactly as `sync.export` sends them, so every chain
stays complete and nothing of another area is disclosed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from debc_outreach.core.ids import new_id
from debc_outreach.hub.service import Hub
from debc_outreach.storage import events
from debc_outreach.sync import bundle, codec, trust
from debc_outreach.sync.scope import AreaIndex

MAX_EVENTS = 50000            # per delta bundle; the device asks again for the rest
PAGE = 5000
_COLUMNS = ("device_id, seq, hlc, entity, entity_id, op, fields, base, schema_version, "
            "prev_hash, hash")


class _HubAreas(AreaIndex):
    """The scope rules of sync.scope over the hub's place table."""

    def __init__(self, villages: dict[str, str]):
        self._village = villages


@dataclass(frozen=True)
class Delta:
    bundle_id: str
    path: Path
    events: int
    withheld: int
    more: bool


def plan(hub: Hub, vector: dict[str, int], limit: int = MAX_EVENTS
         ) -> tuple[dict[str, list[int]], bool]:
    """Ranges of each chain the device lacks (at most `limit` events); and whether more wait."""
    ranges: dict[str, list[int]] = {}
    budget = limit
    for device, (head, _hash) in sorted(hub.heads().items()):
        held = int(vector.get(device, 0))
        if head <= held:
            continue
        if budget <= 0:
            return ranges, True
        last = min(head, held + budget)
        ranges[device] = [held + 1, last]
        budget -= last - held
        if last < head:
            return ranges, True
    return ranges, False


def _hash_at(hub: Hub, device: str, seq: int) -> str:
    if seq < 1:
        return events.GENESIS_HASH
    return hub.db.scalar("SELECT hash FROM hub_event WHERE device_id = ? AND seq = ?",
                         (device, seq))


def build(hub: Hub, device: trust.Certificate, vector: dict[str, int], folder: Path,
          limit: int = MAX_EVENTS) -> Delta | None:
    """Seal the next delta for `device` into a file in `folder`; None when it lacks nothing."""
    ranges, more = plan(hub, vector, limit)
    if not ranges:
        return None
    prog = hub.require_programme()
    everywhere = trust.ALL_AREAS in device.scope
    areas = None if everywhere else _HubAreas(dict(hub.db.query(
        "SELECT entity_id, village FROM hub_place")))
    counts = {"events": 0, "withheld": 0}
    db = hub.db

    def lines() -> Iterator[bytes]:
        writer = codec.BlockWriter()
        for owner, (first, last) in sorted(ranges.items()):
            yield from writer.start_run(owner, first, _hash_at(hub, owner, first - 1))
            start = first
            while start <= last:
                end = min(last, start + PAGE - 1)
                for row in db.query(f"SELECT {_COLUMNS} FROM hub_event WHERE device_id = ? "
                                    f"AND seq BETWEEN ? AND ? ORDER BY seq",
                                    (owner, start, end)):
                    row = (row[0], int(row[1]), int(row[2]), *row[3:8], int(row[8]),
                           row[9], row[10])
                    full = row[5] != codec.REDACTED and (
                        everywhere or device.covers(areas.area(events.from_row(row))))
                    counts["events" if full else "withheld"] += 1
                    yield from writer.add(row, full)
                start = end + 1
        yield from writer.flush()

    bundle_id = new_id()
    header = {"bundle_id": bundle_id, "programme": prog.id,
              "created": trust.iso(trust.now_utc()), "sender": hub.device_id,
              "sender_certificate": hub.certificate(), "revocations": hub.revocations(),
              "recipients": [device.device_id], "ranges": ranges,
              "heads": {owner: _hash_at(hub, owner, last) for owner, (_f, last)
                        in ranges.items()},
              "vector": hub.vector(), "peer_view": {},
              "events": sum(last - first + 1 for first, last in ranges.values()),
              "encoding": "debc-ndjson-1"}
    path = folder / f"delta-{device.device_id[:8]}-{bundle_id}{bundle.SUFFIX}"
    bundle.seal(path, hub.keys, header, {device.device_id: device.enc}, lines(), level=3)
    return Delta(bundle_id, path, counts["events"], counts["withheld"], more)
