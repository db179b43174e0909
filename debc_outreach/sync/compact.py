"""Compact bytes shared by the QR codes: certificate statements and enrolments (no Qt, no I/O).

Every value is self-delimiting (length-prefixed text, tagged ids and times),
so a reader can take one value after the other and a code that is cut short
is noticed. A device certificate travels in a compact form from which its
signed JSON body is rebuilt exactly: keys as 32 raw bytes, times as Unix
seconds, and the fields the code already carries elsewhere (`known`: the
programme, the device id, and for an enrolment the role and the
coordinator's keys) left out. A certificate that does not rebuild exactly
travels verbatim, so the signature over its body always still matches.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid

CERT_TYPE = "debc-device-certificate"
KEY_BYTES = 32
SIGNATURE_BYTES = 64
CERT_FIELDS = ("serial", "name", "role", "scope", "sign", "enc", "issued", "expires")
KHMER_BLOCK = 0x1780                 # U+1780..U+17FF, one byte each in packed text
ZWSP, ZWSP_SLOT = "\u200b", 0xDE     # U+17DE is unassigned; its byte carries U+200B


class CodeError(ValueError):
    """The text is not a well-formed code (truncated, changed, foreign)."""

    @property
    def incomplete(self) -> bool:
        """Cut short or not base32 at all (a bad scan), rather than changed content."""
        return str(self) in ("truncated", "not base32")


# --- writing ---------------------------------------------------------------------------

def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def text(value: str) -> bytes:
    raw = value.encode("utf-8")
    return varint(len(raw)) + raw


def texts(values) -> bytes:
    return varint(len(values)) + b"".join(text(v) for v in values)


def _khmer_bytes(value: str) -> bytes | None:
    out = bytearray()
    for char in value:
        point = ord(char)
        if point < 0x80:
            out.append(point)
        elif char == ZWSP:
            out.append(ZWSP_SLOT)
        elif KHMER_BLOCK <= point < KHMER_BLOCK + 0x80 and point != KHMER_BLOCK + 0x5E:
            out.append(point - KHMER_BLOCK + 0x80)
        else:
            return None
    return bytes(out)


def packed_text(value: str) -> bytes:
    """Text of ASCII and Khmer in one byte per character (UTF-8 takes three), else UTF-8.

    The length's lowest bit says which: 0 packed, 1 UTF-8. Text that can be
    packed always is, so each text has exactly one form.
    """
    packed = _khmer_bytes(value)
    if packed is not None:
        return varint(len(packed) << 1) + packed
    raw = value.encode("utf-8")
    return varint(len(raw) << 1 | 1) + raw


def ident(value: str) -> bytes:
    """A UUID as 16 bytes, any other id as text."""
    try:
        if str(uuid.UUID(value)) == value:
            return b"\x00" + uuid.UUID(value).bytes
    except ValueError:
        pass
    return b"\x01" + text(value)


def moment(value: str) -> bytes:
    """An ISO time as 5 bytes of Unix seconds when that rebuilds it exactly, else as text."""
    try:
        parsed = dt.datetime.fromisoformat(value)
        seconds = int(parsed.timestamp())
        if parsed.tzinfo is not None and 0 <= seconds < 1 << 40 and iso(seconds) == value:
            return b"\x00" + seconds.to_bytes(5, "big")
    except (ValueError, OverflowError, OSError):
        pass
    return b"\x01" + text(value)


def iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b32(wire: bytes) -> str:
    """RFC 4648 base32, upper case, no padding: only QR "alphanumeric" characters."""
    return base64.b32encode(wire).decode("ascii").rstrip("=")


def unb32(body: str) -> bytes:
    """The bytes of `b32` text; CodeError("not base32") for anything `b32` would not
    write (stray bits at the end mean a code cut short or mistyped)."""
    try:
        wire = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError) as error:
        raise CodeError("not base32") from error
    if b32(wire) != body:
        raise CodeError("not base32")
    return wire


def key(value: str) -> bytes:
    """A public key (URL-safe base64 of 32 bytes) as its raw bytes; ValueError otherwise."""
    raw = unb64(value)
    if len(raw) != KEY_BYTES or b64(raw) != value:
        raise ValueError("not a 32-byte key")
    return raw


# --- reading ---------------------------------------------------------------------------

class Reader:
    """Takes values one after the other; CodeError when the bytes run out or make no sense."""

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

    def packed_text(self) -> str:
        length = self.varint()
        raw = self.take(length >> 1)
        if length & 1:
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise CodeError("bad text") from error
        return "".join(chr(b) if b < 0x80 else ZWSP if b == ZWSP_SLOT
                       else chr(KHMER_BLOCK + b - 0x80) for b in raw)

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
            seconds = int.from_bytes(self.take(5), "big")
            try:
                return iso(seconds)
            except (ValueError, OverflowError, OSError) as error:
                raise CodeError("bad time") from error
        if tag == 1:
            return self.text()
        raise CodeError("bad time")

    def key(self) -> str:
        return b64(self.take(KEY_BYTES))

    def end(self) -> None:
        if self.pos != len(self.data):
            raise CodeError("trailing bytes")


# --- device certificates ---------------------------------------------------------------

def _field_bytes(field: str, value, packed: bool) -> bytes:
    if field == "serial":
        return ident(value)
    if field == "name":
        return packed_text(value) if packed else text(value)
    if field == "role":
        return text(value)
    if field == "scope":
        return texts(value)
    if field in ("sign", "enc"):
        return unb64(value)
    return moment(value)


def _read_field(reader: Reader, field: str, packed: bool):
    if field == "serial":
        return reader.ident()
    if field == "name":
        return reader.packed_text() if packed else reader.text()
    if field == "role":
        return reader.text()
    if field == "scope":
        return list(reader.texts())
    if field in ("sign", "enc"):
        return reader.key()
    return reader.moment()


def cert_bytes(document: dict, known: dict, packed: bool = False) -> bytes:
    """A signed device certificate in its compact form (or verbatim when that cannot rebuild it).

    `known` holds the body fields the reader already knows ("programme" and
    "device_id" always); they are left out. `packed`: the name as packed text.
    """
    try:
        body = document["body"]
        compact = b"\x00" + b"".join(
            [_field_bytes(field, body[field], packed) for field in CERT_FIELDS
             if field not in known] + [unb64(document["signature"])])
        reader = Reader(compact)
        rebuilt = read_cert(reader, known, packed)
        reader.end()
    except (KeyError, TypeError, ValueError, binascii.Error):
        rebuilt = None
    if rebuilt == document:
        return compact
    verbatim = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b"\x01" + text(verbatim)


def read_cert(reader: Reader, known: dict, packed: bool = False) -> dict:
    """The signed certificate `cert_bytes` wrote, read from the reader's position."""
    mode = reader.take(1)[0]
    if mode == 1:
        try:
            return json.loads(reader.text())
        except (ValueError, RecursionError) as error:     # RecursionError: nested too deep
            raise CodeError("bad certificate") from error
    if mode != 0:
        raise CodeError("bad certificate")
    values = {field: known[field] if field in known else _read_field(reader, field, packed)
              for field in CERT_FIELDS}
    signature = b64(reader.take(SIGNATURE_BYTES))
    body = {"type": CERT_TYPE, "version": 1, "programme": known["programme"],
            "serial": values["serial"], "device_id": known["device_id"], **values}
    return {"body": body, "signature": signature}
