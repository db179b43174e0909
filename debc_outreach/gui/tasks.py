"""Long work off the GUI thread, with progress and cancel (one pattern for all).

    task = StoreTask(parent, _("Exporting…"), context.store, work)  # work(store, progress)
    task.succeeded.connect(on_done)
    task.start()

`work` runs in the thread pool with a `Store` of its own on the same data
folder (SQLite connections are not shared across threads), opened one way by
`store_for_this_thread` and closed when it returns; it reports with
`progress.report(done, total)` and stops early when `progress.cancelled`.
Work that reads no records (signing a pack, reading a file) uses `Task` with
`work(progress)`. A `UserError` from `work` is shown as a message; other
errors go to the error dialog. Results come back on the GUI thread through
signals; the code that receives them announces what changed.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from debc_outreach.errors import UserError
from debc_outreach.gui.errors import show_unexpected_error, show_user_error
from debc_outreach.i18n import _
from debc_outreach.storage.database import Database
from debc_outreach.storage.private_temp import PrivateTemp
from debc_outreach.storage.store import Store

log = logging.getLogger(__name__)


class Progress:
    """Handed to the work function; thread-safe enough for a flag and a signal."""

    def __init__(self, signals: _Signals):
        self._signals = signals
        self.cancelled = False

    def report(self, done: int, total: int, message: str = "") -> None:
        self._signals.progress.emit(done, total, message)


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object, str)


class _Runnable(QRunnable):
    def __init__(self, work: Callable[[Progress], object], progress: Progress,
                 signals: _Signals):
        super().__init__()
        self._work, self._progress, self._signals = work, progress, signals

    def run(self) -> None:
        try:
            result = self._work(self._progress)
        except UserError as error:
            self._signals.failed.emit(error, "")
        except Exception as error:   # noqa: BLE001 - reported to the user and logged
            details = traceback.format_exc()
            log.error("task failed\n%s", details)
            self._signals.failed.emit(error, details)
        else:
            self._signals.finished.emit(result)


class Task(QObject):
    succeeded = Signal(object)
    cancelled = Signal()
    failed = Signal()

    def __init__(self, parent: QWidget, title: str, work: Callable[[Progress], object]):
        super().__init__(parent)
        self._parent = parent
        self._signals = _Signals()
        self._progress = Progress(self._signals)
        self._runnable = _Runnable(work, self._progress, self._signals)
        self._runnable.setAutoDelete(False)
        self._dialog = QProgressDialog(title, _("Cancel"), 0, 0, parent)
        self._dialog.setWindowTitle(title)
        self._dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self._dialog.setMinimumDuration(400)
        self._dialog.canceled.connect(self._cancel)
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)

    def start(self) -> None:
        QThreadPool.globalInstance().start(self._runnable)

    def _cancel(self) -> None:
        self._progress.cancelled = True

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self._dialog.setMaximum(max(total, 0))
        self._dialog.setValue(min(done, total) if total else 0)
        if message:
            self._dialog.setLabelText(message)

    def _close(self) -> None:
        self._dialog.canceled.disconnect(self._cancel)
        self._dialog.reset()
        self._dialog.close()

    def _on_finished(self, result: object) -> None:
        self._close()
        if self._progress.cancelled:
            self.cancelled.emit()
        else:
            self.succeeded.emit(result)

    def _on_failed(self, error: object, details: str) -> None:
        self._close()
        if details:
            show_unexpected_error(self._parent, details)
        else:
            show_user_error(self._parent, str(error))
        self.failed.emit()


def store_for_this_thread(store: Store) -> Store:
    """The data folder of `store` through a connection of the calling thread's own.

    The folder is already open, checked and migrated by the GUI's store, so only the
    connection (set up for writing, like the GUI's) and a private temporary folder of
    the task's own are made here; close the store when done.
    """
    database = Database(store.database.path, store.database.key)
    try:
        database.configure_for_writing()
        temp = PrivateTemp(store.data_dir)
    except BaseException:
        database.close()
        raise
    return Store(store.data_dir, database, store.device_id, temp=temp)


class StoreTask(Task):
    """A `Task` whose work reads or writes records: `work(store, progress)`."""

    def __init__(self, parent: QWidget, title: str, store: Store,
                 work: Callable[[Store, Progress], object]):
        def run(progress: Progress) -> object:
            with store_for_this_thread(store) as own:
                return work(own, progress)

        super().__init__(parent, title, run)
