"""Content packs riding along in bundles, so a coordinator can roll out a correction.

The pack a device imported (content/importer.py keeps its signed .zip in
resources.outgoing_content_pack) goes into the header of every bundle it
sends, as `content_pack`: its id, version, SHA-256 and the .zip in base64.
A receiving device drops a pack it does not already hold into
resources.received_content_packs; the content layer then checks its
signature and installs it (content.importer.install_received). Sync itself
never trusts or opens the pack: the signature inside it is what counts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from pathlib import Path

from debc_outreach import resources

MAX_PACK = 4 << 20             # the content importer keeps nothing larger for sync
_SHA256 = re.compile(r"[0-9a-f]{64}")
log = logging.getLogger(__name__)


def _meta_path(data_dir: Path) -> Path:
    return resources.outgoing_content_pack(data_dir).with_name("pack.json")


def outgoing_digest(data_dir: Path) -> str:
    """SHA-256 of the pack this device passes on ('' when none)."""
    try:
        meta = json.loads(_meta_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    digest = meta.get("sha256") if isinstance(meta, dict) else None
    return digest if isinstance(digest, str) and _SHA256.fullmatch(digest) else ""


def outgoing(data_dir: Path) -> dict | None:
    """The `content_pack` header entry for this device's bundles (None: nothing to pass on)."""
    digest = outgoing_digest(data_dir)
    if not digest:
        return None
    try:
        meta = json.loads(_meta_path(data_dir).read_text(encoding="utf-8"))
        data = resources.outgoing_content_pack(data_dir).read_bytes()
    except (OSError, ValueError):
        return None
    if len(data) > MAX_PACK or hashlib.sha256(data).hexdigest() != digest:
        return None
    return {"id": str(meta.get("id", "")), "version": str(meta.get("version", "")),
            "sha256": digest, "zip": base64.b64encode(data).decode("ascii")}


def checked(carried: object) -> tuple[str, bytes] | None:
    """(SHA-256, .zip bytes) of a well-formed `content_pack` header entry, else None."""
    if not isinstance(carried, dict):
        return None
    digest, text = carried.get("sha256"), carried.get("zip")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest) \
            or not isinstance(text, str) or len(text) > (MAX_PACK // 3 + 1) * 4:
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    return (digest, data) if hashlib.sha256(data).hexdigest() == digest else None


def receive(data_dir: Path, carried: object) -> bool:
    """Leave the pack a bundle carried for the content importer, unless this device
    already passes on the same pack; True when one was left."""
    found = checked(carried)
    if found is None or found[0] == outgoing_digest(data_dir):
        return False
    digest, data = found
    inbox = resources.received_content_packs(data_dir)
    try:
        inbox.mkdir(parents=True, exist_ok=True)
        partial = inbox / f"{digest}.partial"
        partial.write_bytes(data)
        partial.replace(inbox / f"{digest}.zip")
    except OSError as error:
        # The records were imported; the pack comes again with the next bundle.
        log.warning("a content pack received by sync could not be kept: %s", error)
        return False
    return True
