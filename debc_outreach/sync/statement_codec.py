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

import base64
import binascii
import datetime as dt
import hashlib
import re
import uuid
import zlib
from dataclasses import dataclass

PREFIX = "DC1:"
VERSION = 1
FLAG_DEFLATED = 1
DOMAIN = b"debc-certificate-statement"
EPOCH = dt.date(2000, 1, 1)
ID_BYTES = 10
SIGNATURE_BYTES = 64
CERT_TYPE = "debc-device-certificate"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_RE = re.compile(r"[0-9A-Za-z]{4}(-?[0-9A-Za-z]{4}){3}-?[0-9A-Za-z]{2}")


class CodeError(ValueError):
    """The text is not a well-formed certificate code (truncated, changed, foreign)."""

    @property
    def incomplete(self) -> bool:
        """Cut short or not base32 at all (a bad scan), rather than changed content."""
        return str(self) in ("truncated", "not base32")


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

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise CodeError("truncated")
        part = self.data[self.pos:self.pos + n]
        self.pos += n
        return part

    def varint(self) -> int:
        value, shift = 0, 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 28:
                raise CodeError("bad length")

    def text(self) -> str:
        try:
            return self.take(self.varint()).decode("utf-8")
        except UnicodeDecodeError as error:
            raise CodeError("bad text") from error

    def texts(self) -> tuple[str, ...]:
        return tuple(self.text() for _ in range(self.varint()))

    def ident(self) -> str:
        tag = self.take(1)[0]
        if tag == 0:
            return str(uuid.UUID(bytes=self.take(16)))
        if tag == 1:
            return self.text()
        raise CodeError("bad id")

    def moment(self) -> str:
        tag = self.take(1)[0]
        if tag == 0:
            try:
                return _iso(int.from_bytes(self.take(5), "big"))
            except (ValueError, OverflowError, OSError) as error:
                raise CodeError("bad time") from error
        if tag == 1:
            return self.text()
        raise CodeError("bad time")

    def day(self) -> str:
        return (EPOCH + dt.timedelta(days=int.from_bytes(self.take(2), "big"))).isoformat()

    def end(self) -> None:
        if self.pos != len(self.data):
            raise CodeError("trailing bytes")


def _text(value: str) -> bytes:
    raw = value.encode("utf-8")
    return _varint(len(raw)) + raw


def _texts(values) -> bytes:
    return _varint(len(values)) + b"".join(_text(v) for v in values)


def _ident(value: str) -> bytes:
    try:
        if str(uuid.UUID(value)) == value:
            return b"\x00" + uuid.UUID(value).bytes
    except ValueError:
        pass
    return b"\x01" + _text(value)


def _day(iso_date: str) -> bytes:
    days = (dt.date.fromisoformat(iso_date) - EPOCH).days
    if not 0 <= days < 1 << 16:
        raise ValueError(f"date out of range: {iso_date}")
    return days.to_bytes(2, "big")


def _moment(text: str) -> bytes:
    """An ISO time as 5 bytes of Unix seconds when that rebuilds it exactly, else as text."""
    try:
        moment = dt.datetime.fromisoformat(text)
        seconds = int(moment.timestamp())
        if moment.tzinfo is not None and 0 <= seconds < 1 << 40 and _iso(seconds) == text:
            return b"\x00" + seconds.to_bytes(5, "big")
    except (ValueError, OverflowError, OSError):
        pass
    return b"\x01" + _text(text)


def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


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
    out = [_varint(len(skills))]
    for skill in skills:
        module, dot, item = skill.partition(".")
        if dot and module in index:
            out.append(_varint(index[module] + 1) + _text(item))
        else:
            out.append(b"\x00" + _text(skill))
    return b"".join(out)


def _read_skills(reader: _Reader, modules: tuple[str, ...]) -> tuple[str, ...]:
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
        id_bytes(statement.certificate_id), _ident(statement.programme_id),
        _ident(statement.device_id), _day(statement.issued), _day(statement.date),
        _text(statement.place), _text(statement.name), _texts(statement.modules),
        _skills(statement.skills, statement.modules)])


def _read_statement(data: bytes) -> Statement:
    reader = _Reader(data)
    cert_id = id_text(reader.take(ID_BYTES))
    programme_id, device_id = reader.ident(), reader.ident()
    issued, date = reader.day(), reader.day()
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

def _cert_compact(document: dict, programme_id: str, device_id: str) -> bytes:
    try:
        body = document["body"]
        compact = b"".join([
            _ident(body["serial"]), _text(body["name"]), _text(body["role"]),
            _texts(body["scope"]), _unb64(body["sign"]), _unb64(body["enc"]),
            _moment(body["issued"]), _moment(body["expires"]), _unb64(document["signature"])])
        rebuilt = _read_cert(b"\x00" + compact, programme_id, device_id)
    except (KeyError, TypeError, ValueError, binascii.Error):
        rebuilt = None
    if rebuilt == document:
        return b"\x00" + compact
    import json

    verbatim = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b"\x01" + _text(verbatim)


def _read_cert(data: bytes, programme_id: str, device_id: str) -> dict:
    reader = _Reader(data)
    mode = reader.take(1)[0]
    if mode == 1:
        import json

        try:
            document = json.loads(reader.text())
        except ValueError as error:
            raise CodeError("bad certificate") from error
        reader.end()
        return document
    if mode != 0:
        raise CodeError("bad certificate")
    serial, name, role, scope = reader.ident(), reader.text(), reader.text(), reader.texts()
    sign, enc = _b64(reader.take(32)), _b64(reader.take(32))
    issued, expires = reader.moment(), reader.moment()
    signature = _b64(reader.take(SIGNATURE_BYTES))
    reader.end()
    body = {"type": CERT_TYPE, "version": 1, "programme": programme_id, "serial": serial,
            "device_id": device_id, "name": name, "role": role, "scope": list(scope),
            "sign": sign, "enc": enc, "issued": issued, "expires": expires}
    return {"body": body, "signature": signature}


# --- whole code ------------------------------------------------------------------------

def encode(statement: Statement, flags: int, part: bytes, signature: bytes,
           device_certificate: dict) -> str:
    """The QR / paste text for a signed statement."""
    if len(signature) != SIGNATURE_BYTES:
        raise ValueError("an Ed25519 signature has 64 bytes")
    chain = _cert_compact(device_certificate, statement.programme_id, statement.device_id)
    wire = bytes([VERSION, flags]) + _varint(len(part)) + part + signature + chain
    return PREFIX + base64.b32encode(wire).decode("ascii").rstrip("=")


def is_code(text: str) -> bool:
    """Whether text claims to be a full certificate code (it may still be damaged)."""
    return text.strip().startswith(PREFIX)


def decode(text: str) -> Decoded:
    """Parse a full code strictly; CodeError when truncated, changed or not ours."""
    text = text.strip()
    if not text.startswith(PREFIX):
        raise CodeError("not a certificate code")
    body = text[len(PREFIX):]
    try:
        wire = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError) as error:
        raise CodeError("not base32") from error
    if base64.b32encode(wire).decode("ascii").rstrip("=") != body:
        raise CodeError("not base32")      # stray bits at the end: cut short, or mistyped
    reader = _Reader(wire)
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
        document = _read_cert(chain, statement.programme_id, statement.device_id)
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
