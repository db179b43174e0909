"""The bundled Noto Sans Khmer font (OFL), registered at start-up.

Qt shapes Khmer correctly only with a Khmer font, and Windows would fall back
to DaunPenh, so the app never relies on the OS font. The variable font's
named instances give a real bold (not a synthetic one).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from debc_outreach import resources

log = logging.getLogger(__name__)

KHMER_FAMILY = "Noto Sans Khmer"
BASE_POINT_SIZE = 11.0


def register_fonts() -> str:
    """Register the bundled font files; return the family name to use."""
    for path in resources.khmer_font_files():
        if QFontDatabase.addApplicationFont(str(path)) < 0:
            log.error("could not load font %s", path)
    return KHMER_FAMILY


def app_font(scale_percent: int = 100) -> QFont:
    font = QFont(KHMER_FAMILY)
    font.setPointSizeF(BASE_POINT_SIZE * scale_percent / 100)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


_applied = {"scale": 100}
_BASE_POINTS = "fontPointsAt100"     # a widget's own font size at 100 %


def apply_font_scale(scale_percent: int) -> None:
    """Set the text size of the whole app now, open windows included.

    Widgets that follow the app font grow once the style sheet is applied again
    (Qt keeps the fonts it resolved for it); headings and other widgets given a
    font of their own are scaled by the same ratio.
    """
    app = QApplication.instance()
    ratio = scale_percent / _applied["scale"]
    _applied["scale"] = scale_percent
    QApplication.setFont(app_font(scale_percent))
    if app is None or ratio == 1:
        return
    # First the style sheet (it puts back the font each widget was first shown with),
    # then each widget's own font at the new size.
    app.setStyleSheet(app.styleSheet())
    previous = scale_percent / ratio
    for widget in QApplication.allWidgets():
        if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
            base = widget.property(_BASE_POINTS)
            if base is None:         # its size as if set at 100 %, from the size it has now
                base = widget.font().pointSizeF() * 100 / previous
                widget.setProperty(_BASE_POINTS, base)
            font = QFont(widget.font())
            font.setPointSizeF(base * scale_percent / 100)
            widget.setFont(font)


def heading_font(base: QFont, factor: float = 1.5) -> QFont:
    font = QFont(base)
    font.setPointSizeF(base.pointSizeF() * factor)
    font.setWeight(QFont.Weight.Bold)
    return font
