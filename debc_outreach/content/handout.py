"""PDF handouts (A4) through Qt: the one place in content/ that uses Qt.

ReportLab and fpdf2 do not shape Khmer, so the handout is laid out by
QTextDocument with the bundled Noto Sans Khmer font and written by QPdfWriter,
which embeds the font subset. `render_handout()` works headless (CLI): it
starts an offscreen QGuiApplication when none is running.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from debc_outreach import resources
from debc_outreach.content import labels
from debc_outreach.content.display import display_markdown
from debc_outreach.content.document_images import fitted_image, place_images
from debc_outreach.content.handout_text import handout_markdown
from debc_outreach.content.model import Module, Pack
from debc_outreach.content.pdf_text import label_pdf_text
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, printing

FONT_FAMILY = "Noto Sans Khmer"
BODY_POINTS = 11.0
MARGIN_MM = 16.0
IMAGE_MAX_HEIGHT_MM = 70.0
PRINT_DPI = 300
LAYOUT_DPI = 96            # QTextDocument lays out in screen pixels; print_() scales up
IMAGE_OVERSAMPLE = 3       # images are rasterised at print resolution, not screen

_APP = []                  # the offscreen application of a headless run, kept alive
_FONTS_ADDED: list = []    # the Khmer font files are registered once per process


def render_handout(module: Module, pack: Pack, lang: str, path: Path) -> Path:
    """Write the handout of `module` in `lang` to the PDF file `path`; return the path."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QFont, QPageLayout, QTextDocument

    start_headless_qt()

    path = Path(path)
    writer = a4_writer(path, module.title(lang))

    document = QTextDocument()
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(BODY_POINTS)
    document.setDefaultFont(font)
    with printing(lang):
        markdown = handout_markdown(module, pack, lang)
    document.setMarkdown(display_markdown(markdown, glossary_links=False))
    rect = writer.pageLayout().paintRect(QPageLayout.Unit.Millimeter)
    px_per_mm = LAYOUT_DPI / 25.4
    document.setPageSize(QSizeF(rect.width() * px_per_mm, rect.height() * px_per_mm))
    _place_images(document, module, rect.width() * px_per_mm * 0.75,
                  IMAGE_MAX_HEIGHT_MM * px_per_mm)
    _self_check_on_its_own_page(document, labels.label(labels.SELF_CHECK, lang))
    document.print_(writer)
    del writer                                 # flushes and closes the file
    if not path.exists() or path.stat().st_size == 0:
        raise UserError(_("The handout could not be written to {path}.").format(path=path))
    label_pdf_text(document, path)
    return path


def a4_writer(path: Path, title: str, margin_mm: float = MARGIN_MM):
    """A QPdfWriter for an A4 portrait page at print resolution."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm),
                                     QPageLayout.Unit.Millimeter))
    writer.setResolution(PRINT_DPI)
    writer.setTitle(title)
    writer.setCreator("DEBC Outreach")
    return writer


def start_headless_qt() -> None:
    """A Qt GUI application (offscreen when there is no display) with the Khmer font loaded.

    PDF printing needs one; the app already has it, a CLI run gets its own.
    """
    from PySide6.QtGui import QFontDatabase, QGuiApplication

    if QGuiApplication.instance() is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                     or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _APP.append(QGuiApplication([]))
    if not _FONTS_ADDED:
        for font_file in resources.khmer_font_files():
            QFontDatabase.addApplicationFont(str(font_file))
        _FONTS_ADDED.append(True)


def _self_check_on_its_own_page(document, heading: str) -> None:
    """Start the self-check list on a fresh page, so learners keep it whole; roomier boxes."""
    from PySide6.QtGui import QTextBlockFormat, QTextCursor

    block, in_checklist = document.begin(), False
    while block.isValid():
        text = block.text().replace("\u200b", "")
        cursor = QTextCursor(block)
        if text == heading:
            page = block.blockFormat()
            page.setPageBreakPolicy(QTextBlockFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            cursor.setBlockFormat(page)
            in_checklist = True
        elif in_checklist and block.blockFormat().marker() != QTextBlockFormat.MarkerType.NoMarker:
            roomy = block.blockFormat()
            roomy.setTopMargin(12)
            roomy.setBottomMargin(12)
            cursor.setBlockFormat(roomy)
        elif in_checklist and block.textList() is None and text and block.previous().textList():
            return                               # the list has ended
        block = block.next()


def _place_images(document, module: Module, max_width: float, max_height: float) -> None:
    """Load each image from the module folder, scaled to fit, as a document resource."""
    place_images(
        document,
        lambda name: fitted_image(module.image_path(name), max_width * IMAGE_OVERSAMPLE,
                                 max_height * IMAGE_OVERSAMPLE),
        lambda image: (image.width() / IMAGE_OVERSAMPLE, image.height() / IMAGE_OVERSAMPLE))
