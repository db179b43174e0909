"""This device's private keys: the ONE module that loads and saves them.

An Ed25519 key signs bundles, enrolment requests and (on a coordinator)
certificates; an X25519 key receives the per-bundle content key. Both are
created on first use and kept in `<data folder>/keys/device-keys.json`,
readable by the owner only. On a folder protected with PINs the
file is sealed with the device secret (storage/vault.py) in `load_keys()` /
`save_keys()` and nowhere else.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import vault

KEYS_FOLDER = "keys"
KEYS_FILE = "device-keys.json"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class DeviceKeys:
    """A device's signing and encryption key pairs."""

    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @property
    def sign_public(self) -> str:
        return b64(raw_public(self.signing.public_key()))

    @property
    def enc_public(self) -> str:
        return b64(raw_public(self.encryption.public_key()))

    def sign(self, data: bytes) -> str:
        return b64(self.signing.sign(data))

    @classmethod
    def generate(cls) -> DeviceKeys:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())


def keys_path(data_dir: Path) -> Path:
    return data_dir / KEYS_FOLDER / KEYS_FILE


def save_keys(data_dir: Path, keys: DeviceKeys) -> None:
    """Write the key file atomically with owner-only permissions (0600)."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    folder = data_dir / KEYS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    raw = {
        "version": 1,
        "signing": b64(keys.signing.private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                  NoEncryption())),
        "encryption": b64(keys.encryption.private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                        NoEncryption())),
    }
    if vault.is_protected(data_dir):     # a stolen laptop must not give away the keys
        raw = vault.seal_json(vault.require_secret(data_dir), "device-keys", raw)
    target = keys_path(data_dir)
    temp = target.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(raw, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temp, 0o600)
    os.replace(temp, target)


def load_keys(data_dir: Path) -> DeviceKeys | None:
    """The device's keys, or None when none were created yet."""
    path = keys_path(data_dir)
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        sealed = vault.is_sealed(raw)
        if sealed:
            raw = vault.open_sealed(vault.require_secret(data_dir), "device-keys", raw)
        keys = DeviceKeys(Ed25519PrivateKey.from_private_bytes(unb64(raw["signing"])),
                          X25519PrivateKey.from_private_bytes(unb64(raw["encryption"])))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(_("The device key file {path} is damaged. Restore it from a backup "
                          "or ask your coordinator to enrol this computer again.")
                        .format(path=path)) from error
    if not sealed and vault.is_protected(data_dir) and vault.unlocked_secret(data_dir):
        save_keys(data_dir, keys)        # a key file from before the PINs: seal it now
    return keys


def seal_key_file(data_dir: Path) -> bool:
    """After PIN set-up: seal an existing plain key file, and encrypt the backups written
    before (they hold the records too); True when there was a key file."""
    from debc_outreach.sync.backup import seal_plain_backups

    seal_plain_backups(data_dir)
    return load_keys(data_dir) is not None


def device_keys(data_dir: Path) -> DeviceKeys:
    """Load this device's keys, creating them at first use."""
    keys = load_keys(data_dir)
    if keys is None:
        keys = DeviceKeys.generate()
        save_keys(data_dir, keys)
    return keys


def verify_signature(sign_public: str, signature: str, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        Ed25519PublicKey.from_public_bytes(unb64(sign_public)).verify(unb64(signature), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
