"""Module Markdown as a QTextDocument: Khmer break hints, images from the module folder.

Used by the slide view (large type fitted to the screen) and the module
reader. Images are rendered from SVG (Qt's svg module) at the size they are
shown, times the device pixel ratio, so they stay sharp on a projector.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, QSizeF, QUrl
from PySide6.QtGui import QFont, QTextCursor, QTextDocument, QTextOption

from debc_outreach.content.display import display_markdown
from debc_outreach.content.document_images import image_natural_size, render_image
from debc_outreach.gui.fonts import KHMER_FAMILY


def build_document(markdown: str, folder: Path, pixel_size: int, width: float,
                   image_box: QSizeF, glossary_links: bool = True,
                   device_pixel_ratio: float = 1.0, with_images: bool = True,
                   words_whole: bool = False) -> QTextDocument:
    """Lay out `markdown` at `pixel_size` body text in `width` pixels.

    Images are scaled to fit `image_box`; with `with_images=False` only their
    size is set (enough for layout while searching for the best font size).
    """
    document = QTextDocument()
    font = QFont(KHMER_FAMILY)
    font.setPixelSize(max(6, int(pixel_size)))
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    if words_whole:
        # Break only where a word may break (spaces, ICU hints): a word too long for the
        # line then shows up in idealWidth() and the slide is fitted smaller instead.
        option = QTextOption(document.defaultTextOption())
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        document.setDefaultTextOption(option)
    document.setMarkdown(display_markdown(markdown, glossary_links=glossary_links))
    document.setTextWidth(width)
    _place_images(document, folder, image_box, device_pixel_ratio, with_images)
    return document


def _place_images(document: QTextDocument, folder: Path, box: QSizeF, ratio: float,
                  with_images: bool) -> None:
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.charFormat().isImageFormat():
                image_format = fragment.charFormat().toImageFormat()
                name = image_format.name()
                natural = image_natural_size(folder / name)
                if natural is not None:
                    scale = min(box.width() / natural.width(), box.height() / natural.height())
                    shown = QSizeF(natural.width() * scale, natural.height() * scale)
                    image_format.setWidth(shown.width())
                    image_format.setHeight(shown.height())
                    if with_images:
                        image = render_image(folder / name, QSize(int(shown.width() * ratio),
                                                                  int(shown.height() * ratio)))
                        if image is not None:
                            document.addResource(QTextDocument.ResourceType.ImageResource,
                                                 QUrl(name), image)
                    cursor = QTextCursor(document)
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(fragment.position() + fragment.length(),
                                       QTextCursor.MoveMode.KeepAnchor)
                    cursor.setCharFormat(image_format)
                    spacing = cursor.blockFormat()
                    # Room between a line's subscripts (COENG stacks) and the picture.
                    spacing.setTopMargin(document.defaultFont().pixelSize() * 0.4)
                    cursor.setBlockFormat(spacing)
            iterator += 1
        block = block.next()


def fit_pixel_size(markdowns: list[str], folder: Path, box: QSizeF, largest: int, smallest: int,
                   image_box: QSizeF) -> int:
    """The largest body size (pixels) at which every text fits `box` (never below smallest)."""
    def fits(size: int) -> bool:
        for markdown in markdowns:
            document = build_document(markdown, folder, size, box.width(), image_box,
                                      glossary_links=False, with_images=False,
                                      words_whole=True)
            if (document.size().height() > box.height()
                    or document.idealWidth() > box.width() + 1):
                return False
        return True

    if fits(largest):
        return largest
    low, high = smallest, largest
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low
