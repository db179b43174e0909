"""Reports: the coordinator's dashboard — filters, figures, charts, targets, exports.

Figures are grouped in SQL off the GUI thread (report_figures_worker), so the
page opens on a million attendance rows without loading them, and refreshes
when records arrive by sync (`context.records_changed`).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.labels import TAG_LABELS
from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.page import Page
from debc_outreach.gui.reporting.outcomes_section import OutcomesSection
from debc_outreach.gui.reporting.report_charts import ChartWidget
from debc_outreach.gui.reporting.report_figures_worker import DashboardData, FiguresWorker
from debc_outreach.gui.reporting.report_filters import FilterBar
from debc_outreach.gui.reporting.report_tables import fit_height as _fit_height
from debc_outreach.gui.reporting.report_tables import item as _item
from debc_outreach.gui.reporting.report_tables import read_only_table as _table
from debc_outreach.i18n import _, language
from debc_outreach.reports import chartdata, lookup, targets

REFRESH_DELAY_MS = 300       # records arriving in a burst (sync) refresh once
PROGRESS_DELAY_MS = 700      # a count that takes longer shows its progress and Stop


class _Figure(QFrame):
    """A big number and its caption."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("figure")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.value = QLabel("—")
        self.value.setObjectName("figureValue")
        self.value.setFont(fonts.heading_font(self.font(), 1.7))
        self.caption = QLabel()
        self.caption.setObjectName("figureCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)


class ReportsPage(Page):
    key = "reports"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.data: DashboardData | None = None
        self._stale = True
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 8)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setFont(fonts.heading_font(self.font(), 1.4))
        self.status = QLabel()
        self.status.setObjectName("reportStatus")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.stop_button = QPushButton()
        self.stop_button.setVisible(False)
        self.targets_button = QPushButton()
        self.export_button = QPushButton()
        top.addWidget(self.title)
        top.addWidget(self.status, 1)
        top.addWidget(self.progress)
        top.addWidget(self.stop_button)
        self.filters = FilterBar()
        top.addWidget(self.filters.reset)
        top.addWidget(self.targets_button)
        top.addWidget(self.export_button)
        outer.addLayout(top)
        outer.addWidget(self.filters)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 4, 0, 4)
        grid = QGridLayout()
        self.cards = {name: _Figure() for name in (
            "sessions", "people", "attendances", "women", "disability", "youth", "elders",
            "without_consent")}
        for index, card in enumerate(self.cards.values()):
            grid.addWidget(card, index // 4, index % 4)
        layout.addLayout(grid)
        charts = QGridLayout()
        self.month_chart = ChartWidget()
        self.province_chart = ChartWidget()
        self.sex_age_chart = ChartWidget()
        charts.addWidget(self.month_chart, 0, 0)
        charts.addWidget(self.province_chart, 0, 1)
        charts.addWidget(self.sex_age_chart, 0, 2)
        layout.addLayout(charts)
        tables = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        self.skills_title = QLabel()
        self.skills_title.setFont(fonts.heading_font(self.font(), 1.15))
        self.skills = _table(4)
        self.targets_title = QLabel()
        self.targets_title.setFont(fonts.heading_font(self.font(), 1.15))
        self.targets = _table(6)
        left.addWidget(self.skills_title)
        left.addWidget(self.skills)
        self.targets_empty = QLabel()
        self.targets_empty.setWordWrap(True)
        right.addWidget(self.targets_title)
        right.addWidget(self.targets)
        right.addWidget(self.targets_empty)
        left.addStretch(1)
        right.addStretch(1)
        tables.addLayout(left, 1)
        tables.addLayout(right, 1)
        layout.addLayout(tables)
        self.outcomes = OutcomesSection()
        layout.addWidget(self.outcomes)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        store = context.store
        self.worker = FiguresWorker(store, self)
        self.worker.ready.connect(self._show)
        self.worker.failed.connect(self._failed)
        self.worker.progress.connect(self._progress)
        self._show_progress = QTimer(self, singleShot=True, interval=PROGRESS_DELAY_MS)
        self._show_progress.timeout.connect(self._progress_visible)
        self.stop_button.clicked.connect(self._stop_or_restart)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.filters.load(store.database, context.data_dir, fill=False)   # retranslate fills
        self.filters.changed.connect(self.refresh)
        context.records_changed.connect(self._records_changed)
        context.settings_changed.connect(self._redisplay)
        self.export_button.clicked.connect(self.open_export)
        self.targets_button.clicked.connect(self.open_targets)
        self.retranslate()

    # --- texts -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(_("Reports"))
        self.export_button.setText(_("Export…"))
        self._set_stop_text()
        self.targets_button.setText(_("Targets…"))
        self.filters.retranslate()
        captions = {"sessions": _("Sessions held"), "people": _("Unique participants"),
                    "attendances": _("Attendances"), "women": _("Women"),
                    "disability": _("People with disabilities"),
                    "youth": _("Youth (15–24)"), "elders": _("Elders (60+)"),
                    "without_consent": _("Participants without consent (counted, not named)")}
        for name, card in self.cards.items():
            card.caption.setText(i18n.localize_digits(captions[name]))
        self.skills_title.setText(_("Skills achieved per module"))
        self.skills.setHorizontalHeaderLabels([
            _("Module"), _("People with a skill"), _("Skills achieved"), _("Assessed")])
        self.targets_title.setText(_("Targets and actual"))
        self.targets_empty.setText(_("No targets for this selection. A coordinator sets them "
                                     "with Targets…"))
        self.targets.setHorizontalHeaderLabels([
            _("Measure"), _("Period"), _("Province"), _("Target"), _("Actual"), _("Progress")])
        self.outcomes.retranslate()
        self._redisplay()

    # --- refreshing ------------------------------------------------------------------
    def activate(self) -> None:
        if self._stale:
            self.refresh()

    def _records_changed(self, entity: str) -> None:
        self._stale = True
        if entity in ("trainer", "session"):
            self.filters.load(self.context.store.database, self.context.data_dir)
        if self.isVisible():
            self._timer.start()

    def refresh(self) -> None:
        """Recompute the figures for the current filters (in the background)."""
        self._stale = False
        self.status.setText(_("Counting…"))
        self.progress.setValue(0)
        self.stop_button.setVisible(False)
        self._show_progress.start()
        self.worker.request(self.filters.current(), self.filters.policy_modules,
                            self.filters.item_ids)
        self._set_stop_text()

    def _progress_visible(self) -> None:
        if self.worker.busy:
            self.progress.setVisible(True)
            self.stop_button.setVisible(True)

    def _progress(self, share: float, skills: bool) -> None:
        self.progress.setValue(round(share * 100))
        self.status.setText(_("Counting skills…") if skills else _("Counting…"))

    def _counting_ended(self) -> None:
        self._show_progress.stop()
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)

    def _set_stop_text(self) -> None:
        self.stop_button.setText(_("Stop") if self.worker.busy else _("Count again"))

    def _stop_or_restart(self) -> None:
        """Stop a long count (the figures shown stay those of before), or start it again."""
        if not self.worker.busy:
            self.refresh()
            return
        self.worker.cancel()
        self._show_progress.stop()
        self.progress.setVisible(False)
        self._set_stop_text()
        self.status.setText(_("Counting stopped; the figures shown may be older. Press "
                              "Count again to finish."))

    def _failed(self, message: str) -> None:
        self._counting_ended()
        self.status.setText(message or _("The figures could not be computed; see the log."))

    def _show(self, data: DashboardData) -> None:
        self.data = data
        if data.skills_done:
            self._counting_ended()
        self.status.setText("" if data.skills_done else _("Counting skills…"))
        self._redisplay()

    def _redisplay(self) -> None:
        data = self.data
        if data is None:
            return
        h = data.figures.headline
        number, percent = i18n.format_number, i18n.format_percent
        values = {"sessions": number(h.sessions), "people": number(h.people),
                  "attendances": number(h.attendances),
                  "women": f"{number(h.women)} · {percent(h.share(h.women))}",
                  "disability": f"{number(h.disability)} · {percent(h.share(h.disability))}",
                  "youth": f"{number(h.youth)} · {percent(h.share(h.youth))}",
                  "elders": f"{number(h.elders)} · {percent(h.share(h.elders))}",
                  "without_consent": number(h.without_consent)}
        for name, card in self.cards.items():
            card.value.setText(values[name])
        lang = language()
        self.month_chart.set_chart(chartdata.by_month(
            data.figures, lang, number,
            lambda month: i18n.format_date(dt.date.fromisoformat(month + "-01"), "MMM y")))
        self.province_chart.set_chart(chartdata.by_province(data.figures, lang, number))
        self.sex_age_chart.set_chart(chartdata.with_digits(
            chartdata.by_sex_age(data.figures, lang, number), i18n.localize_digits))
        catalog = lookup.catalog(self.context.data_dir)
        self.skills.setRowCount(len(data.figures.skills))
        for row, module in enumerate(data.figures.skills):
            for column, (text, is_number) in enumerate((
                    (catalog.title(module.slug, lang), False), (number(module.people), True),
                    (number(module.achieved), True), (number(module.assessed), True))):
                self.skills.setItem(row, column, _item(text, is_number))
        _fit_height(self.skills)
        self.targets.setRowCount(len(data.targets))
        for row, item in enumerate(data.targets):
            t = item.target
            area = _(TAG_LABELS.get(t.policy_area, t.policy_area)) if t.policy_area else ""
            measure = _(targets.MEASURES[t.measure]) + (f" · {area}" if area else "")
            period = "{start} – {end}".format(
                start=i18n.format_date(dt.date.fromisoformat(t.period_start), "short"),
                end=i18n.format_date(dt.date.fromisoformat(t.period_end), "short"))
            province = lookup.province_name(t.province_code, lang) if t.province_code \
                else _("All provinces")
            for column, (text, is_number) in enumerate((
                    (measure, False), (period, False),
                    (province, False), (number(t.value), True), (number(item.actual), True),
                    (percent(item.share), True))):
                self.targets.setItem(row, column, _item(text, is_number))
        _fit_height(self.targets)
        self.targets_empty.setVisible(not data.targets)
        if data.outcomes is not None:     # counted with the skills, after the rest
            filt = self.filters.current()
            self.outcomes.show_outcomes(data.outcomes, catalog,
                                        bool(filt.province or filt.district))

    # --- actions ------------------------------------------------------------------
    def open_export(self) -> None:
        from debc_outreach.gui.reporting.export_dialog import ExportDialog

        dialog = ExportDialog(self.context, self.filters.current(), self)
        dialog.exec()
        dialog.deleteLater()

    def open_targets(self) -> None:
        from debc_outreach.gui.reporting.targets_dialog import TargetsDialog

        dialog = TargetsDialog(self.context, self)
        dialog.exec()
        dialog.deleteLater()
