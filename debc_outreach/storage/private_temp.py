"""Temporary files inside the data folder, never in the system's temp folder.

Some libraries spill to disk while they work: xlsxwriter writes every sheet of
an export to temporary files (participants' names in plain text), the sync
importer spools a bundle's events. In the system's temp folder those files
outlive a crash or a `kill -9`, readable by anyone who gets the laptop, even
when the data folder is protected with PINs. So each running copy of the app
gets its own folder `tmp/session-*` inside the data folder (owner-only), made
the default of Python's `tempfile` while its store is open, and removed when
the store closes. A lock file marks the folder as in use: folders left by a
copy of the app that was killed are removed at the next start (once a minute
old, so a copy just starting is not mistaken for one), folders of a copy still
running (the GUI while a command runs) are left alone.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path

from filelock import FileLock, Timeout

log = logging.getLogger(__name__)

FOLDER = "tmp"
SESSION_PREFIX = "session-"
IN_USE = "in-use.lock"
# A folder this young may belong to a copy of the app that has not taken its lock yet.
GRACE_S = 60

# Stores open in this process (the GUI's, and those its background tasks open), newest
# last: `tempfile` points into the newest one, and back to the one before when it closes.
_OPEN: list[PrivateTemp] = []
_OPEN_LOCK = threading.Lock()
_SYSTEM_DEFAULT: list[str | None] = []


def root(data_dir: Path) -> Path:
    """The folder holding every session's temporary files (created owner-only)."""
    folder = Path(data_dir) / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def remove_leftovers(data_dir: Path) -> int:
    """Remove the session folders of copies of the app that stopped without cleaning up.

    Returns how many were removed. Loose files directly in `tmp/` are left alone:
    they are sealed bundles a running sync is receiving.
    """
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return 0
    removed = 0
    now = time.time()
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name.startswith(SESSION_PREFIX):
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime < GRACE_S:
                    continue
            lock = FileLock(entry / IN_USE, timeout=0)
            try:
                with lock:
                    _remove_tree_keeping(entry, entry / IN_USE)
            except Timeout:
                continue                  # another copy of the app is using it
            with contextlib.suppress(OSError):
                (entry / IN_USE).unlink()
                entry.rmdir()
            removed += 1
    if removed:
        log.info("removed %d leftover temporary item(s) from %s", removed, folder)
    return removed


def _remove_tree_keeping(folder: Path, keep: Path) -> None:
    for entry in folder.iterdir():
        if entry == keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()


class PrivateTemp:
    """This process's temporary folder in a data folder; `close()` removes it."""

    def __init__(self, data_dir: Path):
        remove_leftovers(data_dir)
        self.path = Path(tempfile.mkdtemp(prefix=SESSION_PREFIX, dir=root(data_dir)))
        self._lock = FileLock(self.path / IN_USE, timeout=0, thread_local=False)
        self._lock.acquire()
        with _OPEN_LOCK:
            if not _OPEN:
                _SYSTEM_DEFAULT[:] = [tempfile.tempdir]
            _OPEN.append(self)
            # Libraries that call `tempfile` without a folder (xlsxwriter) land here.
            tempfile.tempdir = str(self.path)

    def close(self) -> None:
        with _OPEN_LOCK:
            if self in _OPEN:
                _OPEN.remove(self)
            tempfile.tempdir = str(_OPEN[-1].path) if _OPEN else (
                _SYSTEM_DEFAULT[0] if _SYSTEM_DEFAULT else None)
        self._lock.release()
        shutil.rmtree(self.path, ignore_errors=True)
