"""Resumable bundle uploads: chunks appended to a part file, stored when complete.

A device pushes a bundle in chunks (X-Debc-Offset, X-Debc-Total); when the
connection drops it asks how much arrived and goes on from there. A part file
left longer than UPLOAD_DAYS is swept away.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from debc_outreach.hub import ingest
from debc_outreach.hub.service import Hub
from debc_outreach.sync import trust

UPLOAD_DAYS = 7                   # an interrupted upload may resume within this time


def _part(hub: Hub, cert: trust.Certificate, bundle_id: str) -> Path:
    return hub.uploads / f"{cert.device_id}-{bundle_id}.part"


def received(hub: Hub, cert: trust.Certificate, bundle_id: str) -> int:
    """How many bytes of an interrupted upload arrived."""
    part = _part(hub, cert, bundle_id)
    return part.stat().st_size if part.exists() else 0


def receive(hub: Hub, cert: trust.Certificate, bundle_id: str, offset: int, total: int,
            body: bytes, when: str) -> tuple[int, dict]:
    """Append one chunk; store the bundle when complete. Returns (HTTP status, answer).

    One writer per upload, also across several hub processes sharing the folder
    (a lock file)."""
    part = _part(hub, cert, bundle_id)
    lock_file = part.with_name(part.name + ".lock")
    with _lock(lock_file):
        if ingest.seen(hub, bundle_id):
            return 200, {"bundle_id": bundle_id, "status": "replayed",
                         "vector": hub.vector()}
        arrived = part.stat().st_size if part.exists() else 0
        if offset != arrived:
            return 409, {"bundle_id": bundle_id, "status": "partial",
                         "received": arrived}
        with open(part, "ab") as handle:
            handle.write(body)
        arrived += len(body)
        if arrived < total:
            return 202, {"bundle_id": bundle_id, "status": "partial",
                         "received": arrived}
        try:
            stored = ingest.ingest(hub, part, cert, when).as_json()
        finally:
            part.unlink(missing_ok=True)
        # Stored: whoever holds or takes this lock from now on only reads (a replay),
        # so the lock file can go.
        lock_file.unlink(missing_ok=True)
        return 200, stored


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (fcntl where available; else within this process).

    Lock files stay (removing one while another process waits on it would split the
    lock); the sweep removes them with the abandoned uploads.
    """
    try:
        import fcntl
    except ImportError:          # Windows: one hub process per upload folder
        with _thread_locks_guard:
            lock = _thread_locks.setdefault(str(path), threading.Lock())
        with lock:
            yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sweep(folder: Path, age_seconds: float) -> None:
    """Remove files left by transfers abandoned long ago."""
    limit = time.time() - age_seconds
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass
