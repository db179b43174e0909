"""First start: choose the language and create this trainer's profile."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from debc_outreach.core.names import validate_name
from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.forms.first_run_dialog_ui import Ui_FirstRunDialog
from debc_outreach.i18n import _, language


class FirstRunDialog(QDialog):
    """Asks language (switches the dialog itself at once) and display name."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.ui = Ui_FirstRunDialog()
        self.ui.setupUi(self)
        self.ui.headline.setFont(fonts.heading_font(self.font(), 1.6))
        (self.ui.khmerButton if language() == "km" else self.ui.englishButton).setChecked(True)
        self.ui.khmerButton.clicked.connect(lambda: context.apply_language("km"))
        self.ui.englishButton.clicked.connect(lambda: context.apply_language("en"))
        self.ui.buttons.accepted.connect(self.accept)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.nameEdit.textChanged.connect(self._validate)
        self.ui.nameEdit.setFocus()
        self._retranslate_extra()
        self._validate()

    @property
    def display_name(self) -> str:
        return self.ui.nameEdit.text().strip()

    def _validate(self) -> None:
        problem = validate_name(self.ui.nameEdit.text())
        ok = self.ui.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        if problem == "control":
            self.ui.problemLabel.setText(_("The name contains control characters."))
        else:
            self.ui.problemLabel.setText("")

    def _retranslate_extra(self) -> None:
        folder: Path = self.context.data_dir
        self.ui.folderLabel.setText(_("Your records will be kept in {folder}")
                                    .format(folder=folder))
        self._validate()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._retranslate_extra()
        super().changeEvent(event)
