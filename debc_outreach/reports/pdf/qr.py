"""The signed QR code printed on a certificate, as an image for the PDF renderer.

`segno` draws the symbol (pure Python); the PNG it writes is loaded into a
QImage because the PDF is laid out by Qt (reports/pdf/render.py).
"""

from __future__ import annotations

import io
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _

QR_MM = 46.0            # printed size (less when a long certificate is scaled to one page)
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


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm",
                  ".pgm")
MAX_SIDE = 4000          # phone photos are scaled down first: faster, and zxing copes well


def read_codes(path: Path) -> list[str]:
    """The texts of all QR codes found in a photo or scan; UserError if it cannot be read."""
    import zxingcpp
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    from debc_outreach.reports.pdf.render import ensure_gui

    if path.suffix.lower() == ".pdf":
        raise UserError(_("{path} is a PDF. Open a photo or scan of the QR code instead (PNG "
                          "or JPEG), or type the short code printed under it.").format(path=path))
    ensure_gui()                       # image format plugins need an application
    image = QImage(str(path))
    if image.isNull():
        raise UserError(_("{path} is not a picture this app can open (use PNG or JPEG).")
                        .format(path=path))
    if max(image.width(), image.height()) > MAX_SIDE:
        image = image.scaled(MAX_SIDE, MAX_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found if barcode.valid and barcode.text]
