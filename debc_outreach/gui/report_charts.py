"""A bar chart widget: the QPainter drawing of reports/pdf/charts.py on screen."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from debc_outreach.reports.chartdata import BarChart
from debc_outreach.reports.pdf.charts import paint_bars


class ChartWidget(QWidget):
    """Shows one `BarChart`; its height follows the number of bars."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._chart: BarChart | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    @property
    def chart(self) -> BarChart | None:
        return self._chart

    def set_chart(self, chart: BarChart) -> None:
        self._chart = chart
        self.setAccessibleName(chart.title)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        line = self.fontMetrics().height()
        rows = len(self._chart.labels) if self._chart else 3
        series = len(self._chart.series) if self._chart else 1
        return QSize(360, int(line * 3.0 + max(rows, 2) * (line * 1.05 * series + line * 0.4)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(240, self.sizeHint().height())

    def paintEvent(self, event) -> None:  # noqa: N802
        if self._chart is None:
            return
        painter = QPainter(self)
        paint_bars(painter, QRectF(self.rect()).adjusted(4, 2, -4, -2), self._chart,
                   point_size=self.font().pointSizeF() * 0.9)
        painter.end()
