"""Restoring a data folder from a backup: rebuilt from the log, checked, then swapped in.

`prepare_restore` builds the restored folder in `restoring/` inside the data
folder and never touches the live data: a fresh database with the current
schema, the backup's local tables and folder files, then every event of the
log, applied by the same appliers as a sync import, so every projection is
rebuilt. The copy must pass `db check` (integrity, foreign keys, every hash
chain), every run of the log must end on the hash the backup recorded, and
every count must match; only then is it marked ready. `storage.backup.swap_in`
then moves the live database and files to `backups/before-restore-*` and the
restored ones into place, one rename each (finished at the next start if the
power goes in between).

An old full copy (`*.sqlite`, from earlier versions and from before a
migration) restores too: it is checked, copied and migrated the same way.

What is refused, with nothing changed:
- a file that is not a backup, a damaged or cut one, one made by a newer version;
- a backup of another programme than the one this folder belongs to;
- a backup of another computer while this folder holds records made here. Two
  folders with the same device identity would write two different histories
  under one name, which every other computer would then refuse. A backup of
  another computer is restored into an empty folder (a new or repaired laptop:
  the folder the app creates at its first start holds no records yet), which
  then *is* that computer.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import driver, field_versions, migrations, projection, vault
from debc_outreach.storage.backup import RESTORE_KEPT_PREFIX, mark_ready, staging_dir, swap_in
from debc_outreach.storage.check import check_database
from debc_outreach.storage.database import DB_FILENAME, Database
from debc_outreach.storage.encryption import is_plain_sqlite
from debc_outreach.storage.events import count as count_events
from debc_outreach.storage.events import dumps, hash_at, insert_rows, name_stand_ins
from debc_outreach.sync import backup, codec
from debc_outreach.sync.importer import apply_in_runs

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
TRANSACTION_EVENTS = 100000
VAULT_FILE = "/".join(vault.VAULT_PATH)


class RestoreError(UserError):
    """A restore that is refused; the message says why in one line."""


class _Cancelled(Exception):
    pass


@dataclass
class Prepared:
    """A restored copy, verified and ready in `restoring/`."""

    events: int
    device_id: str
    legacy: bool
    secret: bytes | None = None           # the device secret of the restored folder
    restored_files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RestoreResult:
    events: int
    kept: Path | None                     # where the data before the restore now is, if any
    legacy: bool


@dataclass(frozen=True)
class _Folder:
    """What the live folder is, for deciding whether a backup may replace it."""

    device_id: str
    own_events: int
    programme_id: str
    programme_name: str


def _live_folder(data_dir: Path) -> _Folder | None:
    path = data_dir / DB_FILENAME
    if not path.exists():
        return None
    database = Database(path, vault.folder_database_key(data_dir))
    try:
        migrations.check_not_newer(database)
        if not migrations.applied_migrations(database):
            return None
        device = database.scalar("SELECT id FROM device LIMIT 1") or ""
        own = database.scalar("SELECT count(*) FROM event WHERE device_id = ?", (device,))
        programme = database.query("SELECT id, name FROM sync_programme LIMIT 1")
    finally:
        database.close()
    prog_id, prog_name = (programme[0][0], programme[0][1]) if programme else ("", "")
    return _Folder(device, own or 0, prog_id, prog_name)


def _check_identity(live: _Folder | None, device_id: str, programme_id: str,
                    programme_name: str) -> None:
    if live is None:
        return
    if live.programme_id and programme_id and live.programme_id != programme_id:
        raise RestoreError(_("This backup belongs to another programme ({name}); this "
                             "computer is enrolled in {ours}. Nothing was changed.")
                           .format(name=programme_name or programme_id,
                                   ours=live.programme_name or live.programme_id))
    if live.own_events and device_id and device_id != live.device_id:
        raise RestoreError(_("This backup was made on another computer, and this one already "
                             "holds records made here. Nothing was changed. Restore it on "
                             "a new computer, or into an empty data folder (--data-dir)."))


# --- building the restored copy ------------------------------------------------------------

def _fresh_database(data_dir: Path, key: bytes | None) -> Database:
    staging = staging_dir(data_dir)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    database = Database(staging / DB_FILENAME, key)
    database.configure_for_writing()
    migrations.migrate(database, staging / "unused")
    # A scratch copy until it is verified and swapped in: one fsync at the end.
    database.conn.execute("PRAGMA synchronous = OFF")
    database.conn.execute("PRAGMA cache_size = -65536")
    return database


def _close_clean(database: Database) -> None:
    """Checkpoint and close, so the file stands alone (no WAL beside it)."""
    database.conn.execute("PRAGMA synchronous = FULL")
    database.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    database.conn.execute("PRAGMA journal_mode = DELETE").fetchall()
    database.close()
    for suffix in ("-wal", "-shm"):
        database.path.with_name(database.path.name + suffix).unlink(missing_ok=True)


def _verify(database: Database, events: int) -> None:
    problems = check_database(database)
    stored = count_events(database.conn)
    if stored != events:
        problems.append(f"{stored} events restored, {events} expected")
    if problems:
        log.error("restored copy refused: %s", "; ".join(problems[:20]))
        raise RestoreError(_("The restored copy did not pass the database check ({problem}). "
                             "Nothing was changed; try an older backup.")
                           .format(problem=problems[0]))


class _LogReader:
    """Splits the payload: local tables and files now, the event log as text lines for
    `codec.decode`, the heads each run must end on, and the end line."""

    def __init__(self, lines: Iterator[list]):
        self._lines = lines
        self.first_run: list | None = None
        self.heads: dict[tuple[str, int], str] = {}
        self.end: dict | None = None

    def before_the_log(self) -> Iterator[list]:
        for item in self._lines:
            if item[0] in ("D", "Z"):
                if item[0] == "D":
                    self.first_run = item
                else:
                    self.end = item[1]
                return
            yield item

    def log_lines(self) -> Iterator[str]:
        if self.first_run is None:
            return
        yield dumps(self.first_run)
        for item in self._lines:
            kind = item[0]
            if kind in ("D", "B"):
                yield dumps(item)
            elif kind == "H" and len(item) == 4:
                self.heads[(item[1], item[2])] = item[3]
            elif kind == "Z":
                self.end = item[1]
                return
            else:
                raise backup.damaged()


@dataclass
class _Local:
    """What the payload holds besides the log (see sync/backup.py)."""

    unapplied: set[tuple[str, int]] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    kept: dict[str, tuple[list[str], list[list]]] = field(default_factory=dict)
    stand_ins: list[list] = field(default_factory=list)


def _restore_local(conn, items: Iterator[list], staging: Path) -> _Local:
    """Local tables and folder files now; kept projection rows for after the log."""
    local = _Local()
    table, insert, known = "", "", []
    kept_rows: list[list] | None = None
    for item in items:
        kind = item[0]
        if kind == "T":
            table, kept_rows = item[1], None
            if table not in backup.LOCAL_TABLES:
                raise backup.damaged()
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            # A backup of an older schema: the columns this one still has.
            known = [i for i, name in enumerate(item[2]) if name in columns]
            names = ", ".join(item[2][i] for i in known)
            insert = (f"INSERT OR REPLACE INTO {table} ({names}) "
                      f"VALUES ({', '.join('?' * len(known))})")
        elif kind == "K":
            if item[1] not in backup.KEPT_ROWS:
                raise backup.damaged()
            table, kept_rows = "", []
            local.kept[item[1]] = (item[2], kept_rows)
        elif kind == "R" and kept_rows is not None:
            kept_rows.extend(item[1])
        elif kind == "R" and table:
            conn.executemany(insert, [[row[i] for i in known] for row in item[1]])
        elif kind == "F" and item[1] in backup.FOLDER_FILES:
            target = staging.joinpath(*item[1].split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(item[2], validate=True))
            local.files.append(item[1])
        elif kind == "U":
            local.unapplied.update((item[1], seq) for seq in item[2])
        elif kind == "X":
            local.stand_ins.extend(item[1])
        elif kind != "M":
            raise backup.damaged()
    return local


def _restore_kept(conn, kept: dict[str, tuple[list[str], list[list]]]) -> None:
    """Put back the rows the log could not rebuild, in place of what it rebuilt of them."""
    for table, (columns, rows) in kept.items():
        if table == backup.KEPT_VERSIONS:
            _restore_kept_versions(conn, columns, rows)
            continue
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        known = [i for i, name in enumerate(columns) if name in present]
        conn.execute(f"DELETE FROM {table} WHERE {backup.KEPT_ROWS[table]}")
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns[i] for i in known)}) "
            f"VALUES ({', '.join('?' * len(known))})",
            [[backup.unplain(row[i]) for i in known] for row in rows])


def _restore_kept_versions(conn, columns: list[str], rows: list[list]) -> None:
    """Field versions come one row per field (`field_versions.COLUMNS`), in place of
    what the log rebuilt of their records."""
    if columns != list(field_versions.COLUMNS):
        raise backup.damaged()
    purged = [row[0] for row in conn.execute(backup.KEPT_ROWS[backup.KEPT_VERSIONS])]
    field_versions.delete(conn, "participant", purged)
    codes = field_versions.Codes(conn)
    field_versions.insert(conn, [codes.encode(entity, entity_id, versions)
                                 for entity, entity_id, versions
                                 in field_versions.group(sorted(map(tuple, rows)))])


class _FreshRecords:
    """The first `set` event of a plain record (a participant, a session, ...) that the
    rebuilt tables do not hold yet, applied for many records at once.

    What `projection.fields.merge` does for such an event: each of its fields wins,
    its fields get its version, the row is inserted with the derived columns; it
    sees no earlier version (a base of 0) and so marks none as seen. Every other event
    goes through the appliers afterwards (they give the same tables in any order).
    Derived columns depend on their own field only (`Entity.derive`), so they are
    computed once per distinct value: names repeat a lot across a programme.
    """

    def __init__(self) -> None:
        self._derived: dict[tuple[str, str, bool, str], dict] = {}

    def _derive(self, spec, name: str, won: dict) -> dict:
        value = won[name]
        plain = type(value) is str
        key = (spec.table, name, plain, value if plain else dumps(value))
        found = self._derived.get(key)
        if found is None:
            if len(self._derived) > 200000:
                self._derived.clear()
            found = self._derived[key] = spec.derive[name](won)
        return found

    def apply(self, conn, items: list[codec.Decoded]) -> list[codec.Decoded]:
        """Insert the fresh records of `items`; return the events still to apply, in order."""
        first: dict[tuple[str, str], int] = {}
        for index, (row, fields, base) in enumerate(items):
            key = (row[3], row[4])
            if key in first:
                continue
            spec = projection.ENTITIES.get(row[3])
            eligible = spec is not None and row[5] == "set" and not any(base.values()) \
                and any(name in spec.fields for name in fields)
            first[key] = index if eligible else -1
        fresh = self._not_stored(conn, [key for key, index in first.items() if index >= 0])
        taken = {first[key] for key in fresh}
        rows: dict[tuple[str, tuple], list[tuple]] = {}
        codes = field_versions.Codes(conn)
        versions = []
        for index in sorted(taken):
            row, fields, _base = items[index]
            spec = projection.ENTITIES[row[3]]
            won = {name: value for name, value in fields.items() if name in spec.fields}
            columns = dict(won)
            for name in spec.derive:
                if name in won:
                    columns.update(self._derive(spec, name, won))
            rows.setdefault((spec.table, tuple(columns)), []).append(
                (row[4], row[2], *columns.values()))
            versions.append(codes.fresh(row[3], row[4], won, row[2], row[0]))
        for (table, names), values in rows.items():
            marks = ", ".join("?" * (len(names) + 2))
            conn.executemany(f"INSERT INTO {table} (id, created_hlc, {', '.join(names)}) "
                             f"VALUES ({marks})", values)
        field_versions.insert(conn, versions)
        return [item for index, item in enumerate(items) if index not in taken]

    @staticmethod
    def _not_stored(conn, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
        stored = field_versions.stored(conn, keys)
        return [key for key in keys if key not in stored]


def _restore_log(database: Database, decoded: Iterator[codec.Decoded],
                 unapplied: set[tuple[str, int]], total: int, progress: Progress | None,
                 cancelled: Callable[[], bool]) -> int:
    """Insert and apply every event; return how many."""
    done = 0
    batch: list[codec.Decoded] = []
    fresh_records = _FreshRecords()

    def flush(conn) -> None:
        rows = []
        to_apply = []
        for item in batch:
            row = item[0]
            applied = (row[0], row[1]) not in unapplied
            rows.append((*row, int(applied)))
            if applied and row[5] != codec.REDACTED:
                to_apply.append(item)
        insert_rows(conn, rows)
        apply_in_runs(conn, fresh_records.apply(conn, to_apply))
        batch.clear()

    in_transaction = 0
    conn = database.conn
    conn.execute("BEGIN")
    try:
        for item in decoded:
            batch.append(item)
            if len(batch) >= 10000:
                if cancelled():
                    raise _Cancelled()
                in_transaction += len(batch)
                done += len(batch)
                flush(conn)
                if progress:
                    progress(done, total)
                if in_transaction >= TRANSACTION_EVENTS:
                    conn.execute("COMMIT")
                    conn.execute("BEGIN")
                    in_transaction = 0
        done += len(batch)
        flush(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if progress:
        progress(done, total)
    return done


def _secret_for(header: dict, data_dir: Path, pin: str) -> bytes:
    """The device secret that sealed a protected backup: this folder's when it is the
    same, else the one the backup's own PIN vault gives for `pin` (or recovery code)."""
    current = vault.unlocked_secret(data_dir)
    if current is not None and backup.key_check(current) == header.get("key_check"):
        return current
    if not pin:
        raise RestoreError(_("This backup is protected with the PINs of the computer it was "
                             "made on. Give one of those PINs, or its recovery code."))
    probe = staging_dir(data_dir) / "vault"
    shutil.rmtree(probe, ignore_errors=True)
    try:
        vault.write_private_json(vault.vault_path(probe), header.get("vault") or {})
        try:
            secret = vault.unlock(probe, pin).secret
        except vault.WrongPin:
            try:
                secret = vault.unlock_with_recovery_code(probe, pin).secret
            except (vault.WrongPin, ValueError) as error:
                raise RestoreError(_("This PIN does not open the backup. Give a PIN that "
                                     "was used on the computer it was made on, or its "
                                     "recovery code.")) from error
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    if backup.key_check(secret) != header.get("key_check"):
        raise backup.damaged()
    return secret


def needs_pin(data_dir: Path, path: Path) -> bool:
    """Whether restoring `path` asks for a PIN of the computer it was made on: a protected
    backup that this folder's own (signed-in) device secret does not open."""
    if not backup.is_backup_file(path):
        return False
    header = backup.read_header(path).header
    if header.get("cipher") == "none":
        return False
    current = vault.unlocked_secret(data_dir)
    return current is None or backup.key_check(current) != header.get("key_check")


def _prepare_log_backup(data_dir: Path, path: Path, pin: str, progress: Progress | None,
                        cancelled: Callable[[], bool]) -> Prepared:
    found = backup.read_header(path)
    header = found.header
    known = {m.name for m in migrations.MIGRATIONS}
    if any(name not in known for name in header.get("schema", [])):
        raise RestoreError(_("This backup was made by a newer version of DEBC Outreach. "
                             "Install the newer version to restore it; nothing was changed."))
    _check_identity(_live_folder(data_dir), str(header.get("device_id", "")),
                    str(header.get("programme_id", "")), str(header.get("programme_name", "")))
    secret = _secret_for(header, data_dir, pin) if found.encrypted else None
    total = int(header.get("events", 0))
    # Protection is never undone by a restore: a plain backup (made before the PINs)
    # restored on a protected computer is encrypted with this computer's key.
    database = _fresh_database(data_dir, vault.database_key(secret) if secret
                               else vault.folder_database_key(data_dir))
    try:
        reader = _LogReader(backup.payload_lines(
            found, backup.backup_key(secret) if secret else None))
        with database.transaction() as conn:
            local = _restore_local(conn, reader.before_the_log(), staging_dir(data_dir))
        files = [name for name in local.files if name != VAULT_FILE]
        if secret is not None:
            # The PIN file that wraps the secret this backup was sealed with (a backup
            # sealed after the PINs were set up may hold none in its files).
            vault.write_private_json(vault.vault_path(staging_dir(data_dir)),
                                     header.get("vault") or {})
            files.append(VAULT_FILE)
        try:
            events = _restore_log(database, codec.decode(reader.log_lines()),
                                  local.unapplied, total, progress, cancelled)
        except codec.DecodeError as error:
            raise backup.damaged() from error
        if reader.end is None or reader.end.get("events") != events or events != total:
            raise backup.damaged()
        with database.transaction() as conn:
            _restore_kept(conn, local.kept)
            name_stand_ins(conn, [(entity, entity_id, device, seq)
                                  for device, seq, entity, entity_id in local.stand_ins])
        _check_heads(database, reader.heads)
        _verify(database, total)
    except BaseException:
        database.close()
        raise
    _close_clean(database)
    return Prepared(total, str(header.get("device_id", "")), False,
                    secret or vault.unlocked_secret(data_dir), files)


def _check_heads(database: Database, heads: dict[tuple[str, int], str]) -> None:
    """Each run of the log ends on the hash the backup recorded for it: an event changed
    in the file (or in the database it was made from) is found here."""
    for (device, seq), digest in heads.items():
        stored = hash_at(database.conn, device, seq)
        if stored != digest:
            raise backup.damaged()


def _prepare_full_copy(data_dir: Path, path: Path) -> Prepared:
    """An old full copy of the database (`*.sqlite`): checked, copied, migrated."""
    key = None if is_plain_sqlite(path) else vault.folder_database_key(data_dir)
    if key is None and not is_plain_sqlite(path):
        raise RestoreError(_("{name} is not a DEBC Outreach backup; nothing was changed.")
                           .format(name=path.name))
    try:
        source = Database(path, key)
    except UserError as error:
        raise RestoreError(_("{name} is not a DEBC Outreach backup, or it is damaged; "
                             "nothing was changed.").format(name=path.name)) from error
    try:
        migrations.check_not_newer(source)
        if not migrations.applied_migrations(source):
            raise RestoreError(_("{name} is not a DEBC Outreach backup; nothing was changed.")
                               .format(name=path.name))
        problems = check_database(source)
        if problems:
            log.error("full copy refused: %s", "; ".join(problems[:20]))
            raise backup.damaged()
        device = source.scalar("SELECT id FROM device LIMIT 1") or ""
        programme = source.query("SELECT id, name FROM sync_programme LIMIT 1")
        _check_identity(_live_folder(data_dir), device,
                        programme[0][0] if programme else "",
                        programme[0][1] if programme else "")
        total = source.scalar("SELECT count(*) FROM event") or 0
        staging = staging_dir(data_dir)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        target = Database(staging / DB_FILENAME, vault.folder_database_key(data_dir))
        try:
            source.conn.backup(target.conn)
            target.configure_for_writing()
            # The full copy being restored is itself the backup from before these.
            migrations.migrate(target, staging / "unused", before=lambda names: None)
            _verify(target, total)
        except BaseException:
            target.close()
            raise
        _close_clean(target)
    except driver.Error as error:
        raise backup.damaged() from error
    finally:
        source.close()
    return Prepared(total, device, True)


def prepare_restore(data_dir: Path, path: Path, pin: str = "",
                    progress: Progress | None = None,
                    cancelled: Callable[[], bool] = lambda: False) -> Prepared | None:
    """Build and verify the restored folder in `restoring/`; None when cancelled.

    The live folder is only read. Raises RestoreError (or BackupError) when refused.
    """
    if not path.is_file():
        raise RestoreError(_("There is no backup file {path}.").format(path=path))
    try:
        if backup.is_backup_file(path):
            prepared = _prepare_log_backup(data_dir, path, pin, progress, cancelled)
        else:
            prepared = _prepare_full_copy(data_dir, path)
    except _Cancelled:
        shutil.rmtree(staging_dir(data_dir), ignore_errors=True)
        return None
    except BaseException:
        shutil.rmtree(staging_dir(data_dir), ignore_errors=True)
        raise
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    removed = [] if prepared.legacy else [
        name for name in backup.FOLDER_FILES if name not in prepared.restored_files
        and name != VAULT_FILE and data_dir.joinpath(*name.split("/")).exists()]
    mark_ready(data_dir, f"backups/{RESTORE_KEPT_PREFIX}{stamp}", prepared.restored_files, removed)
    return prepared


def finish_restore(data_dir: Path, prepared: Prepared) -> RestoreResult:
    """Swap the prepared copy in (every connection to the live database closed first)."""
    for suffix in ("-wal",):
        side = data_dir / (DB_FILENAME + suffix)
        if side.exists() and side.stat().st_size:
            raise RestoreError(_("The database is still in use by another program. Close "
                                 "DEBC Outreach everywhere and try again; nothing was "
                                 "changed."))
    kept = swap_in(data_dir)
    if prepared.secret is not None:
        vault.remember(data_dir, prepared.secret)
    log.info("restored %d events (%s)", prepared.events,
             "full copy" if prepared.legacy else "event log")
    return RestoreResult(prepared.events, kept, prepared.legacy)


def restore(data_dir: Path, path: Path, pin: str = "", progress: Progress | None = None,
            cancelled: Callable[[], bool] = lambda: False) -> RestoreResult | None:
    """Restore `path` into the (closed) data folder; None when cancelled."""
    prepared = prepare_restore(data_dir, path, pin, progress, cancelled)
    if prepared is None:
        return None
    return finish_restore(data_dir, prepared)
