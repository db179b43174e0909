"""What a device lacks, by version vector, within its scope, sealed for it.

The delta is a normal bundle from the hub (sender = the hub, with its
certificate), so the device imports it with the same verified import as a
bundle from a USB stick. Within a device's scope the rules of `sync.scope`
apply (a record belongs to its participant's village, else its own village,
else everywhere). A chain is sent from what the device holds up to its last
event in scope, with hash-only stand-ins for events outside the scope (so the
chain stays complete, as `sync.export` does); a chain with nothing in scope is
not sent at all, so a trainer's computer never stores the history of other
provinces, not even as hashes.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from debc_outreach.core.ids import new_id
from debc_outreach.hub.service import Hub
from debc_outreach.storage import events
from debc_outreach.sync import bundle, codec, content_carry, trust
from debc_outreach.sync.scope import MERGED_INTO, VILLAGE_FIELD, AreaIndex

MAX_EVENTS = 50000            # per delta bundle; the device asks again for the rest
PAGE = 5000
CACHE_EVENTS = 5_000_000      # event areas remembered per hub database, then afresh
_COLUMNS = ("device_id, seq, hlc, entity, entity_id, op, fields, base, schema_version, "
            "prev_hash, hash")
_NOWHERE = "\0"               # a stand-in stored on the hub: never sent in full


class _Placed(NamedTuple):
    entity_id: str
    fields: dict


# hub_place rows remembering a merge: "merged-into:<id>" -> the kept record (record ids
# never contain a colon; PostgreSQL text cannot hold NUL)
MERGED_PREFIX = "merged-into:"


class _HubAreas(AreaIndex):
    """The scope rules of sync.scope over the hub's place table."""

    def __init__(self, villages: dict[str, str]):
        self._village = villages
        self._merged = {key[len(MERGED_PREFIX):]: value for key, value in villages.items()
                        if key.startswith(MERGED_PREFIX)}

    def of_row(self, row: tuple) -> str | tuple[str, ...] | None:
        """The places of a stored row (sync.scope), parsing its fields only when they can
        place it: one village, several, None (no place) or _NOWHERE (a stand-in)."""
        if row[5] == codec.REDACTED:
            return _NOWHERE
        text = row[6]
        if '_id"' not in text and '_ids"' not in text and MERGED_INTO not in text \
                and VILLAGE_FIELD not in text:
            return self._village.get(row[4])
        found = self.places(_Placed(row[4], json.loads(text)))
        if len(found) > 1:
            return tuple(found)
        return found[0] if found else None


def _receives(cert: trust.Certificate, area: str | tuple[str, ...] | None) -> bool:
    if isinstance(area, tuple):
        return any(cert.covers(place) for place in area)
    return area != _NOWHERE and cert.covers(area)


class _ScopeIndex:
    """Each chain's event areas and, per scope, its seqs in scope; valid for one version
    of the place table (the ingest writes a new version with every place it changes)."""

    def __init__(self, version: str, villages: dict[str, str]):
        self.version = version
        self.areas = _HubAreas(villages)
        self.chain_areas: dict[str, list] = {}
        self.in_scope: dict[tuple, tuple[int, list[int]]] = {}
        self.size = 0
        self.lock = threading.Lock()

    def _chain(self, hub: Hub, device: str, upto: int) -> list:
        known = self.chain_areas.setdefault(device, [])
        while len(known) < upto:
            start = len(known) + 1
            end = min(upto, start + PAGE - 1)
            rows = hub.db.query(f"SELECT {_COLUMNS} FROM hub_event WHERE device_id = ? AND "
                                f"seq BETWEEN ? AND ? ORDER BY seq", (device, start, end))
            if len(rows) != end - start + 1:
                raise RuntimeError(f"chain {device} has a gap below its head")
            known.extend(self.areas.of_row(row) for row in rows)
            self.size += len(rows)
        return known

    def seqs(self, hub: Hub, cert: trust.Certificate, device: str, upto: int) -> list[int]:
        """Sorted seqs (<= upto at least) of `device`'s chain that `cert` may receive."""
        key = (cert.scope, device)
        with self.lock:
            done, found = self.in_scope.get(key, (0, []))
            if done < upto:
                areas = self._chain(hub, device, upto)
                for seq in range(done + 1, upto + 1):
                    area = areas[seq - 1]
                    if _receives(cert, area):
                        found.append(seq)
                self.in_scope[key] = (upto, found)
            return found


_indexes: dict[str, _ScopeIndex] = {}
_indexes_lock = threading.Lock()


def _index(hub: Hub) -> _ScopeIndex:
    version = hub.config("place_version") or ""
    with _indexes_lock:
        found = _indexes.get(hub.db.url)
        if found is not None and found.version == version and found.size < CACHE_EVENTS:
            return found
    fresh = _ScopeIndex(version, dict(hub.db.query("SELECT entity_id, village FROM hub_place")))
    with _indexes_lock:
        _indexes[hub.db.url] = fresh
    return fresh


def _signed_end(hub: Hub, device: str, held: int, end: int, head: int) -> int | None:
    """Where a range ending at `end` must stop so a head its device signed vouches for it:
    the first signed head at or after `end`, else the last one before it; None when the
    device signed nothing after `held` (events past its last signed head would only wait
    on the device, sent again with every pull). Hash-only stand-ins fill what lies
    outside the device's scope."""
    found = hub.db.scalar("SELECT min(seq) FROM hub_signed_head WHERE device_id = ? AND "
                          "seq >= ? AND seq <= ?", (device, end, head))
    if found is None:
        found = hub.db.scalar("SELECT max(seq) FROM hub_signed_head WHERE device_id = ? AND "
                              "seq > ? AND seq < ?", (device, held, end))
    return int(found) if found is not None else None


def _signed_heads(hub: Hub, ranges: dict[str, list[int]]) -> list[dict]:
    """The signed head at the end of each range, as its device signed it."""
    documents = []
    for owner, (_first, last) in sorted(ranges.items()):
        found = hub.db.scalar("SELECT document FROM hub_signed_head WHERE device_id = ? AND "
                              "seq = ?", (owner, last))
        if found is not None:
            documents.append(json.loads(found))
    return documents


@dataclass(frozen=True)
class Plan:
    ranges: dict[str, list[int]]
    full: dict[str, set[int]] | None       # None: everything is in scope
    more: bool


def plan(hub: Hub, cert: trust.Certificate, vector: dict[str, int],
         limit: int = MAX_EVENTS) -> Plan:
    """Which range of each chain goes to the device (at most `limit` events)."""
    # Heads first, then the place version: every event up to these heads was committed
    # together with its places, so the index knows them.
    heads = hub.heads()
    everywhere = trust.ALL_AREAS in cert.scope
    index = None if everywhere else _index(hub)
    ranges: dict[str, list[int]] = {}
    full: dict[str, set[int]] = {}
    budget = limit
    for device, (head, _hash) in sorted(heads.items()):
        held = int(vector.get(device, 0))
        if head <= held:
            continue
        last = head
        if index is not None:
            seqs = index.seqs(hub, cert, device, head)
            stop = bisect.bisect_right(seqs, head)
            begin = bisect.bisect_right(seqs, held)
            if begin >= stop:
                continue                  # nothing of this chain is in scope
            last = seqs[stop - 1]
        if budget <= 0:
            return Plan(ranges, None if everywhere else full, True)
        end = _signed_end(hub, device, held, min(last, held + budget), head)
        if end is None:
            continue                      # nothing its device signed yet
        ranges[device] = [held + 1, end]
        if index is not None:
            full[device] = set(seqs[begin:bisect.bisect_right(seqs, end)])
        budget -= end - held
        if end < last:
            return Plan(ranges, None if everywhere else full, True)
    return Plan(ranges, None if everywhere else full, False)


@dataclass(frozen=True)
class Delta:
    bundle_id: str
    path: Path
    events: int
    withheld: int
    more: bool


def _hash_at(hub: Hub, device: str, seq: int) -> str:
    if seq < 1:
        return events.GENESIS_HASH
    return hub.db.scalar("SELECT hash FROM hub_event WHERE device_id = ? AND seq = ?",
                         (device, seq))


def _device_lacks(rolled_out: dict, content_pack: str | None,
                  content_held: tuple[str, str] | None) -> bool:
    """Whether the coordinator's pack is worth sending to a device that holds what it says."""
    if content_held is not None:
        return content_carry.newer_than_held(rolled_out, content_held)
    return content_pack is not None and rolled_out["sha256"] != content_pack


def build(hub: Hub, device: trust.Certificate, vector: dict[str, int], folder: Path,
          limit: int = MAX_EVENTS, acknowledge: bool = False,
          content_pack: str | None = None,
          content_held: tuple[str, str] | None = None) -> Delta | None:
    """Seal the next delta for `device` into a file in `folder`; None when it lacks nothing.

    With `acknowledge`, a device that lacks nothing still gets a bundle without events:
    its header carries the hub's version vector, which tells the device (through the
    normal import) what the hub holds, so its next push repeats nothing.
    The coordinator's content pack rides along when the device could install it:
    `content_held` is the (id, version) of the pack the device uses, and the pack comes
    only when newer. A device that does not say so (older versions) sends `content_pack`,
    the SHA-256 of the pack it passes on (None: unknown), and gets the pack when it differs.
    """
    planned = plan(hub, device, vector, limit)
    if not planned.ranges and not acknowledge:
        return None
    prog = hub.require_programme()
    counts = {"events": 0, "withheld": 0}
    db = hub.db

    def lines() -> Iterator[bytes]:
        writer = codec.BlockWriter()
        for owner, (first, last) in sorted(planned.ranges.items()):
            allowed = planned.full[owner] if planned.full is not None else None
            yield from writer.start_run(owner, first, _hash_at(hub, owner, first - 1))
            start = first
            while start <= last:
                end = min(last, start + PAGE - 1)
                for row in db.query(f"SELECT {_COLUMNS} FROM hub_event WHERE device_id = ? "
                                    f"AND seq BETWEEN ? AND ? ORDER BY seq",
                                    (owner, start, end)):
                    row = (row[0], int(row[1]), int(row[2]), *row[3:8], int(row[8]),
                           row[9], row[10])
                    full = row[5] != codec.REDACTED and (allowed is None or row[1] in allowed)
                    counts["events" if full else "withheld"] += 1
                    yield from writer.add(row, full)
                start = end + 1
        yield from writer.flush()

    bundle_id = new_id()
    header = {"bundle_id": bundle_id, "programme": prog.id,
              "created": trust.iso(trust.now_utc()), "sender": hub.device_id,
              "sender_certificate": hub.certificate(), "revocations": hub.revocations(),
              "recipients": [device.device_id], "ranges": planned.ranges,
              "heads": {owner: _hash_at(hub, owner, last) for owner, (_f, last)
                        in planned.ranges.items()},
              "signed_heads": _signed_heads(hub, planned.ranges),
              "vector": hub.vector(), "peer_view": {},
              "coordinator_ack": hub.coordinator_ack(),
              "events": sum(last - first + 1 for first, last in planned.ranges.values()),
              "encoding": "debc-ndjson-1"}
    rolled_out = hub.content_pack()
    if rolled_out:
        # Which pack the hub passes on: the coordinator's computer sends it again only
        # when it has a newer one (sync/content_carry.py).
        header["content_held"] = {"id": rolled_out.get("id", ""),
                                  "version": rolled_out.get("version", "")}
    if rolled_out and _device_lacks(rolled_out, content_pack, content_held):
        header["content_pack"] = rolled_out
    path = folder / f"delta-{device.device_id[:8]}-{bundle_id}{bundle.SUFFIX}"
    bundle.seal(path, hub.keys, header, {device.device_id: device.enc}, lines(), level=3)
    return Delta(bundle_id, path, counts["events"], counts["withheld"], planned.more)
