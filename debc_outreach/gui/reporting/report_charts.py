"""A bar chart widget: the QPainter drawing of reports/pdf/charts.py on screen."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from debc_outreach.reports.chartdata import BarChart
from debc_outreach.reports.pdf.charts import paint_bars, preferred_height


class ChartWidget(QWidget):
    """Shows one `BarChart`; its height follows the number of bars."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._chart: BarChart | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)         # a narrow chart wraps its legend: taller
        self.setSizePolicy(policy)

    @property
    def chart(self) -> BarChart | None:
        return self._chart

    def set_chart(self, chart: BarChart) -> None:
        self._chart = chart
        self.setAccessibleName(chart.title)
        self.updateGeometry()
        self.update()

    def _point_size(self) -> float:
        return self.font().pointSizeF() * 0.9

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        if self._chart is None:
            return self.fontMetrics().height() * 6
        return int(preferred_height(self._chart, max(width - 8, 1), self._point_size())) + 4

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, self.heightForWidth(max(self.width(), 360)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(240, self.heightForWidth(max(self.width(), 240)))

    def paintEvent(self, event) -> None:  # noqa: N802
        if self._chart is None:
            return
        painter = QPainter(self)
        paint_bars(painter, QRectF(self.rect()).adjusted(4, 2, -4, -2), self._chart,
                   point_size=self._point_size())
        painter.end()
