"""Opening the SQLite file: pragmas, transactions and clear errors.

Field laptops lose power without warning, so the field DB runs with WAL and
`synchronous=FULL`: a transaction that returned is on disk. Every user change
is one transaction (event + projection), so nothing is ever half-saved.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import driver

log = logging.getLogger(__name__)

DB_FILENAME = "outreach.sqlite"
# The most SQLite's build maps of a file (its SQLITE_MAX_MMAP_SIZE): the first 2 GB.
MAPPED_READ_BYTES = 0x7FFF0000


def busy_timeout_ms() -> int:
    """How long a write waits for another program's lock before giving up."""
    return int(os.environ.get("DEBC_OUTREACH_BUSY_TIMEOUT_MS", "5000"))


def explain(error: driver.Error, path: Path) -> UserError:
    """Turn an SQLite error into a message a trainer can act on."""
    text = str(error).lower()
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return UserError(_("The file {path} is not a DEBC Outreach database or is damaged. "
                           "Nothing was changed. Restore a backup from the backups folder "
                           "or choose another data folder.").format(path=path))
    if "readonly database" in text:
        return UserError(_("The database {path} cannot be changed: the system has made the "
                           "file read-only. Nothing was changed. Make the file writable again "
                           "(ask whoever looks after this computer) and try again.")
                         .format(path=path))
    if "locked" in text or "busy" in text:
        return UserError(_("The database {path} is in use by another program (maybe a second "
                           "DEBC Outreach window). Close it and try again; nothing was "
                           "changed.").format(path=path))
    if "readonly" in text or "read-only" in text or "unable to open" in text \
            or "disk i/o" in text:
        return UserError(_("The data folder {folder} cannot be written to. Check that the "
                           "disk is not full or read-only, or choose another data folder "
                           "with --data-dir.").format(folder=path.parent))
    if "disk is full" in text or "database or disk is full" in text:
        return UserError(_("The disk is full. Free some space and try again; the last "
                           "saved change is safe."))
    return UserError(_("The database {path} could not be used: {reason}")
                     .format(path=path, reason=error))


def _about_the_disk(error: driver.Error) -> bool:
    """Whether a failed statement was refused by the file or the disk, not by its SQL."""
    text = str(error).lower()
    return isinstance(error, driver.OperationalError) and any(
        words in text for words in ("readonly", "read-only", "disk i/o", "disk is full",
                                    "locked", "busy", "unable to open"))


def _wrong_cipher_settings(error: driver.Error) -> bool:
    """SQLCipher's answer when the key or the cipher settings do not fit the file."""
    return getattr(error, "sqlite_errorname", "") == "SQLITE_NOTADB"


def _open(path: Path, key: bytes | None, profile: int) -> driver.Connection:
    """A connection that has read the schema (closed again if that fails)."""
    conn = driver.connect(path, isolation_level=None, check_same_thread=False)
    try:
        driver.apply_key(conn, key, profile)
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        conn.execute("PRAGMA foreign_keys = ON")
        # Reading the schema is the first real access: a non-SQLite file fails here.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        with contextlib.suppress(Exception):
            conn.close()
        raise
    return conn


class Database:
    """One connection to the data folder's SQLite file.

    The connection is in autocommit mode; `transaction()` opens an explicit
    `BEGIN IMMEDIATE` so a writer takes its lock up front instead of failing
    half-way.
    """

    def __init__(self, path: Path, key: bytes | None = None):
        """Open `path`; with `key`, in the newest of `driver.CIPHER_PROFILES` that fits.

        A folder protected by an earlier build (HMAC-SHA512, the legacy profile) opens
        with that profile and stays in it: it is never re-encrypted automatically.
        """
        self.path = path
        self.key = key          # raw SQLCipher key of a protected data folder, else None
        self._depth = 0
        self._utils = None
        tries = range(len(driver.CIPHER_PROFILES)) if key is not None \
            else (driver.CURRENT_PROFILE,)
        for profile in tries:
            try:
                self.conn = _open(path, key, profile)
                break
            except driver.Error as error:
                # Settings other than the file was written with fail the first read's
                # HMAC check ("file is not a database"): try the next profile.
                if profile == tries[-1] or not _wrong_cipher_settings(error):
                    raise explain(error, path) from error
        # The index into `driver.CIPHER_PROFILES` this file opened with; None when plain.
        self.cipher_profile: int | None = profile if key is not None else None

    @property
    def db(self):
        """A `sqlite_utils.Database` on the same connection (bulk inserts, schema helpers).

        Imported on first use: sqlite-utils pulls in click and dateutil, which would
        otherwise cost the GUI about 50 ms at every start.
        """
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn)
        return self._utils

    def configure_for_writing(self) -> None:
        """WAL and full sync; done after the schema check so a refused file stays untouched."""
        try:
            self.conn.execute("PRAGMA journal_mode = WAL").fetchone()
            self.conn.execute("PRAGMA synchronous = FULL")
        except driver.Error as error:
            raise explain(error, self.path) from error

    @contextlib.contextmanager
    def transaction(self) -> Iterator[driver.Connection]:
        """All or nothing; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except driver.Error as error:
            raise explain(error, self.path) from error
        self._depth = 1
        try:
            yield self.conn
        except BaseException as error:
            self._depth = 0
            with contextlib.suppress(driver.Error):
                self.conn.execute("ROLLBACK")
            if isinstance(error, driver.Error) and _about_the_disk(error):
                # A file made read-only (chattr +i) or a full disk: say so; nothing was kept.
                raise explain(error, self.path) from error
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except driver.Error as error:
            with contextlib.suppress(driver.Error):
                self.conn.execute("ROLLBACK")
            raise explain(error, self.path) from error

    @contextlib.contextmanager
    def mapped_for_reading(self) -> Iterator[None]:
        """Read the file through a memory map while the block runs (plain files only).

        A walk over a million check-ins looks up pages all over a file of gigabytes;
        mapped, a page the system has cached costs no read call and no copy into
        SQLite's own cache (about a tenth of an export's time). The map is undone
        afterwards: a long-lived map would hold address space for nothing, and a
        file on a USB drive that fails mid-read is safer read with calls, whose
        errors SQLite reports. SQLCipher never maps an encrypted file.
        """
        if self.key is not None:
            yield
            return
        self.conn.execute(f"PRAGMA mmap_size = {MAPPED_READ_BYTES}").fetchall()
        try:
            yield
        finally:
            with contextlib.suppress(driver.Error):
                self.conn.execute("PRAGMA mmap_size = 0").fetchall()

    def query(self, sql: str, params: tuple | dict = ()) -> list[driver.Row]:
        try:
            cursor = self.conn.execute(sql, params)
            cursor.row_factory = driver.Row
            return cursor.fetchall()
        except driver.Error as error:
            raise explain(error, self.path) from error

    def scalar(self, sql: str, params: tuple | dict = ()):
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def reopen(self, key: bytes | None) -> None:
        """Open the file again in this same object (after it was replaced by an encrypted
        copy), so everything holding this Database keeps working."""
        fresh = Database(self.path, key)
        self.close()
        self.conn, self.key, self._utils, self._depth = fresh.conn, key, None, 0
        self.cipher_profile = fresh.cipher_profile

    def close(self) -> None:
        with contextlib.suppress(driver.Error):
            self.conn.close()
