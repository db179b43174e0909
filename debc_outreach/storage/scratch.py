"""Sealing scratch data that must touch the disk for a moment (e.g. a sync import's spool).

A temporary file holding decrypted records would put names on the disk in the
clear even when the data folder is encrypted (a deleted file's blocks stay until
overwritten). `ScratchCipher` seals each blob with ChaCha20-Poly1305 under a
random key that lives only in memory for the one operation, so what reaches the
disk is unreadable once the operation ends, protected folder or not.
"""

from __future__ import annotations

import os


class ScratchCipher:
    """`seal(blob)` -> bytes to write; `open(sealed)` -> blob. One instance per operation."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

        self._aead = ChaCha20Poly1305(os.urandom(32))
        self._counter = 0

    def seal(self, blob: bytes) -> bytes:
        nonce = self._counter.to_bytes(12, "big")
        self._counter += 1
        return nonce + self._aead.encrypt(nonce, blob, None)

    def open(self, sealed: bytes) -> bytes:
        return self._aead.decrypt(sealed[:12], sealed[12:], None)
