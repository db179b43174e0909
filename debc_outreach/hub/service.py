"""The hub as a device: its keys, its enrolment, the revocation list, the admin view."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

from debc_outreach.core.ids import new_id
from debc_outreach.errors import UserError
from debc_outreach.hub.db import HubDB
from debc_outreach.i18n import _
from debc_outreach.storage.events import dumps
from debc_outreach.storage.store import Store
from debc_outreach.sync import content_carry, trust
from debc_outreach.sync.keys import DeviceKeys, device_keys, verify_signature

HUB_ROLE = "hub"
ACK_TYPE = "debc-coordinator-ack"
DB_FILE = "hub.sqlite3"


class Refused(UserError):
    """A request the hub refuses; `status` is the HTTP status to answer with.

    `code` tells a client what kind of refusal it is without reading the message:
    REFUSED_RECORDS when records of the bundle are not admitted."""

    def __init__(self, message: str, status: int = 403, code: str = "",
                 details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details or {}       # more JSON for the client (e.g. which record)


def signed_body(document: object, sign_public: str) -> dict | None:
    if not isinstance(document, dict) or not isinstance(document.get("body"), dict) \
            or not isinstance(document.get("signature"), str):
        return None
    if not verify_signature(sign_public, document["signature"],
                            dumps(document["body"]).encode("utf-8")):
        return None
    return document["body"]


# --- on the coordinator's computer ------------------------------------------------------

def approve_hub(store: Store, request: object, days: int = trust.COORDINATOR_DAYS) -> dict:
    """Coordinator: certify a hub (every area in scope); returns the enrolment document."""
    prog = trust.require_programme(store)
    if not trust.is_coordinator(store):
        raise UserError(_("Only the programme's coordinator can approve devices."))
    body = request.get("body") if isinstance(request, dict) else None
    if not isinstance(body, dict) or body.get("type") != trust.REQUEST_TYPE \
            or body.get("role") != HUB_ROLE:
        raise UserError(_("This file is not a hub's enrolment request."))
    if not all(isinstance(body.get(key), str) and body.get(key)
               for key in ("device_id", "sign", "enc")):
        raise UserError(_("The enrolment request is incomplete."))
    if signed_body(request, body["sign"]) is None:
        raise UserError(_("The enrolment request is damaged (its signature does not match)."))
    issued = trust.now_utc()
    cert = trust.signed(device_keys(store.data_dir), {
        "type": "debc-device-certificate", "version": 1, "programme": prog.id,
        "serial": new_id(), "device_id": body["device_id"], "name": str(body.get("name", "")),
        "role": HUB_ROLE, "scope": [trust.ALL_AREAS], "sign": body["sign"], "enc": body["enc"],
        "issued": trust.iso(issued), "expires": trust.iso(issued + dt.timedelta(days=days))})
    trust.remember_peer(store, trust.verify_certificate(prog, cert))
    return trust.enrolment_for(store, cert)


# --- the hub itself ---------------------------------------------------------------------

class Hub:
    """A hub's folder (keys, upload spool) and database."""

    def __init__(self, folder: Path, db_url: str | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db = HubDB(db_url or str(self.folder / DB_FILE))
        self.keys: DeviceKeys = device_keys(self.folder)
        self.uploads = self.folder / "uploads"
        self.uploads.mkdir(exist_ok=True)
        self._certs: dict[str, trust.Certificate] = {}
        self._lock = threading.Lock()
        device_id = self.config("device_id")
        if device_id is None:
            with self.db.transaction():
                self.db.execute("INSERT INTO hub_config VALUES ('device_id', ?) "
                                "ON CONFLICT (key) DO NOTHING", (new_id(),))
            device_id = self.config("device_id")
        self.device_id: str = device_id

    def close(self) -> None:
        self.db.close()

    # --- configuration -----------------------------------------------------------------

    def config(self, key: str) -> str | None:
        return self.db.scalar("SELECT value FROM hub_config WHERE key = ?", (key,))

    def _set_config(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO hub_config VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                        "SET value = excluded.value", (key, value))

    def programme(self) -> trust.Programme | None:
        raw = self.config("programme")
        return trust.Programme(**json.loads(raw)) if raw else None

    def require_programme(self) -> trust.Programme:
        prog = self.programme()
        if prog is None:
            raise Refused(_("This hub is not enrolled in a programme yet: run 'hub "
                            "enrol-request' and have the coordinator approve it."), 503)
        return prog

    def certificate(self) -> dict:
        self.require_programme()
        return json.loads(self.config("certificate"))

    # --- enrolment ---------------------------------------------------------------------

    def enrol_request(self, name: str = "") -> dict:
        return trust.signed(self.keys, {
            "type": trust.REQUEST_TYPE, "version": 1, "role": HUB_ROLE,
            "device_id": self.device_id, "name": name or _("Sync hub"),
            "sign": self.keys.sign_public, "enc": self.keys.enc_public,
            "created": trust.iso(trust.now_utc())})

    def accept_enrolment(self, document: object) -> trust.Certificate:
        if not isinstance(document, dict) or document.get("type") != trust.ENROLMENT_TYPE:
            raise UserError(_("This file is not an enrolment certificate."))
        try:
            raw = document["programme"]
            prog = trust.Programme(str(raw["id"]), str(raw["name"]), str(raw["coordinator_id"]),
                                   str(raw["coordinator_sign"]), str(raw["coordinator_enc"]))
        except (KeyError, TypeError) as error:
            raise UserError(_("The enrolment certificate is incomplete.")) from error
        cert = trust.verify_certificate(prog, document.get("certificate"))
        if cert.device_id != self.device_id or cert.sign != self.keys.sign_public \
                or cert.enc != self.keys.enc_public:
            raise UserError(_("This certificate was made for another computer."))
        if cert.role != HUB_ROLE:
            raise UserError(_("This is a trainer's certificate, not a hub's: the coordinator "
                              "approves a hub with 'hub approve'."))
        if cert.expired():
            raise UserError(_("This certificate has expired. Ask your coordinator for a new "
                              "one."))
        current = self.programme()
        if current is not None and current.id != prog.id:
            raise UserError(_("This hub already belongs to the programme {name}.")
                            .format(name=current.name))
        with self.db.transaction():
            self._set_config("programme", dumps(prog.as_json()))
            self._set_config("certificate", dumps(cert.signed))
            if signed_body(document.get("revocations"), prog.coordinator_sign):
                self._set_config("revocations", dumps(document["revocations"]))
        return cert

    # --- revocation and device certificates --------------------------------------------

    def revocations(self) -> dict:
        return json.loads(self.config("revocations") or "{}")

    def revoked(self) -> set[str]:
        body = self.revocations().get("body") or {}
        return {entry["device_id"] for entry in body.get("revoked", [])}

    def take_revocations(self, document: object) -> bool:
        """Keep a revocation list signed by the coordinator if newer; True when taken."""
        prog = self.require_programme()
        body = signed_body(document, prog.coordinator_sign)
        if body is None or body.get("programme") != prog.id:
            return False
        current = (self.revocations().get("body") or {}).get("version", -1)
        if int(body.get("version", -1)) <= current:
            return False
        self._set_config("revocations", dumps(document))
        return True

    def take_content_pack(self, carried: object, sender: trust.Certificate) -> bool:
        """Keep the content pack a coordinator's bundle carried, to pass on in every delta
        (devices check its signature before installing it); True when taken."""
        if sender.role != trust.COORDINATOR or content_carry.checked(carried) is None:
            return False
        if (json.loads(self.config("content_pack") or "{}").get("sha256")
                == carried["sha256"]):
            return False
        self._set_config("content_pack", dumps(carried))
        return True

    def content_pack(self) -> dict:
        """The content pack the coordinator rolled out last ({} when none)."""
        return json.loads(self.config("content_pack") or "{}")

    def coordinator_ack(self) -> dict:
        """The coordinator's latest signed acknowledgement (what it holds), relayed to devices
        in every delta so their records show as acknowledged and retention can run."""
        return json.loads(self.config("coordinator_ack") or "{}")

    def take_coordinator_ack(self, document: object) -> bool:
        prog = self.require_programme()
        body = signed_body(document, prog.coordinator_sign)
        if body is None or body.get("type") != ACK_TYPE or body.get("programme") != prog.id \
                or not isinstance(body.get("vector"), dict) \
                or not isinstance(body.get("created"), str):
            return False
        current = (self.coordinator_ack().get("body") or {}).get("created", "")
        if body["created"] < current:
            return False
        self._set_config("coordinator_ack", dumps(document))
        return True

    def verify_device(self, document: object) -> trust.Certificate:
        """A device certificate signed by the coordinator, not revoked, not expired."""
        prog = self.require_programme()
        key = document.get("signature") if isinstance(document, dict) else None
        cert = self._certs.get(key) if isinstance(key, str) else None
        if cert is None:
            try:
                cert = trust.verify_certificate(prog, document)
            except UserError as error:
                raise Refused(_("This device is not enrolled in the hub's programme."),
                              401) from error
            with self._lock:
                if len(self._certs) > 10000:
                    self._certs.clear()
                self._certs[key] = cert
        if cert.device_id in self.revoked():
            raise Refused(_("This device was revoked by the coordinator."))
        if cert.expired():
            raise Refused(_("This device's certificate has expired; ask the coordinator to "
                            "enrol it again."))
        return cert

    def note_device(self, cert: trust.Certificate, when: str, *, push: bool = False,
                    pull: bool = False, vector: dict | None = None) -> None:
        """Remember a device that pushed or pulled (for the admin view)."""
        self.db.execute(
            "INSERT INTO hub_device (device_id, name, role, scope, certificate, expires, "
            "vector, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO "
            "UPDATE SET name = excluded.name, role = excluded.role, scope = excluded.scope, "
            "certificate = excluded.certificate, expires = excluded.expires",
            (cert.device_id, cert.name, cert.role, dumps(list(cert.scope)), dumps(cert.signed),
             cert.expires, "{}", when))
        if push:
            self.db.execute("UPDATE hub_device SET last_push = ?, pushes = pushes + 1 "
                            "WHERE device_id = ?", (when, cert.device_id))
        if pull:
            self.db.execute("UPDATE hub_device SET last_pull = ?, pulls = pulls + 1 "
                            "WHERE device_id = ?", (when, cert.device_id))
        if vector is not None:
            self.db.execute("UPDATE hub_device SET vector = ? WHERE device_id = ?",
                            (dumps(vector), cert.device_id))

    # --- state -------------------------------------------------------------------------

    def heads(self) -> dict[str, tuple[int, str]]:
        return {device: (int(seq), digest) for device, seq, digest in
                self.db.query("SELECT device_id, seq, hash FROM hub_head")}

    def vector(self) -> dict[str, int]:
        return {device: seq for device, (seq, _hash) in self.heads().items()}

    def reported_vector(self, device_id: str) -> dict[str, int]:
        """The vector `device_id` reported last (with a push or a delta request)."""
        rows = self.db.query("SELECT vector FROM hub_device WHERE device_id = ?", (device_id,))
        return {str(k): int(v) for k, v in json.loads(rows[0][0] if rows else "{}").items()}

    def health(self) -> dict:
        prog = self.programme()
        return {"status": "ok", "device_id": self.device_id,
                "programme": prog.id if prog else None,
                "database": "postgresql" if self.db.postgres else "sqlite",
                "events": int(self.db.scalar("SELECT count(*) FROM hub_event") or 0),
                "bundles": int(self.db.scalar("SELECT count(*) FROM hub_bundle") or 0)}
