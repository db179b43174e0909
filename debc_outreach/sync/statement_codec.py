"""Compact bytes and text for a signed certificate statement (no Qt, no I/O).

The QR code holds `DC1:` + base32 (RFC 4648, upper case, no padding) of:

    version (1) | flags (1) | len + statement part | statement signature (64) | chain

- The statement part is the statement's fields (length-prefixed, ids as 16
  bytes, dates as days since 2000, each skill as its module's position plus
  the item name), raw-deflated when that is shorter (flag bit 1). The issuing device
  signs `DOMAIN + version + flags + statement part`, i.e. the exact bytes
  carried, so the verifier never has to re-compress anything.
- The chain is the issuing device's certificate (signed by the programme
  coordinator) in a compact form from which its signed JSON body is rebuilt
  exactly (keys as 32 raw bytes, times as Unix seconds); a certificate that
  does not rebuild exactly travels verbatim.

Base32 uses only characters of the QR "alphanumeric" mode (5.5 bits per
character), so the code is dense in a QR, survives a USB scanner that types
it as keystrokes, and can be pasted anywhere. Decoding is strict: any input
that does not re-encode to the very same text is refused, so no character of
a code can change without the verdict changing.

A person without a camera types the short code instead: the certificate id
(10 random bytes, 16 Crockford base32 characters) plus two check characters,
e.g. `K7QM-4TZP-XR3A-9D2F-HC`; a device that has the full statement (the
issuing device, and every device it syncs with) looks it up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from dataclasses import dataclass

from debc_outreach.sync import compact
from debc_outreach.sync.compact import SIGNATURE_BYTES, CodeError, Reader

PREFIX = "DC1:"
VERSION = 1
FLAG_DEFLATED = 1
DOMAIN = b"debc-certificate-statement"
EPOCH = dt.date(2000, 1, 1)
ID_BYTES = 10
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_RE = re.compile(r"[0-9A-Za-z]{4}(-?[0-9A-Za-z]{4}){3}-?[0-9A-Za-z]{2}")


@dataclass(frozen=True)
class Statement:
    """What a certificate says, as signed by the issuing device."""

    certificate_id: str          # 16 Crockford base32 characters
    programme_id: str
    device_id: str
    name: str                    # exactly as entered
    modules: tuple[str, ...]     # module slugs
    skills: tuple[str, ...]      # checklist item ids achieved
    date: str                    # ISO date of the last session
    issued: str                  # ISO date the certificate was made
    place: str                   # village code of the last session


@dataclass(frozen=True)
class Decoded:
    statement: Statement
    signed_bytes: bytes          # what the device signature covers
    signature: bytes
    device_certificate: dict     # {"body": ..., "signature": ...} as the coordinator signed it


# --- primitives ------------------------------------------------------------------------

def _read_day(reader: Reader) -> str:
    return (EPOCH + dt.timedelta(days=int.from_bytes(reader.take(2), "big"))).isoformat()


def _day(iso_date: str) -> bytes:
    days = (dt.date.fromisoformat(iso_date) - EPOCH).days
    if not 0 <= days < 1 << 16:
        raise ValueError(f"date out of range: {iso_date}")
    return days.to_bytes(2, "big")


# --- ids and short codes ---------------------------------------------------------------

def id_text(raw: bytes) -> str:
    number = int.from_bytes(raw, "big")
    return "".join(CROCKFORD[(number >> shift) & 31] for shift in range(75, -1, -5))


def id_bytes(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 32 + CROCKFORD.index(char)
    return number.to_bytes(ID_BYTES, "big")


def _check(cert_id: str) -> str:
    digest = int.from_bytes(hashlib.sha256(cert_id.encode("ascii")).digest()[:2], "big")
    return CROCKFORD[digest >> 11] + CROCKFORD[(digest >> 6) & 31]


def short_code(cert_id: str) -> str:
    """The code printed for typing by hand: id in groups of four plus two check characters."""
    groups = [cert_id[i:i + 4] for i in range(0, 16, 4)]
    return "-".join([*groups, _check(cert_id)])


def looks_short(text: str) -> bool:
    return SHORT_RE.fullmatch(text.strip()) is not None


def parse_short(text: str) -> str:
    """The certificate id in a typed short code (I/L read as 1, O as 0); CodeError if mistyped."""
    plain = text.strip().upper().replace("-", "")
    plain = plain.translate(str.maketrans("ILO", "110"))
    if len(plain) != 18 or any(char not in CROCKFORD for char in plain):
        raise CodeError("not a short code")
    cert_id, check = plain[:16], plain[16:]
    if _check(cert_id) != check:
        raise CodeError("check characters do not match")
    return cert_id


# --- statement -------------------------------------------------------------------------

def _skills(skills, modules) -> bytes:
    """Each skill `module.item` as (1 + index of its module, item); others as (0, id)."""
    index = {slug: number for number, slug in enumerate(modules)}
    out = [compact.varint(len(skills))]
    for skill in skills:
        module, dot, item = skill.partition(".")
        if dot and module in index:
            out.append(compact.varint(index[module] + 1) + compact.text(item))
        else:
            out.append(b"\x00" + compact.text(skill))
    return b"".join(out)


def _read_skills(reader: Reader, modules: tuple[str, ...]) -> tuple[str, ...]:
    skills = []
    for _ in range(reader.varint()):
        number = reader.varint()
        if number == 0:
            skills.append(reader.text())
        elif number <= len(modules):
            skills.append(f"{modules[number - 1]}.{reader.text()}")
        else:
            raise CodeError("bad skill")
    return tuple(skills)


def statement_bytes(statement: Statement) -> bytes:
    return b"".join([
        id_bytes(statement.certificate_id), compact.ident(statement.programme_id),
        compact.ident(statement.device_id), _day(statement.issued), _day(statement.date),
        compact.text(statement.place), compact.text(statement.name),
        compact.texts(statement.modules),
        _skills(statement.skills, statement.modules)])


def _read_statement(data: bytes) -> Statement:
    reader = Reader(data)
    cert_id = id_text(reader.take(ID_BYTES))
    programme_id, device_id = reader.ident(), reader.ident()
    issued, date = _read_day(reader), _read_day(reader)
    place, name = reader.text(), reader.text()
    modules = reader.texts()
    skills = _read_skills(reader, modules)
    reader.end()
    return Statement(cert_id, programme_id, device_id, name, modules, skills, date, issued,
                     place)


def statement_part(statement: Statement) -> tuple[int, bytes]:
    """(flags, bytes carried): deflated when that is shorter."""
    raw = statement_bytes(statement)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(raw) + packer.flush()
    return (FLAG_DEFLATED, packed) if len(packed) < len(raw) else (0, raw)


def signed_bytes(flags: int, part: bytes) -> bytes:
    return DOMAIN + bytes([VERSION, flags]) + part


# --- device certificate chain ----------------------------------------------------------

def _chain_known(statement: Statement) -> dict:
    return {"programme": statement.programme_id, "device_id": statement.device_id}


# --- whole code ------------------------------------------------------------------------

def encode(statement: Statement, flags: int, part: bytes, signature: bytes,
           device_certificate: dict) -> str:
    """The QR / paste text for a signed statement."""
    if len(signature) != SIGNATURE_BYTES:
        raise ValueError("an Ed25519 signature has 64 bytes")
    chain = compact.cert_bytes(device_certificate, _chain_known(statement))
    wire = bytes([VERSION, flags]) + compact.varint(len(part)) + part + signature + chain
    return PREFIX + compact.b32(wire)


def is_code(text: str) -> bool:
    """Whether text claims to be a full certificate code (it may still be damaged)."""
    return text.strip().startswith(PREFIX)


def decode(text: str) -> Decoded:
    """Parse a full code strictly; CodeError when truncated, changed or not ours."""
    text = text.strip()
    if not text.startswith(PREFIX):
        raise CodeError("not a certificate code")
    body = text[len(PREFIX):]
    wire = compact.unb32(body)
    reader = Reader(wire)
    version, flags = reader.take(1)[0], reader.take(1)[0]
    if version != VERSION or flags not in (0, FLAG_DEFLATED):
        raise CodeError("unknown version")
    part = reader.take(reader.varint())
    signature = reader.take(SIGNATURE_BYTES)
    chain = reader.data[reader.pos:]
    raw = part
    if flags & FLAG_DEFLATED:
        unpacker = zlib.decompressobj(-15)
        try:
            raw = unpacker.decompress(part, 1 << 16)
        except zlib.error as error:
            raise CodeError("altered statement") from error
        if not unpacker.eof or unpacker.unused_data or unpacker.unconsumed_tail:
            raise CodeError("altered statement")
    try:
        statement = _read_statement(raw)
    except (ValueError, OverflowError) as error:       # complete but changed inside
        raise CodeError("altered statement") from error
    try:
        chain_reader = Reader(chain)
        document = compact.read_cert(chain_reader, _chain_known(statement))
        chain_reader.end()
    except CodeError:
        raise
    except (ValueError, OverflowError, OSError) as error:
        raise CodeError("bad certificate") from error
    try:
        again = encode(statement, flags, part, signature, document)
    except (KeyError, TypeError, ValueError) as error:
        raise CodeError("bad certificate") from error
    if again != text:
        raise CodeError("not canonical")
    return Decoded(statement, signed_bytes(flags, part), signature, document)
