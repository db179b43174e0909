"""Reading a bundle: verify everything first, then apply in bounded transactions.

Order of checks, all before the database is written: file format, programme,
sender certificate (signed by the programme coordinator, not expired, not
revoked), header signature, recipient, payload hash, then the whole payload
is decrypted, decoded and every sender's hash chain checked against the
signed header and against the events already stored. Verified events are
spooled to a temporary file, then applied in chunks of `CHUNK_EVENTS`, several
chunks per transaction; runs of set-semantics events (attendance, checklist)
go through their batch appliers. A large bundle into a small database is one
transaction that builds some indexes once at the end (bulk.py).

An event already stored is a duplicate (nothing changes); one that does not
follow the stored chain yet waits in `sync_waiting` until the missing events
arrive; one with a newer schema is stored unapplied; one stamped more than
24 h ahead of this computer's clock is stored, quarantined and not applied.
A bundle is recorded as imported only at the very end, so an import stopped
half-way (power cut, cancel) simply continues the next time.

Every event is admitted before it is applied (sync/admission.py, in order:
its chain is vouched for by a head its own device signed, sync/heads.py; its
fields follow the schema of its type; it was its writer's to write). Events
past the last signed head wait in `sync_waiting` (a relay may have forged
them: their device is not blamed). A refused event is stored unapplied with
the rest of its device's chain from there, held in quarantine
(storage/quarantine.py); the other devices' events are applied as usual.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from debc_outreach.core.hlc import first_too_far_ahead, is_too_far_ahead
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import events, projection, quarantine
from debc_outreach.storage.events import (
    BASE,
    DEVICE_ID,
    ENTITY,
    EVENT_SCHEMA_VERSION,
    FIELDS,
    HASH,
    HLC,
    OP,
    PREV_HASH,
    SCHEMA_VERSION,
    SEQ,
    Event,
)
from debc_outreach.storage.scratch import ScratchCipher
from debc_outreach.storage.store import Store
from debc_outreach.sync import (
    admission,
    bulk,
    bundle,
    codec,
    content_carry,
    heads,
    peers,
    rescue,
    trust,
)
from debc_outreach.sync.bundle import BundleError
from debc_outreach.sync.keys import device_keys, unb64

CHUNK_EVENTS = 10000                     # events decoded, spooled and applied at a time
TRANSACTION_EVENTS = 100000              # events per committed transaction
IMPORT_CACHE_KB = 64 * 1024
IMPORT_CHECKPOINT_PAGES = 16384          # fewer, larger WAL checkpoints while importing
Progress = Callable[[int, int], None]    # (events done, events in all)


@dataclass
class ImportReport:
    bundle_id: str = ""
    sender: str = ""
    already_imported: bool = False
    cancelled: bool = False
    new: int = 0
    duplicates: int = 0
    conflicts: int = 0
    waiting: int = 0
    quarantined: int = 0
    unapplied: int = 0           # newer schema: stored until the app is upgraded
    released: int = 0            # earlier waiting/quarantined/unapplied events applied now
    rescued: int = 0             # own records moved aside and recorded again (rescue.py)
    held: int = 0                # refused with the rest of their device's chain from that
                                 # event on (quarantine.py): kept, never applied
    refusals: list[dict] = field(default_factory=list)   # device, seq, code, reason
    devices: list[str] = field(default_factory=list)
    held_devices: list[dict] = field(default_factory=list)   # quarantine.Held.as_json()

    def as_json(self) -> dict:
        return asdict(self)


def _bad(message: str) -> BundleError:
    return BundleError(message)


def _check_header(header: dict) -> None:
    try:
        assert isinstance(header["bundle_id"], str) and header["bundle_id"]
        assert isinstance(header["programme"], str)
        assert isinstance(header["sender"], str)
        assert isinstance(header["recipients"], list)
        _check_keys(header["keys"])
        peer_view = header.get("peer_view", {})
        assert isinstance(peer_view, dict)
        assert all(isinstance(device, str) for device in peer_view)
        assert isinstance(header["vector"], dict)
        assert all(isinstance(k, str) and type(v) is int for k, v in header["vector"].items())
        assert isinstance(header["ranges"], dict) and isinstance(header["heads"], dict)
        for device, span in header["ranges"].items():
            assert isinstance(device, str) and isinstance(span, list) and len(span) == 2
            assert type(span[0]) is int and type(span[1]) is int and 1 <= span[0] <= span[1]
            assert isinstance(header["heads"][device], str)
        assert type(header["events"]) is int and header["events"] >= 0
        payload = header["payload"]
        for key in ("chunks", "size", "plain_size"):
            assert type(payload[key]) is int and payload[key] >= 0
        assert isinstance(payload["sha256"], str)
        assert header.get("encoding") == "debc-ndjson-1"
    except (AssertionError, KeyError, TypeError) as error:
        raise _bad(_("The bundle is damaged (its header is incomplete).")) from error


def _check_keys(keys: object) -> None:
    """The key fields must be what `bundle.seal` writes: a 32-byte X25519 key and, per
    recipient, a wrapped content key (base64 text), so opening never meets junk."""
    assert isinstance(keys, dict)
    try:
        ephemeral = unb64(keys["ephemeral"])
    except (ValueError, TypeError, AttributeError) as error:
        raise AssertionError("ephemeral key is not base64") from error
    assert len(ephemeral) == 32
    wrapped = keys["wrapped"]
    assert isinstance(wrapped, dict)
    assert all(isinstance(device, str) and isinstance(key, str) for device, key in wrapped.items())


def verify_bundle(store: Store, sealed: bundle.SealedBundle) -> trust.Certificate:
    """Checks before decrypting: programme, certificate, revocation, recipient, payload hash.

    A damaged copy of a bundle imported before is refused too (not "already imported").
    """
    header = sealed.header
    _check_header(header)
    prog = trust.require_programme(store)
    if header["programme"] != prog.id:
        raise _bad(_("This bundle belongs to another programme."))
    try:
        cert = trust.verify_certificate(prog, header.get("sender_certificate"))
    except UserError as error:
        raise _bad(_("The sender of this bundle is not enrolled in this programme.")) from error
    if cert.device_id != header["sender"]:
        raise _bad(_("The sender of this bundle is not enrolled in this programme."))
    sealed.check_signature(cert.sign)
    revoked = trust.revoked_devices(store)
    newer = trust.newer_revocations(store, prog, header.get("revocations"))
    if newer:
        revoked |= {entry["device_id"] for entry in newer["body"]["revoked"]}
    if cert.device_id in revoked:
        raise _bad(_("The sender's device was revoked by the coordinator; its bundles are "
                     "refused."))
    if cert.expired():
        raise _bad(_("The sender's certificate has expired; ask the coordinator to renew "
                     "it."))
    if store.device_id not in header["recipients"] \
            or store.device_id not in header["keys"]["wrapped"]:
        raise _bad(_("This bundle is addressed to another computer."))
    sealed.check_payload_hash()
    return cert


def _contradiction() -> BundleError:
    return _bad(_("The bundle's events contradict the records already on this computer "
                  "(a device's history differs; it was probably restored from an older "
                  "backup). Nothing was changed."))


class _OwnHistoryBefore(Exception):
    """This computer's own chain differs before the bundle's range starts."""


@dataclass
class _Spooled:
    """What checking a bundle's events found."""

    events: int = 0             # events checked and written to the spool
    fork_at: int = 0            # first seq where this computer's own records differ
                                # from the bundle's copies (0: none)
    entities: set[str] = field(default_factory=set)     # the events' entities
    limits: dict[str, int] = field(default_factory=dict)
    # device -> the last seq of its chain in this bundle vouched for by a head it signed
    # (or held here already); its events after that wait
    forged: dict[str, int] = field(default_factory=dict)
    # device -> first seq of a run that contradicts a head its device signed


def _spool_verified(store: Store, sealed: bundle.SealedBundle, spool: _Spool,
                    origins: admission.Origins) -> _Spooled:
    """Decode and check every event; write verified rows to `spool`.

    Also finds, per chain, how far its device's signed heads vouch for it."""
    spooled = _Spooled()
    see = spooled.entities.add
    header = sealed.header
    content_key = sealed.content_key(store.device_id, device_keys(store.data_dir))
    conn = store.database.conn
    ranges = header["ranges"]
    seen_devices: dict[str, int] = {}
    batch: list[tuple] = []
    count = 0
    stored = iter(())
    current_device = None
    last: tuple | None = None

    def close_run(row: tuple | None) -> None:
        if row is None:
            return
        span = ranges.get(row[DEVICE_ID])
        if span is None or row[SEQ] != span[1] or row[HASH] != header["heads"][row[DEVICE_ID]]:
            raise _bad(_("The bundle's events do not match its signed header."))
        spooled.limits[row[DEVICE_ID]] = limit

    head_seq = 0
    limit = 0
    known: dict[int, str] = {}
    try:
        for decoded in codec.decode(sealed.lines(content_key)):
            row = decoded[0]
            device, seq = row[DEVICE_ID], row[SEQ]
            if device != current_device:
                close_run(last)
                span = ranges.get(device)
                if device in seen_devices or span is None or seq != span[0]:
                    raise _bad(_("The bundle's events do not match its signed header."))
                seen_devices[device] = 1
                current_device = device
                head_seq, _head_hash = events.chain_head(conn, device)
                limit = head_seq
                known = origins.known(conn, device, seq, span[1])
                if 1 < seq <= head_seq + 1:
                    if events.hash_at(conn, device, seq - 1) != row[PREV_HASH]:
                        if device == store.device_id:
                            raise _OwnHistoryBefore()
                        raise _contradiction()
                stored = iter(events.hashes(conn, device, seq, head_seq)
                              if seq <= head_seq else [])
            if seq <= head_seq:
                found = next(stored, None)
                if found is None or found[0] != seq or found[1] != row[HASH]:
                    if device != store.device_id:
                        raise _contradiction()
                    # This computer's own history forked here: the peer's copy wins
                    # its place, ours is recorded again (rescue.py).
                    spooled.fork_at = seq
                    head_seq = seq - 1
            if known and seq in known:
                if known[seq] == row[HASH]:
                    limit = seq
                else:
                    spooled.forged.setdefault(device, span[0])
            batch.append(decoded)
            see(row[ENTITY])
            count += 1
            last = row
            if len(batch) >= CHUNK_EVENTS:
                spool.write(batch)
                batch = []
        close_run(last)
    except codec.DecodeError as error:
        raise _bad(_("The bundle's content is not valid ({reason}).")
                   .format(reason=error)) from error
    if set(seen_devices) != set(ranges) or count != header["events"]:
        raise _bad(_("The bundle's events do not match its signed header."))
    if batch:
        spool.write(batch)
    spooled.events = count
    return spooled


class _Spool:
    """Verified events waiting for pass 2, in a temporary file.

    Each chunk is sealed with a key that exists only in memory for this import
    (storage/scratch.py), so decrypted names never reach the disk in the clear.
    """

    def __init__(self, handle):
        self._handle = handle
        self._cipher = ScratchCipher()

    def write(self, batch: list[codec.Decoded]) -> None:
        # Only the rows: fields are parsed again when read (cheaper than marshalling them).
        blob = self._cipher.seal(marshal.dumps([decoded[0] for decoded in batch]))
        self._handle.write(len(blob).to_bytes(8, "big") + blob)

    def rewind(self) -> None:
        self._handle.seek(0)

    def read(self) -> list[codec.Decoded] | None:
        size = self._handle.read(8)
        if len(size) != 8:
            return None
        return codec.redecode(marshal.loads(
            self._cipher.open(self._handle.read(int.from_bytes(size, "big")))))


def import_bundle(store: Store, path: Path, report: Progress | None = None,
                  cancelled: Callable[[], bool] = lambda: False) -> ImportReport:
    """Verify, then apply a bundle. Raises BundleError (a UserError) when it is refused."""
    sealed = bundle.read_header(path)
    cert = verify_bundle(store, sealed)
    result = ImportReport(sealed.bundle_id, cert.device_id)
    if store.database.scalar("SELECT 1 FROM sync_bundle_in WHERE bundle_id = ?",
                             (sealed.bundle_id,)):
        result.already_imported = True
        return result
    # A big import inserts into several B-trees at random places (ids are UUIDs): a
    # larger page cache for the duration keeps them in memory.
    # The chunks are committed without waiting for the disk (WAL keeps them in order and
    # the file consistent); the last transaction, which records the bundle as imported,
    # is written with full sync and so makes every chunk before it durable too. After a
    # power cut in between, the bundle is simply not recorded yet and imports again.
    conn = store.database.conn
    cache = store.database.scalar("PRAGMA cache_size")
    synchronous = store.database.scalar("PRAGMA synchronous")
    conn.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KB}")
    conn.execute("PRAGMA synchronous = NORMAL")
    autocheckpoint = store.database.scalar("PRAGMA wal_autocheckpoint")
    conn.execute(f"PRAGMA wal_autocheckpoint = {IMPORT_CHECKPOINT_PAGES}")
    try:
        return _import_verified(store, sealed, cert, result, report, cancelled,
                                final_sync=int(synchronous))
    finally:
        conn.execute(f"PRAGMA synchronous = {int(synchronous)}")
        conn.execute(f"PRAGMA cache_size = {int(cache)}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(autocheckpoint)}").fetchall()


def _import_verified(store: Store, sealed: bundle.SealedBundle, cert: trust.Certificate,
                     result: ImportReport, report: Progress | None,
                     cancelled: Callable[[], bool], final_sync: int) -> ImportReport:
    origins = _origins(store, sealed.header)
    with tempfile.TemporaryFile(dir=store.temp_dir) as handle:
        spool = _Spool(handle)
        try:
            spooled = _spool_verified(store, sealed, spool, origins)
        except _OwnHistoryBefore:
            rescue.request(store.data_dir)
            raise _bad(_("The bundle holds records of this computer that differ from the "
                         "ones here (its data was probably restored from an older backup). "
                         "Nothing was changed; the next bundle from the same computer will "
                         "repair it, so sync once more.")) from None
        if rescue.differs(store, (sealed.header.get("peer_view") or {}).get(store.device_id)):
            rescue.request(store.data_dir)
        spool.rewind()
        gate = _gate(store, sealed, origins, spooled, result)
        if spooled.fork_at:
            result.rescued = rescue.move_aside(store, spooled.fork_at, sealed.bundle_id)
        result.released = release_pending(store)
        conflicts_before = store.database.scalar("SELECT count(*) FROM conflict")
        total = spooled.events
        deferred = bulk.deferrable_indexes(store.database.conn, total, spooled.entities)
        # A bulk import is one transaction (its indexes are rebuilt before it commits).
        per_transaction = total + 1 if deferred else TRANSACTION_EVENTS
        done = 0
        rows = spool.read()
        while rows is not None:
            # Several chunks per transaction: random index inserts touch the same pages
            # again and again, and each commit writes every page it touched.
            with store.database.transaction() as conn:
                bulk.drop(conn, deferred)
                in_transaction = 0
                while rows is not None and in_transaction < per_transaction:
                    if cancelled():
                        result.cancelled = True
                        break
                    _apply_chunk(store, rows, gate, result)
                    in_transaction += len(rows)
                    done += len(rows)
                    if report:
                        report(done, total)
                    rows = spool.read()
                bulk.rebuild(conn, deferred)
            if result.cancelled:
                # Make the chunks imported so far durable (a checkpoint syncs the log).
                store.database.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                return result
    result.conflicts = store.database.scalar("SELECT count(*) FROM conflict") \
        - conflicts_before
    result.devices = sorted(sealed.header["ranges"])
    result.waiting = store.database.scalar("SELECT count(*) FROM sync_waiting WHERE "
                                           "bundle_id = ?", (sealed.bundle_id,)) \
        - gate.held_waiting
    result.held_devices = [held.as_json() for held in
                           quarantine.held_devices(store.database.conn)
                           if held.device_id in sealed.header["ranges"]]
    store.database.conn.execute(f"PRAGMA synchronous = {final_sync}")
    if rescue.pending(store):
        rescue.record_again(store)
    _finish(store, sealed, cert, result)
    return result


def _origins(store: Store, header: dict) -> admission.Origins:
    """The signed heads the bundle carries, verified (against the revocation list here or
    the newer one the bundle brings)."""
    prog = trust.require_programme(store)
    revocations = trust.newer_revocations(store, prog, header.get("revocations")) \
        or trust.revocation_list(store)
    return admission.read_origins(prog, header, revocations)


def _gate(store: Store, sealed: bundle.SealedBundle, origins: admission.Origins,
          spooled: _Spooled, result: ImportReport) -> _Gate:
    """Keep the heads that vouch for this bundle's chains; note forged ones; hold the
    chains of devices that wrote after their certificate expired or was revoked.

    A chain a relay forged is not held: its device did nothing wrong, and its own
    next bundle imports as usual. Its forged events never pass their device's head."""
    conn = store.database.conn
    prog = trust.require_programme(store)
    gate = _Gate(admission.Admission(
        prog, origins, admission.device_places(conn),
        admission.device_certificates(conn, prog), dict(spooled.limits)), sealed.bundle_id)
    sender = sealed.header["sender"]
    forged = {device: admission.Refusal(device, first, "forged", _(
        "The bundle from {sender} carries records of {device} that {device} did not sign; "
        "they were not applied.").format(sender=sender, device=device))
        for device, first in spooled.forged.items()}
    with store.database.transaction() as tx:
        for head in origins.heads.values():
            heads.remember(tx, head)
        for device, refused in origins.refused.items():
            if device in origins.heads:
                continue
            first = max(spooled.limits.get(device, 0) + 1, sealed.header["ranges"][device][0])
            refusal = admission.Refusal(device, first, refused.code, refused.message)
            if refused.code == "forged":
                forged.setdefault(device, refusal)
                continue
            # Revoked or expired: what it wrote after that is held for the coordinator
            # (its events wait: no head vouches for them).
            _hold(tx, gate, refusal, result)
    limits = gate.admission.limits
    for device, refusal in forged.items():
        # Not held: the device did nothing wrong. What its head does not vouch for waits.
        limits[device] = min(limits.get(device, 0), refusal.seq - 1)
        result.refusals.append(asdict(refusal))
    return gate


def held_reason(store: Store, held: quarantine.Held) -> str:
    """Why `held` is held, in the current language when it can be told again (the record
    is admitted once more); else the reason recorded when it was held."""
    conn = store.database.conn
    row = events.row_at(conn, held.device_id, held.from_seq)
    if row is not None and row[OP] != codec.REDACTED:
        refusal = _stored_admission(store).admit(row, json.loads(row[FIELDS]))
        if refusal is not None and refusal.code == held.code:
            return refusal.reason
    return held.reason


def _stored_admission(store: Store) -> admission.Admission:
    """The admission decision for events stored here already (their origin was checked
    when they came): schema and authority, as on arrival."""
    conn = store.database.conn
    prog = trust.programme(store)
    certificates = admission.device_certificates(conn, prog) if prog is not None \
        else (lambda _device: None)
    return admission.Admission(prog, admission.Origins(), admission.device_places(conn),
                               certificates, None)


def _applicable(event_row: tuple) -> bool:
    """Whether this version can apply the event (else it is stored for an upgrade)."""
    entity, op, schema = event_row[ENTITY], event_row[OP], event_row[SCHEMA_VERSION]
    if schema > EVENT_SCHEMA_VERSION or op == codec.REDACTED:
        return False
    return entity in projection.CUSTOM or (entity in projection.ENTITIES and op == "set")


@dataclass
class _Gate:
    """What may enter during one import: the admission decision (with how far each chain
    is vouched for by a head its device signed) and the chains held from some event on."""

    admission: admission.Admission
    bundle_id: str
    held: dict[str, int] = field(default_factory=dict)   # device -> first seq held
    held_waiting: int = 0       # events of held chains kept in sync_waiting (no signed head)

    def holds(self, device: str, seq: int) -> bool:
        return device in self.held and seq >= self.held[device]


def _hold(conn, gate: _Gate, refusal: admission.Refusal, result: ImportReport) -> None:
    """Hold the refusing device's chain from `refusal.seq` on (quarantine.py): the
    refused event and those after it are stored, never applied, shown on the Sync page
    and by `sync` commands until a coordinator tries them again or sets them aside."""
    device = refusal.device_id
    quarantine.hold(conn, device, refusal.seq, refusal.code, refusal.reason, gate.bundle_id)
    gate.held[device] = quarantine.first_held_seq(conn, device) or refusal.seq
    if not any(found["device_id"] == device for found in result.refusals):
        result.refusals.append(asdict(refusal))


def _wait(conn, gate: _Gate, items: list[codec.Decoded], has_waiting: set[str],
          result: ImportReport) -> None:
    """Keep events aside in sync_waiting: an earlier one is missing, or no head signed
    by their device vouches for them yet (those of a held chain count as held)."""
    if not items:
        return
    device = items[0][0][DEVICE_ID]
    held = sum(1 for item in items if gate.holds(device, item[0][SEQ]))
    result.held += held
    gate.held_waiting += held
    conn.executemany("INSERT OR IGNORE INTO sync_waiting VALUES (?, ?, ?, ?)",
                     [(device, item[0][SEQ], json.dumps(item[0]), gate.bundle_id)
                      for item in items])
    has_waiting.add(device)


def _apply_chunk(store: Store, chunk: list[codec.Decoded], gate: _Gate,
                 result: ImportReport) -> None:
    """One transaction: classify each event, insert the new ones at once, then apply them.

    The common case (the next event of a chain with nothing waiting, applicable now)
    takes a short path; everything else goes through `_classify`.
    """
    now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    with store.database.transaction() as conn:
        heads: dict[str, tuple[int, str]] = {}
        has_waiting = {device for (device,) in
                       conn.execute("SELECT DISTINCT device_id FROM sync_waiting")}
        gate.held = quarantine.held_from(conn)
        applied_rows: list[tuple] = []           # inserted with applied = 1
        other_rows: list[tuple] = []             # full rows with their `applied` flag
        to_apply: list[codec.Decoded] = []
        applicable: dict[tuple[str, str, int], bool] = {}
        newest = 0
        too_far = first_too_far_ahead(now_ms)
        device = None
        head_seq, head_hash, waits = 0, "", True
        admit = gate.admission.admit
        for decoded in chunk:
            row = decoded[0]
            if row[DEVICE_ID] != device:
                if device is not None:
                    heads[device] = (head_seq, head_hash)
                device = row[DEVICE_ID]
                head = heads.get(device)
                if head is None:
                    head = events.chain_head(conn, device)
                head_seq, head_hash = head
                waits = device in has_waiting or device in gate.held
            if row[SEQ] == head_seq + 1 and row[PREV_HASH] == head_hash and not waits:
                kind = (row[ENTITY], row[OP], row[SCHEMA_VERSION])
                ok = applicable.get(kind)
                if ok is None:
                    ok = applicable[kind] = _applicable(row)
                if ok and row[HLC] < too_far and admit(row, decoded[1]) is None:
                    applied_rows.append(row)
                    to_apply.append(decoded)
                    if row[HLC] > newest:
                        newest = row[HLC]
                    result.new += 1
                    head_seq, head_hash = row[SEQ], row[HASH]
                    continue
            heads[device] = (head_seq, head_hash)
            newest = max(newest, _classify(conn, decoded, heads, has_waiting, gate, now_ms,
                                           other_rows, to_apply, result))
            head_seq, head_hash = heads[device]
            waits = device in has_waiting or device in gate.held
        events.insert_rows(conn, applied_rows, applied=1)
        events.insert_rows(conn, other_rows)
        apply_in_runs(conn, to_apply)
        if newest:
            store.clock.observe(newest)


def _classify(conn, decoded: codec.Decoded, heads: dict[str, tuple[int, str]],
              has_waiting: set[str], gate: _Gate, now_ms: int, rows: list[tuple],
              to_apply: list[codec.Decoded], result: ImportReport) -> int:
    """Duplicate, waiting, held, quarantined or unapplied events, and chains released by
    one.

    Adds rows to insert to `rows` and events to apply to `to_apply`; updates `heads`.
    Returns the newest stamp to apply (0: none).
    """
    row = decoded[0]
    device, seq = row[DEVICE_ID], row[SEQ]
    bundle_id = gate.bundle_id
    head = heads[device]
    newest = 0
    if seq <= head[0]:
        if not _duplicate(conn, decoded, result):
            return 0
        chain = [decoded]
    elif seq > head[0] + 1 or row[PREV_HASH] != head[1]:
        _wait(conn, gate, [decoded], has_waiting, result)
        return 0
    elif device in has_waiting:
        taken = _take_waiting(conn, device, row, gate, result)
        chain = [decoded, *taken]
        if taken:
            # Taken only up to a head its device signed: the hash chain vouches for the
            # rest. With none taken, this event needs a head of its own like any other.
            gate.admission.vouch(device, taken[-1][0][SEQ])
    else:
        chain = [decoded]
    admit = gate.admission.admit
    for position, item in enumerate(chain):
        item_row = item[0]
        refusal = admit(item_row, None if item_row[OP] == codec.REDACTED else item[1])
        if refusal is admission.WAITS:
            _wait(conn, gate, chain[position:], has_waiting, result)
            chain = chain[:position]
            break
        if gate.holds(device, item_row[SEQ]) or refusal is not None:
            if not gate.holds(device, item_row[SEQ]):
                _hold(conn, gate, refusal, result)
            result.held += 1                # stored, never applied: not counted as new
            rows.append((*item_row, 0))
            continue
        applied = 0
        if item_row[OP] == codec.REDACTED:
            applied = 1
        elif _applicable(item_row):
            if is_too_far_ahead(item_row[HLC], now_ms):
                conn.execute("INSERT OR IGNORE INTO sync_quarantine VALUES "
                             "(?, ?, ?, ?, ?)", (item_row[DEVICE_ID], item_row[SEQ], item_row[HLC],
                                                 bundle_id, trust.iso(trust.now_utc())))
                result.quarantined += 1
            else:
                applied = 1
                to_apply.append(item)
                newest = max(newest, item_row[HLC])
        else:
            result.unapplied += 1
        rows.append((*item_row, applied))
        result.new += 1
    if not chain:
        return newest
    if device in has_waiting:
        # Other copies of these events waiting here (one a relay forged) are stale now.
        conn.executemany("DELETE FROM sync_waiting WHERE device_id = ? AND seq = ?",
                         [(device, item[0][SEQ]) for item in chain])
    last = chain[-1][0]
    if last[1] > head[0]:
        heads[device] = (last[1], last[10])
    return newest


def apply_in_runs(conn, to_apply: list[codec.Decoded]) -> None:
    """Apply events in order; a run of consecutive events of an entity with a batch
    applier (set semantics: attendance, checklist) goes in one call."""
    apply = projection.apply
    batch_applier = projection.batch_applier
    run: list[projection.BatchItem] = []
    run_entity = None
    run_applier = None
    for item in to_apply:
        entity = item[0][3]
        if entity != run_entity:
            if run:
                run_applier(conn, run)
                run = []
            run_entity = entity
            run_applier = batch_applier(entity)
        if run_applier is None:
            apply(conn, codec.to_event(item))
        else:
            run.append(item)
    if run:
        run_applier(conn, run)


def _take_waiting(conn, device: str, row: tuple, gate: _Gate,
                  result: ImportReport) -> list[codec.Decoded]:
    """Waiting events of `device` that follow `row` in its chain, up to the last one a
    head signed by `device` vouches for, removed from waiting."""
    following: list[tuple[tuple, str]] = []
    seq, head_hash = row[SEQ], row[HASH]
    while True:
        found = conn.execute("SELECT event, bundle_id FROM sync_waiting WHERE device_id = ? "
                             "AND seq = ?", (device, seq + 1)).fetchone()
        if found is None:
            break
        waiting_row = tuple(json.loads(found[0]))
        if waiting_row[PREV_HASH] != head_hash:
            break                 # a different history: it stays waiting and is shown
        following.append((waiting_row, found[1]))
        seq, head_hash = waiting_row[SEQ], waiting_row[HASH]
    if not following:
        return []
    # The hash chain makes every event up to a signed head genuine when the head is.
    signed = dict(conn.execute("SELECT seq, hash FROM sync_head WHERE device_id = ? AND "
                               "seq > ?", (device, row[SEQ])).fetchall())
    cut = 0
    for position, (waiting_row, _bundle) in enumerate(following):
        if signed.get(waiting_row[SEQ]) == waiting_row[HASH]:
            cut = position + 1
    taken = []
    for waiting_row, bundle_id in following[:cut]:
        conn.execute("DELETE FROM sync_waiting WHERE device_id = ? AND seq = ?",
                     (device, waiting_row[SEQ]))
        taken.append((waiting_row, json.loads(waiting_row[FIELDS]), json.loads(waiting_row[BASE])))
        if bundle_id != gate.bundle_id:
            result.new -= 1          # it arrived in an earlier bundle: counted as released
            result.released += 1
    return taken


def _duplicate(conn, decoded: codec.Decoded, result: ImportReport) -> bool:
    """Count a duplicate; True when it is a full event replacing its hash-only stand-in."""
    row = decoded[0]
    if row[OP] != codec.REDACTED:
        stored = events.row_at(conn, row[DEVICE_ID], row[SEQ])
        if stored and stored[OP] == codec.REDACTED and stored[HASH] == row[HASH]:
            # The receiver's scope grew: the full event replaces its stand-in.
            events.delete_from(conn, row[DEVICE_ID], row[SEQ], only_this=True)
            return True
    result.duplicates += 1
    return False


def _apply_or_hold(conn, event: Event, bundle_id: str | None, now_ms: int,
                   result: ImportReport, held: dict[str, int],
                   admit: admission.Admission) -> int:
    """Apply a stored event now if it may be (`admit` admits it again); returns its stamp
    (0: not applied)."""
    if event.seq >= held.get(event.device_id, event.seq + 1):
        return 0
    if event.schema_version > EVENT_SCHEMA_VERSION:
        result.unapplied += 1
        return 0
    if now_ms and is_too_far_ahead(event.hlc, now_ms):
        conn.execute("INSERT OR IGNORE INTO sync_quarantine VALUES (?, ?, ?, ?, ?)",
                     (event.device_id, event.seq, event.hlc, bundle_id or "",
                      trust.iso(trust.now_utc())))
        result.quarantined += 1
        return 0
    row = event.as_row()
    if not _applicable(row):
        result.unapplied += 1
        return 0
    refusal = admit.admit(row, event.fields)
    if refusal is not None:
        quarantine.hold(conn, event.device_id, event.seq, refusal.code, refusal.reason,
                        bundle_id)
        held[event.device_id] = quarantine.first_held_seq(conn, event.device_id) or event.seq
        result.held += 1
        return 0
    projection.apply(conn, event)
    events.set_applied(conn, event.device_id, event.seq)
    return event.hlc


def release_pending(store: Store) -> int:
    """Apply stored-but-unapplied events that now may be (clock caught up, app upgraded).

    Chains held by another version of the app are admitted again first: the upgrade
    may know how to apply them."""
    now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    released = 0
    with store.database.transaction() as conn:
        admit = _stored_admission(store)
        for device in quarantine.held_by_other_version(conn):
            released += _retry(store, conn, device, now_ms, admit)
        rows = list(events.rows(
            conn, f"applied = 0 AND op != ? AND schema_version <= ? "
            f"AND NOT {quarantine.SET_ASIDE}", (codec.REDACTED, EVENT_SCHEMA_VERSION), "hlc"))
        held: dict[str, int] = {}
        for row in rows:
            event = events.from_row(row)
            if is_too_far_ahead(event.hlc, now_ms):
                continue
            scratch = ImportReport()
            if _apply_or_hold(conn, event, None, now_ms, scratch, held, admit):
                conn.execute("DELETE FROM sync_quarantine WHERE device_id = ? AND seq = ?",
                             (event.device_id, event.seq))
                store.clock.observe(event.hlc)     # later local edits stay newer
                released += 1
    return released


def _retry(store: Store, conn, device_id: str, now_ms: int,
           admit: admission.Admission) -> int:
    """Lift the hold of `device_id` and admit its held events again, in chain order.
    A refused one holds the chain again from there. Returns how many were applied."""
    bundle_id = conn.execute("SELECT bundle_id FROM sync_held WHERE device_id = ? AND "
                             "state = ?", (device_id, quarantine.HELD)).fetchone()
    from_seq = quarantine.release(conn, device_id)
    if from_seq is None:
        return 0
    rows = list(events.rows(conn, f"device_id = ? AND seq >= ? AND applied = 0 AND op != ? "
                                  f"AND NOT {quarantine.SET_ASIDE}",
                            (device_id, from_seq, codec.REDACTED), "seq"))
    held: dict[str, int] = {}
    applied = 0
    scratch = ImportReport()
    for row in rows:
        stamp = _apply_or_hold(conn, events.from_row(row), bundle_id[0] if bundle_id else None,
                               now_ms, scratch, held, admit)
        if device_id in held:
            break
        if stamp:
            store.clock.observe(stamp)
            applied += 1
    return applied


def retry_held(store: Store, device_id: str) -> int:
    """Coordinator's "Try again": admit the held events of `device_id` once more
    (after an upgrade, or when the reason is gone). Returns how many were applied."""
    now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    with store.database.transaction() as conn:
        return _retry(store, conn, device_id, now_ms, _stored_admission(store))


def discard_held(store: Store, device_id: str) -> int:
    """Coordinator's "Set aside": the held events of `device_id` stay in the log but are
    never applied; its later events are admitted normally. Returns how many."""
    with store.database.transaction() as conn:
        return quarantine.discard(conn, device_id)


def _finish(store: Store, sealed: bundle.SealedBundle, cert: trust.Certificate,
            result: ImportReport) -> None:
    header = sealed.header
    prog = trust.require_programme(store)
    now = trust.iso(trust.now_utc())
    newer = trust.newer_revocations(store, prog, header.get("revocations"))
    trust.remember_peer(store, cert)
    with store.database.transaction() as conn:
        if newer:
            conn.execute("UPDATE sync_programme SET revocations = ?", (events.dumps(newer),))
        # The sender's vector says what it holds now. It replaces what we knew (a peer
        # restored from a backup gets again what it lost), unless an older bundle
        # arrives after a newer one.
        _acked, acked_created = peers.parse_acked(conn.execute(
            "SELECT acked FROM sync_peer WHERE device_id = ?", (cert.device_id,)).fetchone()[0])
        created = str(header.get("created", ""))
        if created >= acked_created:
            conn.execute("UPDATE sync_peer SET acked = ? WHERE device_id = ?",
                         (events.dumps({"vector": header["vector"], "created": created}),
                          cert.device_id))
        conn.execute("UPDATE sync_peer SET last_import_at = ? WHERE device_id = ?",
                     (now, cert.device_id))
        conn.execute("INSERT INTO sync_bundle_in VALUES (?, ?, ?, ?)",
                     (sealed.bundle_id, cert.device_id, now, events.dumps(result.as_json())))
    content_carry.remember_peer_pack(store.data_dir, cert.device_id, header)
    content_carry.receive(store.data_dir, header.get("content_pack"))


def bundle_summary(path: Path) -> dict:
    """Header facts of a bundle without opening it (for listings)."""
    sealed = bundle.read_header(path)
    return {"bundle_id": sealed.bundle_id, "sender": sealed.header.get("sender"),
            "recipients": sealed.header.get("recipients"),
            "events": sealed.header.get("events"), "size": os.path.getsize(path)}
