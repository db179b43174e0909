"""Backups of a data folder: its event log, compressed, plus what the log cannot rebuild.

Every table but a few is a projection of the event log, so a backup holds the
log itself, in the bundle codec (codec.py: about 23 bytes an event), and
beside it the local tables (`LOCAL_TABLES`: this device's identity, its
programme and enrolment, peers, sync bookkeeping, the export log, local
preferences) and the small files of the folder that no other computer holds
(`FOLDER_FILES`: settings, device keys, the PIN vault). `restore.py` reads it
back and rebuilds every projection.

Layout::

    MAGIC (12 bytes) | header length (4 bytes, big endian) | header (canonical JSON)
    | frames: length (4 bytes) + chunk, ... | a zero length

The payload is one zstd stream of NDJSON lines, cut into chunks of at most
`CHUNK` compressed bytes. On a folder protected with PINs each chunk is
sealed with ChaCha20-Poly1305 under a key derived from the device secret
(its index and "last" flag bound as associated data, so a cut or reordered
file is refused); the header then carries the PIN vault (the secret wrapped
per PIN, never in the clear), so the backup opens on a new computer with a
trainer's PIN or the recovery code. Lines of the payload, in order:

    ["M", {"events": n, ...}]                   what follows, counted
    ["T", table, [columns]] ["R", [rows]] ...   a local table (rows in blocks)
    ["K", table, [columns]] ["R", [rows]] ...   projection rows of `KEPT_ROWS`
    ["F", path, base64]                         a folder file (path in / form)
    ["U", device, [seq, ...]]                   events stored but not applied
    ["X", [[device, seq, entity, entity_id]]]   what a stand-in made here was about
    ["D", ...] ["B", ...]                       the event log (codec.py), run by run
    ["H", device, last_seq, last_hash]          each run's head, checked on restore
    ["Z", {"events": n, "rows": n}]             the end: a backup without it is cut

A backup is read in one snapshot of the database (one read transaction on a
connection of its own), so the app goes on writing while it is made. It is
written to a temporary name, fsynced and renamed: a power cut leaves the
previous backups as they were.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import logging
import os
import shutil
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import events, field_versions, vault
from debc_outreach.storage.backup import LOG_BACKUP_SUFFIX, PRE_MIGRATION_GLOB, UNVERIFIED
from debc_outreach.storage.database import DB_FILENAME, Database
from debc_outreach.storage.durable import fsync_folder
from debc_outreach.storage.events import EVENT_SCHEMA_VERSION, dumps
from debc_outreach.storage.migrations import applied_migrations
from debc_outreach.sync import codec

log = logging.getLogger(__name__)

MAGIC = b"DEBC-BACKUP\n"
FORMAT_VERSION = 1
SUFFIX = LOG_BACKUP_SUFFIX
DAILY_PREFIX = "daily-"
CHUNK = 1 << 20                      # compressed bytes per frame
MAX_HEADER = 1 << 20
ZSTD_LEVEL = 9
ROWS_PER_LINE = 512
KEY_PURPOSE = "backup"
Progress = Callable[[int, int], None]     # (events written, events in all)

# Tables the event log cannot rebuild: copied row by row. Every other table of the
# schema is rebuilt from the log (REBUILT_TABLES); tests/test_backup.py fails when a
# new table is in neither list.
LOCAL_TABLES = ("device", "sync_programme", "sync_peer", "sync_bundle_in", "sync_bundle_out",
                "sync_bundle_range", "sync_waiting", "sync_quarantine", "sync_held",
                "sync_head", "sync_head_before_signing", "export_audit", "ack_seen",
                "retention_purged", "local_preference")
REBUILT_TABLES = ("event_row", "event_device", "event_name", "_migrations", "trainer",
                  "participant", "participant_fts",
                  "session", "attendance", "checklist_row", "checklist_session_key",
                  "checklist_item_key", "checklist_device_key", "record_version",
                  "version_device", "version_entity", "field_seen",
                  "conflict", "conflict_resolution", "target", "programme_setting",
                  "issued_certificate", "distinct_pair", "report_visit", "report_visit_dirty",
                  "report_device",
                  "quiz_answer", "quiz_count", "quiz_score", "scam_tally", "follow_up")
# Projection rows the log can no longer rebuild, by table: those of participants whose
# names the retention rule removed (their events became hash-only stand-ins, so only the
# rows keep their sex, age, village, ...). Restored over what the log rebuilds.
_PURGED = "SELECT participant_id FROM retention_purged"
# Their field versions travel as one row per field with device ids and field names
# (storage/field_versions.py `rows`): the numbers the tables use are this computer's own.
KEPT_VERSIONS = "field_version"
KEPT_ROWS = {
    "participant": f"id IN ({_PURGED})",
    KEPT_VERSIONS: _PURGED,
    "field_seen": f"entity = 'participant' AND entity_id IN ({_PURGED})",
    "conflict": f"entity = 'participant' AND entity_id IN ({_PURGED})",
}
# Files of the data folder that only this computer holds (paths relative to it).
FOLDER_FILES = ("settings.json", "keys/vault.json", "keys/device-keys.json", "sync-hub.json",
                "sync-folder.json", "content-imports.json")


class BackupError(UserError):
    """A backup that cannot be written or read; the message says why in one line."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    events: int
    size: int                # bytes on disk
    seconds: float


# --- keys ----------------------------------------------------------------------------------

def backup_key(secret: bytes) -> bytes:
    """The key that seals a protected folder's backups (derived from the device secret)."""
    return vault.derive_key(secret, KEY_PURPOSE)


def key_check(secret: bytes) -> str:
    """A one-way value telling which device secret sealed a backup (safe in its header)."""
    return base64.b64encode(vault.derive_key(secret, "backup-check")[:16]).decode("ascii")


def _nonce(index: int) -> bytes:
    return b"\0\0\0\0" + index.to_bytes(8, "big")


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + index.to_bytes(8, "big") + (b"\1" if final else b"\0")


# --- writing -------------------------------------------------------------------------------

class _Cancelled(Exception):
    """The user stopped the backup (or closed the window)."""


def _line(item: list) -> bytes:
    return (dumps(item) + "\n").encode("utf-8")


def _local_lines(conn, counts: dict[str, int]) -> Iterator[bytes]:
    present = {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in LOCAL_TABLES:
        if table not in present:
            continue
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        yield _line(["T", table, columns])
        cursor = conn.execute(f"SELECT {', '.join(columns)} FROM {table}")
        counts[table] = 0
        while rows := cursor.fetchmany(ROWS_PER_LINE):
            counts[table] += len(rows)
            yield _line(["R", [list(row) for row in rows]])


def _kept_lines(conn) -> Iterator[bytes]:
    if not conn.execute("SELECT 1 FROM retention_purged LIMIT 1").fetchone():
        return
    for table, where in KEPT_ROWS.items():
        if table == KEPT_VERSIONS:
            yield _line(["K", table, list(field_versions.COLUMNS)])
            purged = [row[0] for row in conn.execute(where)]
            rows = iter(field_versions.rows(conn, "participant", purged))
        else:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            yield _line(["K", table, columns])
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}")
        while block := list(itertools.islice(rows, ROWS_PER_LINE)):
            yield _line(["R", [[_plain(value) for value in row] for row in block]])


def _plain(value):
    """A value JSON can carry (the ICU sort keys are bytes)."""
    return {"b": base64.b64encode(value).decode("ascii")} if isinstance(value, bytes) \
        else value


def unplain(value):
    return base64.b64decode(value["b"]) if isinstance(value, dict) else value


def _file_lines(data_dir: Path) -> Iterator[bytes]:
    for name in FOLDER_FILES:
        path = data_dir.joinpath(*name.split("/"))
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise BackupError(_("Cannot read {path} for the backup: {reason}")
                              .format(path=path, reason=error.strerror or error)) from error
        yield _line(["F", name, base64.b64encode(data).decode("ascii")])


def _unapplied_lines(conn) -> Iterator[bytes]:
    by_device: dict[str, list[int]] = {}
    for device, seq in conn.execute("SELECT device_id, seq FROM event WHERE applied = 0 "
                                    "ORDER BY device_id, seq"):
        by_device.setdefault(device, []).append(seq)
    for device, seqs in by_device.items():
        yield _line(["U", device, seqs])


def _stand_in_lines(conn) -> Iterator[bytes]:
    """Stand-ins made on this computer (names removed by retention) still say which
    record they were; the codec carries only their hash."""
    cursor = conn.execute("SELECT device_id, seq, entity, entity_id FROM event "
                          "WHERE op = ? AND entity != ''", (codec.REDACTED,))
    while rows := cursor.fetchmany(ROWS_PER_LINE):
        yield _line(["X", [list(row) for row in rows]])


def _event_lines(conn, total: int, progress: Progress | None,
                 cancelled: Callable[[], bool]) -> Iterator[bytes]:
    """The log in the bundle codec, one run per unbroken stretch of a device's chain."""
    writer = codec.BlockWriter()
    device, seq, head = None, 0, ""
    done = 0
    if progress:
        progress(0, total)
    for row in events.all_rows(conn):
        if done % 10000 == 0:
            if cancelled():
                raise _Cancelled()
            if progress and done:
                progress(done, total)
        if row[0] != device or row[1] != seq + 1 or row[9] != head:
            if device is not None:
                yield from writer.flush()
                yield _line(["H", device, seq, head])
            yield from writer.start_run(row[0], row[1], row[9])
            device = row[0]
        yield from writer.add(row)
        seq, head = row[1], row[10]
        done += 1
    if progress:
        progress(done, total)
    if device is not None:
        yield from writer.flush()
        yield _line(["H", device, seq, head])


def _payload_lines(database: Database, data_dir: Path, total: int,
                   progress: Progress | None, cancelled: Callable[[], bool],
                   ) -> Iterator[bytes]:
    conn = database.conn
    counts: dict[str, int] = {}
    yield _line(["M", {"events": total, "event_schema": EVENT_SCHEMA_VERSION}])
    yield from _local_lines(conn, counts)
    yield from _kept_lines(conn)
    yield from _file_lines(data_dir)
    yield from _unapplied_lines(conn)
    yield from _stand_in_lines(conn)
    yield from _event_lines(conn, total, progress, cancelled)
    yield _line(["Z", {"events": total, "rows": counts}])


def _header(database: Database, data_dir: Path, total: int, secret: bytes | None) -> dict:
    conn = database.conn
    device = conn.execute("SELECT id, name FROM device LIMIT 1").fetchone() or ("", "")
    programme = conn.execute("SELECT id, name FROM sync_programme LIMIT 1").fetchone() \
        or ("", "")
    header = {"kind": "debc-outreach-backup", "format": FORMAT_VERSION,
              "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "device_id": device[0], "device_name": device[1],
              "programme_id": programme[0], "programme_name": programme[1],
              "schema": applied_migrations(database), "event_schema": EVENT_SCHEMA_VERSION,
              "events": total, "encoding": "debc-ndjson-1", "compression": "zstd",
              "cipher": "none"}
    if secret is not None:
        vault_file = vault.vault_path(data_dir)
        header.update(cipher="chacha20-poly1305", key_check=key_check(secret),
                      vault=json.loads(vault_file.read_text(encoding="utf-8")))
    return header


def _write_frames(out: BinaryIO, lines: Iterable[bytes], header_bytes: bytes,
                  key: bytes | None, level: int) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    cipher = ChaCha20Poly1305(key) if key is not None else None
    digest = hashlib.sha256(header_bytes).digest()
    compressor = zstandard.ZstdCompressor(level=level, write_checksum=True).compressobj()
    pending = bytearray()
    index = 0

    def flush(final: bool) -> None:
        nonlocal index
        while len(pending) >= CHUNK or (final and (pending or index == 0)):
            piece = bytes(pending[:CHUNK])
            del pending[:CHUNK]
            last = final and not pending
            if cipher is not None:
                piece = cipher.encrypt(_nonce(index), piece, _aad(digest, index, last))
            out.write(struct.pack(">I", len(piece)) + piece)
            index += 1
            if last:
                break

    for line in lines:
        pending += compressor.compress(line)
        if len(pending) >= CHUNK:
            flush(False)
    pending += compressor.flush()
    flush(True)
    out.write(struct.pack(">I", 0))


def folder_secret(data_dir: Path) -> bytes | None:
    """The device secret that seals the folder's backups (None: not protected)."""
    return vault.require_secret(data_dir) if vault.is_protected(data_dir) else None


def write_backup(database: Database, data_dir: Path, target: Path,
                 progress: Progress | None = None,
                 cancelled: Callable[[], bool] = lambda: False,
                 level: int = ZSTD_LEVEL, secret: bytes | None = None) -> BackupResult | None:
    """Write a backup of the open folder to `target` (atomically); None when cancelled.

    Reads one snapshot of `database`: give it a connection of its own when the app
    goes on writing meanwhile. `secret`: the folder's (`folder_secret`), read here when
    not given.
    """
    import time

    started = time.perf_counter()
    _refuse_to_overwrite(target)
    if secret is None:
        secret = folder_secret(data_dir)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(_("Cannot create the backup folder {folder}: {reason}")
                          .format(folder=target.parent, reason=error.strerror)) from error
    # A name of this process's own: the app and a command may back up at the same time.
    temp = target.with_name(f"{target.name}.{os.getpid()}.part")
    conn = database.conn
    conn.execute("BEGIN")
    try:
        total = events.count(conn)         # the first read fixes the snapshot
        header_bytes = dumps(_header(database, data_dir, total, secret)).encode("utf-8")
        with open(temp, "wb") as out:
            out.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)
            _write_frames(out, _payload_lines(database, data_dir, total, progress, cancelled),
                          header_bytes, backup_key(secret) if secret else None, level)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
        fsync_folder(target.parent)
    except _Cancelled:
        temp.unlink(missing_ok=True)
        return None
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise BackupError(_("Cannot write the backup {path}: {reason}")
                          .format(path=target, reason=error.strerror or error)) from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        conn.execute("ROLLBACK")
    return BackupResult(target, total, target.stat().st_size, time.perf_counter() - started)


def _refuse_to_overwrite(target: Path) -> None:
    """Only an older backup may be replaced: a typed name that is the live database
    (or any other document) would otherwise be lost to the backup."""
    if target.exists() and not is_backup_file(target):
        raise BackupError(_("{path} is not a backup; choose another name so that file is "
                            "not overwritten. Nothing was written.").format(path=target))


# --- reading -------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackupFile:
    path: Path
    header: dict
    header_bytes: bytes
    payload_offset: int

    @property
    def encrypted(self) -> bool:
        return self.header.get("cipher") != "none"


def damaged() -> BackupError:
    return BackupError(_("The backup is damaged or incomplete; nothing was changed. Try "
                         "an older backup."))


def is_backup_file(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def read_header(path: Path) -> BackupFile:
    """The header of a backup; refuses a file that is not one, or is cut in its header."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                raise BackupError(_("{name} is not a DEBC Outreach backup; nothing was "
                                    "changed.").format(name=path.name))
            raw = handle.read(4)
            length = struct.unpack(">I", raw)[0] if len(raw) == 4 else MAX_HEADER + 1
            header_bytes = handle.read(length) if length <= MAX_HEADER else b""
    except OSError as error:
        raise BackupError(_("The backup {path} cannot be read ({reason}).")
                          .format(path=path, reason=error.strerror or error)) from error
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise damaged() from error
    if not isinstance(header, dict) or header.get("kind") != "debc-outreach-backup":
        raise damaged()
    if not isinstance(header.get("format"), int) or header["format"] > FORMAT_VERSION:
        raise BackupError(_("This backup was made by a newer version of DEBC Outreach. "
                            "Install the newer version to restore it; nothing was changed."))
    return BackupFile(path, header, header_bytes, len(MAGIC) + 4 + length)


class _Frames:
    """A read()-able stream of the payload's chunks (opened when sealed), for zstd."""

    def __init__(self, handle: BinaryIO, header_bytes: bytes, key: bytes | None):
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

        self._handle = handle
        self._cipher = ChaCha20Poly1305(key) if key is not None else None
        self._digest = hashlib.sha256(header_bytes).digest()
        self._index = 0
        self._buffer = b""
        self._ended = False
        self._next = self._frame()

    def _frame(self) -> bytes | None:
        head = self._handle.read(4)
        if len(head) != 4:
            raise damaged()
        (length,) = struct.unpack(">I", head)
        if length == 0:
            return None
        if length > CHUNK + 64:
            raise damaged()
        data = self._handle.read(length)
        if len(data) != length:
            raise damaged()
        return data

    def read(self, size: int = -1) -> bytes:
        from cryptography.exceptions import InvalidTag

        while not self._buffer and not self._ended:
            current = self._next
            if current is None:
                self._ended = True
                break
            self._next = self._frame()
            if self._cipher is not None:
                try:
                    current = self._cipher.decrypt(
                        _nonce(self._index), current,
                        _aad(self._digest, self._index, self._next is None))
                except InvalidTag as error:
                    raise damaged() from error
            self._index += 1
            self._buffer = current
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def payload_lines(backup: BackupFile, key: bytes | None) -> Iterator[list]:
    """The payload's lines, parsed; BackupError when the file is damaged or cut."""
    try:
        with open(backup.path, "rb") as handle:
            handle.seek(backup.payload_offset)
            reader = zstandard.ZstdDecompressor().stream_reader(
                _Frames(handle, backup.header_bytes, key), read_across_frames=True)
            rest = b""
            ended = False
            while block := reader.read(1 << 20):
                parts = (rest + block).split(b"\n")
                rest = parts.pop()
                for part in parts:
                    item = json.loads(part)
                    if not isinstance(item, list) or not item or ended:
                        raise damaged()
                    ended = item[0] == "Z"
                    yield item
            if rest or not ended:
                raise damaged()
    except (zstandard.ZstdError, ValueError, UnicodeDecodeError) as error:
        raise damaged() from error
    except OSError as error:
        raise BackupError(_("The backup {path} cannot be read ({reason}).")
                          .format(path=backup.path, reason=error.strerror or error)) from error


def verify_backup(path: Path, key: bytes | None,
                  cancelled: Callable[[], bool] = lambda: False,
                  heads: dict[str, tuple[int, str]] | None = None) -> int | None:
    """Read a whole backup back (checksums, seals, its end); return the events it holds
    (None when cancelled). `heads`, when given, receives each device's last (seq, hash)."""
    backup = read_header(path)
    events_seen = 0
    for item in payload_lines(backup, key):
        if item[0] == "B":
            if cancelled():
                return None
            events_seen += len(item[1])
        elif item[0] == "H" and heads is not None and len(item) == 4:
            if item[2] > heads.get(item[1], (0, ""))[0]:
                heads[item[1]] = (item[2], item[3])
        elif item[0] == "Z" and item[1].get("events") != events_seen:
            raise damaged()
    return events_seen


# --- sealing the backups written before a folder was protected ---------------------------

def _raw_frames(handle: BinaryIO) -> Iterator[bytes]:
    while True:
        head = handle.read(4)
        if len(head) != 4:
            raise damaged()
        (length,) = struct.unpack(">I", head)
        if length == 0:
            return
        data = handle.read(length)
        if len(data) != length or length > CHUNK:
            raise damaged()
        yield data


def seal_plain_backup(path: Path, data_dir: Path, secret: bytes) -> None:
    """Encrypt a plain backup in place (atomically), as the folder's backups are from now
    on: each chunk sealed under the folder's backup key, the PIN vault in the header."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    found = read_header(path)
    header = {**found.header, "cipher": "chacha20-poly1305", "key_check": key_check(secret),
              "vault": json.loads(vault.vault_path(data_dir).read_text(encoding="utf-8"))}
    header_bytes = dumps(header).encode("utf-8")
    digest = hashlib.sha256(header_bytes).digest()
    cipher = ChaCha20Poly1305(backup_key(secret))
    temp = path.with_name(path.name + ".part")
    try:
        with open(path, "rb") as source, open(temp, "wb") as out:
            source.seek(found.payload_offset)
            out.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)
            frames = _raw_frames(source)
            current = next(frames, None)
            index = 0
            while current is not None:
                following = next(frames, None)
                sealed = cipher.encrypt(_nonce(index), current,
                                        _aad(digest, index, following is None))
                out.write(struct.pack(">I", len(sealed)) + sealed)
                current, index = following, index + 1
            out.write(struct.pack(">I", 0))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def seal_plain_backups(data_dir: Path) -> int:
    """After PIN set-up: encrypt every plain backup in the folder's backups; return how
    many. One that cannot be read is left as it was (and logged)."""
    from debc_outreach.storage.store import Store

    folder = Store.backup_dir_for(data_dir)
    secret = vault.unlocked_secret(data_dir)
    if secret is None or not folder.is_dir():
        return 0
    sealed = 0
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            if read_header(path).encrypted:
                continue
            seal_plain_backup(path, data_dir, secret)
            sealed += 1
        except (BackupError, OSError) as error:
            log.error("backup %s could not be encrypted (%s); left as it was", path, error)
    return sealed


# --- the daily backup and what is kept -----------------------------------------------------

DAILY_KEEP = 7
WEEKLY_KEEP = 4
SHARE_OF_FREE_DISK = 0.10        # all automatic backups together take at most this
MIN_FREE_AFTER = 500 << 20       # skip the backup when less would be left on the disk
MIN_FREE_SHARE = 0.05            # (or less than this share of a small disk)


@dataclass(frozen=True)
class Kept:
    path: Path
    day: dt.date
    size: int
    # A backup taken before a migration, while it is still the only copy of the folder
    # from before it: until the migrated folder was verified and a daily backup was
    # written after it. The policy never removes it.
    pinned: bool = False


def _order(kept: Kept) -> tuple:
    """Oldest first; on one day an old full copy before a log backup, a backup taken
    before a migration before that day's daily backup."""
    return (kept.day, kept.path.suffix == SUFFIX, kept.path.name.startswith(DAILY_PREFIX))


def _backup_day(path: Path) -> dt.date | None:
    """The day in an automatic backup's name: daily-2026-12-07.debc-backup, or
    before-0022_…-20261207-093000.debc-backup (old full copies end in .sqlite)."""
    name = path.name
    if name.endswith(".sqlite"):
        stem = name.removesuffix(".sqlite")
    elif name.endswith(SUFFIX):
        stem = name.removesuffix(SUFFIX)
    else:
        return None
    try:
        if stem.startswith(DAILY_PREFIX):
            return dt.date.fromisoformat(stem.removeprefix(DAILY_PREFIX))
        if is_pre_migration(path):
            return dt.datetime.strptime(stem.rsplit("-", 2)[-2], "%Y%m%d").date()
    except (ValueError, IndexError):
        return None
    return None


def is_pre_migration(path: Path) -> bool:
    """A backup taken before a migration (an old full copy or a log backup)."""
    return path.match(PRE_MIGRATION_GLOB)


def automatic_backups(folder: Path) -> list[Kept]:
    """The automatic backups in `folder`, oldest first: the daily ones and those taken
    before a migration (old full copies of both included)."""
    found: list[tuple[Kept, float]] = []
    if not folder.is_dir():
        return []
    for path in [*folder.glob(f"{DAILY_PREFIX}*"), *folder.glob(PRE_MIGRATION_GLOB)]:
        day = _backup_day(path)
        if day is None:
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((Kept(path, day, stat.st_size), stat.st_mtime))
    newest_daily = max((mtime for kept, mtime in found
                        if kept.path.name.startswith(DAILY_PREFIX)), default=0.0)
    backups = []
    for kept, mtime in found:
        if is_pre_migration(kept.path) and (
                mtime >= newest_daily or unverified_marker(kept.path).exists()):
            kept = Kept(kept.path, kept.day, kept.size, pinned=True)
        backups.append(kept)
    return sorted(backups, key=_order)


def unverified_marker(pre_migration: Path) -> Path:
    """The file saying that the folder migrated after `pre_migration` was not verified
    yet; it holds what the check compares (events and each device's head)."""
    return pre_migration.with_name(pre_migration.name + UNVERIFIED)


def last_backup_day(folder: Path) -> dt.date | None:
    backups = automatic_backups(folder)
    return backups[-1].day if backups else None


def to_keep(backups: list[Kept], free_bytes: int) -> list[Kept]:
    """What the policy keeps: the newest `DAILY_KEEP` days, and the newest backup of each
    calendar week in the `WEEKLY_KEEP` weeks before them; then the oldest of those go
    while together they take more than `SHARE_OF_FREE_DISK` of the space they and the
    free space add up to. The newest backup is always kept, and so is a backup taken
    before a migration while it is pinned (`Kept.pinned`); once it is not, it stays as
    long as its day does (beside that day's daily backup, if there is one: it is the
    one an earlier version can restore) and counts in the share of the disk."""
    pinned = [kept for kept in backups if kept.pinned]
    newest_first = sorted((kept for kept in backups if not kept.pinned), key=_order,
                          reverse=True)
    daily: dict[dt.date, Kept] = {}
    for kept in newest_first:
        if len(daily) < DAILY_KEEP or kept.day in daily:
            daily.setdefault(kept.day, kept)
    weekly: dict[tuple[int, int], Kept] = {}
    if daily:
        daily_weeks = {day.isocalendar()[:2] for day in daily}
        oldest_daily = min(daily)
        since = oldest_daily - dt.timedelta(weeks=WEEKLY_KEEP)
        for kept in newest_first:
            week = kept.day.isocalendar()[:2]
            if since <= kept.day < oldest_daily and week not in daily_weeks:
                weekly.setdefault(week, kept)
    chosen = [*daily.values(), *weekly.values()]
    days = {kept.day for kept in chosen}
    chosen += [kept for kept in newest_first if kept not in chosen and kept.day in days
               and is_pre_migration(kept.path)]
    chosen.sort(key=_order, reverse=True)
    budget = SHARE_OF_FREE_DISK * (free_bytes + sum(kept.size for kept in backups)) \
        - sum(kept.size for kept in pinned)
    while len(chosen) > 1 and sum(kept.size for kept in chosen) > budget:
        chosen.pop()
    return sorted([*pinned, *chosen], key=_order, reverse=True)


def prune(folder: Path) -> list[Path]:
    """Delete the automatic backups the policy no longer keeps; return them."""
    backups = automatic_backups(folder)
    if not backups:
        return []
    keep = {kept.path for kept in to_keep(backups, shutil.disk_usage(folder).free)}
    removed = []
    for kept in backups:
        if kept.path not in keep:
            kept.path.unlink(missing_ok=True)
            removed.append(kept.path)
    return removed


def _room_for(folder: Path, expected: int) -> int:
    """Free bytes on the backups' disk; BackupError when a backup would nearly fill it."""
    probe = folder if folder.exists() else folder.parent
    usage = shutil.disk_usage(probe)
    free = usage.free
    if free < expected + min(MIN_FREE_AFTER, int(usage.total * MIN_FREE_SHARE)):
        raise BackupError(_("the disk is nearly full ({free} MB free)")
                          .format(free=free >> 20))
    return free


def _remove_stale_parts(folder: Path, older_than_s: int = 3600) -> None:
    """Half-written backups a power cut or a killed program left behind."""
    import time

    for part in folder.glob(f"*{SUFFIX}.*.part") if folder.is_dir() else []:
        try:
            if time.time() - part.stat().st_mtime > older_than_s:
                part.unlink()
        except OSError:
            continue


def daily_backup(database: Database, data_dir: Path, backup_dir: Path,
                 progress: Progress | None = None,
                 cancelled: Callable[[], bool] = lambda: False,
                 today: dt.date | None = None) -> BackupResult | None:
    """Write today's backup once a day (None when it exists or was cancelled), check
    that it reads back, then keep what the policy keeps.

    Skipped with a BackupError when the disk is nearly full: the app goes on, the
    caller warns.
    """
    today = today or dt.date.today()
    target = backup_dir / f"{DAILY_PREFIX}{today.isoformat()}{SUFFIX}"
    if target.exists():
        return None
    # Taken once: the idle lock may forget the secret while the backup is written.
    secret = folder_secret(data_dir)
    _remove_stale_parts(backup_dir)
    previous = [kept for kept in automatic_backups(backup_dir) if kept.path.suffix == SUFFIX]
    expected = previous[-1].size * 2 if previous else 0
    _room_for(backup_dir, expected)
    result = write_backup(database, data_dir, target, progress, cancelled, secret=secret)
    if result is None:
        return None
    try:
        verified = verify_backup(target, backup_key(secret) if secret else None, cancelled)
    except BackupError:
        target.unlink(missing_ok=True)
        raise
    if verified is None:                 # stopped before it was read back: made again
        target.unlink(missing_ok=True)
        return None
    for removed in prune(backup_dir):
        log.info("old backup %s removed by the keeping policy", removed.name)
    return result


def folder_daily_backup(data_dir: Path, progress: Progress | None = None,
                        cancelled: Callable[[], bool] = lambda: False) -> BackupResult | None:
    """`daily_backup` of the folder `data_dir`, on a connection of its own (the app or
    command goes on with its own)."""
    from debc_outreach.storage.store import Store

    database = database_for_backup(data_dir)
    try:
        return daily_backup(database, data_dir, Store.backup_dir_for(data_dir),
                            progress=progress, cancelled=cancelled)
    finally:
        database.close()


def database_for_backup(data_dir: Path) -> Database:
    """A connection of its own to the folder's database, for a backup in the background."""
    return Database(data_dir / DB_FILENAME, vault.folder_database_key(data_dir))
