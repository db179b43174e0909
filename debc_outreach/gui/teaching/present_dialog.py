"""Before presenting: which screen shows the slides, in which language, with a trainer view,
and whether the module's quick checks are asked before and after it."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.model import Module
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.gui import fonts
from debc_outreach.gui.teaching.presenter import projector_screen
from debc_outreach.i18n import _, ngettext


class PresentDialog(QDialog):
    def __init__(self, module: Module, language: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("presentDialog")
        self.setWindowTitle(_("Present a module"))
        self.setMinimumWidth(480)
        title = QLabel(with_line_breaks(module.title(language)))
        title.setFont(fonts.heading_font(self.font(), 1.2))
        title.setWordWrap(True)
        self.screens = QComboBox()
        screens = QGuiApplication.screens()
        primary = QGuiApplication.primaryScreen()
        for number, screen in enumerate(screens, start=1):
            size = screen.size()
            label = _("Screen {n}: {name} ({width}×{height})").format(
                n=i18n.format_number(number), name=screen.name() or "—",
                width=i18n.format_year(size.width()), height=i18n.format_year(size.height()))
            if screen is primary and len(screens) > 1:
                label += " · " + _("this computer")
            self.screens.addItem(label, screen)
        chosen = projector_screen(screens)
        self.screens.setCurrentIndex(max(0, screens.index(chosen)) if chosen in screens else 0)
        self.language = QComboBox()
        self.language.addItem("ខ្មែរ", "km")
        self.language.addItem("English", "en")
        self.language.addItem(_("Both, side by side"), "both")
        self.language.setCurrentIndex(self.language.findData(language))
        self.trainer_view = QCheckBox(_("Show the trainer view (notes, next slide, time) on "
                                        "the other screen"))
        self.trainer_view.setChecked(len(screens) > 1)
        count = len(module.quick_checks)
        self.quick_checks = QCheckBox(ngettext(
            "Ask the quick check before and after the module ({n} question)",
            "Ask the quick check before and after the module ({n} questions)",
            count).format(n=i18n.format_number(count)))
        self.quick_checks.setObjectName("presentQuickChecks")
        self.quick_checks.setChecked(count > 0)
        self.quick_checks.setVisible(count > 0)
        hint = QLabel(_("Keys: → next, ← back, B black screen, K / E / D language, + / − text "
                        "size, Esc end."))
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Slides on"), self.screens)
        form.addRow(_("Language"), self.language)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        start = buttons.addButton(_("Start presenting"), QDialogButtonBox.ButtonRole.AcceptRole)
        start.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.trainer_view)
        layout.addWidget(self.quick_checks)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def chosen_screen(self) -> QScreen | None:
        return self.screens.currentData()

    def chosen_mode(self) -> str:
        return self.language.currentData()
