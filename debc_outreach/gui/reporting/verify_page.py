"""Verify a certificate: scan, paste, type or open a photo of a certificate's QR code.

A USB QR scanner acts as a keyboard: it types the code into the box and
presses Enter, which checks it at once. The verdict is shown in large
coloured letters (Khmer first, then English, so an employer who reads only
one of them understands it), and the signed details are shown beside it so a
person can compare them with the paper.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.labels import label
from debc_outreach.gui import fonts
from debc_outreach.gui.changes import attempt, run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.page import Page
from debc_outreach.i18n import _
from debc_outreach.sync import statements

GREEN, RED, ORANGE, GREY = "#1B7F3B", "#B3261E", "#9A4A00", "#5F6368"
COLOURS = {
    statements.GENUINE: GREEN,
    statements.ALTERED: RED,
    statements.REVOKED_DEVICE: RED,
    statements.REVOKED_CERTIFICATE: RED,
    statements.DAMAGED: ORANGE,
    statements.UNKNOWN_PROGRAMME: ORANGE,
    statements.UNKNOWN_CODE: ORANGE,
    statements.NOT_CERTIFICATE: ORANGE,
}
SYMBOLS = {statements.GENUINE: "✓", statements.ALTERED: "✗", statements.REVOKED_DEVICE: "✗",
           statements.REVOKED_CERTIFICATE: "✗"}


class VerifyPage(Page):
    key = "verify"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.verdict: statements.Verdict | None = None
        layout = self.page_layout()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        row = QHBoxLayout()
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("verify-code")
        self.code_edit.setClearButtonEnabled(True)
        self.code_edit.returnPressed.connect(self.check)
        self.check_button = QPushButton()
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(lambda: self.check())
        self.open_button = QPushButton()
        self.open_button.clicked.connect(lambda: self.open_image())
        row.addWidget(self.code_edit, 1)
        row.addWidget(self.check_button)
        row.addWidget(self.open_button)
        layout.addLayout(row)

        body = QHBoxLayout()
        self.banner = QFrame()
        self.banner.setObjectName("verify-banner")
        self.banner.setMinimumWidth(360)
        banner_layout = QVBoxLayout(self.banner)
        banner_layout.setContentsMargins(20, 20, 20, 20)
        self.verdict_km = QLabel()
        self.verdict_km.setFont(fonts.heading_font(self.font(), 2.4))
        self.verdict_en = QLabel()
        self.verdict_en.setFont(fonts.heading_font(self.font(), 1.5))
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for widget in (self.verdict_km, self.verdict_en):
            widget.setWordWrap(True)
        banner_layout.addWidget(self.verdict_km)
        banner_layout.addWidget(self.verdict_en)
        banner_layout.addSpacing(8)
        banner_layout.addWidget(self.reason)
        left = QVBoxLayout()
        left.addWidget(self.banner)
        left.addStretch(1)
        body.addLayout(left, 2)

        side = QVBoxLayout()
        self.details_heading = QLabel()
        self.details_heading.setFont(fonts.heading_font(self.font(), 1.2))
        self.details_heading.setWordWrap(True)
        side.addWidget(self.details_heading)
        self.details = QWidget()
        self.details_grid = QGridLayout(self.details)
        self.details_grid.setColumnStretch(1, 1)
        self.details_grid.setVerticalSpacing(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.details)
        side.addWidget(scroll, 1)
        self.withdraw_button = QPushButton()
        self.withdraw_button.clicked.connect(lambda: self.withdraw())
        self.withdraw_button.hide()
        side.addWidget(self.withdraw_button, 0, Qt.AlignmentFlag.AlignRight)
        body.addLayout(side, 3)
        layout.addLayout(body, 1)
        self.retranslate()

    # --- texts ---------------------------------------------------------------------

    def retranslate(self) -> None:
        self.heading.setText(_("Verify a certificate"))
        self.intro.setText(_("Scan the QR code with a USB scanner, paste or type the code (or "
                             "the short code printed under the QR) and press Enter, or open "
                             "a photo or scan of the QR code. Checking needs no internet."))
        self.code_edit.setPlaceholderText(_("Scan, paste or type the certificate code"))
        self.check_button.setText(_("Check"))
        self.open_button.setText(_("Open a photo or scan…"))
        self.withdraw_button.setText(_("Withdraw this certificate…"))
        self._show()

    def activate(self) -> None:
        self.code_edit.setFocus()     # ready for a USB scanner, which types into the focus

    # --- actions -------------------------------------------------------------------

    def check(self, text: str | None = None) -> statements.Verdict:
        """Check the code in the box (or `text`) and show the verdict."""
        if text is not None:
            self.code_edit.setText(text)
        self.verdict = statements.verify(self.context.store, self.code_edit.text())
        self._show()
        self.code_edit.selectAll()     # the next scan replaces this code
        return self.verdict

    def open_image(self, path: Path | None = None) -> statements.Verdict | None:
        """Read the QR code in a picture file and check it."""
        from debc_outreach.gui.widgets.qr_pictures import choose_picture, read_picture_codes

        path = path or choose_picture(self, _("Open a photo or scan of the QR code"))
        if path is None:
            return None
        done = attempt(self, lambda: read_picture_codes(path))
        if not done:
            return None
        codes = done.value
        if not codes:
            self.code_edit.clear()
            self.verdict = statements.Verdict(
                statements.NOT_CERTIFICATE, _("No QR code was found in this picture. Take the "
                                              "photo closer, straight on and in good light."))
            self._show()
            return self.verdict
        ours = [code for code in codes if code.startswith("DC1:")] or codes
        return self.check(ours[0])

    def withdraw(self, confirm: bool = True) -> bool:
        """Coordinator: withdraw the certificate shown (issued in error), after asking."""
        if self.verdict is None or self.verdict.statement is None:
            return False
        short = statements.codec.short_code(self.verdict.statement.certificate_id)
        if confirm and QMessageBox.question(
                self, _("Withdraw this certificate"),
                _("Withdraw certificate {code} for {name}? Every computer of the programme "
                  "will show it as withdrawn after its next sync. This cannot be undone.")
                .format(code=short, name=self.verdict.statement.name)) \
                != QMessageBox.StandardButton.Yes:
            return False
        if not run_change(self.context, self, "revocations",
                          lambda: statements.revoke(self.context.store, short)):
            return False
        self.check()
        return True

    # --- drawing -------------------------------------------------------------------

    def _show(self) -> None:
        verdict = self.verdict
        colour = COLOURS.get(verdict.kind, GREY) if verdict else GREY
        self.banner.setStyleSheet(f"QFrame#verify-banner {{ background: {colour}; "
                                  "border-radius: 8px; } QLabel { color: white; }")
        if verdict is None:
            self.verdict_km.setText("")
            self.verdict_en.setText("")
            self.reason.setText(_("The verdict appears here."))
        else:
            symbol = SYMBOLS.get(verdict.kind, "?")
            title = statements.TITLES[verdict.kind]
            self.verdict_km.setText(f"{symbol} {label(title, 'km')}")
            english = label(title, "en")
            self.verdict_en.setText(english if english != label(title, "km") else "")
            self.reason.setText(verdict.reason)
        self.verdict_en.setVisible(bool(self.verdict_en.text()))
        self.withdraw_button.setVisible(
            verdict is not None and verdict.genuine
            and statements.trust.is_coordinator(self.context.store))
        self._show_details()

    def _show_details(self) -> None:
        while self.details_grid.count():
            item = self.details_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()         # deleted later; must not show meanwhile
                item.widget().deleteLater()
        verdict = self.verdict
        if verdict is None:
            self.details_heading.setText(_("The signed details will appear here, to compare "
                                           "with the paper."))
            return
        if verdict.statement is None:
            self.details_heading.setText(_("No details can be read from this code."))
            return
        if verdict.genuine:
            self.details_heading.setText(_("Signed details: compare them with the paper"))
        else:
            self.details_heading.setText(_("What the code says (not confirmed: do not rely "
                                           "on it)"))
        from debc_outreach.reports.signed_certificate import details

        for row, (name, value) in enumerate(details(verdict, self.context.data_dir,
                                                    i18n.language())):
            key = QLabel(name)
            key.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if row == 0:
                shown.setFont(fonts.heading_font(self.font(), 1.4))
            self.details_grid.addWidget(key, row, 0)
            self.details_grid.addWidget(shown, row, 1)
        self.details_grid.setRowStretch(self.details_grid.rowCount(), 1)
