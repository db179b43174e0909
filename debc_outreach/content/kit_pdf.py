"""The printable practice kit of a module (A4 PDF, Khmer and English), through Qt.

Two cards per A4 page with a dashed cut line. Every card carries an orange
"practice material, not real" band and a faint diagonal watermark, so a card
that leaves the classroom cannot pass for a real message, bill or payment
code. KHQR stands get a fake pattern of squares with only two corner marks,
which no phone can scan; result screens keep the amount box blank, as on a
real stall sticker (`blank_amount`). A cover page lists the items and the trainer's answer key
comes last, on its own page, so it can stay with the trainer.

Everything written on a page is recorded as it is drawn (`_Ink`), so the
finished PDF can carry the real text of its shaped Khmer (pdf_text.py):
search, copy and screen readers get the words, not broken glyphs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from pathlib import Path

from debc_outreach.content import labels
from debc_outreach.content.handout import FONT_FAMILY, a4_writer, start_headless_qt
from debc_outreach.content.kit import KitItem, load_kit
from debc_outreach.content.model import Module, Pack
from debc_outreach.content.pdf_text import GlyphRun, document_runs, label_pdf_runs, text_runs
from debc_outreach.core.khmer_text import with_khmer_digits, with_line_breaks
from debc_outreach.errors import UserError
from debc_outreach.i18n import _

PRINT_DPI = 300
LAYOUT_DPI = 96                      # the page is laid out in 96-dpi pixels, then scaled
MARGIN_MM = 12.0
CARDS_PER_PAGE = 2
GAP_PX = 28.0                        # between the two cards, where the cut line runs
BAND_PX = 34.0
ORANGE = "#e65100"
INK = "#263238"
GREY = "#607d8b"


def render_kit(module: Module, pack: Pack, path: Path,
               languages: tuple[str, ...] = ("km", "en")) -> Path:
    """Write the practice kit of `module` to the PDF file `path`; return the path.

    `languages` are the faces printed on each card, first language largest.
    Raises UserError when the module has no kit or the file cannot be written.
    """
    try:
        items = load_kit(module)
    except (OSError, ValueError) as error:
        raise UserError(_("The practice kit of {slug} cannot be read: {error}").format(
            slug=module.slug, error=error)) from None
    if not items:
        raise UserError(_("Module {slug} has no practice kit yet.").format(slug=module.slug))
    start_headless_qt()
    from PySide6.QtGui import QPainter

    path = Path(path)
    first = languages[0]
    writer = a4_writer(path, f"{module.title(first)} · {labels.label(labels.KIT_TITLE, first)}",
                       MARGIN_MM)
    painter = QPainter()
    ink = _Ink(painter)
    if not painter.begin(writer):
        raise UserError(_("The practice kit could not be written to {path}.").format(
            path=path))
    try:
        scale = PRINT_DPI / LAYOUT_DPI
        painter.scale(scale, scale)
        page = writer.pageLayout().paintRectPixels(PRINT_DPI)
        width, height = page.width() / scale, page.height() / scale
        _draw_cover(ink, module, pack, items, languages, width, height)
        card_height = (height - GAP_PX * (CARDS_PER_PAGE - 1)) / CARDS_PER_PAGE
        for index, item in enumerate(items):
            slot = index % CARDS_PER_PAGE
            if slot == 0:
                writer.newPage()
            top = slot * (card_height + GAP_PX)
            if slot:
                _draw_cut_line(ink, width, top - GAP_PX / 2)
            _draw_card(ink, module, item, index, len(items), languages, 0, top, width,
                       card_height)
        if any(item.has_answer() for item in items):
            writer.newPage()
            _draw_answer_key(ink, writer, module, items, languages, width, height)
    finally:
        painter.end()
    del writer                                   # flushes and closes the file
    if not path.exists() or path.stat().st_size == 0:
        raise UserError(_("The practice kit could not be written to {path}.").format(
            path=path))
    label_pdf_runs(ink.runs, path)
    return path


class _Ink:
    """The painter, and the glyph runs of every text it has drawn, in drawing order."""

    def __init__(self, painter):
        self.painter = painter
        self.runs: list[GlyphRun] = []

    def document(self, document, x: float, y: float, max_height: float) -> float:
        """Draw `document` at (x, y), cut at `max_height`; return the height used."""
        from PySide6.QtCore import QRectF

        used = min(document.size().height(), max_height)
        painter = self.painter
        painter.save()
        painter.translate(x, y)
        document.drawContents(painter, QRectF(0, 0, document.textWidth(), used))
        painter.restore()
        self.runs += document_runs(document)
        return used

    def text(self, *where_and_text) -> None:
        """QPainter.drawText with the same arguments; the text is the last one."""
        self.painter.drawText(*where_and_text)
        self.runs += text_runs(where_and_text[-1], self.painter.font())


# --- pieces ----------------------------------------------------------------------------------
def _text_document(markup: str, width: float, pixel_size: int = 15):
    from PySide6.QtGui import QFont, QTextDocument

    document = QTextDocument()
    font = QFont(FONT_FAMILY)
    font.setPixelSize(pixel_size)
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    document.setHtml(markup)
    document.setTextWidth(width)
    return document


def _numerals(text: str, lang: str) -> str:
    """Card numbers and dates as the page's first language prints them: Khmer digits
    on a Khmer page (whatever the screen's digit setting), Latin digits in English."""
    return with_khmer_digits(text) if lang == "km" else text


def _esc(text: str) -> str:
    return html.escape(with_line_breaks(text)).replace("\n", "<br>")


def _face_markup(item: KitItem, languages: tuple[str, ...], scale: float = 1.0) -> str:
    def px(size: float) -> int:
        return max(9, round(size * scale))

    parts = []
    for position, lang in enumerate(languages):
        face = item.face(lang)
        if position == 0:
            parts.append(f"<p style='font-size:{px(28)}px; font-weight:600; color:{INK}; "
                         f"margin-bottom:8px'>{_esc(face.title)}</p>"
                         f"<p style='font-size:{px(24)}px; color:{INK}; line-height:150%'>"
                         f"{_esc(face.text)}</p>")
        else:
            parts.append(f"<hr><p style='font-size:{px(16)}px; color:{GREY}'><b>"
                         f"{_esc(face.title)}</b><br>{_esc(face.text)}</p>")
    return "".join(parts)


def _fitted_face(item: KitItem, languages: tuple[str, ...], width: float, height: float):
    """The card text, its type made smaller step by step until it fits the card."""
    scale = 1.0
    document = _text_document(_face_markup(item, languages, scale), width)
    while document.size().height() > height and scale > 0.55:
        scale -= 0.08
        document = _text_document(_face_markup(item, languages, scale), width)
    return document


def _draw_card(ink, module: Module, item: KitItem, index: int, count: int,
               languages: tuple[str, ...], x: float, y: float, width: float,
               height: float) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QPen

    painter = ink.painter
    first = languages[0]
    card = QRectF(x, y, width, height)
    painter.setPen(QPen(QColor(INK), 1.5))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRoundedRect(card, 10, 10)
    _draw_watermark(ink, card, first)
    band = QRectF(x, y, width, BAND_PX)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(ORANGE))
    painter.drawRoundedRect(band, 10, 10)
    painter.drawRect(QRectF(x, y + BAND_PX / 2, width, BAND_PX / 2))
    marks = " · ".join(labels.label(labels.KIT_MARK, lang) for lang in languages)
    number = _numerals(labels.label(labels.KIT_NUMBER, first).format(
        n=index + 1, total=count), first)
    band_doc = _text_document(
        f"<table width='100%'><tr><td style='color:white; font-size:13px'><b>{_esc(marks)}"
        f"</b></td><td align='right' style='color:white; font-size:12px'>{_esc(number)}"
        f"</td></tr></table>", width - 24)
    ink.document(band_doc, x + 12, y + (BAND_PX - band_doc.size().height()) / 2, BAND_PX)
    kinds = " · ".join(labels.label(labels.KIT_KINDS.get(item.kind, item.kind), lang)
                       for lang in languages)
    top = y + BAND_PX + 10
    kind_doc = _text_document(f"<p style='font-size:12px; color:{GREY}'>{_esc(kinds)} · "
                              f"{_esc(module.title(first))}</p>", width - 32)
    top += ink.document(kind_doc, x + 16, top, 40) + 6
    picture_width = width * 0.36 if (item.image or item.kind == "khqr-stand") else 0
    text_width = width - 32 - (picture_width + 12 if picture_width else 0)
    footer = 70 if item.blank_amount else 8
    text_doc = _fitted_face(item, languages, text_width, y + height - top - footer)
    ink.document(text_doc, x + 16, top, y + height - top - footer)
    if picture_width:
        picture = QRectF(x + width - 16 - picture_width, top, picture_width,
                         min(picture_width, y + height - top - footer - 8))
        if item.kind == "khqr-stand":
            _draw_mock_khqr(ink, picture, item.id, first)
        else:
            _draw_picture(painter, module.folder / item.image, picture)
    if item.blank_amount:
        _draw_blank_amount(ink, QRectF(x + 16, y + height - footer, width - 32, 48),
                           languages)


def _draw_watermark(ink, card, lang: str) -> None:
    from PySide6.QtGui import QColor, QFont

    painter = ink.painter
    painter.save()
    painter.setClipRect(card)
    painter.translate(card.center())
    painter.rotate(-24)
    font = QFont(FONT_FAMILY)
    font.setPixelSize(54)
    font.setWeight(QFont.Weight.Bold)
    painter.setFont(font)
    painter.setPen(QColor(230, 81, 0, 26))
    text = with_line_breaks(labels.label(labels.KIT_WATERMARK, lang))
    metrics = painter.fontMetrics()
    ink.text(-metrics.horizontalAdvance(text) / 2, metrics.ascent() / 2, text)
    painter.restore()


def _draw_cut_line(ink, width: float, y: float) -> None:
    from PySide6.QtCore import QLineF, QRectF, Qt
    from PySide6.QtGui import QColor, QPen

    painter = ink.painter
    painter.setPen(QPen(QColor(GREY), 1.0, Qt.PenStyle.DashLine))
    painter.drawLine(QLineF(0, y, width, y))
    mark = QRectF(width / 2 - 14, y - 10, 28, 20)
    painter.fillRect(mark, QColor("#ffffff"))
    painter.setPen(QColor(GREY))
    ink.text(mark, Qt.AlignmentFlag.AlignCenter, "✂")


def _draw_mock_khqr(ink, rect, seed: str, lang: str) -> None:
    """A fake code: random squares and only two corner marks, so no phone can read it."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont

    painter = ink.painter
    side = min(rect.width(), rect.height() - 40)
    left = rect.x() + (rect.width() - side) / 2
    top = rect.y() + 30
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#c62828"))
    painter.drawRoundedRect(QRectF(left, rect.y(), side, 26), 4, 4)
    font = QFont(FONT_FAMILY)
    font.setPixelSize(16)
    font.setWeight(QFont.Weight.Bold)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    ink.text(QRectF(left, rect.y(), side, 26), Qt.AlignmentFlag.AlignCenter, "KHQR")
    cells = 21
    cell = side / cells
    bits = hashlib.sha256(seed.encode()).digest() * 8
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(INK))
    for row in range(cells):
        for col in range(cells):
            corner = (row < 8 and col < 8) or (row < 8 and col >= cells - 8)
            if corner:
                continue
            n = row * cells + col
            if bits[n // 8] >> (n % 8) & 1:
                painter.drawRect(QRectF(left + col * cell, top + row * cell, cell, cell))
    for col0 in (0, cells - 7):                   # two finder marks only: unscannable
        painter.setBrush(QColor(INK))
        painter.drawRect(QRectF(left + col0 * cell, top, 7 * cell, 7 * cell))
        painter.setBrush(QColor("#ffffff"))
        painter.drawRect(QRectF(left + (col0 + 1) * cell, top + cell, 5 * cell, 5 * cell))
        painter.setBrush(QColor(INK))
        painter.drawRect(QRectF(left + (col0 + 2) * cell, top + 2 * cell, 3 * cell, 3 * cell))
    font.setPixelSize(12)
    font.setWeight(QFont.Weight.Normal)
    painter.setFont(font)
    painter.setPen(QColor(ORANGE))
    ink.text(QRectF(left, top + side + 2, side, 18), Qt.AlignmentFlag.AlignCenter,
             with_line_breaks(labels.label(labels.KIT_MOCK_CODE, lang)))


def _draw_picture(painter, file: Path, rect) -> None:
    from debc_outreach.content.document_images import fitted_image

    image = fitted_image(file, rect.width() * 3, rect.height() * 3)
    if image is None or image.isNull():
        return
    from PySide6.QtCore import QRectF

    width = image.width() / 3
    height = image.height() / 3
    painter.drawImage(QRectF(rect.x() + (rect.width() - width) / 2, rect.y(), width, height),
                      image)


def _draw_blank_amount(ink, rect, languages: tuple[str, ...]) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QPen

    painter = ink.painter
    font = QFont(FONT_FAMILY)
    font.setPixelSize(14)
    painter.setFont(font)
    painter.setPen(QColor(GREY))
    caption = " / ".join(labels.label(labels.KIT_AMOUNT, lang) for lang in languages)
    ink.text(QRectF(rect.x(), rect.y(), rect.width(), 18), Qt.AlignmentFlag.AlignLeft,
             with_line_breaks(caption))
    painter.setPen(QPen(QColor(GREY), 1.5))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(QRectF(rect.x(), rect.y() + 20, rect.width() * 0.6, rect.height() - 20))


def _draw_cover(ink, module: Module, pack: Pack, items: tuple[KitItem, ...],
                languages: tuple[str, ...], width: float, height: float) -> None:
    parts = []
    for position, lang in enumerate(languages):
        size = 26 if position == 0 else 17
        parts.append(f"<p style='font-size:{size}px; font-weight:600; color:{INK}'>"
                     f"{_esc(module.title(lang))}</p>")
        parts.append(f"<p style='font-size:{size - 6}px; color:{ORANGE}'><b>"
                     f"{_esc(labels.label(labels.KIT_TITLE, lang))}</b> · "
                     f"{_esc(labels.label(labels.KIT_MARK, lang))}</p>")
    first = languages[0]
    parts.append(f"<p style='font-size:14px; color:{INK}'>"
                 f"{_esc(labels.label(labels.KIT_HOW_TO, first))}</p>")
    if len(languages) > 1:
        parts.append(f"<p style='font-size:12px; color:{GREY}'>"
                     f"{_esc(labels.label(labels.KIT_HOW_TO, languages[1]))}</p>")
    rows = "".join(
        f"<tr><td style='padding:3px 8px'>{_numerals(str(n), first)}</td>"
        f"<td style='padding:3px 8px'>"
        f"{_esc(labels.label(labels.KIT_KINDS.get(item.kind, item.kind), first))}</td>"
        f"<td style='padding:3px 8px'>{_esc(item.face(first).title)}</td>"
        f"<td style='padding:3px 8px; color:{GREY}'>"
        f"{_esc(item.face(languages[-1]).title) if len(languages) > 1 else ''}</td></tr>"
        for n, item in enumerate(items, start=1))
    parts.append(f"<table style='font-size:14px' cellspacing='0'>{rows}</table>")
    footer = (f"{pack.title(first)} {pack.version} · "
              f"{_numerals(dt.date.today().isoformat(), first)}")
    if module.needs_review(first):
        footer += " · " + labels.label(labels.NEEDS_REVIEW, first)
    parts.append(f"<p style='font-size:11px; color:{GREY}'>{_esc(footer)}</p>")
    ink.document(_text_document("".join(parts), width), 0, 0, height)


def _draw_answer_key(ink, writer, module: Module, items: tuple[KitItem, ...],
                     languages: tuple[str, ...], width: float, height: float) -> None:
    """The answers, on as many pages as they need (a page is cut between text lines)."""
    from PySide6.QtCore import QRectF, QSizeF

    painter = ink.painter
    first = languages[0]
    heading = " · ".join(labels.label(labels.KIT_ANSWERS, lang) for lang in languages)
    rows = []
    for n, item in enumerate(items, start=1):
        if not item.has_answer():
            continue
        answers = "<br>".join(
            f"<span style='color:{INK if i == 0 else GREY}'>{_esc(item.face(lang).answer)}"
            f"</span>" for i, lang in enumerate(languages) if item.face(lang).answer)
        rows.append(f"<tr><td style='padding:4px 8px' valign='top'>{_numerals(str(n), first)}"
                    f"</td>"
                    f"<td style='padding:4px 8px' valign='top'><b>"
                    f"{_esc(item.face(first).title)}</b></td>"
                    f"<td style='padding:4px 8px'>{answers}</td></tr>")
    markup = (f"<p style='font-size:20px; font-weight:600; color:{ORANGE}'>{_esc(heading)}</p>"
              f"<p style='font-size:13px; color:{GREY}'>{_esc(module.title(first))}</p>"
              f"<table style='font-size:14px' cellspacing='0'>{''.join(rows)}</table>")
    document = _text_document(markup, width)
    document.setPageSize(QSizeF(width, height))      # paginates at line boundaries
    for page in range(document.pageCount()):
        if page:
            writer.newPage()
        painter.save()
        painter.translate(0, -page * height)
        document.drawContents(painter, QRectF(0, page * height, width, height))
        painter.restore()
    ink.runs += document_runs(document)
