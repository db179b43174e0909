"""Signed certificate statements: issue, look up, verify, revoke (no Qt).

A participation certificate carries a statement signed with the issuing
device's Ed25519 key (sync/keys.py); the code also carries that device's
certificate, signed by the programme coordinator (sync/trust.py), so any
device of the programme checks it offline with the keys it already has.
Issued statements are recorded as `issued_certificate` events, so the short
typed code can be looked up on every device that syncs with the issuer.
Revoked certificates are listed in the coordinator's signed revocation list
(key "certificates"), which travels in every sync bundle.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from debc_outreach.errors import UserError
from debc_outreach.i18n import N_, _
from debc_outreach.storage.database import Database
from debc_outreach.storage.events import dumps
from debc_outreach.storage.projection.records import ISSUED_CERTIFICATE
from debc_outreach.storage.store import Store
from debc_outreach.sync import statement_codec as codec
from debc_outreach.sync import trust
from debc_outreach.sync.keys import b64, device_keys, verify_signature

ENTITY = ISSUED_CERTIFICATE

GENUINE = "genuine"
ALTERED = "altered"
DAMAGED = "damaged"
REVOKED_DEVICE = "revoked-device"
REVOKED_CERTIFICATE = "revoked-certificate"
UNKNOWN_PROGRAMME = "unknown-programme"
UNKNOWN_CODE = "unknown-code"
NOT_CERTIFICATE = "not-certificate"

TITLES = {
    GENUINE: N_("Genuine"),
    ALTERED: N_("Altered"),
    DAMAGED: N_("Cannot be read"),
    REVOKED_DEVICE: N_("Issued by a revoked device"),
    REVOKED_CERTIFICATE: N_("Withdrawn certificate"),
    UNKNOWN_PROGRAMME: N_("Unknown programme"),
    UNKNOWN_CODE: N_("Unknown code"),
    NOT_CERTIFICATE: N_("Not a certificate code"),
}


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check; `statement` is what the code says (signed or not)."""

    kind: str
    reason: str                              # translated, one or two sentences
    statement: codec.Statement | None = None
    device_name: str = ""                    # from the issuing device's certificate
    programme_name: str = ""

    @property
    def genuine(self) -> bool:
        return self.kind == GENUINE

    @property
    def title(self) -> str:
        return _(TITLES[self.kind])


# --- issuing ---------------------------------------------------------------------------

def can_issue(store: Store) -> bool:
    """Whether this device belongs to a programme (and so can sign certificates)."""
    return trust.programme(store) is not None


@dataclass(frozen=True)
class Issued:
    statement: codec.Statement
    code: str                    # the full code, for the QR
    short: str                   # the short code, for typing by hand


def issue(store: Store, participant_id: str, name: str, modules, skills, date: str,
          place: str, issued: str | None = None) -> Issued | None:
    """Sign and record a statement; None when this device is not in a programme."""
    prog = trust.programme(store)
    if prog is None:
        return None
    cert = trust.own_certificate(store)
    if cert.expired():
        raise UserError(_("This computer's certificate from the coordinator has expired, so "
                          "it cannot sign certificates. Ask the coordinator to renew it."))
    statement = codec.Statement(
        certificate_id=codec.id_text(os.urandom(codec.ID_BYTES)), programme_id=prog.id,
        device_id=store.device_id, name=name, modules=tuple(modules), skills=tuple(skills),
        date=date or dt.date.today().isoformat(),
        issued=issued or dt.date.today().isoformat(), place=place or "")
    flags, part = codec.statement_part(statement)
    keys = device_keys(store.data_dir)
    signature = keys.signing.sign(codec.signed_bytes(flags, part))
    code = codec.encode(statement, flags, part, signature, cert.signed)
    store.record(ENTITY, statement.certificate_id,
                 {"participant_id": participant_id, "code": code, "issued": statement.issued})
    return Issued(statement, code, codec.short_code(statement.certificate_id))


def lookup(database: Database, cert_id: str) -> str | None:
    """The full code of a certificate this device knows, by its id."""
    return database.scalar("SELECT code FROM issued_certificate WHERE id = ?", (cert_id,))


def issued_for(database: Database, participant_id: str) -> list[tuple[str, str]]:
    """(certificate id, issued date) of a participant's certificates, newest first."""
    return [tuple(row) for row in database.query(
        "SELECT id, issued FROM issued_certificate WHERE participant_id = ? "
        "ORDER BY issued DESC, created_hlc DESC", (participant_id,))]


# --- revocation ------------------------------------------------------------------------

def revoked_certificates(store: Store) -> set[str]:
    body = trust.revocation_list(store).get("body") or {}
    return {str(entry.get("id")) for entry in body.get("certificates", [])
            if isinstance(entry, dict)}


def revoke(store: Store, text: str) -> str:
    """Coordinator: withdraw a certificate (short code, id or full code); returns its id."""
    prog = trust.require_programme(store)
    if not trust.is_coordinator(store):
        raise UserError(_("Only the programme's coordinator can withdraw certificates."))
    cert_id = certificate_id(text)
    body = trust.revocation_list(store).get("body") or {"programme": prog.id, "version": 0,
                                                       "revoked": []}
    listed = body.get("certificates", [])
    if cert_id in {entry.get("id") for entry in listed}:
        return cert_id
    new_body = {**body, "programme": prog.id, "version": body.get("version", 0) + 1,
                "certificates": [*listed, {"id": cert_id, "at": trust.iso(trust.now_utc())}]}
    with store.database.transaction() as conn:
        conn.execute("UPDATE sync_programme SET revocations = ?",
                     (dumps(trust.signed(device_keys(store.data_dir), new_body)),))
    return cert_id


def certificate_id(text: str) -> str:
    """The certificate id in a short code, a bare id or a full code; UserError otherwise."""
    text = text.strip()
    try:
        if codec.is_code(text):
            return codec.decode(text).statement.certificate_id
        if len(text) == 16 and all(char in codec.CROCKFORD for char in text.upper()):
            return text.upper()
        return codec.parse_short(text)
    except codec.CodeError as error:
        raise UserError(_("{text} is not a certificate code.").format(text=text[:40])) \
            from error


# --- verifying -------------------------------------------------------------------------

def verify(store: Store, text: str) -> Verdict:
    """Check a full code, or look up and check a short code. Never raises on bad input."""
    text = (text or "").strip()
    if not text:
        return Verdict(NOT_CERTIFICATE, _("Nothing was typed or scanned."))
    if codec.looks_short(text):
        try:
            cert_id = codec.parse_short(text)
        except codec.CodeError:
            return Verdict(UNKNOWN_CODE, _("This short code has a typing mistake: its last "
                                           "two characters do not match. Check each "
                                           "character, or scan the QR code instead."))
        full = lookup(store.database, cert_id)
        if full is None:
            return Verdict(UNKNOWN_CODE, _("This computer does not know this certificate code. "
                                           "Scan the QR code instead, or check it on a "
                                           "computer that has synced with the issuer."))
        text = full
    if not codec.is_code(text):
        return Verdict(NOT_CERTIFICATE, _("This is not a DEBC Outreach certificate code. It "
                                          "reads: {text}").format(text=_shorten(text)))
    try:
        decoded = codec.decode(text)
    except codec.CodeError as error:
        if error.incomplete:
            return Verdict(DAMAGED, _("The code is incomplete, so it cannot be checked. Scan "
                                      "the QR code again, or paste the whole code."))
        return Verdict(ALTERED, _("The code has been changed: its content no longer fits "
                                  "together. Do not accept this certificate."))
    return _check(store, decoded)


def _signed_by_its_own_device(decoded: codec.Decoded) -> bool:
    """Whether the statement's signature fits the key its own device certificate names.

    Checked before anything else, so a code changed anywhere (the programme id
    included) reads "Altered", not "another programme": that key needs no
    programme to be known here, and only the coordinator's signature over the
    device certificate does.
    """
    body = decoded.device_certificate.get("body") if isinstance(
        decoded.device_certificate, dict) else None
    sign = body.get("sign") if isinstance(body, dict) else None
    return (isinstance(sign, str) and body.get("device_id") == decoded.statement.device_id
            and verify_signature(sign, b64(decoded.signature), decoded.signed_bytes))


def _check(store: Store, decoded: codec.Decoded) -> Verdict:
    statement = decoded.statement
    if not _signed_by_its_own_device(decoded):
        return Verdict(ALTERED, _("The details do not match the signature: something on this "
                                  "certificate was changed after it was issued."), statement)
    prog = trust.programme(store)
    if prog is None:
        return Verdict(UNKNOWN_PROGRAMME, _("This computer is not part of a programme, so it "
                                            "has no keys to check certificates with."),
                       statement)
    if statement.programme_id != prog.id:
        return Verdict(UNKNOWN_PROGRAMME, _("This certificate was issued by another programme, "
                                            "not by {name}. It cannot be checked here.")
                       .format(name=prog.name), statement, programme_name="")
    try:
        cert = trust.verify_certificate(prog, decoded.device_certificate)
    except UserError:
        return Verdict(ALTERED, _("The issuing computer's certificate is not signed by the "
                                  "programme coordinator: the code was altered or forged."),
                       statement, programme_name=prog.name)
    signature = b64(decoded.signature)
    if cert.device_id != statement.device_id or not verify_signature(
            cert.sign, signature, decoded.signed_bytes):
        return Verdict(ALTERED, _("The details do not match the signature: something on this "
                                  "certificate was changed after it was issued."),
                       statement, cert.name, prog.name)
    if statement.issued > cert.expires[:10]:
        return Verdict(REVOKED_DEVICE, _("This certificate is dated after the issuing "
                                         "computer's authorisation ended ({date}). Do not "
                                         "accept it; ask the programme to confirm.")
                       .format(date=cert.expires[:10]), statement, cert.name, prog.name)
    if statement.device_id in trust.revoked_devices(store):
        return Verdict(REVOKED_DEVICE, _("The computer that issued this certificate has been "
                                         "revoked by the coordinator. Do not accept it; ask "
                                         "the programme to confirm."),
                       statement, cert.name, prog.name)
    if statement.certificate_id in revoked_certificates(store):
        return Verdict(REVOKED_CERTIFICATE, _("The coordinator has withdrawn this certificate "
                                              "(it was issued in error)."),
                       statement, cert.name, prog.name)
    return Verdict(GENUINE, _("Signed by {device}, a computer of {programme}. Compare the "
                              "signed details with the paper.")
                   .format(device=cert.name or cert.device_id[:8], programme=prog.name),
                   statement, cert.name, prog.name)


def _shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"
