"""A slide drawn large: one language or Khmer and English side by side.

The body size follows the screen height (about 1/16 of it, times the +/−
scale) and shrinks until the slide fits, so nothing is ever cut off, even on
a 1024×768 projector. Khmer gets ICU break hints so lines wrap between words.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QTextDocument
from PySide6.QtWidgets import QSizePolicy, QWidget

from debc_outreach import i18n
from debc_outreach.gui.content_document import build_document, fit_pixel_size
from debc_outreach.gui.fonts import KHMER_FAMILY
from debc_outreach.gui.presenter_state import PresenterState

BACKGROUND = QColor("#fbfaf6")
INK = QColor("#1b2a3a")
RULE = QColor("#c9c4b5")
LINES_PER_SCREEN = 16       # body text height ≈ screen height / 16 at normal scale
SMALLEST_FRACTION = 45      # never smaller than screen height / 45


class SlideView(QWidget):
    """Paints slide `state.index + offset` of the presenter state."""

    def __init__(self, state: PresenterState, offset: int = 0, footer: bool = True,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.offset = offset
        self.footer = footer
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._cache_key: tuple | None = None
        self._documents: list[QTextDocument] = []
        self.body_pixels = 0
        state.changed.connect(self.update)

    # --- layout -------------------------------------------------------------------------
    def _columns(self) -> list[tuple[str, QRectF]]:
        width, height = self.width(), self.height()
        margin_x, margin_y = width * 0.045, height * 0.05
        footer = height * 0.06 if self.footer else 0
        area = QRectF(margin_x, margin_y, width - 2 * margin_x,
                      height - 2 * margin_y - footer)
        languages = self.state.languages()
        gap = width * 0.04 if len(languages) == 2 else 0
        column = (area.width() - gap) / len(languages)
        return [(lang, QRectF(area.left() + i * (column + gap), area.top(), column,
                              area.height())) for i, lang in enumerate(languages)]

    def _build(self) -> list[QTextDocument]:
        columns = self._columns()
        slides = [(lang, rect, self.state.slide(lang, self.offset)) for lang, rect in columns]
        key = (self.width(), self.height(), self.state.scale, self.state.index + self.offset,
               self.state.mode, id(self.state.module), self.devicePixelRatioF())
        if key == self._cache_key:
            return self._documents
        folder = self.state.module.folder
        largest = int(self.height() / LINES_PER_SCREEN * self.state.scale)
        smallest = max(8, int(self.height() / SMALLEST_FRACTION))
        rect = columns[0][1]
        image_box = QSizeF(rect.width() * 0.9, rect.height() * 0.42)
        bodies = [slide.body for _lang, _rect, slide in slides if slide is not None]
        size = fit_pixel_size(bodies, folder, rect.size(), largest, smallest, image_box)
        self.body_pixels = size
        self._documents = [
            build_document(slide.body if slide else "", folder, size, r.width(), image_box,
                           glossary_links=False, device_pixel_ratio=self.devicePixelRatioF())
            for _lang, r, slide in slides]
        self._cache_key = key
        return self._documents

    def content_fits(self) -> bool:
        """True when every column's text fits its area (used by tests and screenshots)."""
        documents = self._build()
        return all(doc.size().height() <= rect.height() + 1
                   for doc, (_lang, rect) in zip(documents, self._columns(), strict=True))

    # --- painting -----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self.state.blackout and self.offset == 0 and self.footer:
            painter.fillRect(self.rect(), Qt.GlobalColor.black)
            return
        painter.fillRect(self.rect(), BACKGROUND)
        if self.state.slide(self.state.languages()[0], self.offset) is None:
            return                                   # past the last slide: an empty "next"
        documents = self._build()
        columns = self._columns()
        for document, (_lang, rect) in zip(documents, columns, strict=True):
            painter.save()
            painter.translate(rect.topLeft())
            document.drawContents(painter, QRectF(QPointF(0, 0), rect.size()))
            painter.restore()
        if len(columns) == 2:
            x = (columns[0][1].right() + columns[1][1].left()) / 2
            painter.setPen(QPen(RULE, max(1.0, self.width() / 600)))
            painter.drawLine(QPointF(x, columns[0][1].top()), QPointF(x, columns[0][1].bottom()))
        if self.footer:
            self._paint_footer(painter)

    def _paint_footer(self, painter: QPainter) -> None:
        font = QFont(KHMER_FAMILY)
        font.setPixelSize(max(8, int(self.height() * 0.028)))
        painter.setFont(font)
        painter.setPen(RULE.darker(130))
        height = self.height() * 0.06
        rect = QRectF(self.width() * 0.045, self.height() - height - self.height() * 0.02,
                      self.width() * 0.91, height)
        number = i18n.format_number(self.state.index + self.offset + 1)
        total = i18n.format_number(self.state.count)
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         f"{number} / {total}")
        title_rect = QRectF(rect.left(), rect.top(), rect.width() * 0.8, rect.height())
        title = painter.fontMetrics().elidedText(   # Qt elides whole grapheme clusters
            self.state.module.title(self.state.languages()[0]), Qt.TextElideMode.ElideRight,
            int(title_rect.width()))
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         title)
