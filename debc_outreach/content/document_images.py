"""Images inside a Markdown `QTextDocument` (Qt, behind this one function).

`QTextDocument.setMarkdown` leaves images as named placeholders. Handouts,
slides and the user guides all walk the document the same way: load each
named image, add it as a document resource and set the size it is drawn at.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def place_images(document, load: Callable[[str], object | None],
                 display_size: Callable[[object], tuple[float, float]]) -> None:
    """Give every image in `document` its pixels and its drawn size.

    `load(name)` returns a QImage (or None to leave the placeholder alone);
    `display_size(image)` returns the (width, height) it is drawn at.
    """
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextCursor, QTextDocument

    cursor = QTextCursor(document)
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            char_format = fragment.charFormat()
            if char_format.isImageFormat():
                image_format = char_format.toImageFormat()
                name = image_format.name()
                image = load(name)
                if image is not None:
                    document.addResource(QTextDocument.ResourceType.ImageResource,
                                         QUrl(name), image)
                    width, height = display_size(image)
                    image_format.setWidth(width)
                    image_format.setHeight(height)
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(fragment.position() + fragment.length(),
                                       QTextCursor.MoveMode.KeepAnchor)
                    cursor.setCharFormat(image_format)
            iterator += 1
        block = block.next()


def image_natural_size(path: Path):
    """The size (QSizeF) an image file declares (SVG default size), or None if unreadable."""
    from PySide6.QtCore import QSize, QSizeF
    from PySide6.QtGui import QImage
    from PySide6.QtSvg import QSvgRenderer

    if path.suffix.lower() == ".svg":
        renderer = QSvgRenderer(str(path))
        size = renderer.defaultSize() if renderer.isValid() else QSize()
    else:
        size = QImage(str(path)).size()
    return QSizeF(size) if not size.isEmpty() else None


def render_image(path: Path, size):
    """The image file at `path` drawn into exactly `size` (QSize) pixels, transparent
    background; None if it cannot be read."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if size.isEmpty() or not path.is_file():
        return None
    if path.suffix.lower() != ".svg":
        image = QImage(str(path))
        return None if image.isNull() else image.scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    renderer = QSvgRenderer(str(path))
    if not renderer.isValid():
        return None
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def fitted_image(path: Path, max_width: float, max_height: float):
    """The image scaled to fit within max_width x max_height pixels, or None."""
    from PySide6.QtCore import QSize

    natural = image_natural_size(path)
    if natural is None:
        return None
    scale = min(max_width / natural.width(), max_height / natural.height())
    return render_image(path, QSize(max(1, int(natural.width() * scale)),
                                    max(1, int(natural.height() * scale))))
