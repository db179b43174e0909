"""The bundled Noto Sans Khmer font (OFL), registered at start-up.

Qt shapes Khmer correctly only with a Khmer font, and Windows would fall back
to DaunPenh, so the app never relies on the OS font. The variable font's
named instances give a real bold (not a synthetic one).
"""

from __future__ import annotations

import logging

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


def apply_font_scale(scale_percent: int) -> None:
    QApplication.setFont(app_font(scale_percent))


def heading_font(base: QFont, factor: float = 1.5) -> QFont:
    font = QFont(base)
    font.setPointSizeF(base.pointSizeF() * factor)
    font.setWeight(QFont.Weight.Bold)
    return font
