"""Enrolment by QR code: the coordinator's screen shows it, the trainer's computer reads it.

The QR code is drawn module by module at a whole number of pixels per module,
so it stays sharp at any size (a laptop screen, a projector) and always has
its white quiet zone, also on a dark theme. The trainer's computer reads a
photo or screenshot of it, or the code typed by a USB scanner or pasted; the
enrolment is then checked by `trust.accept_enrolment` like a certificate file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QPainter, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.errors import UserError
from debc_outreach.gui.changes import attempt
from debc_outreach.gui.fonts import heading_font
from debc_outreach.gui.widgets.qr_pictures import choose_picture, read_picture_codes
from debc_outreach.i18n import _
from debc_outreach.reports import lookup
from debc_outreach.reports.pdf.qr import QUIET_ZONE, qr_symbol
from debc_outreach.storage.store import Store
from debc_outreach.sync import enrolment_codec, trust
from debc_outreach.sync.trust import Certificate

MIN_MODULE_PX = 3
ERROR_STYLE = "color: #B3261E;"


def area_text(scope) -> str:
    """A device's area as people say it: its provinces and districts by name, in the
    current language (Kampot / កំពត, not 07); a code the gazetteer lacks stays a code.
    Districts are listed after their province: "Kampot: Angkor Chey, Chhuk"."""
    if trust.ALL_AREAS in scope:
        return _("all provinces")
    language = i18n.language()
    districts: dict[str, list[str]] = {}          # province code -> district names, in order
    for code in scope:
        names = districts.setdefault(code[:2], [])
        if len(code) > 2:
            names.append(lookup.district_name(code, language))
    parts = []
    for province, names in districts.items():
        name = lookup.province_name(province, language)
        parts.append(_("{province}: {districts}").format(province=name,
                                                          districts=", ".join(names))
                     if names and province not in scope else name)
    return "; ".join(parts)


def _until(expires: str) -> str:
    return i18n.format_date(dt.datetime.fromisoformat(expires).date())


def _fit_to_screen(dialog: QDialog, width: int, height: int) -> None:
    screen = dialog.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry().size() * 0.94
        width, height = min(width, room.width()), min(height, room.height())
    dialog.resize(width, height)


class QrView(QWidget):
    """A QR code as large as the widget allows, crisp (whole pixels per module)."""

    def __init__(self, code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.code = code
        self.rows = [bytes(row) for row in qr_symbol(code).matrix]
        side = (len(self.rows) + 2 * QUIET_ZONE) * MIN_MODULE_PX
        self.setMinimumSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        side = (len(self.rows) + 2 * QUIET_ZONE) * 6
        return QSize(side, side)

    def module_px(self) -> int:
        """Pixels per module at the widget's current size."""
        modules = len(self.rows) + 2 * QUIET_ZONE
        return max(1, min(self.width(), self.height()) // modules)

    def symbol_rect(self) -> QRect:
        """Where the symbol and its quiet zone are drawn."""
        side = self.module_px() * (len(self.rows) + 2 * QUIET_ZONE)
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        area = self.symbol_rect()
        painter.fillRect(area, QColor("white"))
        px = self.module_px()
        left, top = area.left() + QUIET_ZONE * px, area.top() + QUIET_ZONE * px
        black = QColor("black")
        for y, row in enumerate(self.rows):
            x = 0
            while x < len(row):          # one rectangle per run of dark modules
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < len(row) and row[x]:
                    x += 1
                painter.fillRect(left + start * px, top + y * px, (x - start) * px, px, black)
        painter.end()


def _code_box(code: str) -> QPlainTextEdit:
    box = QPlainTextEdit(code)
    box.setObjectName("enrolmentCode")
    box.setReadOnly(True)
    box.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
    box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    box.setMinimumHeight(box.fontMetrics().lineSpacing() * 4)
    return box


class EnrolmentQrDialog(QDialog):
    """Coordinator: the approved enrolment as a QR code for the trainer's computer to read."""

    def __init__(self, document: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.code = enrolment_codec.encode(document)
        body = document["certificate"]["body"]
        self.setWindowTitle(_("Enrolment QR code"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.qr = QrView(self.code)
        heading = QLabel(_("Let the trainer's computer read this code"))
        heading.setFont(heading_font(self.font(), 1.3))
        heading.setWordWrap(True)
        steps = QLabel(_("On the trainer's computer: Sync → Join with a QR code…, then take a "
                         "photo or screenshot of this code and open it, or scan it with a USB "
                         "scanner, or paste the code below."))
        steps.setWordWrap(True)
        self.device_label = QLabel(body.get("name") or body["device_id"][:8])
        self.device_label.setFont(heading_font(self.font(), 1.15))
        self.area_label = QLabel(area_text(body["scope"]))
        until = QLabel(_until(body["expires"]))
        for label in (self.device_label, self.area_label, until):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(_("Computer:"), self.device_label)
        form.addRow(_("Area:"), self.area_label)
        form.addRow(_("Valid until:"), until)
        self.code_box = _code_box(self.code)
        code_title = QLabel(_("The code as text (for a scanner or to paste):"))
        code_title.setWordWrap(True)
        self.copy_button = QPushButton(_("Copy the code"))
        self.copy_button.clicked.connect(self.copy_code)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        side.addWidget(heading)
        side.addWidget(steps)
        side.addSpacing(8)
        side.addLayout(form)
        side.addSpacing(16)
        side.addWidget(code_title)
        side.addWidget(self.code_box, 1)
        side.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignLeft)
        side.addWidget(buttons)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setMinimumWidth(300)
        side_widget.setMaximumWidth(460)
        layout = QHBoxLayout(self)
        layout.addWidget(self.qr, 1)
        layout.addWidget(side_widget)
        _fit_to_screen(self, 1180, 760)

    def copy_code(self) -> None:
        QApplication.clipboard().setText(self.code)


def offer_qr_code(parent: QWidget, document: dict, saved: Path | None) -> bool:
    """After approving a device: True when the coordinator chooses "Show as QR code"."""
    body = document["certificate"]["body"]
    name = body.get("name") or body["device_id"][:8]
    text = (_("The certificate for {name} is saved in {path}. Give this file to the "
              "trainer, or show it as a QR code for the trainer's computer to read.")
            .format(name=name, path=saved) if saved else
            _("The certificate for {name} was not saved to a file. Show it as a QR code "
              "for the trainer's computer to read.").format(name=name))
    box = QMessageBox(QMessageBox.Icon.Information, _("Device approved"), text,
                      QMessageBox.StandardButton.Close, parent)
    show = box.addButton(_("Show as QR code"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(show)
    box.exec()
    chosen = box.clickedButton() is show
    box.deleteLater()
    return chosen


def show_qr_code(parent: QWidget, document: dict) -> None:
    """Show an approved enrolment as a QR code until the coordinator closes it."""
    done = attempt(parent, lambda: EnrolmentQrDialog(document, parent))
    if not done:                           # too long for a QR code (very long names)
        return
    dialog = done.value
    dialog.exec()
    dialog.deleteLater()


class JoinWithCodeDialog(QDialog):
    """Trainer: join the programme with the QR code on the coordinator's screen."""

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.certificate: Certificate | None = None
        self.setWindowTitle(_("Join with a QR code"))
        intro = QLabel(_("Ask your coordinator to approve this computer and show its QR code. "
                         "Then take a photo or a screenshot of the QR code and open it here, "
                         "or scan it with a USB scanner, or paste the code."))
        intro.setWordWrap(True)
        self.open_button = QPushButton(_("Open a photo or screenshot…"))
        self.open_button.clicked.connect(lambda: self.open_picture())
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("enrolmentCodeEdit")
        self.code_edit.setClearButtonEnabled(True)
        self.code_edit.setPlaceholderText(_("Scan, paste or type the code (it starts with "
                                            "{prefix})").format(prefix=enrolment_codec.PREFIX))
        self.code_edit.returnPressed.connect(lambda: self.join_with_text())
        self.join_button = QPushButton(_("Join"))
        self.join_button.setDefault(True)
        self.join_button.clicked.connect(lambda: self.join_with_text())
        code_label = QLabel(_("Code:"))
        code_label.setBuddy(self.code_edit)
        row = QHBoxLayout()
        row.addWidget(code_label)
        row.addWidget(self.code_edit, 1)
        row.addWidget(self.join_button)
        self.message = QLabel()
        self.message.setObjectName("joinMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        _fit_to_screen(self, 760, 300)
        self.code_edit.setFocus()        # ready for a USB scanner, which types into the focus

    def open_picture(self, path: Path | None = None) -> bool:
        """Read the QR code in a photo or screenshot and join with it."""
        path = path or choose_picture(self, _("Open a photo or screenshot of the QR code"))
        if path is None:
            return False
        try:
            document = trust.enrolment_from_codes(read_picture_codes(path))
        except UserError as error:
            self.message.setText(str(error))
            return False
        return self._join(document)

    def join_with_text(self, text: str | None = None) -> bool:
        """Join with the code in the box (or `text`): typed by a scanner, pasted or typed."""
        if text is not None:
            self.code_edit.setText(text)
        if not self.code_edit.text().strip():
            self.message.setText(_("Scan, paste or type the code first, or open a photo of "
                                   "the QR code."))
            return False
        try:
            document = trust.enrolment_from_code(self.code_edit.text())
        except UserError as error:
            self.message.setText(str(error))
            self.code_edit.selectAll()          # the next scan replaces it
            return False
        return self._join(document)

    def _join(self, document: dict) -> bool:
        try:
            self.certificate = trust.accept_enrolment(self.store, document)
        except UserError as error:
            self.message.setText(str(error))
            return False
        self.message.clear()
        self.accept()
        return True
