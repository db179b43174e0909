"""Programme, enrolment, device certificates and the revocation list.

A coordinator creates a programme; its device keys are the programme's root
of trust. A trainer device sends an enrolment request (its id and public
keys, signed with its own key); the coordinator answers with a device
certificate (id, keys, role, scope, expiry) signed with the coordinator key.
The revocation list is signed by the coordinator too and travels in every
bundle, so a revoked device's new bundles are refused everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from debc_outreach.core.ids import new_id
from debc_outreach.core.names import validate_name
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import trainers
from debc_outreach.storage.events import chain_head, dumps
from debc_outreach.storage.store import Store
from debc_outreach.sync import enrolment_codec
from debc_outreach.sync.keys import DeviceKeys, device_keys, verify_signature

COORDINATOR, TRAINER = "coordinator", "trainer"
ALL_AREAS = "*"
DEVICE_DAYS = 730
COORDINATOR_DAYS = 3650
REQUEST_TYPE = "debc-enrol-request"
ENROLMENT_TYPE = "debc-enrolment"
MAX_FILE = 1 << 20
LABEL_MAX = 60              # a device label must still fit the enrolment QR code


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Programme:
    id: str
    name: str
    coordinator_id: str
    coordinator_sign: str
    coordinator_enc: str

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "coordinator_id": self.coordinator_id,
                "coordinator_sign": self.coordinator_sign,
                "coordinator_enc": self.coordinator_enc}


@dataclass(frozen=True)
class Certificate:
    """A verified device certificate."""

    device_id: str
    name: str
    role: str
    scope: tuple[str, ...]
    sign: str
    enc: str
    expires: str
    signed: dict            # the signed form, as it travels

    def expired(self, at: dt.datetime | None = None) -> bool:
        return dt.datetime.fromisoformat(self.expires) <= (at or now_utc())

    def covers(self, village_code: str | None) -> bool:
        """Whether records of this village (None: not tied to a place) may go to the device."""
        if village_code is None or ALL_AREAS in self.scope:
            return True
        return any(village_code.startswith(code) for code in self.scope)


def signed(keys: DeviceKeys, body: dict) -> dict:
    return {"body": body, "signature": keys.sign(dumps(body).encode("utf-8"))}


def _check_signed(document: object, sign_public: str) -> dict | None:
    if not isinstance(document, dict) or not isinstance(document.get("body"), dict):
        return None
    signature = document.get("signature")
    if not isinstance(signature, str):
        return None
    if not verify_signature(sign_public, signature, dumps(document["body"]).encode("utf-8")):
        return None
    return document["body"]


# --- reading this device's membership --------------------------------------------------

def programme(store: Store) -> Programme | None:
    rows = store.database.query("SELECT id, name, coordinator_id, coordinator_sign, "
                                "coordinator_enc FROM sync_programme LIMIT 1")
    return Programme(*rows[0]) if rows else None


def require_programme(store: Store) -> Programme:
    found = programme(store)
    if found is None:
        raise UserError(_("This computer is not part of a programme yet. A coordinator "
                          "creates one with 'sync programme create'; a trainer joins with "
                          "'sync enrol-request' and 'sync enrol-accept'."))
    return found


def own_certificate(store: Store) -> Certificate:
    prog = require_programme(store)
    text = store.database.scalar("SELECT certificate FROM sync_programme")
    return verify_certificate(prog, json.loads(text))


def is_coordinator(store: Store) -> bool:
    prog = programme(store)
    return prog is not None and prog.coordinator_id == store.device_id


def coordinator_signing_key(store: Store) -> tuple[Ed25519PrivateKey, str]:
    """The coordinator's signing key and the name it signs content packs under."""
    if not is_coordinator(store):
        raise UserError(_("Only the programme's coordinator can sign a content pack (or "
                          "the app's publisher, with --key)."))
    return device_keys(store.data_dir).signing, f"{require_programme(store).name} coordinator"


def verify_certificate(prog: Programme, document: object,
                       at: dt.datetime | None = None) -> Certificate:
    """Check a certificate's signature by the programme coordinator; UserError if bad."""
    body = _check_signed(document, prog.coordinator_sign)
    if body is None or body.get("programme") != prog.id:
        raise UserError(_("The device certificate is not signed by this programme's "
                          "coordinator."))
    try:
        cert = Certificate(str(body["device_id"]), str(body.get("name", "")), str(body["role"]),
                           tuple(str(code) for code in body["scope"]), str(body["sign"]),
                           str(body["enc"]), str(body["expires"]), document)
        dt.datetime.fromisoformat(cert.expires)
    except (KeyError, TypeError, ValueError) as error:
        raise UserError(_("The device certificate is incomplete.")) from error
    return cert


# --- coordinator side ------------------------------------------------------------------

def _issue(keys: DeviceKeys, prog_id: str, device_id: str, name: str, role: str,
           scope: list[str], sign: str, enc: str, days: int) -> dict:
    issued = now_utc()
    return signed(keys, {"type": "debc-device-certificate", "version": 1,
                         "programme": prog_id, "serial": new_id(), "device_id": device_id,
                         "name": name, "role": role, "scope": scope, "sign": sign,
                         "enc": enc, "issued": iso(issued),
                         "expires": iso(issued + dt.timedelta(days=days))})


def create_programme(store: Store, name: str) -> Programme:
    """Make this device the coordinator of a new programme."""
    name = name.strip()
    if not name:
        raise UserError(_("Type a name for the programme."))
    if programme(store) is not None:
        raise UserError(_("This computer already belongs to the programme {name}.")
                        .format(name=programme(store).name))
    keys = device_keys(store.data_dir)
    prog = Programme(new_id(), name, store.device_id, keys.sign_public, keys.enc_public)
    device_name = store.database.scalar("SELECT name FROM device") or ""
    cert = _issue(keys, prog.id, store.device_id, device_name, COORDINATOR, [ALL_AREAS],
                  keys.sign_public, keys.enc_public, COORDINATOR_DAYS)
    revocations = signed(keys, {"programme": prog.id, "version": 0, "revoked": []})
    with store.database.transaction() as conn:
        conn.execute("INSERT INTO sync_programme VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (prog.id, prog.name, prog.coordinator_id, prog.coordinator_sign,
                      prog.coordinator_enc, dumps(cert), dumps(revocations),
                      iso(now_utc())))
    return prog


def computer_name(store: Store) -> str:
    """The name the computer had when this data folder was made (its hostname)."""
    return store.database.scalar("SELECT name FROM device") or ""


def default_device_label(store: Store, trainer_id: str = "") -> str:
    """"<trainer's name> — <computer name>": two laptops called "vm" stay apart."""
    trainer = trainers.get_trainer(store, trainer_id) if trainer_id else None
    parts = [" ".join(text.split()) for text in
             ((trainer.display_name if trainer else ""), computer_name(store))]
    return " — ".join(part for part in parts if part) or store.device_id[:8]


def checked_device_label(label: str) -> str:
    """A device label as typed, spaces tidied; UserError when empty, too long or garbled."""
    label = " ".join(label.split())
    if validate_name(label) == "control":
        raise UserError(_("The name contains control characters. Type it again."))
    if not label:
        raise UserError(_("Type a name for this computer, for example your name and the "
                          "laptop's."))
    if len(label) > LABEL_MAX:
        raise UserError(_("The name of this computer is too long: keep it to {n} characters.")
                        .format(n=LABEL_MAX))
    return label


def enrol_request(store: Store, label: str | None = None) -> dict:
    """The request a trainer device hands to its coordinator (file or QR code).

    `label` is the name the coordinator will see for this device (certificate,
    device lists); None uses the computer name, as requests always did.
    """
    keys = device_keys(store.data_dir)
    name = computer_name(store) if label is None else checked_device_label(label)
    return signed(keys, {"type": REQUEST_TYPE, "version": 1, "device_id": store.device_id,
                         "name": name, "computer": computer_name(store),
                         "sign": keys.sign_public, "enc": keys.enc_public,
                         "created": iso(now_utc())})


def parse_scope(codes: list[str]) -> list[str]:
    """Province (2 digits) or district (4 digits) codes; UserError otherwise."""
    scope: list[str] = []
    for raw in codes:
        for code in re.split(r"[,\s]+", raw.strip()):
            if not code:
                continue
            if not re.fullmatch(r"\d{2}|\d{4}", code):
                raise UserError(_("{code} is not a province (2 digits) or district (4 digits) "
                                  "code.").format(code=code))
            scope.append(code)
    if not scope:
        raise UserError(_("Give at least one province or district code for the scope."))
    return sorted(set(scope))


def approve_enrolment(store: Store, request: object, scope: list[str],
                      days: int = DEVICE_DAYS) -> dict:
    """Sign a certificate for the requesting device; returns the enrolment file content."""
    prog = require_programme(store)
    if not is_coordinator(store):
        raise UserError(_("Only the programme's coordinator can approve devices."))
    body = request.get("body") if isinstance(request, dict) else None
    if not isinstance(body, dict) or body.get("type") != REQUEST_TYPE:
        raise UserError(_("This file is not an enrolment request."))
    if not all(isinstance(body.get(key), str) and body.get(key)
               for key in ("device_id", "sign", "enc")):
        raise UserError(_("The enrolment request is incomplete."))
    if _check_signed(request, body["sign"]) is None:
        raise UserError(_("The enrolment request is damaged (its signature does not match)."))
    keys = device_keys(store.data_dir)
    cert = _issue(keys, prog.id, str(body["device_id"]), str(body.get("name", "")), TRAINER,
                  parse_scope(scope), str(body["sign"]), str(body["enc"]), days)
    remember_peer(store, verify_certificate(prog, cert))
    return enrolment_for(store, cert)


def enrolment_for(store: Store, certificate: dict) -> dict:
    """The enrolment file (and QR code) content that hands `certificate` to its device:
    the programme, the certificate, the coordinator's certificate, the revocation list."""
    return {"type": ENROLMENT_TYPE, "version": 1, "programme": require_programme(store).as_json(),
            "certificate": certificate, "coordinator": json.loads(store.database.scalar(
                "SELECT certificate FROM sync_programme")),
            "revocations": revocation_list(store)}


def enrolment_document(store: Store, device_id: str) -> dict:
    """Coordinator: the enrolment of a trainer device approved before, as `approve_enrolment`
    returned it, for a trainer who missed the QR code; UserError for a device that is not
    a trainer's, revoked or whose certificate has expired."""
    prog = require_programme(store)
    if not is_coordinator(store):
        raise UserError(_("Only the programme's coordinator can show a device's enrolment."))
    if device_id == store.device_id:
        raise UserError(_("This is the coordinator's own computer: it needs no enrolment."))
    text = store.database.scalar("SELECT certificate FROM sync_peer WHERE device_id = ?",
                                 (device_id,))
    if text is None:
        raise UserError(_("No enrolled device has the id {device}. Import a bundle from it or "
                          "enrol it first.").format(device=device_id))
    cert = verify_certificate(prog, json.loads(text))
    name = cert.name or device_id[:8]
    if cert.role != TRAINER:
        raise UserError(_("{name} is not a trainer's computer; only a trainer's computer "
                          "joins with an enrolment QR code.").format(name=name))
    if device_id in revoked_devices(store):
        raise UserError(_("{name} is revoked: its enrolment cannot be shown again.")
                        .format(name=name))
    if cert.expired():
        raise UserError(_("The certificate of {name} has expired. Approve the device again "
                          "with a new enrolment request.").format(name=name))
    return enrolment_for(store, cert.signed)


def revocation_list(store: Store) -> dict:
    return json.loads(store.database.scalar("SELECT revocations FROM sync_programme") or "{}")


def revoked_devices(store: Store) -> set[str]:
    body = revocation_list(store).get("body") or {}
    return {entry["device_id"] for entry in body.get("revoked", [])}


def revoke_device(store: Store, device_id: str) -> None:
    """Coordinator: refuse this device's bundles from now on, on every device, and its
    records after the last one the coordinator holds, whoever passes them on."""
    prog = require_programme(store)
    if not is_coordinator(store):
        raise UserError(_("Only the programme's coordinator can revoke devices."))
    if device_id == store.device_id:
        raise UserError(_("The coordinator's own computer cannot be revoked."))
    body = revocation_list(store).get("body") or {"programme": prog.id, "version": 0,
                                                  "revoked": []}
    if device_id in {entry["device_id"] for entry in body["revoked"]}:
        return
    # The last record of the device held here: what it wrote later counts nowhere, even
    # when another device passes it on (sync/heads.py).
    last = chain_head(store.database.conn, device_id)[0]
    new_body = {**body, "programme": prog.id, "version": body["version"] + 1,   # keeps
                "revoked": [*body["revoked"], {"device_id": device_id, "at": iso(now_utc()),
                                               "seq": int(last)}]}
    with store.database.transaction() as conn:
        conn.execute("UPDATE sync_programme SET revocations = ?",
                     (dumps(signed(device_keys(store.data_dir), new_body)),))


def newer_revocations(store: Store, prog: Programme, document: object) -> dict | None:
    """A received revocation list if it is genuine and newer than ours, else None."""
    body = _check_signed(document, prog.coordinator_sign)
    if body is None or body.get("programme") != prog.id:
        return None
    current = (revocation_list(store).get("body") or {}).get("version", -1)
    return document if int(body.get("version", -1)) > current else None


def remember_peer(store: Store, cert: Certificate) -> None:
    """Store or refresh a peer's certificate (keeps what we know it has)."""
    with store.database.transaction() as conn:
        conn.execute(
            "INSERT INTO sync_peer (device_id, name, role, scope, certificate, expires) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
            "name = excluded.name, role = excluded.role, scope = excluded.scope, "
            "certificate = excluded.certificate, expires = excluded.expires "
            "WHERE excluded.expires >= sync_peer.expires",
            (cert.device_id, cert.name, cert.role, dumps(list(cert.scope)), dumps(cert.signed),
             cert.expires))


# --- trainer side ----------------------------------------------------------------------

def accept_enrolment(store: Store, document: object) -> Certificate:
    """Join the programme with the certificate the coordinator signed for this device."""
    if not isinstance(document, dict) or document.get("type") != ENROLMENT_TYPE:
        raise UserError(_("This file is not an enrolment certificate."))
    try:
        raw = document["programme"]
        prog = Programme(str(raw["id"]), str(raw["name"]), str(raw["coordinator_id"]),
                         str(raw["coordinator_sign"]), str(raw["coordinator_enc"]))
    except (KeyError, TypeError) as error:
        raise UserError(_("The enrolment certificate is incomplete.")) from error
    cert = verify_certificate(prog, document.get("certificate"))
    coordinator = verify_certificate(prog, document.get("coordinator"))
    keys = device_keys(store.data_dir)
    if cert.device_id != store.device_id or cert.sign != keys.sign_public \
            or cert.enc != keys.enc_public:
        raise UserError(_("This certificate was made for another computer ({name}). Ask your "
                          "coordinator for the one made for this computer.")
                        .format(name=cert.name or cert.device_id[:8]))
    # The programme's keys are the ones the coordinator's own certificate states: bundles
    # for the coordinator are sealed to `coordinator_enc`, so a swapped key is refused.
    if coordinator.device_id != prog.coordinator_id or coordinator.role != COORDINATOR:
        raise UserError(_("The enrolment certificate is incomplete."))
    if coordinator.sign != prog.coordinator_sign or coordinator.enc != prog.coordinator_enc:
        raise UserError(_("The enrolment certificate was changed: its programme keys are not "
                          "the coordinator's. Nothing was changed."))
    if cert.expired():
        raise UserError(_("This certificate has expired. Ask your coordinator for a new one."))
    current = programme(store)
    if current is not None and current.id != prog.id:
        raise UserError(_("This computer already belongs to the programme {name}.")
                        .format(name=current.name))
    # Renewing an enrolment never moves a device to other coordinator keys: whoever
    # holds them would receive its records.
    if current is not None and (current.coordinator_id, current.coordinator_sign,
                                current.coordinator_enc) != (
            prog.coordinator_id, prog.coordinator_sign, prog.coordinator_enc):
        raise UserError(_("This certificate names another coordinator for the programme "
                          "{name}. Nothing was changed; ask your coordinator.")
                        .format(name=current.name))
    # A QR code carries no revocation list and a file may carry an older one: the list
    # kept here is only ever replaced by a newer one.
    revocations = newer_revocations(store, prog, document.get("revocations")) \
        or revocation_list(store)
    with store.database.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO sync_programme VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (prog.id, prog.name, prog.coordinator_id, prog.coordinator_sign,
                      prog.coordinator_enc, dumps(cert.signed), dumps(revocations),
                      iso(now_utc())))
        remember_peer(store, coordinator)
    return cert


def read_json_file(path: Path, what: str) -> object:
    """A small JSON file (request, certificate); UserError when unreadable."""
    try:
        if path.stat().st_size > MAX_FILE:
            raise ValueError("too large")
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UserError(_("{path} is not a readable {what} file.")
                        .format(path=path, what=what)) from error


def write_json_file(path: Path | str, document: object) -> Path:
    """Write an enrolment request or certificate the one way the CLI and the app do
    (readable, indented UTF-8); UserError when the file cannot be written."""
    target = Path(path).expanduser()
    try:
        target.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as error:
        raise UserError(_("{path} could not be written ({reason}).")
                        .format(path=target, reason=error.strerror or error)) from error
    return target


def enrolment_from_code(text: str) -> dict:
    """The enrolment in a code from the coordinator's screen (QR, scanner, paste); UserError if
    it cannot be read. `accept_enrolment` then checks it like a certificate file."""
    if not enrolment_codec.is_code(text):
        raise UserError(_("This is not an enrolment code. Scan the QR code the coordinator "
                          "shows after approving this computer."))
    try:
        return enrolment_codec.decode(text)
    except enrolment_codec.CodeError as error:
        if error.incomplete:
            raise UserError(_("The enrolment code is cut short: part of it is missing. Scan the "
                              "QR code again, or copy the whole code.")) from error
        raise UserError(_("The enrolment code is damaged: some characters were misread or "
                          "changed. Scan the QR code again.")) from error


def enrolment_from_codes(codes: list[str]) -> dict:
    """The enrolment among the QR codes read from a picture; UserError if there is none."""
    if not codes:
        raise UserError(_("No QR code was found in this picture. Take the photo closer, "
                          "straight on and in good light."))
    ours = [code for code in codes if enrolment_codec.is_code(code)]
    return enrolment_from_code((ours or codes)[0])
