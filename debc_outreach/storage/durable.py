"""Making a written file survive a power cut: its bytes, and its name in the folder.

A file written to a temporary name and renamed is only safe once both the file and
the folder that now names it are on the disk (fsync of each): otherwise a power cut
can leave the new name pointing at nothing, or the old file gone.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Put the folder's entries (a rename into it) on the disk. Windows has no such call:
    there a rename is written through by the file system."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
