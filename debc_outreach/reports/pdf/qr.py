"""QR codes: drawing them (certificates, enrolment) and reading them from pictures.

`segno` draws the symbol (pure Python); for a PDF, the PNG it writes is loaded
into a QImage because the PDF is laid out by Qt (reports/pdf/render.py).
`zxing-cpp` reads the codes in a photo, scan or screenshot.
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


QUIET_ZONE = 4          # modules of white around the symbol, as the standard asks


def qr_symbol(code: str):
    """`code` as a segno QR symbol, error correction M (its `matrix` is rows of 0/1);
    UserError when it does not fit in the largest QR code (very long names)."""
    import segno

    try:
        return segno.make_qr(code, error="m", boost_error=False)
    except segno.DataOverflowError as error:
        raise UserError(_("This is too much text for a QR code (are some names very "
                          "long?). Use the file instead.")) from error


def save_qr_png(code: str, path: Path, scale: int = 8) -> Path:
    """Write `code` as a QR code picture; UserError if the file cannot be written."""
    try:
        qr_symbol(code).save(str(path), kind="png", scale=scale, border=QUIET_ZONE)
    except OSError as error:
        raise UserError(_("{path} could not be written ({reason}).")
                        .format(path=path, reason=error.strerror or error)) from error
    return path


def qr_image(code: str):
    """A QImage of `code` as a QR code (error correction M, quiet zone of 4 modules)."""
    from PySide6.QtGui import QImage

    buffer = io.BytesIO()
    # about 8 pixels per module: sharp at 300 dpi print without a huge file
    qr_symbol(code).save(buffer, kind="png", scale=8, border=QUIET_ZONE)
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

    from debc_outreach.content.handout import start_headless_qt

    if path.suffix.lower() == ".pdf":
        raise UserError(_("{path} is a PDF. Open a photo or scan of the QR code instead (PNG "
                          "or JPEG), or type the short code printed under it.").format(path=path))
    start_headless_qt()                       # image format plugins need an application
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
