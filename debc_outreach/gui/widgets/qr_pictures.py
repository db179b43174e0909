"""Opening a photo, scan or screenshot and reading the QR codes in it (Verify, enrolment)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from debc_outreach.i18n import _


def choose_picture(parent: QWidget, title: str) -> Path | None:
    """A picture file the user picks (None when cancelled)."""
    from debc_outreach.reports.pdf.qr import IMAGE_SUFFIXES

    patterns = " ".join(f"*{suffix}" for suffix in IMAGE_SUFFIXES)
    chosen, _filter = QFileDialog.getOpenFileName(
        parent, title, str(Path.home()), _("Pictures ({patterns})").format(patterns=patterns))
    return Path(chosen) if chosen else None


def read_picture_codes(path: Path) -> list[str]:
    """The QR codes in the picture, with a wait cursor meanwhile (a phone photo takes a
    moment); UserError when the file cannot be read as a picture."""
    from debc_outreach.reports.pdf.qr import read_codes

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return read_codes(path)
    finally:
        QApplication.restoreOverrideCursor()
