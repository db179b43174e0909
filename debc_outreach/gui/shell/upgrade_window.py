"""The window a new version shows, before the main window, while it updates an old folder.

It says what is happening and that the records are safe, and shows one progress
bar per step (the backup, each migration, the check, the compaction) while
`sync.upgrade.upgrade_folder` runs in the thread pool. There is no Cancel: the
migrations are one transaction, so stopping would only throw the work away; the
window says so, and a power cut leaves the folder as it was.

When the migrated folder does not pass its check the app cannot open it, so
Settings → Restore… is out of reach: the window offers to restore the backup
taken before the update itself (sync.restore, in the thread pool too).
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from debc_outreach.errors import UserError
from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.i18n import _

log = logging.getLogger(__name__)
BAR_STEPS = 1000           # the bars count in thousandths: totals may pass 2**31


class _Signals(QObject):
    progress = Signal(str, int, int)
    finished = Signal(object)          # the UpgradeResult
    failed = Signal(str, object)       # the message to show, the backup to restore or None


class _Work(QRunnable):
    def __init__(self, data_dir: Path, key: bytes | None, signals: _Signals):
        super().__init__()
        self._data_dir, self._key, self._signals = data_dir, key, signals

    def run(self) -> None:
        from debc_outreach.sync.upgrade import UpgradeError, upgrade_folder

        try:
            result = upgrade_folder(self._data_dir, self._key, self._signals.progress.emit)
        except UpgradeError as error:
            self._signals.failed.emit(str(error), error.backup)
        except UserError as error:
            self._signals.failed.emit(str(error), None)
        except Exception as error:   # noqa: BLE001 - said to the user, logged in full
            log.error("update of the data folder failed\n%s", traceback.format_exc())
            self._signals.failed.emit(_(
                "The records could not be updated ({reason}). They are safe: the backups "
                "folder keeps a backup from before the update. Tell your coordinator.").format(
                reason=str(error) or type(error).__name__), None)
        else:
            self._signals.finished.emit(result)


class _RestoreWork(QRunnable):
    """Rebuilds the folder from the backup taken before the update (see the module)."""

    def __init__(self, data_dir: Path, backup: Path, signals: _Signals):
        super().__init__()
        self._data_dir, self._backup, self._signals = data_dir, backup, signals

    def run(self) -> None:
        from debc_outreach.sync import restore

        try:
            restore.restore(self._data_dir, self._backup, progress=lambda done, total:
                            self._signals.progress.emit(_RESTORE, done, total))
        except UserError as error:
            self._signals.failed.emit(str(error), None)
        except Exception as error:   # noqa: BLE001 - said to the user, logged in full
            log.error("restore after the update failed\n%s", traceback.format_exc())
            self._signals.failed.emit(_(
                "The backup could not be restored ({reason}). Tell your coordinator.").format(
                reason=str(error) or type(error).__name__), None)
        else:
            self._signals.finished.emit(None)


_RESTORE = "restore"                  # the progress of the restore, on a bar of its own


class UpgradeWindow(QDialog):
    """Runs the update once shown; `error` holds why it failed ("" when it did not)."""

    def __init__(self, data_dir: Path, key: bytes | None, migration_names: list[str],
                 parent: QWidget | None = None):
        super().__init__(parent)
        from debc_outreach.sync.upgrade import planned_steps

        self._data_dir, self._key = data_dir, key
        self._names = migration_names
        self._steps = planned_steps(migration_names)
        self._running = False
        self._current = ""
        self._backup: Path | None = None     # to restore, once the check did not pass
        self.error = ""
        self.said = False                    # the window itself showed the error
        self.result = None
        self.setObjectName("upgradeWindow")
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.setMinimumWidth(620)
        self._build()
        self._signals = _Signals()
        self._signals.progress.connect(self._progress)
        self._signals.finished.connect(self._finished)
        self._signals.failed.connect(self._failed)
        self._retranslate()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self.headline = QLabel()
        self.headline.setFont(fonts.heading_font(self.font(), 1.4))
        self.headline.setWordWrap(True)
        self.intro = QLabel()
        self.safe = QLabel()
        self.no_cancel = QLabel()
        for label in (self.intro, self.safe, self.no_cancel):
            label.setWordWrap(True)
        layout.addWidget(self.headline)
        layout.addWidget(self.intro)
        layout.addWidget(self.safe)
        layout.addWidget(self.no_cancel)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        self.step_labels: dict[str, QLabel] = {}
        self.bars: dict[str, QProgressBar] = {}
        for row, step in enumerate(self._steps):
            label = QLabel()
            label.setWordWrap(True)
            bar = QProgressBar()
            bar.setRange(0, BAR_STEPS)
            bar.setValue(0)
            bar.setMinimumWidth(200)
            grid.addWidget(label, row, 0)
            grid.addWidget(bar, row, 1)
            self.step_labels[step], self.bars[step] = label, bar
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        layout.addLayout(grid)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.restore_bar = QProgressBar()
        self.restore_bar.setRange(0, BAR_STEPS)
        self.restore_bar.setVisible(False)
        layout.addWidget(self.restore_bar)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.setVisible(False)
        layout.addWidget(self.buttons)
        self.restore_buttons = QDialogButtonBox()
        self.restore_button = self.restore_buttons.addButton(
            "", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.restore_buttons.addButton(
            "", QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.clicked.connect(self._restore)
        self.close_button.clicked.connect(self.reject)
        self.restore_buttons.setVisible(False)
        layout.addWidget(self.restore_buttons)
        layout.addStretch(1)

    def _retranslate(self) -> None:
        from debc_outreach.sync.upgrade import step_label

        self.setWindowTitle(_("Updating your records"))
        self.headline.setText(_("Updating the records on this computer"))
        self.intro.setText(_(
            "This version of DEBC Outreach keeps records in a new, smaller way, so the "
            "records on this computer are being updated. On a large programme this can "
            "take several minutes; the app opens by itself when it is done."))
        self.safe.setText(_(
            "Your records are safe: a backup is written first. If the computer switches "
            "off during the update, nothing is changed, and the update starts again at "
            "the next start."))
        self.no_cancel.setText(_(
            "The update cannot be stopped half-way: it is saved all at once at the end, so "
            "stopping would only throw the work away. Keep the computer plugged in."))
        for step, label in self.step_labels.items():
            label.setText(step_label(step, self._names))
        self.restore_button.setText(_("Restore the backup from before the update"))
        self.close_button.setText(_("Close"))
        if self._backup is not None:
            self.status.setText(self._restore_text())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def start(self) -> None:
        self._running = True
        QThreadPool.globalInstance().start(_Work(self._data_dir, self._key, self._signals))

    def exec(self) -> int:
        self.start()
        return super().exec()

    def _progress(self, step: str, done: int, total: int) -> None:
        if step == _RESTORE:
            self._show(self.restore_bar, done, total)
            return
        if step not in self.bars:
            return
        if step != self._current:
            for earlier in self._steps[:self._steps.index(step)]:
                self._fill(earlier)
            self._current = step
        self._show(self.bars[step], done, total)

    @staticmethod
    def _show(bar: QProgressBar, done: int, total: int) -> None:
        if total <= 0:
            bar.setRange(0, 0)               # under way, how far not known
        else:
            bar.setRange(0, BAR_STEPS)
            bar.setValue(min(BAR_STEPS, done * BAR_STEPS // total))

    def _fill(self, step: str) -> None:
        self.bars[step].setRange(0, BAR_STEPS)
        self.bars[step].setValue(BAR_STEPS)

    def _finished(self, result) -> None:
        self._running = False
        if result is None:                   # the restore is done: the folder opens
            self.accept()
            return
        self.result = result
        for step in self._steps:
            self._fill(step)
        if result.warning:                   # the folder is fine, just not smaller
            self.status.setText(result.warning)
            self.buttons.setVisible(True)
            return
        self.accept()

    def _failed(self, message: str, backup: Path | None) -> None:
        self._running = False
        self.error = message
        if backup is None or not backup.is_file():
            self.reject()
            return
        self._backup = backup
        self.said = True
        self.status.setText(self._restore_text())
        self.restore_buttons.setVisible(True)

    def _restore_text(self) -> str:
        return "\n\n".join((self.error, _(
            "Restore it now: the records are rebuilt from it and checked, then the app "
            "opens. What is on this computer now is kept in the backups folder.")))

    def _restore(self) -> None:
        """Rebuild the folder from the backup from before the update, then open the app."""
        self.restore_buttons.setVisible(False)
        self.restore_bar.setVisible(True)
        self.status.setText(_("Rebuilding the records from the backup…"))
        self.error = ""
        self._running = True
        QThreadPool.globalInstance().start(_RestoreWork(self._data_dir, self._backup,
                                                        self._signals))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._running:
            event.ignore()                   # see no_cancel: nothing to stop safely
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if self._running:
            return                           # Escape does not stop the update either
        super().reject()


def bring_up_to_date(context: AppContext) -> bool:
    """Before the main window: update a folder an earlier version wrote, in the window
    above. False when it could not be (the reason was shown; the folder is as before
    or its backup is kept)."""
    from debc_outreach.storage import vault
    from debc_outreach.sync import upgrade

    key = vault.folder_database_key(context.data_dir)
    try:
        names = upgrade.pending_steps(context.data_dir, key)
        if not upgrade.needs_work(context.data_dir, key, names):
            return True
    except UserError as error:
        show_user_error(None, error)
        return False
    window = UpgradeWindow(context.data_dir, key, names)
    window.exec()
    if window.error:
        if not window.said:
            show_user_error(None, window.error)
        return False
    return True
