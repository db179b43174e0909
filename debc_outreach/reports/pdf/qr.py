"""The signed QR code printed on a certificate, as an image for the PDF renderer.

`segno` draws the symbol (pure Python); the PNG it writes is loaded into a
QImage because the PDF is laid out by Qt (reports/pdf/render.py).
"""

from __future__ import annotations

import io

QR_MM = 42.0            # printed size: large enough for phone cameras and USB scanners
LAYOUT_DPI = 96


def qr_layout_px() -> int:
    """Width of the QR in the certificate's layout pixels."""
    return round(QR_MM * LAYOUT_DPI / 25.4)


def qr_image(code: str):
    """A QImage of `code` as a QR code (error correction M, quiet zone of 4 modules)."""
    import segno
    from PySide6.QtGui import QImage

    symbol = segno.make_qr(code, error="m", boost_error=False)
    buffer = io.BytesIO()
    # about 8 pixels per module: sharp at 300 dpi print without a huge file
    symbol.save(buffer, kind="png", scale=8, border=4)
    image = QImage()
    image.loadFromData(buffer.getvalue(), "PNG")
    return image
