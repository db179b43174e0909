"""The dashboard's outcome section: what people learned, follow-ups, scams met.

Figures come with the dashboard's (report_figures_worker) for the page's
filters. On the coordinator's own screen every figure shows; the files made
from them suppress small cells (reports/outcome_tables.py). A choice of
breakdown (sex, age band, disability) adds the groups under each module.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.gui import fonts
from debc_outreach.gui.reporting.report_charts import ChartWidget
from debc_outreach.gui.reporting.report_tables import fit_height, item, read_only_table
from debc_outreach.i18n import _, language
from debc_outreach.reports import lookup, outcome_charts
from debc_outreach.reports.chartdata import with_digits
from debc_outreach.reports.columns import (
    AGE_BAND_NAMES,
    BREAKDOWN_NAMES,
    DISABILITY_NAMES,
    MODE_NAMES,
    SEX_NAMES,
)
from debc_outreach.reports.outcomes import Outcomes

_GROUP_NAMES = {"sex": SEX_NAMES, "age_band": AGE_BAND_NAMES, "disability": DISABILITY_NAMES}


class OutcomesSection(QWidget):
    """`show_outcomes(found, catalog, by_district)` fills it; `retranslate()` re-labels."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.found: Outcomes | None = None
        self._catalog: lookup.Catalog | None = None
        self._by_district = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setFont(fonts.heading_font(self.font(), 1.25))
        self.breakdown_label = QLabel()
        self.breakdown = QComboBox()
        for key in BREAKDOWN_NAMES:
            self.breakdown.addItem("", key)
        top.addWidget(self.title, 1)
        top.addWidget(self.breakdown_label)
        top.addWidget(self.breakdown)
        layout.addLayout(top)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        charts = QGridLayout()
        self.knowledge_chart = ChartWidget()
        self.kind_chart = ChartWidget()
        self.place_chart = ChartWidget()
        self.month_chart = ChartWidget()
        charts.addWidget(self.knowledge_chart, 0, 0)
        charts.addWidget(self.kind_chart, 0, 1)
        charts.addWidget(self.place_chart, 1, 0)
        charts.addWidget(self.month_chart, 1, 1)
        layout.addLayout(charts)
        self.knowledge_title = QLabel()
        self.knowledge_title.setFont(fonts.heading_font(self.font(), 1.15))
        self.knowledge: QTableWidget = read_only_table(8)
        self.follow_up_title = QLabel()
        self.follow_up_title.setFont(fonts.heading_font(self.font(), 1.15))
        self.follow_up: QTableWidget = read_only_table(5)
        # The question is the long text of a follow-up row, not the module.
        header = self.follow_up.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for widget in (self.knowledge_title, self.knowledge, self.follow_up_title,
                       self.follow_up):
            layout.addWidget(widget)
        self.breakdown.currentIndexChanged.connect(self.redisplay)

    def retranslate(self) -> None:
        self.title.setText(_("Outcomes: learning, follow-up and scams"))
        self.breakdown_label.setText(_("Groups:"))
        for index in range(self.breakdown.count()):
            key = self.breakdown.itemData(index)
            self.breakdown.setItemText(index, _("Whole group") if key == "all"
                                       else _(BREAKDOWN_NAMES[key]))
        self.empty.setText(_("No quick checks, follow-ups or scam tallies in this selection. "
                             "Trainers record them on the session screen and the Follow-ups "
                             "list."))
        self.knowledge_title.setText(_("Quick checks: what people learned"))
        self.knowledge.setHorizontalHeaderLabels([
            _("Module"), _("How answers were taken"), _("Group"), _("People before"),
            _("Correct before"), _("People after"), _("Correct after"), _("Change")])
        self.follow_up_title.setText(_("Follow-up a month later"))
        self.follow_up.setHorizontalHeaderLabels([
            _("Module"), _("Question"), _("Group"), _("People asked"), _("Safe (share)")])
        self.redisplay()

    def show_outcomes(self, found: Outcomes | None, catalog: lookup.Catalog,
                      by_district: bool) -> None:
        self.found, self._catalog, self._by_district = found, catalog, by_district
        self.redisplay()

    def _group(self, breakdown: str, group: str) -> str:
        if breakdown == "all":
            return _("All")
        name = _GROUP_NAMES[breakdown].get(group)
        return i18n.localize_digits(_(name)) if name else group

    def redisplay(self) -> None:
        found, catalog = self.found, self._catalog
        if found is None or catalog is None:
            return
        lang = language()
        number, percent = i18n.format_number, i18n.format_percent
        self.empty.setVisible(found.is_empty())
        charts = (
            (self.knowledge_chart, outcome_charts.knowledge_by_module(found, catalog, lang,
                                                                       percent)),
            (self.kind_chart, outcome_charts.scams_by_kind(found, catalog, lang, number)),
            (self.place_chart, outcome_charts.scams_by_place(found, lang, number,
                                                             districts=self._by_district)),
            (self.month_chart, outcome_charts.scams_by_month(
                found, lang, number,
                lambda month: i18n.format_date(dt.date.fromisoformat(month + "-01"), "MMM y"))))
        for widget, chart in charts:
            widget.set_chart(with_digits(chart, i18n.localize_digits))
        shown = {"all", self.breakdown.currentData() or "all"}
        knowledge = [r for r in found.knowledge if r.breakdown in shown]
        self.knowledge.setRowCount(len(knowledge))
        for row, k in enumerate(knowledge):
            change = k.change
            cells = ((catalog.title(k.module, lang), False), (_(MODE_NAMES[k.mode]), False),
                     (self._group(k.breakdown, k.group), False),
                     (number(k.before.people), True),
                     (percent(k.before.share) if k.before.answers else "–", True),
                     (number(k.after.people), True),
                     (percent(k.after.share) if k.after.answers else "–", True),
                     ("–" if change is None else
                      ("+" if change > 0 else "") + percent(change), True))
            for column, (text, is_number) in enumerate(cells):
                self.knowledge.setItem(row, column, item(text, is_number))
        fit_height(self.knowledge)
        follow = [r for r in found.follow_ups if r.breakdown in shown]
        self.follow_up.setRowCount(len(follow))
        for row, f in enumerate(follow):
            cells = ((catalog.title(f.module, lang), False),
                     (catalog.question_text(f.question_id, lang), False),
                     (self._group(f.breakdown, f.group), False), (number(f.people), True),
                     (percent(f.share), True))
            for column, (text, is_number) in enumerate(cells):
                self.follow_up.setItem(row, column, item(text, is_number))
        fit_height(self.follow_up)
