"""Markdown to an A4 PDF through Qt, for the facilitator script and the contact sheet.

The same path as the handout (handout.py): QTextDocument with the bundled
Khmer font, written by QPdfWriter, which embeds the font subset.
"""

from __future__ import annotations

from pathlib import Path

from debc_outreach.content.display import display_markdown
from debc_outreach.content.handout import FONT_FAMILY, LAYOUT_DPI, a4_writer, start_headless_qt
from debc_outreach.content.pdf_text import label_pdf_text
from debc_outreach.errors import UserError
from debc_outreach.i18n import _


def print_markdown(markdown: str, title: str, path: Path, body_points: float = 11.0) -> Path:
    """Write `markdown` as an A4 PDF to `path`; return the path."""
    start_headless_qt()
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QFont, QPageLayout, QTextDocument

    path = Path(path)
    writer = a4_writer(path, title)
    document = QTextDocument()
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(body_points)
    document.setDefaultFont(font)
    document.setMarkdown(display_markdown(markdown, glossary_links=False))
    rect = writer.pageLayout().paintRect(QPageLayout.Unit.Millimeter)
    px_per_mm = LAYOUT_DPI / 25.4
    document.setPageSize(QSizeF(rect.width() * px_per_mm, rect.height() * px_per_mm))
    document.print_(writer)
    del writer                                 # flushes and closes the file
    if not path.exists() or path.stat().st_size == 0:
        raise UserError(_("The file could not be written to {path}.").format(path=path))
    label_pdf_text(document, path)
    return path
