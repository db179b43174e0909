"""Backups with SQLite's online backup API (consistent while the app runs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import driver
from debc_outreach.storage.database import Database, explain

DAILY_PREFIX = "daily-"
DAILY_KEEP = 7


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


def daily_backup(database: Database, backup_dir: Path, today: dt.date | None = None) -> Path | None:
    """Write today's backup once a day and keep the last `DAILY_KEEP` of them."""
    today = today or dt.date.today()
    target = backup_dir / f"{DAILY_PREFIX}{today.isoformat()}.sqlite"
    if target.exists():
        return None
    backup_database(database, target)
    for old in sorted(backup_dir.glob(f"{DAILY_PREFIX}*.sqlite"))[:-DAILY_KEEP]:
        old.unlink(missing_ok=True)
    return target
