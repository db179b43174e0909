"""The sealed bundle file: one format for USB sticks, shared folders and messaging apps.

Layout::

    MAGIC (12 bytes) | header length (4 bytes, big endian) | header (canonical JSON)
    | Ed25519 signature of MAGIC + header (64 bytes) | payload

The header names the sender (with its certificate), the recipients (each
with the content key wrapped for it by X25519 + HKDF + ChaCha20-Poly1305),
the event ranges, the sender's version vector and the SHA-256 of the
payload. The payload is a zstd stream of NDJSON lines, cut into chunks that
are each sealed with ChaCha20-Poly1305 under a random per-bundle content key.
Everything is streamed: neither side holds a whole bundle in memory.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage.events import dumps
from debc_outreach.sync.keys import DeviceKeys, b64, raw_public, unb64, verify_signature

MAGIC = b"DEBC-BUNDLE\n"
FORMAT_VERSION = 1
MAX_HEADER = 8 << 20
CHUNK = 1 << 20                      # compressed bytes per sealed chunk
MAX_LINE = 4 << 20                   # one NDJSON line (one event) may not be longer
MAX_PLAIN_PER_EVENT = 64 << 10       # declared plain size may not exceed this per event
ZSTD_LEVEL = 9                       # small bundles, still fast to decompress
SUFFIX = ".debc-bundle"


class BundleError(UserError):
    """A bundle that is refused; the message says why in one line."""


def _refuse(message: str) -> BundleError:
    return BundleError(message)


def _kek(shared: bytes, bundle_id: str, recipient: str) -> ChaCha20Poly1305:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=bundle_id.encode(),
               info=b"debc-bundle-key-wrap-v1:" + recipient.encode()).derive(shared)
    return ChaCha20Poly1305(key)


def _nonce(index: int) -> bytes:
    return b"\0\0\0\0" + index.to_bytes(8, "big")


def _aad(bundle_id: str, index: int, final: bool) -> bytes:
    return bundle_id.encode() + index.to_bytes(8, "big") + (b"\1" if final else b"\0")


# --- sealing -----------------------------------------------------------------------------

def seal(path: Path, keys: DeviceKeys, header: dict, recipients: dict[str, str],
         lines: Iterable[bytes], level: int | None = None) -> dict:
    """Write a bundle atomically. `header` gets crypto fields added; returns the final header.

    `recipients` maps device id -> X25519 public key; `lines` are NDJSON lines
    (with their newline), consumed once.
    """
    bundle_id = header["bundle_id"]
    content_key = ChaCha20Poly1305.generate_key()
    ephemeral = X25519PrivateKey.generate()
    wrapped = {}
    for device_id, enc_public in sorted(recipients.items()):
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(unb64(enc_public)))
        wrapped[device_id] = b64(_kek(shared, bundle_id, device_id)
                                 .encrypt(_nonce(0), content_key, bundle_id.encode()))
    cipher = ChaCha20Poly1305(content_key)
    temp_payload = path.with_name(path.name + ".payload.tmp")
    digest = hashlib.sha256()
    plain_size = 0
    chunks = 0
    try:
        with open(temp_payload, "wb") as out:
            compressor = zstandard.ZstdCompressor(
                level=ZSTD_LEVEL if level is None else level).compressobj()
            pending = bytearray()

            def flush(final: bool) -> None:
                nonlocal chunks
                while len(pending) >= CHUNK or (final and (pending or chunks == 0)):
                    piece = bytes(pending[:CHUNK])
                    del pending[:CHUNK]
                    last = final and not pending
                    sealed = cipher.encrypt(_nonce(chunks), piece, _aad(bundle_id, chunks, last))
                    frame = struct.pack(">I", len(sealed)) + sealed
                    out.write(frame)
                    digest.update(frame)
                    chunks += 1
                    if last:
                        break

            for line in lines:
                plain_size += len(line)
                pending += compressor.compress(line)
                if len(pending) >= CHUNK:
                    flush(False)
            pending += compressor.flush()
            flush(True)
        payload_size = temp_payload.stat().st_size
        full = {**header, "format": FORMAT_VERSION,
                "keys": {"ephemeral": b64(raw_public(ephemeral.public_key())),
                         "wrapped": wrapped},
                "payload": {"cipher": "chacha20-poly1305", "compression": "zstd",
                            "chunks": chunks, "size": payload_size,
                            "plain_size": plain_size, "sha256": digest.hexdigest()}}
        header_bytes = dumps(full).encode("utf-8")
        signature = unb64(keys.sign(MAGIC + header_bytes))
        temp = path.with_name(path.name + ".tmp")
        with open(temp, "wb") as out, open(temp_payload, "rb") as payload:
            out.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes + signature)
            while block := payload.read(CHUNK):
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        temp_payload.unlink(missing_ok=True)
    return full


# --- opening -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SealedBundle:
    """A bundle whose header was read; nothing is trusted until `check_signature`."""

    path: Path
    header: dict
    header_bytes: bytes
    signature: bytes
    payload_offset: int

    @property
    def bundle_id(self) -> str:
        return str(self.header.get("bundle_id", ""))

    def check_signature(self, sign_public: str) -> None:
        if not verify_signature(sign_public, b64(self.signature), MAGIC + self.header_bytes):
            raise _refuse(_("The bundle's signature is not valid: it was altered or forged."))

    def check_payload_hash(self) -> None:
        """Hash the payload as stored (cheap) before decrypting anything."""
        declared = self.header["payload"]
        digest = hashlib.sha256()
        size = 0
        with open(self.path, "rb") as handle:
            handle.seek(self.payload_offset)
            while block := handle.read(CHUNK):
                digest.update(block)
                size += len(block)
        if size != declared["size"] or digest.hexdigest() != declared["sha256"]:
            raise _refuse(_("The bundle is damaged or incomplete (its content does not match "
                            "its signed header). Ask for it to be sent again."))

    def content_key(self, device_id: str, keys: DeviceKeys) -> bytes:
        wrapped = self.header["keys"]["wrapped"].get(device_id)
        if wrapped is None:
            raise _refuse(_("This bundle is addressed to another computer."))
        ephemeral = X25519PublicKey.from_public_bytes(unb64(self.header["keys"]["ephemeral"]))
        try:
            # A low-order point (e.g. all zeros) makes the exchange itself fail.
            shared = keys.encryption.exchange(ephemeral)
            return _kek(shared, self.bundle_id, device_id).decrypt(
                _nonce(0), unb64(wrapped), self.bundle_id.encode())
        except (InvalidTag, ValueError) as error:
            raise _refuse(_("This bundle cannot be opened with this computer's key.")) from error

    def lines(self, content_key: bytes) -> Iterator[str]:
        """Decrypt, decompress and split the payload, refusing anything oversized."""
        declared = self.header["payload"]
        limit = min(int(declared["plain_size"]),
                    max(int(self.header.get("events", 0)), 1) * MAX_PLAIN_PER_EVENT)
        produced = 0
        rest = ""
        text = codecs.getincrementaldecoder("utf-8")()
        with open(self.path, "rb") as handle:
            handle.seek(self.payload_offset)
            source = _Decrypted(handle, ChaCha20Poly1305(content_key), self.bundle_id,
                                int(declared["chunks"]))
            reader = zstandard.ZstdDecompressor().stream_reader(source, read_size=CHUNK)
            while True:
                try:
                    plain = reader.read(CHUNK)
                except zstandard.ZstdError as error:
                    raise _refuse(_("The bundle's content is damaged.")) from error
                if not plain:
                    break
                produced += len(plain)
                if produced > limit:
                    raise _refuse(_("The bundle's content is larger than it declares "
                                    "(refused as unsafe)."))
                try:
                    parts = (rest + text.decode(plain)).split("\n")
                except UnicodeDecodeError as error:
                    raise _refuse(_("The bundle's content is not valid (not UTF-8 text).")) \
                        from error
                rest = parts.pop()
                if len(rest) > MAX_LINE:
                    raise _refuse(_("The bundle's content is not valid (a line is too long)."))
                yield from parts
        if rest:
            raise _refuse(_("The bundle's content is not valid (it ends mid-line)."))
        if produced != int(declared["plain_size"]):
            raise _refuse(_("The bundle's content is damaged or incomplete."))


class _Decrypted:
    """A read()-able stream of the decrypted chunks, fed to the zstd reader."""

    def __init__(self, handle: BinaryIO, cipher: ChaCha20Poly1305, bundle_id: str,
                 chunks: int):
        self._handle, self._cipher, self._bundle_id = handle, cipher, bundle_id
        self._chunks, self._index, self._buffer = chunks, 0, b""

    def _next_chunk(self) -> bytes:
        head = self._handle.read(4)
        if len(head) != 4:
            raise _refuse(_("The bundle is damaged or incomplete."))
        (length,) = struct.unpack(">I", head)
        sealed = self._handle.read(length) if length <= CHUNK + 64 else b""
        final = self._index == self._chunks - 1
        try:
            piece = self._cipher.decrypt(_nonce(self._index), sealed,
                                         _aad(self._bundle_id, self._index, final))
        except InvalidTag as error:
            raise _refuse(_("The bundle is damaged or was altered.")) from error
        self._index += 1
        return piece

    def read(self, size: int = -1) -> bytes:
        while not self._buffer and self._index < self._chunks:
            self._buffer = self._next_chunk()
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def read_header(path: Path) -> SealedBundle:
    """Read magic, header and signature; refuse anything that is not a bundle."""
    try:
        with open(path, "rb") as handle:
            return _read_header(path, handle)
    except OSError as error:
        raise _refuse(_("The bundle {path} cannot be read ({reason}).")
                      .format(path=path, reason=error.strerror or error)) from error


def _read_header(path: Path, handle: BinaryIO) -> SealedBundle:
    if handle.read(len(MAGIC)) != MAGIC:
        raise _refuse(_("{name} is not a DEBC Outreach bundle.").format(name=path.name))
    raw_length = handle.read(4)
    if len(raw_length) != 4:
        raise _refuse(_("The bundle is damaged or incomplete."))
    (length,) = struct.unpack(">I", raw_length)
    if length > MAX_HEADER:
        raise _refuse(_("The bundle is damaged or incomplete."))
    header_bytes = handle.read(length)
    signature = handle.read(64)
    if len(header_bytes) != length or len(signature) != 64:
        raise _refuse(_("The bundle is damaged or incomplete."))
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise _refuse(_("The bundle is damaged (its header cannot be read).")) from error
    if not isinstance(header, dict):
        raise _refuse(_("The bundle is damaged (its header cannot be read)."))
    if header.get("format") != FORMAT_VERSION:
        raise _refuse(_("This bundle was made by another version of DEBC Outreach (format "
                        "{version}). Update the app on both computers.")
                      .format(version=header.get("format")))
    return SealedBundle(path, header, header_bytes, signature, len(MAGIC) + 4 + length + 64)
