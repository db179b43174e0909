"""Signed chain heads: proof of who wrote the events a bundle relays.

A bundle's header is signed by its *sender*; the events it carries may have been
written by other devices (a coordinator passes trainers' records on, the hub
passes everyone's). Each device's events form a hash chain, so one signature
over a chain's head `(device_id, seq, hash)` vouches for every event up to it.
A device signs its own head whenever it exports or pushes; relays carry that
signed head unchanged, with the signer's certificate beside it:

    {"body": {"type": "debc-chain-head", "version": 1, "programme": ...,
              "device_id": <whose chain>, "seq": n, "hash": <hash of event n>,
              "by": <signer>, "signed": <ISO time>},
     "signature": <Ed25519 by the signer>, "certificate": <the signer's certificate>}

A head counts (`verify`) when the certificate is this programme's, the signature
is the certificate's key, the signer is the chain's own device, its certificate
was not expired when it signed, and the device is not revoked (or was revoked
after this head: a revocation names the last head the coordinator held then).

Chains written before heads were signed (migration 0015 notes how far each went
on this computer) stay trusted where they are. A coordinator passing such a chain
on vouches for it with a head it signs itself, marked `"before_signing": true`:
the coordinator's copy is the reference.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import events
from debc_outreach.storage.events import dumps
from debc_outreach.storage.store import Store
from debc_outreach.sync import trust
from debc_outreach.sync.keys import device_keys, verify_signature

HEAD_TYPE = "debc-chain-head"
CLOCK_SKEW = dt.timedelta(hours=24)      # a head signed further ahead of our clock is refused


@dataclass(frozen=True)
class Head:
    """A verified signed head."""

    device_id: str
    seq: int
    hash: str
    signer: trust.Certificate
    document: dict
    before_signing: bool = False      # a coordinator vouching for an older chain


class HeadRefused(Exception):
    """A signed head that does not count, with a stable code and a translated reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def sign(keys, programme_id: str, signer: dict, device_id: str, seq: int, digest: str,
         before_signing: bool = False) -> dict:
    """A signed head document (`signer`: the signing device's certificate, as it travels)."""
    body = {"type": HEAD_TYPE, "version": 1, "programme": programme_id,
            "device_id": device_id, "seq": seq, "hash": digest,
            "by": signer["body"]["device_id"], "signed": trust.iso(trust.now_utc())}
    if before_signing:
        body["before_signing"] = True
    return {"body": body, "signature": keys.sign(dumps(body).encode("utf-8")),
            "certificate": signer}


def _body(document: object) -> dict:
    if not isinstance(document, dict) or not isinstance(document.get("body"), dict) \
            or not isinstance(document.get("signature"), str):
        raise HeadRefused("forged", _("A record head in the bundle is damaged."))
    body = document["body"]
    if body.get("type") != HEAD_TYPE or not isinstance(body.get("device_id"), str) \
            or type(body.get("seq")) is not int or body["seq"] < 1 \
            or not isinstance(body.get("hash"), str) or not isinstance(body.get("by"), str) \
            or not isinstance(body.get("signed"), str):
        raise HeadRefused("forged", _("A record head in the bundle is damaged."))
    return body


def revoked_at(revocations: dict) -> dict[str, int]:
    """Revoked device -> the last seq of its chain still trusted (0: none after what is
    already stored). Revocations written before heads were signed name no seq."""
    body = revocations.get("body") or {}
    limits: dict[str, int] = {}
    for entry in body.get("revoked", []):
        if isinstance(entry, dict) and isinstance(entry.get("device_id"), str):
            seq = entry.get("seq", 0)
            limits[entry["device_id"]] = seq if type(seq) is int else 0
    return limits


def verify(prog: trust.Programme, document: object, revoked: dict[str, int],
           now: dt.datetime | None = None) -> Head:
    """The head a document proves; HeadRefused when it does not count."""
    body = _body(document)
    device = body["device_id"]
    try:
        signer = trust.verify_certificate(prog, document.get("certificate"))
    except UserError as error:
        raise HeadRefused("forged", _("The records of {device} carry a head signed outside "
                                      "this programme.").format(device=device)) from error
    if body.get("programme") != prog.id or signer.device_id != body["by"] \
            or not verify_signature(signer.sign, document["signature"],
                                    dumps(body).encode("utf-8")):
        raise HeadRefused("forged", _("The records of {device} carry a head that its "
                                      "device did not sign.").format(device=device))
    before_signing = body.get("before_signing") is True
    if body["by"] != device and not (before_signing and signer.role == trust.COORDINATOR
                                     and signer.device_id == prog.coordinator_id):
        raise HeadRefused("forged", _("{signer} signed the records of {device}: only a "
                                      "device signs its own records.")
                          .format(signer=signer.name or signer.device_id, device=device))
    try:
        signed_at = dt.datetime.fromisoformat(body["signed"])
    except ValueError as error:
        raise HeadRefused("forged", _("A record head in the bundle is damaged.")) from error
    if signed_at.tzinfo is None or signed_at > (now or trust.now_utc()) + CLOCK_SKEW:
        raise HeadRefused("forged", _("A record head in the bundle is damaged."))
    if signer.expired(signed_at):
        raise HeadRefused("expired", _("{device} wrote records after its certificate expired "
                                       "({date}).").format(device=signer.name or device,
                                                            date=signer.expires[:10]))
    if signer.device_id in revoked and body["seq"] > revoked[signer.device_id] \
            and not before_signing:
        raise HeadRefused("revoked", _("{device} wrote records after the coordinator revoked "
                                       "it.").format(device=signer.name or device))
    return Head(device, body["seq"], body["hash"], signer, document, before_signing)


# --- this computer's store of verified heads -----------------------------------------------

def remember(conn: sqlite3.Connection, head: Head) -> None:
    """Keep a verified head whose event this computer holds (the first one per seq)."""
    conn.execute("INSERT OR IGNORE INTO sync_head VALUES (?, ?, ?, ?)",
                 (head.device_id, head.seq, head.hash, dumps(head.document)))


def stored_at(conn: sqlite3.Connection, device_id: str, seq: int) -> dict | None:
    row = conn.execute("SELECT document FROM sync_head WHERE device_id = ? AND seq = ?",
                       (device_id, seq)).fetchone()
    return json.loads(row[0]) if row else None


def before_signing(conn: sqlite3.Connection, device_id: str) -> int:
    """How far `device_id`'s chain went on this computer before heads were signed."""
    row = conn.execute("SELECT seq FROM sync_head_before_signing WHERE device_id = ?",
                       (device_id,)).fetchone()
    return row[0] if row else 0


def sign_own(store: Store) -> dict | None:
    """Sign this computer's chain head (once per seq); None when it wrote nothing yet."""
    conn = store.database.conn
    row = events.chain_head(conn, store.device_id)
    if row[0] == 0:
        return None
    found = stored_at(conn, store.device_id, row[0])
    if found is not None and found["body"]["hash"] == row[1]:
        return found
    prog = trust.require_programme(store)
    document = sign(device_keys(store.data_dir), prog.id, trust.own_certificate(store).signed,
                    store.device_id, row[0], row[1])
    with store.database.transaction() as tx:
        tx.execute("INSERT OR REPLACE INTO sync_head VALUES (?, ?, ?, ?)",
                   (store.device_id, row[0], row[1], dumps(document)))
    return document


def for_ranges(store: Store, ranges: dict[str, list[int]]) -> list[dict]:
    """The signed head at the end of each range a bundle carries, as they travel.

    This computer's own chain is signed now; another device's head is the one it
    signed; a chain this computer held before heads were signed is vouched for by a
    coordinator (or, lacking that, travels without a head: it waits at the receiver
    until its device's own signed head arrives).
    """
    conn = store.database.conn
    documents: list[dict] = []
    coordinator = trust.is_coordinator(store)
    for device, (_first, last) in sorted(ranges.items()):
        if device == store.device_id:
            own = sign_own(store)
            if own is not None and own["body"]["seq"] == last:
                documents.append(own)
                continue
        found = stored_at(conn, device, last)
        if found is None and coordinator and last <= before_signing(conn, device):
            found = _vouch(store, device, last)
        if found is not None:
            documents.append(found)
    return documents


def _vouch(store: Store, device: str, seq: int) -> dict:
    """Coordinator: sign for a chain this computer held before heads were signed."""
    conn = store.database.conn
    digest = events.hash_at(conn, device, seq)
    document = sign(device_keys(store.data_dir), trust.require_programme(store).id,
                    trust.own_certificate(store).signed, device, seq, digest,
                    before_signing=True)
    with store.database.transaction() as tx:
        tx.execute("INSERT OR IGNORE INTO sync_head VALUES (?, ?, ?, ?)",
                   (device, seq, digest, dumps(document)))
    return document
