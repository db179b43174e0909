"""A slide drawn large: one language or Khmer and English side by side.

The body size follows the screen height (about 1/16 of it, times the +/−
scale) and shrinks until the slide fits, so nothing is ever cut off, even on
a 1024×768 projector. Khmer gets ICU break hints so lines wrap between words.
"""

from __future__ import annotations

import re
from dataclasses import replace

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QTextDocument
from PySide6.QtWidgets import QSizePolicy, QWidget

from debc_outreach import i18n
from debc_outreach.content.slides import image_references, plain_text
from debc_outreach.gui.fonts import KHMER_FAMILY
from debc_outreach.gui.teaching.content_document import (
    build_document,
    fit_pixel_size,
    image_natural_size,
    render_image,
)
from debc_outreach.gui.teaching.presenter_state import PresenterState

BACKGROUND = QColor("#fbfaf6")
INK = QColor("#1b2a3a")
RULE = QColor("#c9c4b5")
LINES_PER_SCREEN = 16       # body text height ≈ screen height / 16 at normal scale
SMALLEST_FRACTION = 45      # never smaller than screen height / 45
IMAGE_LINE = re.compile(r"^[ \t]*!\[[^\]]*\]\([^)\s]*\)[ \t]*$", re.MULTILINE)


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
        self._documents: list[tuple[QTextDocument, QRectF]] = []
        self._pictures: list[tuple[QImage, QRectF]] = []
        self.body_pixels = 0
        state.changed.connect(self.update)
        state.changed.connect(self._describe)
        self._describe()

    def _describe(self) -> None:
        """What a screen reader says: the slide's text (the slide itself is painted)."""
        slide = self.state.slide(self.state.languages()[0], self.offset)
        self.setAccessibleName(slide.heading if slide else "")
        self.setAccessibleDescription(plain_text(slide.body) if slide else "")

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

    def _picture_column(self) -> bool:
        """Pictures to the right of the text (one language, and they come out larger there).

        Tall pictures are larger in a column beside the text; wide ones below it.
        """
        slide = self.state.slide(self.state.languages()[0], self.offset)
        if len(self.state.languages()) != 1 or slide is None:
            return False
        references = [ref for _alt, ref in image_references(slide.body)]
        if not references:
            return False
        area = self._columns()[0][1]
        beside = QSizeF(area.width() * 0.39, area.height() / len(references))
        below = QSizeF(area.width() * 0.9, area.height() * 0.42)
        for reference in references:
            natural = image_natural_size(self.state.module.image_path(reference))
            if natural is None:
                continue
            scale_beside = min(beside.width() / natural.width(), beside.height() / natural.height())
            scale_below = min(below.width() / natural.width(), below.height() / natural.height())
            if scale_beside < scale_below:
                return False
        return True

    def _build(self) -> list[tuple[QTextDocument, QRectF]]:
        """Documents with the rectangles they are drawn in; pictures in `self._pictures`."""
        key = (self.width(), self.height(), self.state.scale, self.state.index + self.offset,
               self.state.mode, id(self.state.module), self.devicePixelRatioF())
        if key == self._cache_key:
            return self._documents
        columns = self._columns()
        slides = [(rect, self.state.slide(lang, self.offset)) for lang, rect in columns]
        folder = self.state.module.folder
        largest = int(self.height() / LINES_PER_SCREEN * self.state.scale)
        smallest = max(8, int(self.height() / SMALLEST_FRACTION))
        self._pictures = []
        if self._picture_column():
            area, slide = slides[0]
            gap = self.width() * 0.03
            text_rect = QRectF(area.left(), area.top(), area.width() * 0.58, area.height())
            picture_rect = QRectF(text_rect.right() + gap, area.top(),
                                  area.right() - text_rect.right() - gap, area.height())
            self._pictures = self._stack_pictures(slide, picture_rect)
            slides = [(text_rect, replace(slide, body=IMAGE_LINE.sub("", slide.body)))]
        rect = slides[0][0]
        # Side by side, the text needs the room more than the pictures do.
        picture_share = 0.42 if len(slides) == 1 else 0.3
        image_box = QSizeF(rect.width() * 0.9, rect.height() * picture_share)
        bodies = [slide.body for _rect, slide in slides if slide is not None]
        size = fit_pixel_size(bodies, folder, rect.size(), largest, smallest, image_box)
        self.body_pixels = size
        image_box = self._grown_image_box(bodies, folder, size, rect, image_box)
        self._documents = [
            (build_document(slide.body if slide else "", folder, size, r.width(), image_box,
                            glossary_links=False, device_pixel_ratio=self.devicePixelRatioF(),
                            words_whole=True), r)
            for r, slide in slides]
        self._cache_key = key
        return self._documents

    @staticmethod
    def _grown_image_box(bodies: list[str], folder, size: int, rect: QRectF,
                         image_box: QSizeF) -> QSizeF:
        """Let pictures below the text use the height the text left free."""
        counts = [len(image_references(body)) for body in bodies]
        if not any(counts):
            return image_box
        free = min(rect.height() - build_document(body, folder, size, rect.width(), image_box,
                                                  glossary_links=False, with_images=False,
                                                  words_whole=True).size().height()
                   for body in bodies)
        if free <= 1:
            return image_box
        return QSizeF(image_box.width(), image_box.height() + free / max(counts) * 0.95)

    def _stack_pictures(self, slide, area: QRectF) -> list[tuple[QImage, QRectF]]:
        """The slide's pictures one above the other, as large as `area` allows, centred."""
        references = [ref for _alt, ref in image_references(slide.body)]
        gap = area.height() * 0.04
        slot = (area.height() - gap * (len(references) - 1)) / len(references)
        ratio = self.devicePixelRatioF()
        placed = []
        y = area.top()
        for reference in references:
            path = self.state.module.image_path(reference)
            natural = image_natural_size(path)
            if natural is not None:
                scale = min(area.width() / natural.width(), slot / natural.height())
                width, height = natural.width() * scale, natural.height() * scale
                target = QRectF(area.left() + (area.width() - width) / 2,
                                y + (slot - height) / 2, width, height)
                image = render_image(path, QSize(int(width * ratio), int(height * ratio)))
                if image is not None:
                    placed.append((image, target))
            y += slot + gap
        return placed

    def content_fits(self) -> bool:
        """True when every column's text fits its area (used by tests and screenshots)."""
        return all(document.size().height() <= rect.height() + 1
                   and document.idealWidth() <= rect.width() + 1
                   for document, rect in self._build())

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
        for document, rect in documents:
            painter.save()
            painter.translate(rect.topLeft())
            document.drawContents(painter, QRectF(QPointF(0, 0), rect.size()))
            painter.restore()
        for image, target in self._pictures:
            painter.drawImage(target, image)
        if len(documents) == 2:
            left, right = documents[0][1], documents[1][1]
            x = (left.right() + right.left()) / 2
            painter.setPen(QPen(RULE, max(1.0, self.width() / 600)))
            painter.drawLine(QPointF(x, left.top()), QPointF(x, left.bottom()))
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
