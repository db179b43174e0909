"""What this device knows about its peers: certificates, acknowledgements, exchanges."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import events, quarantine
from debc_outreach.storage.store import Store
from debc_outreach.sync import trust


@dataclass(frozen=True)
class Peer:
    device_id: str
    name: str
    role: str
    scope: tuple[str, ...]
    expires: str
    revoked: bool
    acked: dict[str, int]
    last_import_at: str
    last_export_at: str
    pending: int            # events this device holds that the peer has not acknowledged
    own_pending: int        # of those, the ones made on this device (what a trainer watches)


def parse_acked(text: str | None) -> tuple[dict[str, int], str]:
    """A peer's acknowledgement: (what it holds of each device's chain, when it said so).

    Stored as {"vector": {...}, "created": ISO time of the bundle that carried it}.
    """
    raw = json.loads(text) if text else {}
    if "vector" in raw:
        return {k: int(v) for k, v in raw["vector"].items()}, str(raw.get("created", ""))
    return {k: int(v) for k, v in raw.items()}, ""


def version_vector(conn: sqlite3.Connection) -> dict[str, int]:
    """The last seq this device holds of every device's chain."""
    return events.last_seqs(conn)


def list_peers(store: Store) -> list[Peer]:
    """Enrolled devices this device exchanges with (not itself), coordinator first."""
    revoked = trust.revoked_devices(store) if trust.programme(store) else set()
    vector = version_vector(store.database.conn)
    peers = []
    for row in store.database.query(
            "SELECT device_id, name, role, scope, expires, acked, last_import_at, "
            "last_export_at FROM sync_peer WHERE device_id != ? "
            "ORDER BY role = 'coordinator' DESC, name, device_id", (store.device_id,)):
        acked, _created = parse_acked(row["acked"])
        pending = sum(max(0, seq - acked.get(device, 0)) for device, seq in vector.items()
                      if device != row["device_id"])
        own_pending = max(0, vector.get(store.device_id, 0) - acked.get(store.device_id, 0))
        peers.append(Peer(row["device_id"], row["name"], row["role"],
                          tuple(json.loads(row["scope"])), row["expires"],
                          row["device_id"] in revoked, acked, row["last_import_at"],
                          row["last_export_at"], pending, own_pending))
    return peers


def get_peer(store: Store, device_id: str) -> Peer:
    for peer in list_peers(store):
        if peer.device_id == device_id:
            return peer
    raise UserError(_("No enrolled device has the id {device}. Import a bundle from it or "
                      "enrol it first.").format(device=device_id))


def coordinator_id(store: Store) -> str:
    return trust.require_programme(store).coordinator_id


def peer_certificate(store: Store, device_id: str) -> trust.Certificate:
    text = store.database.scalar("SELECT certificate FROM sync_peer WHERE device_id = ?",
                                 (device_id,))
    if text is None:
        raise UserError(_("No enrolled device has the id {device}. Import a bundle from it or "
                          "enrol it first.").format(device=device_id))
    return trust.verify_certificate(trust.require_programme(store), json.loads(text))


def distinct_names(named: dict[str, str]) -> dict[str, str]:
    """Device id -> its name, with the id's start added where a name is empty or shared.

    Devices enrolled before requests carried a trainer's label are named by
    their hostname only, and two laptops called "vm" must still be told apart.
    """
    counts: dict[str, int] = {}
    for name in named.values():
        counts[name] = counts.get(name, 0) + 1
    return {device: device[:8] if not name else
            f"{name} ({device[:8]})" if counts[name] > 1 else name
            for device, name in named.items()}


def device_names(store: Store) -> dict[str, str]:
    """Device id -> a name people recognise (this computer, enrolled peers)."""
    names = distinct_names({row["device_id"]: row["name"] for row in
                            store.database.query("SELECT device_id, name FROM sync_peer")})
    names[store.device_id] = _("this computer")
    return names


def exchange_counts(store: Store) -> dict[str, int]:
    """Events waiting for earlier ones, quarantined, and stored for a newer app version."""
    database = store.database
    refused = database.scalar(f"SELECT count(*) FROM sync_waiting w WHERE {_REFUSED}") or 0
    return {
        "waiting": (database.scalar("SELECT count(*) FROM sync_waiting") or 0) - refused,
        "refused": refused,
        "quarantined": database.scalar("SELECT count(*) FROM sync_quarantine") or 0,
        "unapplied": database.scalar(
            "SELECT count(*) FROM event WHERE applied = 0 AND op != 'redacted' AND NOT EXISTS "
            "(SELECT 1 FROM sync_quarantine q WHERE q.device_id = event.device_id "
            f"AND q.seq = event.seq) AND NOT {quarantine.SET_ASIDE}") or 0,
    }


# A waiting event of a chain held since a refused event (storage/quarantine.py): a
# device that signed its head after its certificate expired or was revoked.
_REFUSED = ("EXISTS (SELECT 1 FROM sync_held r WHERE r.device_id = w.device_id "
            "AND w.seq >= r.from_seq AND r.state = 'held')")


@dataclass(frozen=True)
class HeldRecord:
    """A received record not applied (yet): why, from which device, what, stamped when."""

    reason: str             # "waiting" | "refused" | "quarantined" | "newer_version"
    device_id: str
    seq: int
    entity: str
    hlc: int
    detail: str = ""        # for "refused": who tried what (translated when refused)


def held_records(store: Store, limit: int = 100) -> list[HeldRecord]:
    """Records waiting for earlier ones, quarantined, or kept for a newer app version."""
    conn = store.database.conn
    held = [HeldRecord("refused" if why is not None else "waiting", device, seq, row[3],
                       row[2], why or "")
            for device, seq, row, why in (
                (device, seq, json.loads(text), why) for device, seq, text, why in conn.execute(
                    "SELECT device_id, seq, event, (SELECT r.reason FROM sync_held r WHERE "
                    "r.device_id = w.device_id AND w.seq >= r.from_seq AND r.state = 'held' "
                    "LIMIT 1) FROM sync_waiting w ORDER BY device_id, seq LIMIT ?",
                    (limit,)))]
    held += [HeldRecord("quarantined", device, seq, entity, hlc) for device, seq, entity, hlc in
             conn.execute("SELECT q.device_id, q.seq, e.entity, e.hlc FROM sync_quarantine q "
                          "JOIN event e ON e.device_id = q.device_id AND e.seq = q.seq "
                          "ORDER BY q.device_id, q.seq LIMIT ?", (limit,))]
    held += [HeldRecord("newer_version", device, seq, entity, hlc)
             for device, seq, entity, hlc in conn.execute(
                 "SELECT device_id, seq, entity, hlc FROM event WHERE applied = 0 "
                 "AND op != 'redacted' AND NOT EXISTS (SELECT 1 FROM sync_quarantine q WHERE "
                 "q.device_id = event.device_id AND q.seq = event.seq) "
                 f"AND NOT {quarantine.SET_ASIDE} LIMIT ?", (limit,))]
    return held[:limit]
