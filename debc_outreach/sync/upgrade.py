"""Bringing a data folder written by an earlier version up to this version's schema.

What the user lives through when a new version opens an existing folder, step by
step, each one reported to `progress(step, done, total)`:

1. `STEP_BACKUP`: the compact backup of the folder as it is (the compressed event
   log, keys and settings: sync/backup.py), read in the folder's OLD schema, then
   read back whole. Its events and each device's last event are noted beside it
   (`backups/<name>.unverified`).
2. Each pending migration, by its name (`storage.migrations`): all of them in ONE
   transaction, so a power cut half-way leaves the folder exactly as before and the
   next start begins again. No cancel: stopping would throw the work away.
3. `STEP_VERIFY`: every device's hash chain verifies (a problem `db check` found in
   it before the update is noted with the backup and not held against it), and the
   event count and each device's last event equal the backup's. Then the note beside
   the backup goes. Until then, and until a daily backup is written after it, the retention policy
   never removes that backup (`backup.Kept.pinned`); afterwards it keeps it as long
   as its day is kept.
4. `STEP_COMPACT`: the pages the migrations freed are given back to the disk
   (`VACUUM INTO` a copy beside the database, then one atomic rename), when there is
   room for that copy; otherwise skipped with a warning (the folder is correct,
   just not smaller).

Before it starts, the disk must have room for the backup and for the migrations'
log (up to the database's size): the backups the keeping policy drops go first
(old full copies), and if that is not enough nothing is done and the user is told.
A folder whose verification failed keeps its note: every start checks it again
and refuses to open the folder until it passes (the backup restores it). An
update stopped during its check or its compaction (the app closed, the power cut)
finishes both at the next start: the migrated folder would otherwise keep the
gigabytes its migrations freed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from debc_outreach import i18n
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import driver, events, migrations, vault
from debc_outreach.storage.backup import PRE_MIGRATION_GLOB, UNVERIFIED
from debc_outreach.storage.database import DB_FILENAME, Database, explain
from debc_outreach.storage.durable import fsync_file, fsync_folder
from debc_outreach.storage.encryption import is_plain_sqlite, row_counts, write_encrypted_copy
from debc_outreach.storage.store import Store

log = logging.getLogger(__name__)

STEP_BACKUP = "backup"
STEP_VERIFY = "verify"
STEP_COMPACT = "compact"
# (step: one of the above or a migration's name, done, total); total 0: not known yet.
Progress = Callable[[str, int, int], None]
# Free pages worth a compaction: below both, the file is left as it is.
COMPACT_MIN_BYTES = 64 << 20
COMPACT_MIN_SHARE = 0.10
# Room the compacted copy must leave on the disk (besides itself).
COMPACT_SPARE_BYTES = 256 << 20
COMPACT_SUFFIX = ".compacting"
# SQLite instructions between looks at the copy's size (VACUUM copies whole pages in few
# instructions: about 150 looks per 100 MB).
PROGRESS_EVERY = 10_000


class UpgradeError(UserError):
    """The folder could not be brought up to date; the message says what to do.
    `backup`: the backup from before the update to restore (a check that did not pass)."""

    def __init__(self, message: str, backup: Path | None = None):
        super().__init__(message)
        self.backup = backup


@dataclass
class UpgradeResult:
    applied: list[str] = field(default_factory=list)
    backup: Path | None = None
    compacted_bytes: int = 0          # what the compaction gave back to the disk
    warning: str = ""                 # why the compaction was skipped ("" when it was not)
    seconds: dict[str, float] = field(default_factory=dict)   # per step


@dataclass(frozen=True)
class Summary:
    """What the migrated folder must still hold: as many events, the same last events,
    and chains that verify as well as they did (`problems`: what `db check` already
    found in them before: an old folder may hold an event altered or missing, and it
    opened all the same; the update must not make it worse, nor refuse it for that)."""

    events: int
    heads: dict[str, tuple[int, str]]
    problems: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"events": self.events,
                "heads": {device: list(head) for device, head in self.heads.items()},
                "problems": list(self.problems)}

    @classmethod
    def from_json(cls, data: dict) -> Summary:
        return cls(int(data["events"]),
                   {device: (int(head[0]), str(head[1]))
                    for device, head in data["heads"].items()},
                   tuple(str(problem) for problem in data.get("problems", ())))


def planned_steps(migration_names: list[str]) -> list[str]:
    """Every step of an update that runs these migrations, in order (none: the check of
    an earlier update that did not pass, again)."""
    if not migration_names:
        return [STEP_VERIFY, STEP_COMPACT]
    return [STEP_BACKUP, *migration_names, STEP_VERIFY, STEP_COMPACT]


def step_label(step: str, migration_names: list[str]) -> str:
    """What a step does, in the user's words (a migration by its place among them)."""
    if step == STEP_BACKUP:
        return _("Writing a backup of the records as they are now")
    if step == STEP_VERIFY:
        return _("Checking that every record is there")
    if step == STEP_COMPACT:
        return _("Giving the freed space back to the disk")
    place = migration_names.index(step) + 1 if step in migration_names else 1
    return _("Storing the records the new way: part {n} of {count}").format(
        n=i18n.format_number(place), count=i18n.format_number(len(migration_names) or 1))


def pending_steps(data_dir: Path, key: bytes | None = None) -> list[str]:
    """The migrations this folder needs before it opens ([] for a new or current folder,
    or one that must first be signed in to).

    Raises UserError for a folder written by a newer version (nothing changed).
    """
    path = data_dir / DB_FILENAME
    if not path.exists() or _needs_encrypting_first(path, key):
        return []
    database = Database(path, key)
    try:
        if not migrations.check_not_newer(database):
            return []
        return [m.name for m in migrations.pending(database)]
    finally:
        database.close()


def needs_work(data_dir: Path, key: bytes | None = None,
               pending: list[str] | None = None) -> bool:
    """Whether opening this folder means migrating it, checking a migration again, or
    compacting it again after a stop (`pending`: the folder's `pending_steps`, when
    already known)."""
    if pending is None:
        pending = pending_steps(data_dir, key)
    return bool(pending or _unverified(data_dir) or _compaction_copy(data_dir).exists())


def upgrade_folder(data_dir: Path, key: bytes | None = None,
                   progress: Progress | None = None) -> UpgradeResult:
    """Back up, migrate, verify and compact the folder (see the module's docstring).

    `key`: the database key of a protected folder (signed in first). A folder without
    a database gets a new one; nothing to do gives an empty result. Raises UpgradeError
    when the migrated folder does not verify: the backup taken before stays, and the
    error says how to restore it.
    """
    result = UpgradeResult()
    path = data_dir / DB_FILENAME
    if _needs_encrypting_first(path, key):
        return result
    # Stopped during its check or its compaction, an update finishes both at the next start.
    finish = remove_unfinished_compaction(data_dir)
    report = _StepClock(progress, result.seconds)
    database = Database(path, key)
    try:
        applied = migrations.check_not_newer(database)
        database.configure_for_writing()
        if not applied:          # a new folder: nothing to keep, nothing to check
            result.applied = migrations.migrate(database, Store.backup_dir_for(data_dir))
            return result
        if migrations.pending(database):
            _room_to_migrate(path, Store.backup_dir_for(data_dir))
            result.applied = _migrate(database, data_dir, report, result)
        summaries = _unverified(data_dir)
        if summaries:
            _verify_step(database, summaries, report)
            finish = True
    finally:
        database.close()
        report.stop()
    if result.applied or finish:
        _compact_step(path, key, report, result)
    return result


def _migrate(database: Database, data_dir: Path, report: Progress,
             result: UpgradeResult) -> list[str]:
    """The pending migrations, after the backup. When they fail their transaction is
    rolled back: the folder is as it was, so the backup's note goes, and so does the
    backup (each try would leave one more on a disk that may be full), unless the
    database is damaged: then it is the newest copy of the records there is."""
    from debc_outreach.sync import backup

    try:
        return migrations.migrate(
            database, Store.backup_dir_for(data_dir), report,
            before=lambda names: _pre_migration_backup(database, data_dir, names, report,
                                                       result))
    except BaseException as error:
        if result.backup is not None:
            backup.unverified_marker(result.backup).unlink(missing_ok=True)
            if not _is_damage(error):
                result.backup.unlink(missing_ok=True)
                result.backup = None
        if isinstance(error, driver.Error):
            raise explain(error, database.path) from error
        raise


def _is_damage(error: BaseException) -> bool:
    """Whether SQLite found the database file damaged (not full, locked or read-only)."""
    text = str(error).lower()
    return isinstance(error, driver.Error) and ("malformed" in text
                                                or "not a database" in text)


def _room_to_migrate(path: Path, backup_dir: Path) -> None:
    """Refuse to start when the disk could not hold the backup and the rewritten pages
    (a migration's transaction may rewrite up to the whole file in its log before it
    is saved): better said now than after minutes of work thrown away. Short of room,
    the backups the keeping policy no longer keeps go first (old full copies)."""
    size = path.stat().st_size
    needed = size + size // 10 + COMPACT_SPARE_BYTES
    free = shutil.disk_usage(path.parent).free
    if free < needed:
        from debc_outreach.sync import backup

        for removed in backup.prune(backup_dir):
            log.info("old backup %s removed by the keeping policy", removed.name)
        free = shutil.disk_usage(path.parent).free
    if free < needed:
        raise UpgradeError(_(
            "This version needs to update the records, and that needs up to {needed} MB "
            "free on the disk; {free} MB are free. Nothing was changed. Free some space "
            "(or move old backups elsewhere) and start again.").format(
            needed=needed >> 20, free=free >> 20))


class _StepClock:
    """Passes progress on and notes the seconds each step took (until the next began)."""

    def __init__(self, progress: Progress | None, seconds: dict[str, float]):
        self._progress = progress
        self._seconds = seconds
        self._step = ""
        self._since = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self._step:
            self.stop()
            self._step, self._since = step, time.perf_counter()
        if self._progress is not None:
            self._progress(step, done, total)

    def stop(self) -> None:
        if self._step:
            self._seconds[self._step] = (self._seconds.get(self._step, 0.0)
                                         + time.perf_counter() - self._since)
        self._step = ""


# --- the steps ---------------------------------------------------------------------------

def _pre_migration_backup(database: Database, data_dir: Path, names: list[str],
                          report: Progress, result: UpgradeResult) -> None:
    """The compact backup of the folder in its old schema, read back, its summary noted."""
    from debc_outreach.sync import backup

    folder = Store.backup_dir_for(data_dir)
    target = folder / migrations.pre_migration_name(names[0], backup.SUFFIX)
    secret = backup.folder_secret(data_dir)
    report(STEP_BACKUP, 0, 0)
    written = backup.write_backup(database, data_dir, target,
                                  progress=lambda done, total: report(STEP_BACKUP, done, total),
                                  secret=secret)
    if written is None:                   # never cancelled: nothing asks it to stop
        raise UpgradeError(_("The backup before the update was not written; nothing was "
                             "changed."))
    heads: dict[str, tuple[int, str]] = {}
    try:
        read = backup.verify_backup(target, backup.backup_key(secret) if secret else None,
                                    heads=heads)
    except backup.BackupError:
        target.unlink(missing_ok=True)
        raise
    # Read in the old layout, so the check after the migrations tells what they changed.
    known = events.verify_chains(database.conn)
    if known:
        log.warning("the folder's chains had problems before the update: %s",
                    "; ".join(known[:20]))
    vault.write_private_json(backup.unverified_marker(target),
                             Summary(read or 0, heads, tuple(known)).as_json())
    result.backup = target
    log.info("backup before migrating written: %s (%d events, %d bytes)", target.name,
             written.events, written.size)


def _unverified(data_dir: Path) -> dict[Path, Summary]:
    """The notes left beside backups taken before a migration not verified yet."""
    folder = Store.backup_dir_for(data_dir)
    found: dict[Path, Summary] = {}
    if not folder.is_dir():
        return found
    for marker in folder.glob(f"{PRE_MIGRATION_GLOB}{UNVERIFIED}"):
        try:
            found[marker] = Summary.from_json(json.loads(marker.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            log.error("note %s cannot be read; the check is made without it", marker.name)
            marker.unlink(missing_ok=True)
    return found


def summary_problems(conn, summary: Summary) -> list[str]:
    """How the folder differs from what a backup recorded of it (empty: it does not)."""
    problems = []
    stored = events.count(conn)
    if stored != summary.events:
        problems.append(f"{stored} events, {summary.events} in the backup")
    for device, (seq, digest) in sorted(summary.heads.items()):
        if events.chain_head(conn, device) != (seq, digest):
            problems.append(f"device {device}: the last event is not event {seq} of the "
                            f"backup")
    return problems


def _verify_step(database: Database, summaries: dict[Path, Summary],
                 report: Progress) -> None:
    report(STEP_VERIFY, 0, 0)
    conn = database.conn
    newest = max(summaries, key=lambda marker: marker.stat().st_mtime)
    expected = summaries[newest].events
    known = set(summaries[newest].problems)
    problems = [problem for problem in events.verify_chains(_CountingConnection(
        conn, lambda done: report(STEP_VERIFY, min(done, expected), expected)))
        if problem not in known]
    problems.extend(summary_problems(conn, summaries[newest]))
    if problems:
        log.error("migrated folder does not verify: %s", "; ".join(problems[:20]))
        kept = newest.name.removesuffix(UNVERIFIED)
        raise UpgradeError(_(
            "The records did not pass the check after the update ({problem}). Nothing "
            "was lost: the backup made just before the update is kept as {name} in the "
            "backups folder. Restore it (Settings → Restore…, or `db restore`) and tell "
            "your coordinator.").format(problem=problems[0], name=kept),
            backup=newest.with_name(kept))
    for marker in summaries:
        marker.unlink(missing_ok=True)
    report(STEP_VERIFY, 1, 1)


class _CountingConnection:
    """The connection as `events.verify_chains` sees it: the rows its queries give are
    counted as they are read, `tick(rows so far)` every `ROWS_PER_TICK` (anything else
    goes to the connection itself)."""

    ROWS_PER_TICK = 20000

    def __init__(self, conn, tick: Callable[[int], None]):
        self._conn = conn
        self._tick = tick
        self._rows = 0

    def execute(self, *args):
        return _CountingCursor(self._conn.execute(*args), self)

    def counted(self, rows: int) -> None:
        before = self._rows // self.ROWS_PER_TICK
        self._rows += rows
        if self._rows // self.ROWS_PER_TICK != before:
            self._tick(self._rows)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


class _CountingCursor:
    def __init__(self, cursor, owner: _CountingConnection):
        self._cursor = cursor
        self._owner = owner

    def __iter__(self):
        for row in self._cursor:
            self._owner.counted(1)
            yield row

    def fetchmany(self, *args):
        rows = self._cursor.fetchmany(*args)
        self._owner.counted(len(rows))
        return rows

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)


def _compact_step(path: Path, key: bytes | None, report: _StepClock,
                  result: UpgradeResult) -> None:
    report(STEP_COMPACT, 0, 0)
    try:
        result.compacted_bytes, result.warning = compact(
            path, key, progress=lambda done, total: report(STEP_COMPACT, done, total))
    except UserError as error:           # the folder is updated and checked: just larger
        result.warning = str(error)
    finally:
        report.stop()
    if result.warning:
        log.warning("%s", result.warning)


# --- giving freed pages back to the disk --------------------------------------------------

def free_bytes_in_file(database: Database) -> tuple[int, int]:
    """(bytes in free pages, bytes of the file's pages)."""
    conn = database.conn
    page = int(conn.execute("PRAGMA page_size").fetchone()[0])
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    return free * page, pages * page


def compact(path: Path, key: bytes | None, force: bool = False,
            progress: Callable[[int, int], None] | None = None) -> tuple[int, str]:
    """Rewrite the database without its free pages, when worth it and there is room.

    The compacted copy is written beside the database (`VACUUM INTO`; an encrypted one
    through `sqlcipher_export` into a copy with the same key and cipher profile), synced,
    its row counts compared, then renamed over it: a power cut leaves either file whole.
    Returns (bytes given back, warning): the warning says why it was skipped for lack of
    disk space ("" otherwise). Every other connection to the database must be closed.
    `progress(bytes written, bytes expected)` follows the copy as it grows.
    """
    copy = path.with_name(path.name + COMPACT_SUFFIX)
    database = Database(path, key)
    try:
        try:
            _hold_alone(database)
        except driver.Error as error:
            raise UpgradeError(_("The database is in use by another program, so it was not "
                                 "made smaller. Close DEBC Outreach everywhere and try "
                                 "again; nothing was changed.")) from error
        free, size = free_bytes_in_file(database)
        if not force and (free < COMPACT_MIN_BYTES and free < size * COMPACT_MIN_SHARE):
            return 0, ""
        needed = size - free + COMPACT_SPARE_BYTES
        available = shutil.disk_usage(path.parent).free
        if available < needed:
            log.warning("compaction skipped: %d MB needed, %d MB free", needed >> 20,
                        available >> 20)
            return 0, no_room_warning(needed, available, free)
        expected = row_counts(database.conn)
        copy.unlink(missing_ok=True)
        try:
            _write_compacted(database, copy, size - free, progress)
            fsync_file(copy)
            problems = _compacted_problems(copy, key, expected)
        except driver.Error as error:
            copy.unlink(missing_ok=True)
            raise explain(error, path) from error
        if problems:
            copy.unlink(missing_ok=True)
            log.error("compacted copy refused, database left as it was: %s", problems)
            return 0, ""
    finally:
        database.close()
    before = path.stat().st_size
    os.replace(copy, path)
    fsync_folder(path.parent)
    after = path.stat().st_size
    log.info("database compacted: %d MB to %d MB", before >> 20, after >> 20)
    return max(0, before - after), ""


def no_room_warning(needed: int, available: int, reclaimable: int) -> str:
    return _("The database was not made smaller after the update: that needs {needed} MB "
             "free on the disk and {free} MB are. Your records are all there and the app "
             "works as usual. To give {gain} MB back later, free some space on the disk and "
             "ask your coordinator to run `db compact`.").format(
        needed=needed >> 20, free=available >> 20, gain=reclaimable >> 20)


def _write_compacted(database: Database, copy: Path, expected: int,
                     progress: Callable[[int, int], None] | None) -> None:
    conn = database.conn
    if progress is not None:
        def grown() -> int:
            try:
                progress(min(copy.stat().st_size, expected), expected)
            except OSError:
                pass                         # not created yet
            return 0                         # go on
        conn.set_progress_handler(grown, PROGRESS_EVERY)
    try:
        if database.key is None:
            conn.execute("VACUUM INTO ?", (str(copy),))
        else:
            write_encrypted_copy(conn, copy, database.key, database.cipher_profile)
    finally:
        conn.set_progress_handler(None, 0)
    if progress is not None:
        progress(expected, expected)


def _compacted_problems(copy: Path, key: bytes | None, expected: dict[str, int]) -> str:
    compacted = Database(copy, key)
    try:
        counts = row_counts(compacted.conn)
    finally:
        compacted.close()
    return "" if counts == expected else f"row counts differ: {expected} -> {counts}"


def _hold_alone(database: Database) -> None:
    """Make sure no other program has the database open, and that none writes to it
    until it is closed: leave WAL (refused while another connection is open; the log
    is written into the file and removed), then keep the file's lock."""
    conn = database.conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    if str(mode).lower() != "delete":
        raise driver.OperationalError("database is locked")
    conn.execute("PRAGMA locking_mode = EXCLUSIVE").fetchall()
    conn.execute("BEGIN IMMEDIATE")       # takes the lock, kept until the file is closed
    conn.execute("COMMIT")


def remove_unfinished_compaction(data_dir: Path) -> bool:
    """Remove a compacted copy a stop left before its rename (the database is whole);
    True when there was one."""
    copy = _compaction_copy(data_dir)
    found = copy.exists()
    copy.unlink(missing_ok=True)
    return found


def _compaction_copy(data_dir: Path) -> Path:
    return data_dir / (DB_FILENAME + COMPACT_SUFFIX)


def _needs_encrypting_first(path: Path, key: bytes | None) -> bool:
    """A protected folder whose set-up stopped before its database was encrypted:
    `Store.open` finishes that first (and migrates with a full copy, as before)."""
    return key is not None and is_plain_sqlite(path)
