"""Storing a pushed bundle: verified like an import, stored once, safe to repeat.

The same checks as a device's import (programme, sender certificate, revocation,
header signature, recipient, payload hash, every hash chain recomputed and
linked to what is stored, then each event admitted as a device's import
admits it, sync/admission.py: its chain's signed head, its fields against the
schema of its type, its writer's role and scope) run inside one transaction
per bundle: a bundle is stored whole or not at all. A forged head refuses it
(422); an invalid or unauthorised record refuses it (422 or 403, with the
reason and the record, so a relaying client can hold that device and push the
rest); events past the last head their device signed are left out until such
a head arrives. A bundle id seen before is answered as a replay; an event
seen before (by device and seq, with the same hash) is a duplicate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.hub import delta
from debc_outreach.hub.db import CERTIFICATE, PERSON_FIELD
from debc_outreach.hub.service import Hub, Refused
from debc_outreach.i18n import _
from debc_outreach.storage.events import (
    BASE,
    DEVICE_ID,
    ENTITY,
    ENTITY_ID,
    FIELDS,
    GENESIS_HASH,
    HASH,
    HLC,
    OP,
    PREV_HASH,
    SCHEMA_VERSION,
    SEQ,
    dumps,
)
from debc_outreach.storage.projection.validate import describe, row_problems
from debc_outreach.sync import admission, bundle, codec, importer, trust
from debc_outreach.sync.hub_protocol import REFUSED_RECORDS
from debc_outreach.sync.scope import MERGED_INTO, VILLAGE_FIELD

BATCH = 2000


@dataclass
class Stored:
    bundle_id: str
    replayed: bool = False
    events: int = 0
    new: int = 0
    duplicates: int = 0
    unsigned: int = 0      # past the last head their device signed: not stored (yet)
    vector: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"bundle_id": self.bundle_id, "status": "replayed" if self.replayed else "stored",
                "events": self.events, "new": self.new, "duplicates": self.duplicates,
                "unsigned": self.unsigned, "vector": self.vector}


def _contradiction() -> Refused:
    return Refused(_("The bundle's events contradict the records already on the hub (a "
                     "device's history differs; it was probably restored from an older "
                     "backup). Nothing was stored."), 422)


def _mismatch() -> Refused:
    return Refused(_("The bundle's events do not match its signed header."), 400)


_NOT_THEIRS = ("coordinator_only", "out_of_scope")      # writers.Denial codes


def _refused_record(row: tuple, fields: dict, refusal: admission.Refusal) -> Refused:
    """The answer to a record admission refused: which record, and why. A client that
    only relays it holds its device and pushes the rest (sync/hub_client.py)."""
    where = {"device_id": row[DEVICE_ID], "seq": row[SEQ]}
    if refusal.code in _NOT_THEIRS:
        return Refused(refusal.reason + " " + _("Nothing was stored."), 403, REFUSED_RECORDS,
                       where)
    return Refused(_("Record {seq} of device {device} ({entity}) is not valid: {problem} "
                     "Nothing from this bundle was stored.").format(
        seq=row[SEQ], device=row[DEVICE_ID], entity=row[ENTITY],
        problem=describe(row_problems(row, fields))), 422, REFUSED_RECORDS, where)


def seen(hub: Hub, bundle_id: str) -> bool:
    return hub.db.scalar("SELECT 1 FROM hub_bundle WHERE bundle_id = ?", (bundle_id,)) \
        is not None


def verify(hub: Hub, sealed: bundle.SealedBundle, device: trust.Certificate) -> trust.Certificate:
    """Header checks, before anything is decrypted. Raises Refused or BundleError."""
    header = sealed.header
    try:
        importer._check_header(header)
    except UserError as error:
        raise Refused(str(error), 400) from error
    prog = hub.require_programme()
    if header["programme"] != prog.id:
        raise Refused(_("This bundle belongs to another programme."), 400)
    sender = hub.verify_device(header.get("sender_certificate"))
    if sender.device_id != header["sender"] or sender.device_id != device.device_id:
        raise Refused(_("A device may only push bundles it signed itself."))
    sealed.check_signature(sender.sign)
    if hub.device_id not in header["recipients"] or hub.device_id not in header["keys"]["wrapped"]:
        raise Refused(_("This bundle is addressed to another computer."), 400)
    sealed.check_payload_hash()
    return sender


def ingest(hub: Hub, path: Path, device: trust.Certificate, when: str) -> Stored:
    """Verify and store the bundle at `path`, pushed by `device`."""
    sealed = bundle.read_header(path)
    if isinstance(sealed.header.get("revocations"), dict):
        with hub.db.transaction():
            hub.take_revocations(sealed.header["revocations"])
    sender = verify(hub, sealed, device)
    header = sealed.header
    result = Stored(sealed.bundle_id)
    if seen(hub, sealed.bundle_id):
        result.replayed = True
        result.vector = hub.vector()
        return result
    content_key = sealed.content_key(hub.device_id, hub.keys)
    ranges = header["ranges"]
    with hub.db.transaction() as db:
        db.lock_devices([*ranges, sealed.bundle_id])     # the bundle itself, pushed twice
        if seen(hub, sealed.bundle_id):          # the same bundle, pushed twice at once
            result.replayed = True
        else:
            _store_events(hub, sealed, content_key, result)
            for device_id in ranges:
                _advance_head(hub, device_id)
            db.execute("INSERT INTO hub_bundle VALUES (?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (bundle_id) DO NOTHING",
                       (sealed.bundle_id, sender.device_id, when, result.events, result.new,
                        result.duplicates))
        hub.note_device(sender, when, push=True, vector=header["vector"])
        hub.take_content_pack(header.get("content_pack"), sender)
    result.vector = hub.vector()
    return result


def _hub_places(hub: Hub) -> admission.Places:
    """Where records are, as the hub's place table holds them (for the scope rule)."""

    def lookup(entity_id: str) -> str | None:
        # One round trip: a certificate is where its person lives.
        return hub.db.scalar("SELECT village FROM hub_place WHERE entity_id = ? UNION ALL "
                             "SELECT p.village FROM hub_certificate c JOIN hub_place p "
                             "ON p.entity_id = c.participant_id WHERE c.entity_id = ? LIMIT 1",
                             (entity_id, entity_id))

    def merged(entity_id: str) -> str | None:
        return lookup(delta.MERGED_PREFIX + entity_id)

    return admission.LookupPlaces(lookup, merged)


def _hub_certificates(hub: Hub, prog: trust.Programme):
    """A device's certificate as the hub knows it: from the newest head it signed, else
    from its device record."""

    def certificate(device: str) -> trust.Certificate | None:
        rows = hub.db.query("SELECT document FROM hub_signed_head WHERE device_id = ? "
                            "ORDER BY seq DESC LIMIT 1", (device,))
        head = json.loads(rows[0][0]) if rows else {}
        document = head.get("certificate") if head.get("body", {}).get("by") == device \
            else None
        if document is None:
            found = hub.db.query("SELECT certificate FROM hub_device WHERE device_id = ?",
                                 (device,))
            document = json.loads(found[0][0]) if found else None
        if document is None:
            return None
        try:
            return trust.verify_certificate(prog, document)
        except UserError:
            return None

    return certificate


def _origins(hub: Hub, header: dict) -> admission.Origins:
    """The bundle's signed heads, verified; a forged one refuses the whole bundle."""
    origins = admission.read_origins(hub.require_programme(), header, hub.revocations())
    for refused in origins.refused.values():
        if refused.code == "forged":
            raise Refused(refused.message, 422)
    return origins


def _vouched(hub: Hub, origins: admission.Origins, device: str, first: int,
             last: int) -> dict[int, str]:
    """seq -> hash of the heads `device` signed within [first, last] (stored or carried)."""
    known = {int(seq): digest for seq, digest in hub.db.query(
        "SELECT seq, hash FROM hub_signed_head WHERE device_id = ? AND seq BETWEEN ? AND ?",
        (device, first, last))}
    carried = origins.heads.get(device)
    if carried is not None:
        known[carried.seq] = carried.hash
    return known


def _store_events(hub: Hub, sealed: bundle.SealedBundle, content_key: bytes,
                  result: Stored) -> None:
    """Store the bundle's events that a head signed by their device vouches for (the
    rest is left out until such a head arrives); an unauthorised one refuses it all."""
    header = sealed.header
    ranges, heads = header["ranges"], header["heads"]
    prog = hub.require_programme()
    origins = _origins(hub, header)
    admitting = admission.Admission(prog, origins, _hub_places(hub),
                                    _hub_certificates(hub, prog), {})
    admit = admitting.admit
    seen_devices: set[str] = set()
    batch: list[tuple] = []
    last: tuple | None = None
    known: dict[int, str] = {}

    def close_run(row: tuple | None) -> None:
        if row is None:
            return
        span = ranges.get(row[DEVICE_ID])
        if span is None or row[SEQ] != span[1] or row[HASH] != heads[row[DEVICE_ID]]:
            raise _mismatch()
        following = hub.db.scalar("SELECT prev_hash FROM hub_event WHERE device_id = ? AND "
                                  "seq = ?", (row[DEVICE_ID], row[SEQ] + 1))
        if following is not None and following != row[HASH]:
            raise _contradiction()

    try:
        for row, fields, _base in codec.decode(sealed.lines(content_key)):
            if last is None or row[DEVICE_ID] != last[DEVICE_ID]:
                _flush(hub, batch, sealed.bundle_id, result)
                batch = []
                close_run(last)
                span = ranges.get(row[DEVICE_ID])
                if row[DEVICE_ID] in seen_devices or span is None or row[SEQ] != span[0]:
                    raise _mismatch()
                seen_devices.add(row[DEVICE_ID])
                known = _vouched(hub, origins, row[DEVICE_ID], row[SEQ], span[1])
                stored_head = hub.db.scalar("SELECT seq FROM hub_head WHERE device_id = ?",
                                            (row[DEVICE_ID],))
                admitting.vouch(row[DEVICE_ID], max([*known, int(stored_head or 0)]))
                before = hub.db.scalar("SELECT hash FROM hub_event WHERE device_id = ? AND "
                                       "seq = ?", (row[DEVICE_ID], row[SEQ] - 1)) \
                    if row[SEQ] > 1 else GENESIS_HASH
                if before is not None and before != row[PREV_HASH]:
                    raise _contradiction()
            last = row
            if row[SEQ] in known and known[row[SEQ]] != row[HASH]:
                raise Refused(_("The bundle carries records of {device} that {device} did "
                                "not sign. Nothing was stored.").format(device=row[DEVICE_ID]),
                              422)
            refusal = admit(row, None if row[OP] == codec.REDACTED else fields)
            if refusal is admission.WAITS:
                result.unsigned += 1
                continue
            if refusal is not None:
                raise _refused_record(row, fields, refusal)
            batch.append((row, fields.get(VILLAGE_FIELD) if fields else None,
                          fields.get(MERGED_INTO) if fields else None,
                          fields.get(PERSON_FIELD) if fields and row[ENTITY] == CERTIFICATE
                          else None))
            if len(batch) >= BATCH:
                _flush(hub, batch, sealed.bundle_id, result)
                batch = []
        _flush(hub, batch, sealed.bundle_id, result)
        close_run(last)
    except codec.DecodeError as error:
        raise Refused(_("The bundle's content is not valid ({reason}).").format(reason=error),
                      400) from error
    if seen_devices != set(ranges) or result.events + result.unsigned != header["events"]:
        raise _mismatch()
    for head in origins.heads.values():
        hub.db.execute("INSERT INTO hub_signed_head VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (device_id, seq) DO NOTHING",
                       (head.device_id, head.seq, head.hash, dumps(head.document)))


def _flush(hub: Hub, batch: list[tuple], bundle_id: str, result: Stored) -> None:
    """Store one batch of one device's consecutive events (checked against stored ones)."""
    if not batch:
        return
    first, final = batch[0][0], batch[-1][0]
    device = first[DEVICE_ID]
    stored = {int(seq): (op, digest) for seq, op, digest in hub.db.query(
        "SELECT seq, op, hash FROM hub_event WHERE device_id = ? AND seq BETWEEN ? AND ?",
        (device, first[SEQ], final[SEQ]))}
    new_rows, replace, places, people = [], [], {}, {}
    for row, village, merged, person in batch:
        result.events += 1
        found = stored.get(row[SEQ])
        if found is not None:
            if found[1] != row[HASH]:
                raise _contradiction()
            if found[0] == codec.REDACTED and row[OP] != codec.REDACTED:
                replace.append(row)       # the full event replaces its hash-only stand-in
            else:
                result.duplicates += 1
                continue
        else:
            new_rows.append((*row, bundle_id))
        result.new += 1
        for key, value in ((row[ENTITY_ID], village),
                           (delta.MERGED_PREFIX + row[ENTITY_ID], merged)):
            if isinstance(value, str) and value:
                previous = places.get(key)
                if previous is None or row[HLC] >= previous[1]:
                    places[key] = (value, row[HLC])
        if isinstance(person, str):       # "" too: a detached certificate is nowhere
            previous = people.get(row[ENTITY_ID])
            if previous is None or row[HLC] >= previous[1]:
                people[row[ENTITY_ID]] = (person, row[HLC])
    db = hub.db
    db.executemany("INSERT INTO hub_event (device_id, seq, hlc, entity, entity_id, op, fields, "
                   "base, schema_version, prev_hash, hash, bundle_id) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", new_rows)
    db.executemany("UPDATE hub_event SET hlc = ?, entity = ?, entity_id = ?, op = ?, "
                   "fields = ?, base = ?, schema_version = ? WHERE device_id = ? AND seq = ?",
                   [(row[HLC], row[ENTITY], row[ENTITY_ID], row[OP], row[FIELDS], row[BASE],
                     row[SCHEMA_VERSION], row[DEVICE_ID], row[SEQ]) for row in replace])
    if places:       # cached scope decisions (delta.py) are stale from now on
        db.execute("INSERT INTO hub_config VALUES ('place_version', ?) ON CONFLICT (key) "
                   "DO UPDATE SET value = excluded.value", (f"{bundle_id}:{first[SEQ]}",))
    db.executemany("INSERT INTO hub_place VALUES (?, ?, ?) ON CONFLICT (entity_id) DO UPDATE "
                   "SET village = excluded.village, hlc = excluded.hlc "
                   "WHERE excluded.hlc >= hub_place.hlc",
                   [(entity_id, village, hlc) for entity_id, (village, hlc)
                    in sorted(places.items())])
    db.executemany("INSERT INTO hub_certificate VALUES (?, ?, ?) ON CONFLICT (entity_id) "
                   "DO UPDATE SET participant_id = excluded.participant_id, "
                   "hlc = excluded.hlc WHERE excluded.hlc >= hub_certificate.hlc",
                   [(entity_id, person, hlc) for entity_id, (person, hlc)
                    in sorted(people.items())])


def _advance_head(hub: Hub, device: str) -> None:
    """Move the device's contiguous head over the events now stored after it."""
    row = hub.db.query("SELECT seq, hash FROM hub_head WHERE device_id = ?", (device,))
    seq, digest = (int(row[0][0]), row[0][1]) if row else (0, GENESIS_HASH)
    start = seq
    while True:
        following = hub.db.query("SELECT seq, hash FROM hub_event WHERE device_id = ? AND "
                                 "seq > ? ORDER BY seq LIMIT 10000", (device, seq))
        moved = False
        for next_seq, next_hash in following:
            if int(next_seq) != seq + 1:
                break
            seq, digest, moved = int(next_seq), next_hash, True
        if not moved or len(following) < 10000:
            break
    if seq != start:
        hub.db.execute("INSERT INTO hub_head VALUES (?, ?, ?) ON CONFLICT (device_id) DO UPDATE "
                       "SET seq = excluded.seq, hash = excluded.hash", (device, seq, digest))
