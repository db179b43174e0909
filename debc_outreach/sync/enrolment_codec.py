"""An approved enrolment as a short, strict text for a QR code (no Qt, no I/O).

The coordinator's screen shows a QR code of `DE1:` + base32 (RFC 4648, upper
case, no padding) of:

    version (1) | programme | trainer's device id | trainer's certificate
    | coordinator's certificate | CRC-32 of all before (4)

- programme: id, name, the coordinator's device id and its signing and
  encryption keys (32 raw bytes each);
- both certificates in the compact form of compact.py, leaving out what the
  code already says: programme, device id and role, and for the
  coordinator's certificate its keys (they are the programme's). A
  certificate that cannot be rebuilt that way travels verbatim;
- names (programme, devices) in packed text: a Khmer letter takes one byte
  instead of three in UTF-8;
- the CRC-32 catches every change of one character (a 5-bit burst) for
  certain, so a misread code is reported as damaged (or, when the change
  hits a length, as cut short), never as forged.

The coordinator's revocation list is left out: it is signed by the
coordinator and travels in every bundle, so the trainer has the current list
after its first exchange, and it would make the code grow with every revoked
device.

Decoding gives the same document `trust.approve_enrolment` writes to a file
(without "revocations"), and `trust.accept_enrolment` checks it exactly as it
checks a file: the coordinator's signatures, that it was made for this
computer, expiry. Decoding itself only checks the form, strictly: spaces and
line breaks are ignored (a pasted code may be wrapped), lower case is read
as upper case (a scanner with Caps Lock on), and any other text that does
not re-encode to the very same code is refused. The alphabet is
that of the QR "alphanumeric" mode, so the QR is dense and a USB scanner can
type the code.
"""

from __future__ import annotations

import binascii
import zlib

from debc_outreach.sync import compact
from debc_outreach.sync.compact import CodeError, Reader

PREFIX = "DE1:"
VERSION = 1
ENROLMENT_TYPE = "debc-enrolment"        # as trust.ENROLMENT_TYPE
TRAINER, COORDINATOR = "trainer", "coordinator"
CHECK_BYTES = 4

__all__ = ["PREFIX", "CodeError", "decode", "encode", "is_code"]


def _known(programme: dict, device_id: str, role: str) -> dict:
    known = {"programme": programme["id"], "device_id": device_id, "role": role}
    if role == COORDINATOR:
        known.update(sign=programme["coordinator_sign"], enc=programme["coordinator_enc"])
    return known


def _wire(document: dict) -> bytes:
    programme = document["programme"]
    trainer_id = document["certificate"]["body"]["device_id"]
    payload = b"".join([
        bytes([VERSION]), compact.ident(programme["id"]), compact.packed_text(programme["name"]),
        compact.ident(programme["coordinator_id"]), compact.key(programme["coordinator_sign"]),
        compact.key(programme["coordinator_enc"]), compact.ident(trainer_id),
        compact.cert_bytes(document["certificate"], _known(programme, trainer_id, TRAINER),
                           packed=True),
        compact.cert_bytes(document["coordinator"],
                           _known(programme, programme["coordinator_id"], COORDINATOR),
                           packed=True)])
    return payload + zlib.crc32(payload).to_bytes(CHECK_BYTES, "big")


def _read(wire: bytes) -> dict:
    reader = Reader(wire)
    if reader.take(1)[0] != VERSION:
        raise CodeError("unknown version")
    programme = {"id": reader.ident(), "name": reader.packed_text(),
                 "coordinator_id": reader.ident(), "coordinator_sign": reader.key(),
                 "coordinator_enc": reader.key()}
    trainer_id = reader.ident()
    certificate = compact.read_cert(reader, _known(programme, trainer_id, TRAINER), packed=True)
    coordinator = compact.read_cert(
        reader, _known(programme, programme["coordinator_id"], COORDINATOR), packed=True)
    check = reader.take(CHECK_BYTES)
    reader.end()
    if zlib.crc32(wire[:-CHECK_BYTES]).to_bytes(CHECK_BYTES, "big") != check:
        raise CodeError("check failed")
    return {"type": ENROLMENT_TYPE, "version": 1, "programme": programme,
            "certificate": certificate, "coordinator": coordinator}


def _carried(document: dict) -> dict:
    return {key: document.get(key)
            for key in ("type", "version", "programme", "certificate", "coordinator")}


def encode(document: dict) -> str:
    """The QR / paste text for an enrolment approved by `trust.approve_enrolment`.

    ValueError when the document is not such an enrolment (the code must rebuild it exactly).
    """
    try:
        wire = _wire(document)
        rebuilt = _read(wire)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise ValueError("not an approved enrolment") from error
    if rebuilt != _carried(document):
        raise ValueError("this enrolment cannot be carried in a code")
    return PREFIX + compact.b32(wire)


def is_code(text: str) -> bool:
    """Whether text claims to be an enrolment code (it may still be damaged)."""
    return text.strip().upper().startswith(PREFIX)


def decode(text: str) -> dict:
    """The enrolment document in a code; CodeError when cut short, changed or not one.

    `CodeError.incomplete` tells a code cut short (or not base32) from a changed one.
    """
    code = "".join(text.split()).upper()
    if not code.startswith(PREFIX):
        raise CodeError("not an enrolment code")
    body = code[len(PREFIX):]
    wire = compact.unb32(body)
    try:
        document = _read(wire)
    except CodeError:
        raise
    except (ValueError, OverflowError, OSError) as error:       # complete but changed inside
        raise CodeError("changed") from error
    try:
        again = _wire(document)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise CodeError("changed") from error
    if again != wire:
        raise CodeError("not canonical")
    return document
