"""Full copies of the database, and swapping a restored copy in.

A full copy (SQLite's online backup API, consistent while the app runs) is
written before a migration, before encryption and after a retention purge:
the one thing they guard is the step that follows. The daily backups are the
compressed event log instead (sync/backup.py), and `db restore` reads both.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import driver
from debc_outreach.storage.database import DB_FILENAME, Database, explain
from debc_outreach.storage.durable import fsync_folder

log = logging.getLogger(__name__)

LOG_BACKUP_SUFFIX = ".debc-backup"          # the daily backups (sync/backup.py)
RESTORE_KEPT_PREFIX = "before-restore-"     # what a restore moved aside, in backups/


def backup_database(database: Database, target: Path) -> Path:
    """Write a complete copy of the database to `target` (via a temporary file)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(_("Cannot create the backup folder {folder}: {reason}")
                        .format(folder=target.parent, reason=error.strerror)) from error
    tmp = target.with_name(target.name + ".part")
    try:
        dest = driver.connect(tmp)
        try:
            if database.key is not None:
                # A protected folder's backups stay encrypted, in the folder's own cipher
                # profile (a legacy folder's backups stay legacy; see `driver`).
                driver.apply_key(dest, database.key, database.cipher_profile)
            database.conn.backup(dest)
        finally:
            dest.close()
        tmp.replace(target)
    except driver.Error as error:
        tmp.unlink(missing_ok=True)
        raise explain(error, target) from error
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise UserError(_("Cannot write the backup {path}: {reason}")
                        .format(path=target, reason=error.strerror)) from error
    return target


# --- swapping a restored copy in -----------------------------------------------------------
#
# A restore builds the new database (and the folder files it brings back) in
# `restoring/` inside the data folder, verifies it, and only then writes
# `restoring/swap.json`. From that moment the swap is finished whatever happens:
# each item of the live folder moves to the kept folder (`backups/before-restore-*`),
# then its restored copy moves into place, one rename at a time. A power cut in
# between leaves the marker, and the next start (`finish_interrupted_restore`)
# carries on where it stopped; a `restoring/` without the marker was never
# finished and is removed. Renames within one disk never copy the data.

STAGING = "restoring"
SWAP_MARKER = "swap.json"
# The backups taken before a migration (storage/migrations.py):
# backups/before-0022_…-20261207-093000.<suffix>: "before-" and a migration's number.
PRE_MIGRATION_GLOB = "before-[0-9][0-9][0-9][0-9]_*"
# Beside such a backup until the migrated folder passed its check (sync/upgrade.py).
UNVERIFIED = ".unverified"


def staging_dir(data_dir: Path) -> Path:
    return data_dir / STAGING


def _move_aside(live: Path, kept: Path) -> None:
    kept.parent.mkdir(parents=True, exist_ok=True)
    target = kept
    number = 1
    while target.exists():
        target = kept.with_name(f"{kept.name}.{number}")
        number += 1
    os.replace(live, target)


def mark_ready(data_dir: Path, kept: str, restored: list[str], removed: list[str]) -> None:
    """Say that `restoring/` is complete and verified: from now on it is swapped in."""
    from debc_outreach.storage.vault import write_private_json

    write_private_json(staging_dir(data_dir) / SWAP_MARKER,
                       {"kept": kept, "restored": restored, "removed": removed})


def swap_in(data_dir: Path) -> Path | None:
    """Move the verified restored copy into place; return the folder keeping the old one
    (None when the folder held nothing the restore replaced)."""
    import json
    import shutil

    staging = staging_dir(data_dir)
    plan = json.loads((staging / SWAP_MARKER).read_text(encoding="utf-8"))
    kept = data_dir / plan["kept"]
    for name in [DB_FILENAME, *plan["restored"]]:
        staged = staging.joinpath(*name.split("/"))
        live = data_dir.joinpath(*name.split("/"))
        if not staged.exists():
            continue                       # moved in before an interruption
        sides = [live.with_name(live.name + suffix) for suffix in ("-wal", "-shm")] \
            if name == DB_FILENAME else []
        for path in [live, *sides]:
            if path.exists():
                _move_aside(path, kept.joinpath(*name.split("/")).with_name(path.name))
        live.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, live)
    for name in plan["removed"]:
        live = data_dir.joinpath(*name.split("/"))
        if live.exists():
            _move_aside(live, kept.joinpath(*name.split("/")))
    _forget_unverified_updates(data_dir)
    for folder in {data_dir, data_dir / "keys"}:
        if folder.is_dir():
            fsync_folder(folder)
    shutil.rmtree(staging, ignore_errors=True)
    if not kept.exists():
        log.info("restored copy swapped in; the folder held nothing before")
        return None
    log.info("restored copy swapped in; the previous data kept in %s", kept)
    return kept


def _forget_unverified_updates(data_dir: Path) -> None:
    """The notes of an update whose check did not pass speak of the database the restore
    replaced; the restored one passed its own check. Kept, the next start would hold
    the restored folder to the note (an older backup has fewer events) and never open."""
    for note in (data_dir / "backups").glob(f"{PRE_MIGRATION_GLOB}{UNVERIFIED}"):
        note.unlink(missing_ok=True)
        log.info("note %s of an update replaced by the restore removed", note.name)


def finish_interrupted_restore(data_dir: Path) -> None:
    """At start: finish a swap a power cut stopped, or drop a restore never finished."""
    import shutil

    staging = staging_dir(data_dir)
    if not staging.exists():
        return
    if (staging / SWAP_MARKER).exists():
        swap_in(data_dir)
    else:
        shutil.rmtree(staging, ignore_errors=True)
