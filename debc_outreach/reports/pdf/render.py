"""HTML -> A4 PDF through QTextDocument and QPdfWriter, Noto Sans Khmer embedded.

Works headless (CLI): an offscreen QGuiApplication is started when none runs.
The file appears whole or not at all (reports/atomic.py).
"""

from __future__ import annotations

from pathlib import Path

from debc_outreach.content.handout import start_headless_qt
from debc_outreach.content.pdf_text import label_pdf_text
from debc_outreach.reports.atomic import atomic_path

FONT_FAMILY = "Noto Sans Khmer"
PRINT_DPI = 300
LAYOUT_DPI = 96                 # QTextDocument lays out in screen pixels
MARGIN_MM = 14.0



def render_pdf(html: str, path: Path, *, title: str, landscape: bool = False,
               images: dict | None = None, body_points: float = 10.0,
               one_page: bool = False) -> Path:
    """Lay out `html` on A4 pages and write the PDF to `path`.

    `images` maps names used in `<img src="NAME">` to QImage objects (charts,
    and later a certificate's QR code). `one_page` shrinks the content to fit
    a single page (a certificate must never run onto a second sheet).
    """
    from PySide6.QtCore import QMarginsF, QSizeF, QUrl
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    start_headless_qt()
    path = Path(path)
    with atomic_path(path) as temp:
        writer = QPdfWriter(str(temp))
        orientation = (QPageLayout.Orientation.Landscape if landscape
                       else QPageLayout.Orientation.Portrait)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation,
                                         QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                                         QPageLayout.Unit.Millimeter))
        writer.setResolution(PRINT_DPI)
        writer.setTitle(title)
        writer.setCreator("DEBC Outreach")
        document = QTextDocument()
        font = QFont(FONT_FAMILY)
        font.setPointSizeF(body_points)
        document.setDefaultFont(font)
        document.setDocumentMargin(0)
        for name, image in (images or {}).items():
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        document.setHtml(html)
        rect = writer.pageLayout().paintRect(QPageLayout.Unit.Millimeter)
        px_per_mm = LAYOUT_DPI / 25.4
        width, height = rect.width() * px_per_mm, rect.height() * px_per_mm
        if one_page:
            _paint_on_one_page(document, writer, width, height)
        else:
            document.setPageSize(QSizeF(width, height))
            keep_headings_with_next(document)
            document.print_(writer)
        del writer                      # flushes and closes the file
        if temp.stat().st_size == 0:
            raise OSError(5, "empty PDF")
        label_pdf_text(document, temp)
    return path


def keep_headings_with_next(document) -> None:
    """Start a heading on a new page when what follows it (a table's first row, a chart)
    would begin on the next page, so no heading is left alone at the foot of a page."""
    from PySide6.QtGui import QTextCursor, QTextFormat

    height = document.pageSize().height()
    starts_page = QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
    block = document.begin()
    while block.isValid():
        follower = block.next()
        heading = block.blockFormat()
        if heading.headingLevel() and not heading.pageBreakPolicy() & starts_page \
                and follower.isValid() \
                and _page_of(document, block, height) < _page_of(document, follower, height):
            heading.setPageBreakPolicy(starts_page)
            QTextCursor(block).setBlockFormat(heading)
        block = follower


def _page_of(document, block, page_height: float) -> int:
    """The page a block starts on (the layout already moves lines past page ends)."""
    layout = block.layout()
    top = document.documentLayout().blockBoundingRect(block).top()
    if layout is not None and layout.lineCount():
        top = max(top, layout.position().y() + layout.lineAt(0).y())
    return int((top + 0.5) // page_height)    # a block placed at a page's top edge


def page_width_px(landscape: bool = False) -> float:
    """Width of the text area in layout pixels (for sizing images)."""
    width_mm = (297.0 if landscape else 210.0) - 2 * MARGIN_MM
    return width_mm * LAYOUT_DPI / 25.4


def _paint_on_one_page(document, writer, width: float, height: float) -> None:
    """Lay out wider (so lines are fewer) until the text fits, then scale it onto the page."""
    from PySide6.QtGui import QPainter

    scale = 1.0
    for _attempt in range(8):
        document.setTextWidth(width * scale)
        needed = document.size().height() / (height * scale)
        if needed <= 1.0:
            break
        scale *= max(1.03, needed ** 0.5)
    painter = QPainter(writer)
    factor = writer.width() / (width * scale)
    painter.scale(factor, factor)
    document.drawContents(painter)
    painter.end()
