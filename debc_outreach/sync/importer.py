"""Reading a bundle: verify everything first, then apply in bounded transactions.

Order of checks, all before the database is written: file format, programme,
sender certificate (signed by the programme coordinator, not expired, not
revoked), header signature, recipient, payload hash, then the whole payload
is decrypted, decoded and every sender's hash chain checked against the
signed header and against the events already stored. Verified events are
spooled to a temporary file, then applied in transactions of `CHUNK_EVENTS`.

An event already stored is a duplicate (nothing changes); one that does not
follow the stored chain yet waits in `sync_waiting` until the missing events
arrive; one with a newer schema is stored unapplied; one stamped more than
24 h ahead of this computer's clock is stored, quarantined and not applied.
A bundle is recorded as imported only at the very end, so an import stopped
half-way (power cut, cancel) simply continues the next time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import marshal
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from debc_outreach.core.hlc import MAX_DRIFT_MS, wall_ms
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import events, projection
from debc_outreach.storage.events import EVENT_SCHEMA_VERSION, Event
from debc_outreach.storage.store import Store
from debc_outreach.sync import bundle, codec, entities, trust
from debc_outreach.sync.bundle import BundleError
from debc_outreach.sync.keys import device_keys

CHUNK_EVENTS = 5000
Report = Callable[[int, int], None]


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
    devices: list[str] = field(default_factory=list)

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
        assert isinstance(header["keys"]["wrapped"], dict)
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


def verify_bundle(store: Store, sealed: bundle.SealedBundle) -> trust.Certificate:
    """All checks that need no payload: programme, certificate, revocation, recipient."""
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
                  "(a device's history differs)."))


def _spool_verified(store: Store, sealed: bundle.SealedBundle, spool) -> int:
    """Decode and check every event; write verified rows to `spool`. Returns the count."""
    header = sealed.header
    content_key = sealed.content_key(store.device_id, device_keys(store.data_dir))
    conn = store.database.conn
    ranges = header["ranges"]
    seen_devices: dict[str, int] = {}
    batch: list[tuple] = []
    count = 0
    stored = iter(())
    current_device = None
    last: Event | None = None

    def close_run(event: Event | None) -> None:
        if event is None:
            return
        span = ranges.get(event.device_id)
        if span is None or event.seq != span[1] or event.hash != header["heads"][event.device_id]:
            raise _bad(_("The bundle's events do not match its signed header."))

    head_seq = 0
    try:
        for event in codec.decode(sealed.lines(content_key)):
            if event.device_id != current_device:
                close_run(last)
                span = ranges.get(event.device_id)
                if event.device_id in seen_devices or span is None or event.seq != span[0]:
                    raise _bad(_("The bundle's events do not match its signed header."))
                seen_devices[event.device_id] = 1
                current_device = event.device_id
                head_seq, _head_hash = events.chain_head(conn, event.device_id)
                if 1 < event.seq <= head_seq + 1:
                    before = conn.execute("SELECT hash FROM event WHERE device_id = ? AND "
                                          "seq = ?", (event.device_id, event.seq - 1)).fetchone()
                    if before[0] != event.prev_hash:
                        raise _contradiction()
                stored = conn.execute(
                    "SELECT seq, hash FROM event WHERE device_id = ? AND seq BETWEEN ? AND ? "
                    "ORDER BY seq", (event.device_id, event.seq, head_seq)).fetchall() \
                    if event.seq <= head_seq else []
                stored = iter(stored)
            if event.seq <= head_seq:
                row = next(stored, None)
                if row is None or row[0] != event.seq or row[1] != event.hash:
                    raise _contradiction()
            batch.append((event.device_id, event.seq, event.hlc, event.entity,
                          event.entity_id, event.op, event.fields, event.schema_version,
                          event.base, event.prev_hash, event.hash))
            count += 1
            last = event
            if len(batch) >= CHUNK_EVENTS:
                marshal.dump(batch, spool)
                batch = []
        close_run(last)
    except codec.DecodeError as error:
        raise _bad(_("The bundle's content is not valid ({reason}).")
                   .format(reason=error)) from error
    if set(seen_devices) != set(ranges) or count != header["events"]:
        raise _bad(_("The bundle's events do not match its signed header."))
    if batch:
        marshal.dump(batch, spool)
    return count


def import_bundle(store: Store, path: Path, report: Report | None = None,
                  cancelled: Callable[[], bool] = lambda: False) -> ImportReport:
    """Verify, then apply a bundle. Raises BundleError (a UserError) when it is refused."""
    entities.load()
    sealed = bundle.read_header(path)
    cert = verify_bundle(store, sealed)
    result = ImportReport(sealed.bundle_id, cert.device_id)
    if store.database.scalar("SELECT 1 FROM sync_bundle_in WHERE bundle_id = ?",
                             (sealed.bundle_id,)):
        result.already_imported = True
        return result
    spool_dir = store.data_dir / "tmp"
    spool_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryFile(dir=spool_dir) as spool:
        total = _spool_verified(store, sealed, spool)
        spool.seek(0)
        result.released = release_pending(store)
        conflicts_before = store.database.scalar("SELECT count(*) FROM conflict")
        done = 0
        while True:
            try:
                rows = marshal.load(spool)
            except EOFError:
                break
            if cancelled():
                result.cancelled = True
                return result
            _apply_chunk(store, [Event(*row) for row in rows], sealed.bundle_id, result)
            done += len(rows)
            if report:
                report(done, total)
    result.conflicts = store.database.scalar("SELECT count(*) FROM conflict") \
        - conflicts_before
    result.devices = sorted(sealed.header["ranges"])
    result.waiting = store.database.scalar("SELECT count(*) FROM sync_waiting WHERE "
                                           "bundle_id = ?", (sealed.bundle_id,))
    _finish(store, sealed, cert, result)
    return result


def _apply_chunk(store: Store, chunk: list[Event], bundle_id: str,
                 result: ImportReport) -> None:
    now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    with store.database.transaction() as conn:
        heads: dict[str, tuple[int, str]] = {}
        newest = 0
        for event in chunk:
            device = event.device_id
            if device not in heads:
                heads[device] = events.chain_head(conn, device)
            seq, head_hash = heads[device]
            if event.seq <= seq:
                _duplicate(conn, event, result)
                continue
            if event.seq > seq + 1 or event.prev_hash != head_hash:
                conn.execute("INSERT OR IGNORE INTO sync_waiting VALUES (?, ?, ?, ?)",
                             (device, event.seq, json.dumps(event.as_row()), bundle_id))
                continue
            newest = max(newest, _store_new(conn, event, bundle_id, now_ms, result))
            heads[device] = (event.seq, event.hash)
            heads[device] = _drain_waiting(conn, device, heads[device], bundle_id, now_ms,
                                           result)
        if newest:
            store.clock.observe(newest)


def _duplicate(conn, event: Event, result: ImportReport) -> None:
    stored_op = conn.execute("SELECT op FROM event WHERE device_id = ? AND seq = ?",
                             (event.device_id, event.seq)).fetchone()
    if stored_op and stored_op[0] == codec.REDACTED and event.op != codec.REDACTED:
        # The receiver's scope grew: the full event replaces its hash-only stand-in.
        conn.execute("DELETE FROM event WHERE device_id = ? AND seq = ?",
                     (event.device_id, event.seq))
        events.insert(conn, event, applied=False)
        _apply_or_hold(conn, event, None, 0, result)
        result.new += 1
        return
    result.duplicates += 1


def _store_new(conn, event: Event, bundle_id: str, now_ms: int,
               result: ImportReport) -> int:
    """Insert a next-in-chain event and apply it when it may be; returns its HLC if applied."""
    if event.op == codec.REDACTED:
        events.insert(conn, event, applied=True)
        result.new += 1
        return 0
    events.insert(conn, event, applied=False)
    result.new += 1
    return _apply_or_hold(conn, event, bundle_id, now_ms, result)


def _apply_or_hold(conn, event: Event, bundle_id: str | None, now_ms: int,
                   result: ImportReport) -> int:
    if event.schema_version > EVENT_SCHEMA_VERSION:
        result.unapplied += 1
        return 0
    if now_ms and wall_ms(event.hlc) - now_ms > MAX_DRIFT_MS:
        conn.execute("INSERT OR IGNORE INTO sync_quarantine VALUES (?, ?, ?, ?, ?)",
                     (event.device_id, event.seq, event.hlc, bundle_id or "",
                      trust.iso(trust.now_utc())))
        result.quarantined += 1
        return 0
    try:
        with _savepoint(conn):
            projection.apply(conn, event)
    except (ValueError, KeyError, TypeError):
        # An entity or operation this version does not know: keep it for an upgrade.
        result.unapplied += 1
        return 0
    conn.execute("UPDATE event SET applied = 1 WHERE device_id = ? AND seq = ?",
                 (event.device_id, event.seq))
    return event.hlc


@contextlib.contextmanager
def _savepoint(conn):
    conn.execute("SAVEPOINT apply_event")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO apply_event")
        conn.execute("RELEASE apply_event")
        raise
    conn.execute("RELEASE apply_event")


def _drain_waiting(conn, device: str, head: tuple[int, str], bundle_id: str, now_ms: int,
                   result: ImportReport) -> tuple[int, str]:
    """Apply waiting events of `device` that now follow its chain."""
    while True:
        row = conn.execute("SELECT event, bundle_id FROM sync_waiting WHERE device_id = ? "
                           "AND seq = ?", (device, head[0] + 1)).fetchone()
        if row is None:
            return head
        event = events.from_row(json.loads(row[0]))
        if event.prev_hash != head[1]:
            return head          # a different history: it stays waiting and is shown
        conn.execute("DELETE FROM sync_waiting WHERE device_id = ? AND seq = ?",
                     (device, event.seq))
        _store_new(conn, event, bundle_id, now_ms, result)
        if row[1] != bundle_id:
            result.new -= 1          # it arrived in an earlier bundle
            result.released += 1
        head = (event.seq, event.hash)


def release_pending(store: Store) -> int:
    """Apply stored-but-unapplied events that now may be (clock caught up, app upgraded)."""
    entities.load()
    now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    released = 0
    with store.database.transaction() as conn:
        rows = conn.execute(
            f"SELECT {events.EVENT_COLUMNS} FROM event WHERE applied = 0 AND op != ? "
            f"AND schema_version <= ? ORDER BY hlc", (codec.REDACTED, EVENT_SCHEMA_VERSION)
        ).fetchall()
        for row in rows:
            event = events.from_row(row)
            if wall_ms(event.hlc) - now_ms > MAX_DRIFT_MS:
                continue
            scratch = ImportReport()
            if _apply_or_hold(conn, event, None, now_ms, scratch):
                conn.execute("DELETE FROM sync_quarantine WHERE device_id = ? AND seq = ?",
                             (event.device_id, event.seq))
                released += 1
    return released


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
        acked = json.loads(conn.execute("SELECT acked FROM sync_peer WHERE device_id = ?",
                                        (cert.device_id,)).fetchone()[0])
        for device, seq in header["vector"].items():
            acked[device] = max(acked.get(device, 0), seq)
        conn.execute("UPDATE sync_peer SET acked = ?, last_import_at = ? WHERE device_id = ?",
                     (events.dumps(acked), now, cert.device_id))
        conn.execute("INSERT INTO sync_bundle_in VALUES (?, ?, ?, ?)",
                     (sealed.bundle_id, cert.device_id, now, events.dumps(result.as_json())))


def bundle_summary(path: Path) -> dict:
    """Header facts of a bundle without opening it (for listings)."""
    sealed = bundle.read_header(path)
    return {"bundle_id": sealed.bundle_id, "sender": sealed.header.get("sender"),
            "recipients": sealed.header.get("recipients"),
            "events": sealed.header.get("events"), "size": os.path.getsize(path)}
