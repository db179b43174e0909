"""Writing a bundle for one peer: every event it has not acknowledged, within its scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from debc_outreach.core.ids import new_id
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import events, quarantine
from debc_outreach.storage.store import Store
from debc_outreach.sync import bundle, codec, content_carry, peers, rescue, trust
from debc_outreach.sync import heads as chain_heads
from debc_outreach.sync.keys import device_keys
from debc_outreach.sync.scope import AreaIndex, covers_any

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportResult:
    bundle_id: str
    path: Path
    recipient: str
    events: int              # full events written
    withheld: int            # events outside the recipient's scope (sent as hashes only)
    ranges: dict[str, list[int]]


def bundle_filename(store: Store, recipient: str, when: dt.datetime | None = None) -> str:
    stamp = (when or trust.now_utc()).strftime("%Y%m%d-%H%M%S")
    return f"{store.device_id[:8]}-to-{recipient[:8]}-{stamp}{bundle.SUFFIX}"


def export_bundle(store: Store, recipient: str, path: Path,
                  report: Progress | None = None,
                  held_pack: tuple[str, str] | None = None) -> ExportResult:
    """Seal everything `recipient` has not acknowledged into `path`.

    `held_pack`: (id, version) of the content pack this computer uses
    (content.loader.active_pack_identity); the header tells the recipient, whose next
    bundles then carry their pack only when it is newer.
    """
    prog = trust.require_programme(store)
    own = trust.own_certificate(store)
    if own.expired():
        raise UserError(_("This computer's certificate has expired. Ask your coordinator to "
                          "enrol it again."))
    if recipient == store.device_id:
        raise UserError(_("Choose another device: a bundle cannot be sent to itself."))
    cert = peers.peer_certificate(store, recipient)
    if recipient in trust.revoked_devices(store):
        raise UserError(_("The device {device} was revoked; nothing is sent to it.")
                        .format(device=recipient))
    if cert.expired():
        raise UserError(_("The certificate of device {device} has expired; the coordinator "
                          "enrols it again before records go to it.").format(device=recipient))
    acked = peers.get_peer(store, recipient).acked
    conn = store.database.conn
    vector = peers.version_vector(conn)
    held = vector.get(recipient, 0)
    peer_view = {recipient: [held, events.hash_at(conn, recipient, held)]} if held else {}
    # The recipient's own records are included too when it says it holds fewer than we
    # do: a computer restored from an older backup gets its own records back.
    ranges = {device: [acked.get(device, 0) + 1, head]
              for device, head in quarantine.sendable(conn, vector).items()
              if head > acked.get(device, 0)}
    told = dict(vector)
    if rescue.requested(store.data_dir):
        # "Send me my own records back" (rescue.py); ours go again once repaired.
        told[store.device_id] = 0
        ranges.pop(store.device_id, None)
    heads = {device: events.hash_at(conn, device, head)
             for device, (_first, head) in ranges.items()}
    total = sum(last - first + 1 for first, last in ranges.values())
    counts = {"events": 0, "withheld": 0}

    everywhere = trust.ALL_AREAS in cert.scope
    # Where each record is matters only to a recipient that does not see every area.
    areas = AreaIndex(conn) if total and not everywhere else None

    def lines() -> Iterator[bytes]:
        done = reported = 0
        writer = codec.BlockWriter()
        for device, (first, last) in sorted(ranges.items()):
            prev = events.hash_at(conn, device, first - 1)
            yield from writer.start_run(device, first, prev or events.GENESIS_HASH)
            for row in events.chain_rows(conn, device, first, last):
                full = row[5] != codec.REDACTED and (
                    everywhere or covers_any(cert, areas.places(events.from_row(row))))
                if not full:
                    counts["withheld"] += 1
                block = writer.add(row, full)
                done += 1
                if block:
                    yield from block
                    if report and done - reported >= 10000:
                        report(done, total)
                        reported = done
        yield from writer.flush()
        counts["events"] = done - counts["withheld"]

    bundle_id = new_id()
    header = {"bundle_id": bundle_id, "programme": prog.id,
              "created": trust.iso(trust.now_utc()), "sender": store.device_id,
              "sender_certificate": own.signed, "revocations": trust.revocation_list(store),
              "recipients": [recipient], "ranges": ranges, "heads": heads, "vector": told,
              "signed_heads": chain_heads.for_ranges(store, ranges),
              "peer_view": peer_view,
              "events": total, "encoding": "debc-ndjson-1"}
    uses = content_carry.own_held(store.data_dir, held_pack)
    if uses:
        header["content_held"] = uses
    # A hub keeps only the coordinator's pack; anyone else's would travel for nothing.
    carried = (content_carry.outgoing_to(store.data_dir, recipient)
               if cert.role != "hub" or trust.is_coordinator(store) else None)
    if carried:
        header["content_pack"] = carried
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        bundle.seal(path, device_keys(store.data_dir), header, {recipient: cert.enc}, lines())
    except OSError as error:
        raise UserError(_("The bundle could not be written to {path} ({reason}).")
                        .format(path=path, reason=error.strerror or error)) from error
    now = trust.iso(trust.now_utc())
    with store.database.transaction() as tx:
        tx.execute("INSERT INTO sync_bundle_out VALUES (?, ?, ?, ?)",
                   (bundle_id, recipient, now, total))
        tx.executemany("INSERT INTO sync_bundle_range VALUES (?, ?, ?, ?)",
                       [(bundle_id, device, first, last)
                        for device, (first, last) in ranges.items()])
        tx.execute("UPDATE sync_peer SET last_export_at = ? WHERE device_id = ?",
                   (now, recipient))
    if report:
        report(total, total)
    return ExportResult(bundle_id, path, recipient, counts["events"], counts["withheld"], ranges)
