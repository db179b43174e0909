"""Whether an arriving event may be stored: who wrote it, and whether it was theirs to write.

Used by the importer (bundles, hub pulls) and by the hub's ingest alike:

`Admission.admit` is the one decision, in this order:

1. Origin: the events of each chain a bundle carries count only up to a head
   signed by that chain's device (sync/heads.py) — carried in the bundle or kept
   here from before (`Origins`, `Admission.vouch`). Events past it wait (`WAITS`);
   a head that is forged, or signed after its device's certificate expired or it
   was revoked, vouches for nothing.
2. Schema: the event's fields follow the schema of its type and version
   (storage/projection/validate.py).
3. Authority: each event type's writer and scope (storage/projection/writers.py),
   read from the certificate in its device's signed head.

A refused event is held with the rest of its device's chain from that point
(storage/quarantine.py); everyone else's events keep coming. Events that only
wait for a signed head are not held: a relay may have forged them, and their
device did nothing wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage.events import DEVICE_ID, ENTITY, ENTITY_ID, SEQ
from debc_outreach.storage.projection import writers
from debc_outreach.storage.projection.validate import describe, row_is_valid, row_problems
from debc_outreach.sync import heads, trust


@dataclass(frozen=True)
class Refusal:
    """An event that may not be stored: whose, from which seq, a stable code, why."""

    device_id: str
    seq: int
    code: str            # "forged" | "expired" | "revoked" | "coordinator_only" |
                         # "out_of_scope" | a schema Problem code | "unsigned" (WAITS)
    reason: str          # translated, one line, names the device and what it tried


# Read for every arriving event: bound once.
_WRITERS, _SCOPED, _ANYONE = writers.WRITERS, writers.SCOPED, writers.ANYONE
_VILLAGE_FIELD, _MERGED_INTO = writers.VILLAGE_FIELD, writers.MERGED_INTO

# Not refused, not admitted yet: past the last head its device signed, it waits.
WAITS = Refusal("", 0, "unsigned", "")


@dataclass
class Origins:
    """What the signed heads a bundle carries prove, chain by chain."""

    heads: dict[str, heads.Head] = field(default_factory=dict)     # device -> head at its
                                                                   # range's end
    refused: dict[str, heads.HeadRefused] = field(default_factory=dict)

    def known(self, conn: sqlite3.Connection, device: str, first: int,
              last: int) -> dict[int, str]:
        """seq -> hash of the verified heads of `device` within [first, last]."""
        found = dict(conn.execute("SELECT seq, hash FROM sync_head WHERE device_id = ? AND "
                                  "seq BETWEEN ? AND ?", (device, first, last)).fetchall())
        carried = self.heads.get(device)
        if carried is not None and first <= carried.seq <= last:
            found[carried.seq] = carried.hash
        return found


def read_origins(prog: trust.Programme, header: dict, revocations: dict,
                 now: dt.datetime | None = None) -> Origins:
    """Verify the signed heads of a bundle header (`signed_heads`): the one at the end of
    each chain's range counts; others are ignored."""
    origins = Origins()
    revoked = heads.revoked_at(revocations)
    documents = header.get("signed_heads")
    if not isinstance(documents, list):
        return origins
    ranges, ends = header["ranges"], header["heads"]
    for document in documents:
        body = document.get("body") if isinstance(document, dict) else None
        device = body.get("device_id") if isinstance(body, dict) else None
        if not isinstance(device, str) or device not in ranges:
            continue
        try:
            head = heads.verify(prog, document, revoked, now)
        except heads.HeadRefused as refused:
            origins.refused.setdefault(device, refused)
            continue
        if head.seq == ranges[device][1] and head.hash == ends[device]:
            origins.heads[device] = head
            origins.refused.pop(device, None)
    return origins


class Places:
    """Where records are (participant and session villages, merges), for the scope rule:
    what is stored, then what this import sets. `load` reads what is stored in one go
    (a device's tables), at the first event that needs it."""

    def __init__(self, load: Callable[[], tuple[dict[str, str], dict[str, str]]]):
        self._load = load
        self._village: dict[str, str] | None = None
        self._merged: dict[str, str] = {}

    def _loaded(self) -> dict[str, str]:
        if self._village is None:
            self._village, self._merged = self._load()
        return self._village

    def lookups(self) -> tuple[Callable[[str], str | None], Callable[[str], str | None]]:
        """(village of a record, record a participant was merged into), for
        `writers.places`."""
        return self._loaded().get, self._merged.get

    def note(self, entity_id: str, fields: dict) -> None:
        """An admitted event that places its record (or merges it) counts from now on."""
        village = fields.get(writers.VILLAGE_FIELD)
        if isinstance(village, str) and village:
            self._loaded()[entity_id] = village
        merged = fields.get(writers.MERGED_INTO)
        if isinstance(merged, str) and merged:
            self._loaded()
            self._merged[entity_id] = merged


class LookupPlaces(Places):
    """Places looked up record by record (the hub's table is national): `lookup` reads
    one record's village, `merged` one participant's merge, each asked once."""

    def __init__(self, lookup: Callable[[str], str | None],
                 merged: Callable[[str], str | None]):
        super().__init__(lambda: ({}, {}))
        self._lookup = lookup
        self._merged_lookup = merged

    def _village_of(self, entity_id: str) -> str | None:
        villages = self._loaded()
        if entity_id not in villages:
            villages[entity_id] = self._lookup(entity_id)
        return villages[entity_id]

    def _merge_of(self, entity_id: str) -> str | None:
        if entity_id not in self._merged:
            self._merged[entity_id] = self._merged_lookup(entity_id)
        return self._merged[entity_id]

    def lookups(self) -> tuple[Callable[[str], str | None], Callable[[str], str | None]]:
        return self._village_of, self._merge_of


def device_places(conn: sqlite3.Connection) -> Places:
    """Places as a device's database holds them (its projection tables)."""

    def load() -> tuple[dict[str, str], dict[str, str]]:
        villages = dict(conn.execute(
            "SELECT id, village_code FROM participant WHERE village_code != '' UNION ALL "
            "SELECT id, village_code FROM session WHERE village_code != '' UNION ALL "
            # A certificate is where its person lives: an edit need not name the person.
            "SELECT c.id, p.village_code FROM issued_certificate c JOIN participant p "
            "ON p.id = c.participant_id WHERE p.village_code != ''"))
        merged = dict(conn.execute("SELECT id, merged_into FROM participant "
                                   "WHERE merged_into != ''"))
        return villages, merged

    return Places(load)


def device_certificates(conn: sqlite3.Connection, prog: trust.Programme
                        ) -> Callable[[str], trust.Certificate | None]:
    """A device's certificate as this computer knows it: from the newest head it signed,
    else from its peer record."""

    def certificate(device: str) -> trust.Certificate | None:
        row = conn.execute("SELECT document FROM sync_head WHERE device_id = ? "
                           "ORDER BY seq DESC LIMIT 1", (device,)).fetchone()
        document = json.loads(row[0]) if row else None
        if document is None or document["body"].get("by") != device:
            found = conn.execute("SELECT certificate FROM sync_peer WHERE device_id = ?",
                                 (device,)).fetchone()
            document = {"certificate": json.loads(found[0])} if found else None
        if document is None:
            return None
        try:
            return trust.verify_certificate(prog, document.get("certificate"))
        except UserError:
            return None

    return certificate


@dataclass(frozen=True)
class _Writer:
    role: str
    scope: tuple[str, ...]
    name: str


class Admission:
    """The admission decision for each event of one import (bundle or hub push)."""

    def __init__(self, prog: trust.Programme | None, origins: Origins, places: Places,
                 stored_certificate: Callable[[str], trust.Certificate | None],
                 limits: dict[str, int] | None = None):
        self._prog = prog
        # device -> last seq of its chain a head it signed vouches for (origin); None:
        # the events are stored here already, their origin was checked when they came
        self._stored = limits is None
        self.limits: dict[str, int] = limits if limits is not None else {}
        self._origins = origins
        self._places = places
        self._stored_certificate = stored_certificate
        self._writers: dict[str, _Writer | None] = {}
        self._lookups: tuple | None = None

    def _places_of(self, entity: str, entity_id: str, fields: dict) -> list[str]:
        if self._lookups is None:
            self._lookups = self._places.lookups()
        return writers.event_places(entity, entity_id, fields, *self._lookups)

    def _writer(self, device: str) -> _Writer | None:
        """The role and scope `device` writes under (None: no limit to check)."""
        if device in self._writers:
            return self._writers[device]
        cert = self._certificate(device)
        if cert is None or cert.role == trust.COORDINATOR \
                or device == self._prog.coordinator_id:
            found = None
        else:
            found = _Writer(cert.role, cert.scope, cert.name or device[:8])
        self._writers[device] = found
        return found

    def _certificate(self, device: str) -> trust.Certificate | None:
        head = self._origins.heads.get(device)
        if head is not None:
            # A coordinator vouching for an older chain: written before the rules.
            return None if head.before_signing else head.signer
        return self._stored_certificate(device)

    def vouch(self, device: str, seq: int) -> None:
        """Events of `device` up to `seq` are vouched for by a head it signed."""
        if seq > self.limits.get(device, 0):
            self.limits[device] = seq

    def admit(self, row: tuple, fields: dict | None) -> Refusal | None:
        """None when the event may be stored and applied; `WAITS` when no head its
        device signed vouches for it yet; else the refusal. `fields` is None for a
        hash-only stand-in (only its origin is checked).

        Origin, then schema, then authority. Runs for every arriving event: the
        common cases take few steps."""
        device = row[DEVICE_ID]
        if row[SEQ] > self.limits.get(device, 0) and not self._stored:
            return WAITS
        if fields is None:
            return None
        if not row_is_valid(row, fields):
            problems = row_problems(row, fields)
            if problems:
                return Refusal(device, row[SEQ], problems[0].code,
                               _("Record {seq} ({entity}) is not valid: {problem}").format(
                                   seq=row[SEQ], entity=row[ENTITY],
                                   problem=describe(problems)))
        who = self._writers[device] if device in self._writers else self._writer(device)
        if who is not None:
            entity = row[ENTITY]
            rule = _WRITERS.get(entity, _SCOPED)
            if rule != _ANYONE:
                if rule == _SCOPED:
                    places = self._places_of(entity, row[ENTITY_ID], fields)
                    scope = who.scope
                    inside = True
                    for place in places:
                        if not place.startswith(scope):
                            inside = False
                            break
                else:
                    places, inside = [], False
                if not inside:
                    denied = writers.denial(who.role, who.scope, entity, places, who.name)
                    if denied is not None:
                        return Refusal(device, row[SEQ], denied.code, denied.message)
        if _VILLAGE_FIELD in fields or _MERGED_INTO in fields:
            self._places.note(row[ENTITY_ID], fields)
        return None
