"""Content packs riding along in bundles, so a coordinator can roll out a correction.

The pack a device imported (content/importer.py keeps its signed .zip in
resources.outgoing_content_pack) goes into the header of every bundle it
sends, as `content_pack`: its id, version, SHA-256 and the .zip in base64.
Every bundle header and hub delta request also says which pack the device uses
(`content_held`: id and version). The hub attaches its pack only when that is newer
(`newer_than_held`), and a device remembers what each peer uses and leaves its pack
out of bundles to a peer with that version or a newer one (`outgoing_to`), so a
device that got a newer pack another way (an app update, a .zip) does not download
an older one with every exchange. A receiving device drops a pack it does not
already hold into
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
from debc_outreach.core.versions import version_key

MAX_PACK = 4 << 20             # the content importer keeps nothing larger for sync
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HELD_TEXT = 200               # longest pack id or version a delta request may name
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


def held(identity: tuple[str, str]) -> dict[str, str]:
    """A `content_held` entry (delta request, bundle header): the id and version of the
    pack a device uses (content.loader.active_pack_identity)."""
    pack_id, version = identity
    return {"id": pack_id, "version": version}


def read_held(asked: object) -> tuple[str, str] | None:
    """(id, version) from a `content_held` entry; None when absent or not well formed
    (an older device: the hub then compares digests as before)."""
    if not isinstance(asked, dict):
        return None
    pack_id, version = asked.get("id"), asked.get("version")
    if not isinstance(pack_id, str) or not isinstance(version, str) \
            or len(pack_id) > _HELD_TEXT or len(version) > _HELD_TEXT:
        return None
    return pack_id, version


def newer_than_held(carried: dict, held_pack: tuple[str, str]) -> bool:
    """Whether the device holding `held_pack` (id, version) could install `carried`: the
    same pack, a newer version. Anything else it would only download and drop."""
    pack_id, version = held_pack
    return (carried.get("id") == pack_id
            and version_key(str(carried.get("version", ""))) > version_key(version))


def own_held(data_dir: Path, held_pack: tuple[str, str] | None) -> dict[str, str] | None:
    """The `content_held` entry for this device's bundles: the pack it uses when the
    caller knows it (content.loader.active_pack_identity), else the one it passes on
    (the pack in use is never older); None when it knows neither."""
    if held_pack is not None and all(held_pack):
        return held(held_pack)
    try:
        meta = json.loads(_meta_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = read_held(meta)
    return held(found) if found is not None and all(found) else None


def _peers_path(data_dir: Path) -> Path:
    return resources.outgoing_content_pack(data_dir).with_name("peers.json")


def _known_packs(data_dir: Path) -> dict:
    try:
        known = json.loads(_peers_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def remember_peer_pack(data_dir: Path, device_id: str, header: dict) -> None:
    """Note which pack the sender of a bundle uses (its `content_held`, else the pack its
    bundle carried), so the next bundle to it carries this device's pack only if newer."""
    found = read_held(header.get("content_held"))
    if found is None and checked(header.get("content_pack")) is not None:
        found = read_held(header["content_pack"])
    if found is None or not all(found):
        return
    known = _known_packs(data_dir)
    if known.get(device_id) == list(found):
        return
    known[device_id] = list(found)
    path = _peers_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name("peers.json.partial")
        partial.write_text(json.dumps(known), encoding="utf-8")
        partial.replace(path)
    except OSError as error:
        # Only the saving is lost: the pack goes to that device again, and it drops it.
        log.warning("which content pack a peer uses could not be noted: %s", error)


def outgoing_to(data_dir: Path, recipient: str) -> dict | None:
    """The `content_pack` header entry for a bundle to `recipient`: this device's pack,
    unless the recipient is known to use the same or a newer version."""
    carried = outgoing(data_dir)
    known = _known_packs(data_dir).get(recipient)
    if carried is None or not (isinstance(known, list) and len(known) == 2):
        return carried
    return carried if newer_than_held(carried, (str(known[0]), str(known[1]))) else None


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
