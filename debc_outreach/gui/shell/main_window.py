"""The main window: navigation on the left, the chosen area on the right."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QThreadPool
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n, resources
from debc_outreach.gui.changes import attempt
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.page import Page
from debc_outreach.gui.pages import PAGES
from debc_outreach.gui.shell.first_paint import after_first_paint
from debc_outreach.i18n import _
from debc_outreach.storage import trainers


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context
        self.setObjectName("mainWindow")
        self.setWindowIcon(QIcon(str(resources.icon_path("app.svg"))))
        self.resize(1280, 720)
        self._entries = PAGES
        self._pages: dict[int, Page] = {}

        central = QWidget()
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        side = QWidget()
        side.setObjectName("sidebar")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 12, 8, 12)
        self.brand = QLabel("DEBC Outreach")
        self.brand.setObjectName("brand")
        side_layout.addWidget(self.brand)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(28, 28))
        # The names are never cut: the list is as wide as its longest name, at any text size.
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for entry in self._entries:
            item = QListWidgetItem(QIcon(str(resources.icon_path(entry.icon))), "")
            self.nav.addItem(item)
        side_layout.addWidget(self.nav, 1)
        self.trainer_label = QLabel()
        self.trainer_label.setWordWrap(True)
        side_layout.addWidget(self.trainer_label)
        self.language_button = QPushButton()
        self.language_button.setObjectName("languageButton")
        self.language_button.clicked.connect(self.toggle_language)
        side_layout.addWidget(self.language_button)
        self.settings_button = QPushButton()
        self.settings_button.clicked.connect(self.open_settings)
        side_layout.addWidget(self.settings_button)
        outer.addWidget(side)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        # Shown when today's backup failed (a full disk): the work goes on, the user knows.
        self.backup_banner = QLabel()
        self.backup_banner.setObjectName("backupBanner")
        self.backup_banner.setStyleSheet("background: #fff4d6; color: #5c3c00; padding: 8px;")
        self.backup_banner.setWordWrap(True)
        self.backup_banner.hide()
        right.addWidget(self.backup_banner)
        self.stack = QStackedWidget()
        right.addWidget(self.stack, 1)
        outer.addLayout(right, 1)
        for _entry in self._entries:
            self.stack.addWidget(_page_frame(QWidget()))   # the page comes when first shown
        self.setCentralWidget(central)

        self._build_menus()
        # Qt's shortcut machinery costs ~30 ms on first use: after the first frame.
        after_first_paint(self, self._install_shortcuts)
        self.nav.currentRowChanged.connect(self.show_page)
        context.settings_changed.connect(self._update_trainer_label)
        self.retranslate()
        self.nav.setCurrentRow(0)
        self.daily_backup = None

    # --- today's backup, in the background -------------------------------------------
    def start_daily_backup(self) -> None:
        """Write today's backup (if not made yet) behind the window, once it is shown."""
        from debc_outreach.gui.shell.daily_backup import DailyBackup

        if self.daily_backup is None:
            self.daily_backup = DailyBackup(self.context, self)
            self.daily_backup.signals.progress.connect(self._backup_progress)
            self.daily_backup.signals.finished.connect(self._backup_finished)
        after_first_paint(self, self.daily_backup.start)
        self.update()          # a window already on screen paints again, and so starts it

    def _home_page(self):
        return self._pages.get(next(i for i, entry in enumerate(self._entries)
                                    if entry.key == "home"))

    def _backup_progress(self, done: int, total: int) -> None:
        home = self._home_page()
        if home is not None:
            home.show_backup_progress(done, total)

    def _backup_finished(self, _reason: str) -> None:
        self.retranslate()                # the banner, if the backup was not made
        home = self._home_page()
        if home is not None:
            home.show_backup_progress(None, None)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.daily_backup is not None and self.daily_backup.running:
            # Stop it (its temporary file is removed) before the database closes.
            self.daily_backup.cancel()
            QThreadPool.globalInstance().waitForDone(30000)
        super().closeEvent(event)

    # --- pages -------------------------------------------------------------
    def show_page(self, row: int) -> None:
        if row < 0:
            return
        page = self._pages.get(row)
        if page is None:
            page = self._entries[row].load()(self.context)
            placeholder = self.stack.widget(row)
            self.stack.insertWidget(row, _page_frame(page))
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self._pages[row] = page
        self.stack.setCurrentIndex(row)
        page.activate()

    def current_page(self) -> Page | None:
        """The page shown now (the stack holds each page in a scroll area)."""
        frame = self.stack.currentWidget()
        page = frame.widget() if isinstance(frame, QScrollArea) else None
        return page if isinstance(page, Page) else None

    def page(self, key: str) -> Page:
        """Show the page with `key` and return it (used by tests and links)."""
        row = next(i for i, entry in enumerate(self._entries) if entry.key == key)
        self.nav.setCurrentRow(row)
        return self._pages[row]

    # --- menus ---------------------------------------------------------------
    def _build_menus(self) -> None:
        self.file_menu = self.menuBar().addMenu("")
        self.backup_action = QAction(self)
        self.backup_action.triggered.connect(self.backup_now)
        self.file_menu.addAction(self.backup_action)
        self.settings_action = QAction(self)
        self.settings_action.triggered.connect(self.open_settings)
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.quit_action = QAction(self)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        self.help_menu = self.menuBar().addMenu("")
        self.guide_actions = {}
        for guide in ("trainer", "coordinator"):
            action = QAction(self)
            action.triggered.connect(lambda _checked=False, name=guide: self.open_guide(name))
            self.help_menu.addAction(action)
            self.guide_actions[guide] = action
        self.help_menu.addSeparator()
        self.about_action = QAction(self)
        self.about_action.triggered.connect(self.open_about)
        self.help_menu.addAction(self.about_action)

    def _install_shortcuts(self) -> None:
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.guide_actions["trainer"].setShortcut(QKeySequence.StandardKey.HelpContents)

    # --- texts -----------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("DEBC Outreach"))
        for row, entry in enumerate(self._entries):
            self.nav.item(row).setText(_(entry.title))
        other = "en" if i18n.language() == "km" else "km"
        self.language_button.setText(i18n.LANGUAGE_NAMES[other])
        self.language_button.setToolTip(_("Switch the language of the app"))
        self.settings_button.setText(_("Settings"))
        self.file_menu.setTitle(_("&File"))
        self.backup_action.setText(_("&Back up the database…"))
        self.settings_action.setText(_("&Settings…"))
        self.quit_action.setText(_("&Quit"))
        self.help_menu.setTitle(_("&Help"))
        self.about_action.setText(_("&About DEBC Outreach"))
        self.guide_actions["trainer"].setText(_("&Trainer's guide"))
        self.guide_actions["coordinator"].setText(_("&Coordinator's guide"))
        self._update_trainer_label()
        warning = self.context.store.backup_warning if self.context.store else ""
        self.backup_banner.setText(warning)
        self.backup_banner.setVisible(bool(warning))
        self._fit_navigation()

    def _fit_navigation(self) -> None:
        """Widen the navigation to its longest name (language and text size change it)."""
        frame = 2 * self.nav.frameWidth() + 16
        self.nav.setFixedWidth(max(200, self.nav.sizeHintForColumn(0) + frame))

    def _update_trainer_label(self) -> None:
        trainer = trainers.get_trainer(self.context.store,
                                       self.context.settings.current_trainer_id)
        name = trainer.display_name if trainer else _("no profile selected")
        self.trainer_label.setText(_("Trainer: {name}").format(name=name))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.FontChange:
            self._fit_navigation()
        super().changeEvent(event)

    # --- actions -----------------------------------------------------------------
    def toggle_language(self) -> None:
        self.context.set_language("en" if i18n.language() == "km" else "km")

    def open_settings(self) -> None:
        from debc_outreach.gui.shell.settings_dialog import SettingsDialog

        SettingsDialog(self.context, self).exec()

    def open_about(self) -> None:
        from debc_outreach.gui.shell.about_dialog import AboutDialog

        AboutDialog(self, self.context).exec()

    def open_guide(self, name: str) -> None:
        from debc_outreach.gui.shell.guide_viewer import GuideDialog

        dialog = self.findChild(GuideDialog, f"guide-{name}")
        if dialog is None:                  # one window per guide, beside the app (not modal)
            done = attempt(self, lambda: GuideDialog(name, self))
            if not done:
                return
            dialog = done.value
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def backup_now(self) -> None:
        """Write a backup where the user chooses (a USB stick), with progress and Cancel."""
        import datetime as dt

        from debc_outreach.gui.tasks import StoreTask
        from debc_outreach.sync.backup import SUFFIX, write_backup

        name = f"backup-{dt.datetime.now():%Y-%m-%d-%H%M}{SUFFIX}"
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Back up the database"), str(Path.home() / name),
            _("DEBC Outreach backups (*.debc-backup)"))
        if not path:
            return
        target = Path(path)

        def work(store, progress):
            return write_backup(store.database, store.data_dir, target, progress.report,
                                lambda: progress.cancelled)

        task = StoreTask(self, _("Writing the backup…"), self.context.store, work)
        task.succeeded.connect(lambda result: result and self.statusBar().showMessage(
            _("Backup written to {path}").format(path=result.path), 8000))
        task.start()


def _page_frame(page: QWidget) -> QScrollArea:
    """A page in a scroll area: at a large text size on a small screen the page scrolls
    instead of pushing the window past the screen's edge."""
    frame = QScrollArea()
    frame.setObjectName("pageFrame")
    frame.setFrameShape(QFrame.Shape.NoFrame)
    frame.setWidgetResizable(True)
    frame.setWidget(page)
    return frame
