"""Render ui/icons/app.svg into the PNG and ICO files a release needs, with Qt.

    python packaging/icons.py OUTPUT_FOLDER

Writes debc-outreach-<size>.png for the Linux icon theme sizes and
debc-outreach.ico (several sizes in one file, through Qt's ICO plugin) for
the Windows executable and installer. Run by the spec, so the committed SVG
stays the only source.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "ui" / "icons" / "app.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(size: int):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    return image


def write_icons(folder: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication([])
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for size in PNG_SIZES:
        path = folder / f"debc-outreach-{size}.png"
        if not render(size).save(str(path), "PNG"):
            raise SystemExit(f"could not write {path}")
        written.append(path)
    ico = folder / "debc-outreach.ico"
    ico.write_bytes(ico_bytes([png_bytes(render(size)) for size in ICO_SIZES], ICO_SIZES))
    written.append(ico)
    return written


def png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: list[bytes], sizes: tuple[int, ...]) -> bytes:
    """A multi-size .ico with PNG-compressed entries (Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in zip(sizes, pngs, strict=True):
        side = 0 if size >= 256 else size              # 0 means 256 in the ICO format
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


if __name__ == "__main__":
    for written_path in write_icons(Path(sys.argv[1])):
        print(written_path)
