"""The data folder's store: database, device identity, clock and event writer.

Every change goes through `Store.record()`: one transaction that appends the
event to this device's hash chain and updates the projection. Repositories
(trainers.py, ...) are thin functions over a Store; the GUI and CLI never
write SQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from debc_outreach.core.hlc import Clock
from debc_outreach.core.ids import new_id
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import events, migrations, private_temp, projection, vault
from debc_outreach.storage.backup import finish_interrupted_restore
from debc_outreach.storage.database import DB_FILENAME, Database
from debc_outreach.storage.events import Event
from debc_outreach.storage.private_temp import PrivateTemp
from debc_outreach.storage.projection import writers
from debc_outreach.storage.projection.validate import describe, event_problems

log = logging.getLogger(__name__)


def ensure_writable_folder(folder: Path) -> None:
    """Create `folder` if needed and prove we can write there, or raise UserError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise UserError(_("The data folder {folder} cannot be written to ({reason}). "
                          "Choose another folder with --data-dir or fix its permissions.")
                        .format(folder=folder, reason=error.strerror or error)) from error


def _private_temp(data_dir: Path) -> PrivateTemp:
    try:
        return PrivateTemp(data_dir)
    except OSError as error:
        # Without it, exports would spill names into the system's temp folder: refuse.
        raise UserError(_("The data folder {folder} cannot be written to ({reason}). "
                          "Choose another folder with --data-dir or fix its permissions.")
                        .format(folder=data_dir, reason=error.strerror or error)) from error


class Store:
    """An open data folder. Use `Store.open(folder)`; close it when done."""

    def __init__(self, data_dir: Path, database: Database, device_id: str,
                 clock: Clock | None = None, temp: PrivateTemp | None = None):
        self.data_dir = data_dir
        self.database = database
        self.device_id = device_id
        self._clock = clock
        self._temp = temp
        # Why today's backup was not made, if it failed or was skipped (a full disk): set
        # by whoever makes it (the GUI after its window shows, the command line at open).
        self.backup_failure = ""

    @property
    def backup_warning(self) -> str:
        """What to tell the user when today's backup failed ("" when it did not)."""
        if not self.backup_failure:
            return ""
        return self.warning_for_failed_backup(self.backup_failure)

    @staticmethod
    def warning_for_failed_backup(reason: str) -> str:
        return _("Today's backup was not made: {reason}. Your records are safe and you can "
                 "go on working; make room on the disk so that the next backup is made.").format(
            reason=reason.rstrip("."))

    @property
    def temp_dir(self) -> Path:
        """Where this store's work may spill to disk: a private folder in the data folder."""
        return self._temp.path if self._temp is not None else private_temp.root(self.data_dir)

    @property
    def clock(self) -> Clock:
        """The HLC, read from the log on first use: finding the newest stamp scans every
        event (about 0.3 s for 1.5 million), which reading and exporting never need."""
        if self._clock is None:
            self._clock = Clock(events.newest_hlc(self.database.conn))
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = clock

    @classmethod
    def open(cls, data_dir: Path, *, device_name: str = "", key: bytes | None = None) -> Store:
        """Open (creating or migrating) the folder's database.

        A folder protected with PINs needs its database key: pass `key`, or sign in
        first (`vault.remember`), then tasks opening their own Store find it too.
        """
        ensure_writable_folder(data_dir)
        finish_interrupted_restore(data_dir)
        if key is None:
            key = vault.folder_database_key(data_dir)
        if key is not None:
            from debc_outreach.storage.encryption import encrypt_in_place, is_plain_sqlite

            if is_plain_sqlite(data_dir / DB_FILENAME):
                encrypt_in_place(data_dir, key)   # set-up interrupted before the swap
        database = Database(data_dir / DB_FILENAME, key)
        temp = None
        try:
            migrations.check_not_newer(database)
            database.configure_for_writing()
            migrations.migrate(database, cls.backup_dir_for(data_dir))
            device_id = cls._ensure_device(database, device_name)
            temp = _private_temp(data_dir)
            store = cls(data_dir, database, device_id, temp=temp)
        except BaseException:
            if temp is not None:
                temp.close()
            database.close()
            raise
        return store

    @staticmethod
    def backup_dir_for(data_dir: Path) -> Path:
        return data_dir / "backups"

    @property
    def backup_dir(self) -> Path:
        return self.backup_dir_for(self.data_dir)

    @staticmethod
    def _ensure_device(database: Database, device_name: str) -> str:
        existing = database.scalar("SELECT id FROM device LIMIT 1")
        if existing:
            return existing
        import platform

        device_id = new_id()
        name = device_name or platform.node()
        with database.transaction() as conn:
            conn.execute("INSERT INTO device (id, name, created_at) VALUES (?, ?, ?)",
                         (device_id, name or "", dt.datetime.now(dt.UTC).isoformat()))
        log.info("created device identity %s", device_id)
        return device_id

    def record(self, entity: str, entity_id: str, fields: dict, op: str = "set",
               base: dict | None = None) -> Event:
        """Append one event for this device and apply it, in one transaction."""
        with self.database.transaction() as conn:
            writers.check_own_write(conn, self.device_id, entity, entity_id, fields)
            if base is None and op == "set":
                base = projection.current_base(conn, entity, entity_id, fields)
            seq, prev = events.chain_head(conn, self.device_id)
            stamp = self.clock.now()
            draft = Event(self.device_id, seq + 1, stamp, entity, entity_id, op, fields,
                          base=base or {}, prev_hash=prev)
            problems = event_problems(draft)
            if problems:
                # The forms check input first: this guards the log against a program error.
                raise UserError(_("This change was not saved: {problem}").format(
                    problem=describe(problems)))
            event = Event(**{**draft.__dict__, "hash": draft.computed_hash()})
            events.insert(conn, event)
            projection.apply(conn, event)
        return event

    def reopen(self) -> None:
        """Open the folder's database again in this same object, after it was replaced (a
        restore): everything holding this Store keeps working, on the new records."""
        self.database.reopen(vault.folder_database_key(self.data_dir))
        self.device_id = self._ensure_device(self.database, "")
        self._clock = None

    def close(self) -> None:
        self.database.close()
        if self._temp is not None:
            self._temp.close()
            self._temp = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
