"""Today's backup, written in the background once the main window is on screen.

The backup reads its own snapshot of the database (a connection of its own),
so the trainer works on while it is written; the Home page shows how far it
got, and the window's banner says why when it was skipped (a nearly full
disk). Closing the window stops it; the half-written file is removed and the
next start writes it again.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from debc_outreach.errors import UserError
from debc_outreach.gui.context import AppContext

log = logging.getLogger(__name__)


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(str)          # why the backup was not made ("" when it was, or not due)


class _Work(QRunnable):
    def __init__(self, runner: DailyBackup):
        super().__init__()
        self._runner = runner
        self._signals = runner.signals

    def run(self) -> None:
        from debc_outreach.sync.backup import folder_daily_backup

        data_dir = self._runner.data_dir
        reason = ""
        try:
            folder_daily_backup(data_dir, progress=self._signals.progress.emit,
                                cancelled=lambda: self._runner.cancelled)
        except UserError as error:
            log.warning("daily backup not made: %s", error)
            reason = str(error)
        except Exception as error:   # noqa: BLE001 - a backup must never stop the app
            log.error("daily backup failed\n%s", traceback.format_exc())
            reason = str(error) or type(error).__name__
        self._signals.finished.emit(reason)


class DailyBackup(QObject):
    """Runs `sync.backup.daily_backup` in the thread pool; `signals` report on the GUI
    thread."""

    def __init__(self, context: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.data_dir = context.data_dir
        self.signals = _Signals()
        self.signals.finished.connect(self._finished)
        self.cancelled = False
        self.running = False

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self.cancelled = False
        QThreadPool.globalInstance().start(_Work(self))

    def cancel(self) -> None:
        self.cancelled = True

    def _finished(self, reason: str) -> None:
        self.running = False
        if self.context.store is not None and not self.cancelled:
            self.context.store.backup_failure = reason
