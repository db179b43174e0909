"""Sync-folder mode: one click imports what is addressed here and writes what is due.

The folder can be a USB stick, a network share or a cloud-synced folder used
by several devices. Bundles for other devices are left alone; a refused
bundle is reported and skipped (the others still import); this device's
older bundles to a peer are removed once a newer one supersedes them
(a new bundle always repeats everything not yet acknowledged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage.store import Store
from debc_outreach.sync import bundle, export, importer, peers, trust


@dataclass
class FolderResult:
    imported: list[importer.ImportReport] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)     # (file name, reason)
    written: list[export.ExportResult] = field(default_factory=list)


def _addressed_here(store: Store, path: Path) -> bool:
    try:
        header = bundle.read_header(path).header
    except UserError:
        return True          # let the import report why it is refused
    recipients = header.get("recipients")
    return isinstance(recipients, list) and store.device_id in recipients


def sync_folder(store: Store, folder: Path,
                report: Callable[[int, int, str], None] | None = None,
                cancelled: Callable[[], bool] = lambda: False) -> FolderResult:
    """Import every bundle for this device in `folder`, then write one per peer that is due."""
    trust.require_programme(store)
    if not folder.is_dir():
        raise UserError(_("The folder {folder} does not exist or is not reachable.")
                        .format(folder=folder))
    result = FolderResult()
    incoming = [path for path in sorted(folder.glob(f"*{bundle.SUFFIX}"))
                if _addressed_here(store, path)]
    for number, path in enumerate(incoming, 1):
        if cancelled():
            return result
        if report:
            report(number - 1, len(incoming), _("Importing {name}…").format(name=path.name))
        try:
            result.imported.append(importer.import_bundle(store, path, cancelled=cancelled))
        except UserError as error:
            result.refused.append((path.name, str(error)))
    senders = {item.sender for item in result.imported if not item.already_imported}
    coordinator = trust.require_programme(store).coordinator_id
    targets = [peer for peer in peers.list_peers(store) if not peer.revoked
               and peer.role != "hub"          # a hub is reached over HTTP, not a folder
               and (peer.device_id == coordinator or trust.is_coordinator(store))
               and (peer.pending or peer.device_id in senders or not peer.last_export_at)]
    for peer in targets:
        if cancelled():
            return result
        name = export.bundle_filename(store, peer.device_id)
        written = export.export_bundle(store, peer.device_id, folder / name)
        result.written.append(written)
        prefix = f"{store.device_id[:8]}-to-{peer.device_id[:8]}-"
        for old in folder.glob(f"{prefix}*{bundle.SUFFIX}"):
            if old.name != name:
                old.unlink(missing_ok=True)
    return result


REMEMBERED = "sync-folder.json"


def remembered_folder(data_dir: Path) -> Path | None:
    """The sync folder chosen last time on this computer (None if never chosen)."""
    import json

    try:
        return Path(json.loads((data_dir / REMEMBERED).read_text(encoding="utf-8"))["path"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_folder(data_dir: Path, folder: Path) -> None:
    import json

    (data_dir / REMEMBERED).write_text(json.dumps({"path": str(folder)}, ensure_ascii=False),
                                       encoding="utf-8")
