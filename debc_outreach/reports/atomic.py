"""Writing an export file whole or not at all.

The file is written to a temporary name in the target folder, flushed to disk
and renamed over the target in one step (`os.replace`), so a cancelled export,
a full disk or a crash leaves the old file (or nothing), never half a file.
OS errors become one clear, translated sentence.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage.encryption import SQLITE_HEADER


def explain(error: OSError, path: Path) -> UserError:
    """A message a coordinator can act on."""
    code = getattr(error, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return UserError(_("The disk is full: {path} was not written. Free some space or "
                           "choose another disk; nothing was left behind.").format(path=path))
    if code == errno.ENOENT:
        return UserError(_("The folder {folder} does not exist. Choose an existing folder.")
                         .format(folder=path.parent))
    if code == errno.EISDIR or path.is_dir():
        return UserError(_("{path} is a folder. Give a file name, for example "
                           "report.xlsx.").format(path=path))
    if code == errno.EROFS:
        return UserError(_("The disk holding {path} is read-only. Choose another place.")
                         .format(path=path))
    if isinstance(error, PermissionError) or code in (errno.EACCES, errno.EPERM, errno.EBUSY):
        if path.exists():
            return UserError(_("{path} cannot be replaced: it is open in another program "
                               "(Excel?) or read-only. Close it and try again; the old file "
                               "was not changed.").format(path=path))
        return UserError(_("The folder {folder} cannot be written to. Choose another folder.")
                         .format(folder=path.parent))
    return UserError(_("{path} could not be written: {reason}")
                     .format(path=path, reason=error.strerror or error))


# The first bytes of an SQLite database and of its write-ahead log.
_DATABASE_MAGIC = (SQLITE_HEADER, b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")


def _is_database(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return any(head.startswith(magic) for magic in _DATABASE_MAGIC)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it replaces `path`.

    A database is never replaced: an export written over the app's own database
    file would lose every record."""
    path = Path(path)
    if path.is_dir():
        raise explain(IsADirectoryError(errno.EISDIR, "is a directory"), path)
    if _is_database(path):
        raise UserError(_("{path} is a database, not a report: choose another file name. "
                          "Nothing was written.").format(path=path))
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                        dir=path.parent if str(path.parent) else ".")
        os.close(handle)
    except OSError as error:
        raise explain(error, path) from error
    temp = Path(name)
    try:
        yield temp
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise explain(error, path) from error
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
