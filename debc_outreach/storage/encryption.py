"""Turning a data folder's plain database (and its backups) into encrypted ones, in place.

Steps, each safe against a power cut (the plain file stays until the encrypted
copy is verified; the swap is one atomic rename):
1. an encrypted backup of the plain database in `backups/before-encryption-*.sqlite`;
2. `sqlcipher_export` into `outreach.sqlite.encrypting`;
3. verify the new file: `db check` (integrity, foreign keys, hash chains), the FTS
   index, and the same row count in every table;
4. rename it over `outreach.sqlite`;
5. re-encrypt older plain backups in `backups/` (then remove the plain ones).

If the app stops before step 4, the next start finds the vault and a plain file
and runs the whole thing again (the half-written `.encrypting` file is discarded).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import driver
from debc_outreach.storage.database import DB_FILENAME, Database, explain
from debc_outreach.storage.durable import fsync_file, fsync_folder

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
NEW_SUFFIX = ".encrypting"


@dataclass(frozen=True)
class EncryptionResult:
    backup: Path
    tables: int
    rows: int
    backups_encrypted: int


def is_plain_sqlite(path: Path) -> bool:
    """A plain SQLite file starts with its magic header; an encrypted one looks random."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == SQLITE_HEADER
    except OSError:
        return False


def row_counts(conn) -> dict[str, int]:
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names}


def export_encrypted(conn, target: Path, key: bytes) -> None:
    """Write an encrypted copy of `conn`'s main database to `target` (replaced if present)."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The current cipher profile: new encrypted files use HMAC-SHA256 (see `driver`).
    write_encrypted_copy(conn, partial, key)
    fsync_file(partial)
    os.replace(partial, target)
    fsync_folder(target.parent)


def write_encrypted_copy(conn, path: Path, key: bytes,
                         profile: int = driver.CURRENT_PROFILE) -> None:
    """`conn`'s main database copied whole into a new file at `path`, under `key` and
    the cipher `profile` (VACUUM INTO would use SQLCipher's default settings instead).
    A scratch file until the caller renames it: no journal, no sync per statement."""
    driver.attach_encrypted(conn, str(path), "encrypted", key, profile)
    try:
        conn.execute("PRAGMA encrypted.journal_mode = OFF").fetchall()
        conn.execute("PRAGMA encrypted.synchronous = OFF")
        conn.execute("SELECT sqlcipher_export('encrypted')").fetchall()
    finally:
        conn.execute("DETACH DATABASE encrypted")


def verify_encrypted(path: Path, key: bytes, expected: dict[str, int]) -> list[str]:
    """Problems of the encrypted copy (empty when it holds exactly what was expected)."""
    from debc_outreach.storage.check import check_database

    database = Database(path, key)
    try:
        problems = check_database(database)
        counts = row_counts(database.conn)
        if database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'participant_fts'"):
            try:
                database.conn.execute("INSERT INTO participant_fts (participant_fts) "
                                      "VALUES ('integrity-check')")
            except driver.Error as error:
                problems.append(f"search index: {error}")
    finally:
        database.close()
    if counts != expected:
        problems.append(f"row counts differ: {expected} -> {counts}")
    return problems


def _no_journal_left(path: Path) -> None:
    """After the last connection closed, a WAL file must be gone or empty."""
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            if suffix == "-wal" and side.stat().st_size:
                raise UserError(_("The database {path} is still in use by another program. "
                                  "Close DEBC Outreach everywhere and try again; nothing was "
                                  "changed.").format(path=path))
            side.unlink()


def encrypt_in_place(data_dir: Path, key: bytes) -> EncryptionResult | None:
    """Encrypt the folder's plain database; None when there is nothing plain to encrypt."""
    path = data_dir / DB_FILENAME
    backup_dir = data_dir / "backups"
    if not path.exists() or not is_plain_sqlite(path):
        encrypt_backups(backup_dir, key)
        return None
    new = path.with_name(path.name + NEW_SUFFIX)
    new.unlink(missing_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = backup_dir / f"before-encryption-{stamp}.sqlite"
    plain = Database(path)
    try:
        try:
            conn = plain.conn
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            # Keep an exclusive lock until closed: no other program slips a change in
            # during the copy (ATTACH is not allowed inside a transaction), and if another
            # program (a second window) has the file open, this fails with "locked" and
            # nothing changes — it would otherwise go on writing to the replaced file.
            conn.execute("PRAGMA locking_mode = EXCLUSIVE").fetchall()
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")
            expected = row_counts(conn)
            export_encrypted(conn, backup, key)
            export_encrypted(conn, new, key)
        except driver.Error as error:
            new.unlink(missing_ok=True)
            raise explain(error, path) from error
    finally:
        plain.close()
    problems = verify_encrypted(new, key, expected)
    if problems or verify_encrypted(backup, key, expected):
        new.unlink(missing_ok=True)
        log.error("encrypted copy failed verification: %s", problems)
        raise UserError(_("The encrypted copy of the database could not be verified, so "
                          "the database was left as it was. Run `db check` and ask your "
                          "coordinator for help."))
    _no_journal_left(path)
    os.replace(new, path)
    fsync_folder(path.parent)
    log.info("database encrypted in place (%d tables, %d rows); backup %s",
             len(expected), sum(expected.values()), backup)
    done = encrypt_backups(backup_dir, key)
    return EncryptionResult(backup, len(expected), sum(expected.values()), done)


def encrypt_backups(backup_dir: Path, key: bytes) -> int:
    """Replace every plain backup in `backup_dir` by an encrypted, verified copy."""
    done = 0
    for old in sorted(backup_dir.glob("*.sqlite")) if backup_dir.exists() else []:
        if not is_plain_sqlite(old):
            continue
        encrypted = old.with_name(old.name + NEW_SUFFIX)
        source = driver.connect(old, isolation_level=None)
        try:
            expected = row_counts(source)
            export_encrypted(source, encrypted, key)
        finally:
            source.close()
        if verify_encrypted(encrypted, key, expected):
            encrypted.unlink(missing_ok=True)
            log.error("backup %s could not be encrypted; left as it was", old)
            continue
        os.replace(encrypted, old)
        with contextlib.suppress(OSError):
            fsync_folder(backup_dir)
        done += 1
    return done
