"""Help → the trainer's and coordinator's guides: Markdown with screenshots, saved as PDF.

The guides are the Markdown files in docs/ (found through resources.py, so
they ship inside the frozen app). Screenshots are loaded from the docs folder
and scaled to the width available — on screen and on an A4 page alike.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QEvent, QMarginsF, QSizeF, QTimer, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n, resources
from debc_outreach.content.document_images import place_images
from debc_outreach.content.pdf_text import label_pdf_text
from debc_outreach.errors import UserError
from debc_outreach.gui import fonts
from debc_outreach.gui.errors import show_user_error
from debc_outreach.i18n import N_, _

GUIDE_LINK = re.compile(r"(?P<name>trainer|coordinator)-guide\.(?P<lang>km|en)\.md")
GUIDES = {"trainer": N_("Trainer's guide"), "coordinator": N_("Coordinator's guide")}
PDF_DPI = 300
LAYOUT_DPI = 96
MARGIN_MM = 16.0
BODY_POINTS = 10.5


def guide_file(name: str, lang: str) -> Path:
    """The guide in `lang`, else in the other language; UserError if neither ships."""
    for candidate in (lang, *(other for other in i18n.LANGUAGES if other != lang)):
        path = resources.guide_path(name, candidate)
        if path.is_file():
            return path
    raise UserError(_("The guide is missing from this installation: {path}").format(
        path=resources.guide_path(name, lang)))


def load_guide(document: QTextDocument, path: Path, max_image_width: float) -> None:
    """Put the guide's Markdown in `document`, with its images scaled to fit the width."""
    document.setMarkdown(path.read_text(encoding="utf-8"))
    folder = path.parent

    def load(name: str) -> QImage | None:
        image = QImage(str(folder / name))
        return None if image.isNull() else image

    def shrink_to_width(image: QImage) -> tuple[float, float]:
        scale = min(1.0, max_image_width / image.width())
        return image.width() * scale, image.height() * scale

    place_images(document, load, shrink_to_width)


def write_guide_pdf(path_in: Path, pdf_path: Path) -> Path:
    """Write the guide as an A4 PDF with the Khmer font embedded; return the PDF path."""
    writer = QPdfWriter(str(pdf_path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                                     QPageLayout.Unit.Millimeter))
    writer.setResolution(PDF_DPI)
    writer.setCreator("DEBC Outreach")
    writer.setTitle(path_in.stem)
    document = QTextDocument()
    font = QFont(fonts.KHMER_FAMILY)
    font.setPointSizeF(BODY_POINTS)
    document.setDefaultFont(font)
    rect = writer.pageLayout().paintRect(QPageLayout.Unit.Millimeter)
    px_per_mm = LAYOUT_DPI / 25.4
    width = rect.width() * px_per_mm
    document.setPageSize(QSizeF(width, rect.height() * px_per_mm))
    load_guide(document, path_in, width)
    document.print_(writer)
    del writer                                  # closes the file
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise UserError(_("The PDF could not be written to {path}.").format(path=pdf_path))
    label_pdf_text(document, pdf_path)
    return pdf_path


class GuideDialog(QDialog):
    """One guide, in the app's language (a button shows the other language)."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.lang = i18n.language()
        self.path: Path | None = None
        self._fraction = 0.0
        self.setObjectName(f"guide-{name}")
        self.resize(980, 720)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self.follow_link)
        layout.addWidget(self.browser, 1)
        buttons = QHBoxLayout()
        self.language_button = QPushButton()
        self.language_button.clicked.connect(self.toggle_language)
        self.pdf_button = QPushButton()
        self.pdf_button.clicked.connect(self.save_pdf)
        self.close_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_box.rejected.connect(self.reject)
        buttons.addWidget(self.language_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_box)
        layout.addLayout(buttons)
        self.retranslate()
        self.show_guide()

    def show_guide(self, keep_position: bool = False) -> None:
        bar = self.browser.verticalScrollBar()
        fraction = bar.value() / bar.maximum() if keep_position and bar.maximum() else 0.0
        self.path = guide_file(self.name, self.lang)
        width = max(320, self.browser.viewport().width() - 40)
        load_guide(self.browser.document(), self.path, min(width, 900))
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)
        # The layout grows after this call returns; scroll once it is done.
        self._fraction = fraction
        QTimer.singleShot(0, self, self._restore_position)

    def _restore_position(self) -> None:
        bar = self.browser.verticalScrollBar()
        bar.setValue(round(self._fraction * bar.maximum()))

    def follow_link(self, url: QUrl) -> None:
        """Links to the other guides open here; web and mail links open outside the app."""
        match = GUIDE_LINK.fullmatch(url.fileName())
        if match and not url.scheme().startswith("http"):
            self.name, self.lang = match["name"], match["lang"]
            self.retranslate()
            self.show_guide()
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "km" else "km"
        self.retranslate()
        self.show_guide()

    def save_pdf(self) -> None:
        suggested = str(Path.home() / f"{self.path.stem}.pdf")
        target, _filter = QFileDialog.getSaveFileName(self, _("Save the guide as PDF"),
                                                      suggested, _("PDF document (*.pdf)"))
        if not target:
            return
        try:
            write_guide_pdf(self.path, Path(target))
        except (UserError, OSError) as error:
            show_user_error(self, error if isinstance(error, UserError) else UserError(
                _("The PDF could not be written to {path}.").format(path=target)))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.path is not None and event.oldSize().width() != event.size().width():
            self.show_guide(keep_position=True)

    def retranslate(self) -> None:
        self.setWindowTitle(_(GUIDES[self.name]))
        other = "en" if self.lang == "km" else "km"
        self.language_button.setText(i18n.LANGUAGE_NAMES[other])
        self.language_button.setToolTip(_("Show the guide in the other language"))
        self.pdf_button.setText(_("Save as PDF…"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.lang = i18n.language()
            self.retranslate()
            if self.path is not None:
                self.show_guide()
        super().changeEvent(event)
