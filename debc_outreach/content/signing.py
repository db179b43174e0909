"""Signed content packs: who made a pack, and that nobody changed it since.

A pack is what a trainer projects to a village about scams, so a device
installs only a pack signed (Ed25519) by a key it trusts: the app's
publisher (the key in `publisher_key.py`; the bundled pack is signed with
it) or the coordinator of the programme this device belongs to. The
signature is `signature.json` at the top of the pack: a list of every file
with its SHA-256, the pack's id and version, and the signer's public key,
signed as canonical JSON. A file added, removed or changed after signing
makes the pack "altered".

The private keys never live in the pack or the app: the coordinator signs
with this computer's device key, the publisher with a key file kept outside
the repository (`python3 dev.py sign-content`; README "Content packs").
"""

from __future__ import annotations

import base64
import datetime as dt
import getpass
import hashlib
import json
import os
import zipfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from debc_outreach.content.loader import pack_identity
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage.events import dumps

SIGNATURE_FILE = "signature.json"
SIGNATURE_TYPE = "debc-content-pack-signature"
PUBLISHER_NAME = "DEBC Outreach publisher"
MAX_SIGNATURE = 4 << 20


class PackSignatureError(UserError):
    """The pack is unsigned, signed by an unknown key, or changed after signing."""


def _b64(data: bytes) -> str:
    """URL-safe base64 without padding, as the app writes device keys (sync/keys.py)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_text(key: Ed25519PrivateKey) -> str:
    """The public half of `key`, as the app writes public keys (base64 of the raw 32 bytes)."""
    return _b64(key.public_key().public_bytes(serialization.Encoding.Raw,
                                              serialization.PublicFormat.Raw))


def _files(folder: Path) -> dict[str, str]:
    """Every file of the pack (but its signature) → SHA-256, by POSIX path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path != folder / SIGNATURE_FILE:
            found[path.relative_to(folder).as_posix()] = hashlib.sha256(
                path.read_bytes()).hexdigest()
    return found


class PackHasErrors(UserError):
    """A pack with errors is not signed; `problems` says where."""

    def __init__(self, message: str, problems: list):
        super().__init__(message)
        self.problems = problems


def sign_checked(folder: Path, key: Ed25519PrivateKey, signer: str,
                 output: Path | None = None) -> Path | None:
    """Check the pack in `folder` (`content check`), sign it, and zip it to `output` if
    given (returned). A pack with errors raises PackHasErrors and stays unsigned."""
    from debc_outreach.content.loader import PACK_FILE
    from debc_outreach.content.validator import check_pack, errors_only

    folder = Path(folder)
    if not (folder / PACK_FILE).is_file():
        raise UserError(_("{path} is not a content pack folder (it has no pack.toml).")
                        .format(path=folder))
    errors = errors_only(check_pack(folder))
    if errors:
        raise PackHasErrors(ngettext("The content pack has {n} error; it was not signed.",
                                     "The content pack has {n} errors; it was not signed.",
                                     len(errors)).format(n=len(errors)), errors)
    sign_pack(folder, key, signer)
    return zip_pack(folder, Path(output)) if output else None


def sign_pack(folder: Path, key: Ed25519PrivateKey, signer: str) -> Path:
    """Write `folder`/signature.json, signed with `key` under the name `signer`."""
    folder = Path(folder)
    pack_id, version = pack_identity(folder)
    body = {"type": SIGNATURE_TYPE, "version": 1, "pack": pack_id, "pack_version": version,
            "signer": signer, "key": public_text(key),
            "signed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": _files(folder)}
    document = {"body": body, "signature": _b64(key.sign(dumps(body).encode("utf-8")))}
    target = folder / SIGNATURE_FILE
    target.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                      encoding="utf-8")
    return target


def _signed_body(folder: Path) -> dict:
    path = folder / SIGNATURE_FILE
    if not path.is_file():
        raise PackSignatureError(_("This content pack is not signed, so it cannot be trusted. "
                                   "Ask your coordinator for a signed pack."))
    try:
        if path.stat().st_size > MAX_SIGNATURE:
            raise ValueError("too large")
        document = json.loads(path.read_text(encoding="utf-8"))
        body, signature = document["body"], _unb64(document["signature"])
        key = Ed25519PublicKey.from_public_bytes(_unb64(body["key"]))
        assert body["type"] == SIGNATURE_TYPE and isinstance(body["files"], dict)
        key.verify(signature, dumps(body).encode("utf-8"))
    except InvalidSignature:
        raise PackSignatureError(_("This content pack's signature is not valid: the pack was "
                                   "changed after it was signed.")) from None
    except (OSError, ValueError, KeyError, TypeError, AssertionError, RecursionError):
        raise PackSignatureError(_("This content pack's signature file is damaged.")) from None
    return body


def verify_pack(folder: Path, trusted: dict[str, str]) -> str:
    """Check `folder`'s signature against the `trusted` keys (public key → who it is);
    return who signed it, or raise PackSignatureError saying what is wrong."""
    folder = Path(folder)
    body = _signed_body(folder)
    if body["key"] not in trusted:
        raise PackSignatureError(_("This content pack was signed by {signer}, whom this "
                                   "computer does not trust. Only packs from the app's "
                                   "publisher or your programme's coordinator can be "
                                   "installed.").format(signer=str(body.get("signer", "?"))))
    actual = _files(folder)
    for name in sorted(set(actual) | set(body["files"])):
        if name not in body["files"]:
            raise PackSignatureError(_("This content pack contains a file that was added after "
                                       "it was signed: {file}").format(file=name))
        if actual.get(name) != body["files"][name]:
            raise PackSignatureError(_("This content pack was changed after it was signed: "
                                       "{file}").format(file=name))
    if pack_identity(folder) != (body.get("pack"), body.get("pack_version")):
        raise PackSignatureError(_("This content pack was changed after it was signed: "
                                   "{file}").format(file="pack.toml"))
    return trusted[body["key"]]


def publisher_keys() -> dict[str, str]:
    """The app publisher's key, which signs the bundled pack and official updates."""
    from debc_outreach.content import publisher_key

    return {publisher_key.PUBLIC_KEY: _("the app's publisher")}


def trusted_signers(database) -> dict[str, str]:
    """The keys whose packs this device installs: the publisher's and, once the device
    belongs to a programme, its coordinator's (read from the programme table that
    sync/trust.py keeps)."""
    trusted = publisher_keys()
    rows = database.query("SELECT coordinator_sign FROM sync_programme LIMIT 1")
    if rows and rows[0][0]:
        trusted[rows[0][0]] = _("your programme's coordinator")
    return trusted


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file (asks for its passphrase if it has one)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UserError(_("The signing key {path} cannot be read ({error}).").format(
            path=path, error=error.strerror or error)) from None
    try:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except TypeError:         # encrypted: ask, never take it from the command line
            secret = os.environ.get("DEBC_CONTENT_KEY_PASSPHRASE") or getpass.getpass(
                _("Passphrase of the signing key: "))
            key = serialization.load_pem_private_key(data, password=secret.encode("utf-8"))
    except (ValueError, TypeError):
        raise UserError(_("{path} is not an Ed25519 signing key (or the passphrase is "
                          "wrong).").format(path=path)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError(_("{path} is not an Ed25519 signing key (or the passphrase is "
                          "wrong).").format(path=path))
    return key


def new_private_key(path: Path) -> Ed25519PrivateKey:
    """Make a publisher key in a new PEM file readable by its owner only."""
    key = Ed25519PrivateKey.generate()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key


def zip_pack(folder: Path, target: Path) -> Path:
    """Zip a (signed) pack folder, its files at the top of the archive."""
    folder, target = Path(folder), Path(target)
    partial = target.with_name(target.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UserError(_("The pack could not be written to {path} ({error}).").format(
            path=target, error=error.strerror or error)) from None
    return target


def publisher_key_module(key: Ed25519PrivateKey) -> str:
    """The text of publisher_key.py for `key` (written by `dev.py sign-content --new-key`)."""
    return ('"""The app publisher\'s public key (Ed25519, URL-safe base64 of the raw\n'
            "32 bytes).\n\n"
            "The bundled content pack and official pack updates are signed with its private\n"
            "half, which is kept outside the repository (README, Contributing: Content packs).\n"
            'Written by `python3 dev.py sign-content --new-key`.\n"""\n\n'
            f'PUBLIC_KEY = "{public_text(key)}"\n')
