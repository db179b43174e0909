"""What every window needs: the open store, the settings, and change signals.

Services below the GUI know nothing of Qt; a user's change runs through
`changes.run_change` (or a background task that calls `announce_change` when
it is done), and pages that show those records refresh themselves from the
`records_changed` signal.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from debc_outreach import i18n
from debc_outreach.gui import fonts
from debc_outreach.gui.qt_strings import GettextTranslator
from debc_outreach.settings import Settings, save_settings
from debc_outreach.storage.store import Store

log = logging.getLogger(__name__)

QT_LOCALES = {"km": QLocale("km_KH"),
              "en": QLocale("en_GB")}


class AppContext(QObject):
    records_changed = Signal(str)       # entity name, or "" for "anything"
    settings_changed = Signal()

    def __init__(self, data_dir: Path, settings: Settings, store: Store | None = None):
        super().__init__()
        self.data_dir = data_dir
        self.settings = settings
        self.store = store
        # The main window once it is shown (what the idle lock covers), and the idle lock
        # itself while the folder is protected; both are set by the start-up code.
        self.window: QWidget | None = None
        self.idle_lock: QObject | None = None
        self._translator = GettextTranslator()

    # --- language and display ------------------------------------------------
    def apply_language(self, language: str) -> None:
        """Switch language now: Qt sends LanguageChange to every widget."""
        i18n.set_language(language)
        QLocale.setDefault(QT_LOCALES[i18n.language()])
        app = QApplication.instance()
        if app is not None:
            app.removeTranslator(self._translator)
            app.installTranslator(self._translator)
            # Qt posts LanguageChange to each window; deliver now so the switch is immediate.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)

    def set_language(self, language: str) -> None:
        self.settings.language = language
        self.apply_language(language)
        self.save()

    def set_khmer_digits(self, enabled: bool) -> None:
        self.settings.khmer_digits = enabled
        i18n.set_khmer_digits(enabled)
        self.save()
        # Every window writes its texts again, so the digits in them change at once.
        self.apply_language(i18n.language())
        self.settings_changed.emit()

    def set_font_scale(self, percent: int) -> None:
        self.settings.font_scale = min(150, max(100, percent))
        fonts.apply_font_scale(self.settings.font_scale)
        self.save()
        self.settings_changed.emit()

    def set_current_trainer(self, trainer_id: str) -> None:
        self.settings.current_trainer_id = trainer_id
        self.save()
        self.settings_changed.emit()

    def save(self) -> None:
        save_settings(self.data_dir, self.settings)

    def announce_change(self, entity: str = "") -> None:
        """Tell every page that records of `entity` ("" for "anything") changed, and log
        who changed them (the trainer profile in use on this computer)."""
        log.info("records changed: %s, by trainer %s", entity or "any",
                 self.settings.current_trainer_id or "-")
        self.records_changed.emit(entity)
