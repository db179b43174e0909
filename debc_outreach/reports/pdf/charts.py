"""Bar charts painted with QPainter: the same drawing on screen and in PDFs.

Labels are drawn as text with the Khmer font, so Qt shapes them (no dotted
circles). `BarChart` data comes from reports/chartdata.py (no Qt there).
"""

from __future__ import annotations

from debc_outreach.reports.chartdata import BarChart

FONT_FAMILY = "Noto Sans Khmer"
COLOURS = ("#2F6DB5", "#E07B39", "#4C9A5A", "#9B59B6", "#C0392B", "#7F8C8D")


def paint_bars(painter, rect, chart: BarChart, *, point_size: float = 9.0,
               dpi_scale: float = 1.0) -> None:
    """Paint `chart` (title, bars, value labels, legend) inside `rect` (QRectF)."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen

    painter.save()
    painter.setRenderHint(painter.RenderHint.Antialiasing, True)
    painter.setRenderHint(painter.RenderHint.TextAntialiasing, True)
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(point_size)
    bold = QFont(font)
    bold.setWeight(QFont.Weight.Bold)
    bold.setPointSizeF(point_size * 1.15)
    metrics = QFontMetricsF(font)
    line = metrics.height() * 1.1
    painter.fillRect(rect, QColor("#FFFFFF"))
    painter.setPen(QColor("#222222"))
    painter.setFont(bold)
    title_height = QFontMetricsF(bold).height() * 1.3
    painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), title_height),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, chart.title)
    painter.setFont(font)
    top = rect.top() + title_height
    entries, legend_lines = legend_layout(metrics, chart, rect.width())
    for index, (x, y, width, name) in enumerate(entries):
        painter.fillRect(QRectF(rect.left() + x, top + y + line * 0.25, line * 0.6, line * 0.5),
                         QColor(COLOURS[index % len(COLOURS)]))
        painter.drawText(QRectF(rect.left() + x + line * 0.8, top + y, width, line * 10),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                         | Qt.TextFlag.TextWordWrap, name)
    top += legend_lines * line
    if not chart.labels:
        painter.setPen(QColor("#666666"))
        painter.drawText(QRectF(rect.left(), top, rect.width(), rect.bottom() - top),
                         Qt.AlignmentFlag.AlignCenter, chart.empty_text)
        painter.restore()
        return
    label_width = min(rect.width() * 0.38,
                      max(metrics.horizontalAdvance(text) for text in chart.labels) + line * 0.5)
    value_width = max(metrics.horizontalAdvance(text) for row in chart.value_texts
                      for text in row) + line * 0.4
    plot_left = rect.left() + label_width
    plot_width = max(10.0, rect.right() - plot_left - value_width)
    rows = len(chart.labels)
    series = max(1, len(chart.series))
    row_height = max(line * 0.9, min(line * (1.05 * series + 0.4), (rect.bottom() - top) / rows))
    top_value = max([v for row in chart.values for v in row] + [1])
    bar_gap = row_height * 0.18
    bar_height = (row_height - bar_gap) / series
    value_font = QFont(font)
    if bar_height < metrics.height():          # crowded: value labels shrink to their bar
        value_font.setPointSizeF(max(5.0, point_size * bar_height / metrics.height()))
    painter.setPen(QPen(QColor("#BBBBBB"), 1.0 * dpi_scale))
    painter.drawLine(QPointF(plot_left, top), QPointF(plot_left, top + row_height * rows))
    for row_index, text in enumerate(chart.labels):
        y = top + row_index * row_height
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(rect.left(), y, label_width - line * 0.3, row_height),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                         | Qt.TextFlag.TextWordWrap,
                         fitted_label(metrics, text, label_width - line * 0.3, row_height))
        for index in range(series):
            value = chart.values[row_index][index]
            width = plot_width * value / top_value
            bar = QRectF(plot_left, y + bar_gap / 2 + index * bar_height, width, bar_height)
            painter.fillRect(bar, QColor(COLOURS[index % len(COLOURS)]))
            painter.setPen(QColor("#222222"))
            painter.setFont(value_font)
            painter.drawText(QRectF(bar.right() + line * 0.2, bar.top(), value_width,
                                    bar_height),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             chart.value_texts[row_index][index])
            painter.setFont(font)
    painter.restore()


def legend_layout(metrics, chart: BarChart, width: float
                  ) -> tuple[list[tuple[float, float, float, str]], int]:
    """Where each series name goes in a legend `width` wide: entries flow left to right
    and onto the next line when the line is full; a name longer than the whole width
    wraps at Khmer break positions. Returns ((x, y, text width, text) per entry, lines)."""
    from PySide6.QtCore import QRectF, Qt

    from debc_outreach.core.khmer_text import with_line_breaks

    if len(chart.series) < 2:
        return [], 0
    line = metrics.height() * 1.1
    swatch, gap = line * 0.8, line
    entries, x, lines, row_lines = [], 0.0, 0, 1
    for name in chart.series:
        advance = metrics.horizontalAdvance(name)
        if x and x + swatch + advance > width:          # the line is full: start another
            lines, x, row_lines = lines + row_lines, 0.0, 1
        room = width - x - swatch
        if advance > room:                              # longer than a whole line: wrap it
            name = with_line_breaks(name)
            box = metrics.boundingRect(QRectF(0, 0, room, 10_000),
                                       int(Qt.TextFlag.TextWordWrap), name)
            advance = min(box.width(), room)
            row_lines = max(row_lines, round(box.height() / metrics.height()))
        entries.append((x, lines * line, advance, name))
        x += swatch + advance + gap
    return entries, lines + row_lines


def preferred_height(chart: BarChart, width: float, point_size: float) -> float:
    """The height that shows `chart` at `width` with room for every bar and legend line."""
    from PySide6.QtGui import QFont, QFontMetricsF

    font = QFont(FONT_FAMILY)
    font.setPointSizeF(point_size)
    metrics = QFontMetricsF(font)
    line = metrics.height() * 1.1
    bold = QFont(font)
    bold.setPointSizeF(point_size * 1.15)
    _entries, legend_lines = legend_layout(metrics, chart, width)
    rows = max(len(chart.labels), 2)
    series = max(len(chart.series), 1)
    return (QFontMetricsF(bold).height() * 1.3 + legend_lines * line
            + rows * line * (1.05 * series + 0.4) + line * 0.5)


def fitted_label(metrics, text: str, width: float, height: float) -> str:
    """`text` as it fits a label box: on one line, else wrapped at Khmer break
    positions (Qt finds none itself) when the lines fit `height`, else elided."""
    from PySide6.QtCore import QRectF, Qt

    from debc_outreach.core.khmer_text import with_line_breaks

    if metrics.horizontalAdvance(text) <= width:
        return text
    wrapped = with_line_breaks(text)
    box = metrics.boundingRect(QRectF(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap),
                               wrapped)
    if box.width() <= width + 0.5 and box.height() <= height:
        return wrapped
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def chart_image(chart: BarChart, width: int, height: int, scale: float = 3.0):
    """The chart as a QImage (`scale` times the layout size, for print sharpness)."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from debc_outreach.content.handout import start_headless_qt

    start_headless_qt()
    image = QImage(int(width * scale), int(height * scale), QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    paint_bars(painter, QRectF(0, 0, width, height), chart)
    painter.end()
    return image
