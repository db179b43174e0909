"""Export dialog: what, which format, which language, where — then a Task with progress.

The filters are those of the Reports page. The file is written by
reports/exports.run_export on its own connection, off the GUI thread; Cancel
stops it and leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.gui.context import AppContext
from debc_outreach.i18n import N_, _
from debc_outreach.reports import summary
from debc_outreach.reports.exports import ExportRequest, ExportResult, Who, run_export
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage.database import Database

KINDS = {
    "attendance": N_("Attendance: one row per check-in"),
    "sessions": N_("Sessions with their counts"),
    "participants": N_("Participants (named only with consent)"),
    "summary": N_("Summary: figures, disaggregation, skills, targets"),
}
FORMATS = {"xlsx": N_("Excel workbook (XLSX)"), "csv": N_("CSV (UTF-8, opens in Excel)"),
           "pdf": N_("PDF (to print)")}
FORMAT_FILTERS = {"xlsx": N_("Excel workbook (*.xlsx)"), "csv": N_("CSV file (*.csv)"),
                  "pdf": N_("PDF document (*.pdf)")}


def who(context: AppContext) -> Who:
    """The device and the signed-in trainer profile (for the export log)."""
    from debc_outreach.storage import trainers

    trainer_id = context.settings.current_trainer_id
    trainer = trainers.get_trainer(context.store, trainer_id) if trainer_id else None
    return Who(context.store.device_id, trainer.id if trainer else "",
               trainer.display_name if trainer else "")


def result_message(result: ExportResult) -> str:
    text = _("Saved {path}.").format(path=result.path)
    if result.unnamed:
        text += "\n" + _("Participants without consent (counted, not named): {n}").format(
            n=i18n.format_number(result.unnamed))
    return text


def run_export_task(parent: QWidget, context: AppContext, request: ExportRequest,
                    on_done=None):
    """Write the file off the GUI thread with a progress dialog; report the result."""
    from debc_outreach.gui.tasks import Task

    path, key = context.store.database.path, context.store.database.key
    writer = who(context)

    def work(progress):
        database = Database(path, key)
        try:
            return run_export(database, request, writer, progress)
        finally:
            database.close()

    def done(result: ExportResult) -> None:
        if result is None or result.cancelled:
            return
        QMessageBox.information(parent, _("Export"), result_message(result))
        if on_done is not None:
            on_done(result)

    task = Task(parent, _("Exporting…"), work)
    task.succeeded.connect(done)
    task.start()
    return task


class ExportDialog(QDialog):
    def __init__(self, context: AppContext, filt: ReportFilter, parent: QWidget | None = None):
        super().__init__(parent)
        self.context, self.filt = context, filt
        self.task = None
        self.result: ExportResult | None = None
        layout = QVBoxLayout(self)
        self.scope = QLabel()
        self.scope.setWordWrap(True)
        layout.addWidget(self.scope)
        form = QFormLayout()
        self.kind = QComboBox()
        self.format = QComboBox()
        self.language = QComboBox()
        self.path = QLineEdit()
        self.browse = QPushButton()
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.kind_label, self.format_label = QLabel(), QLabel()
        self.language_label, self.path_label = QLabel(), QLabel()
        form.addRow(self.kind_label, self.kind)
        form.addRow(self.format_label, self.format)
        form.addRow(self.language_label, self.language)
        form.addRow(self.path_label, row)
        layout.addLayout(form)
        self.privacy = QLabel()
        self.privacy.setWordWrap(True)
        layout.addWidget(self.privacy)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(_("Export"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        layout.addWidget(self.buttons)
        for key, text in KINDS.items():
            self.kind.addItem(_(text), key)
        for key, text in FORMATS.items():
            self.format.addItem(_(text), key)
        self.language.addItem("ខ្មែរ", "km")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(self.language.findData(i18n.language()))
        self.kind.currentIndexChanged.connect(self._suggest_name)
        self.format.currentIndexChanged.connect(self._suggest_name)
        self.browse.clicked.connect(self._browse)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.start)
        self.retranslate()
        self._suggest_name()
        self.setMinimumWidth(560)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Export"))
        catalog_pairs = summary.filter_pairs(self.filt, i18n.language(),
                                             _catalog(self.context), self.context.store.database)
        self.scope.setText(_("Records: {filters}").format(
            filters="; ".join(f"{k}: {v}" for k, v in catalog_pairs)))
        self.kind_label.setText(_("What"))
        self.format_label.setText(_("Format"))
        self.language_label.setText(_("Language of the file"))
        self.path_label.setText(_("Save as"))
        self.browse.setText(_("Choose…"))
        self.privacy.setText(_("Names appear only for participants who gave consent; the "
                               "others are counted. The export is recorded in the export "
                               "log (who, when, what)."))

    def _suggest_name(self) -> None:
        kind, fmt = self.kind.currentData(), self.format.currentData()
        folder = Path(self.path.text()).parent if self.path.text() else Path.home()
        stamp = self.filt.date_to or dt.date.today().isoformat()
        self.path.setText(str(folder / f"{kind}-{stamp}.{fmt}"))

    def _browse(self) -> None:
        fmt = self.format.currentData()
        chosen, _filter = QFileDialog.getSaveFileName(self, _("Save export as"),
                                                      self.path.text(),
                                                      _(FORMAT_FILTERS[fmt]))
        if chosen:
            if not chosen.lower().endswith("." + fmt):
                chosen += "." + fmt
            self.path.setText(chosen)

    def request(self) -> ExportRequest:
        return ExportRequest(self.kind.currentData(), self.format.currentData(),
                             Path(self.path.text().strip()), self.filt,
                             self.language.currentData(), data_dir=self.context.data_dir)

    def start(self) -> None:
        """Check names are allowed, then export in the background."""
        from debc_outreach.gui.errors import show_user_error
        from debc_outreach.gui.export_guard import confirm_named_export

        request = self.request()
        if not self.path.text().strip():
            show_user_error(self, _("Choose where to save the file."))
            return
        if not confirm_named_export(self, self.context.store, request.kind):
            return
        self.export_button.setEnabled(False)
        self.task = run_export_task(self, self.context, request, self._done)
        self.task.failed.connect(lambda: self.export_button.setEnabled(True))
        self.task.cancelled.connect(lambda: self.export_button.setEnabled(True))

    def _done(self, result: ExportResult) -> None:
        self.result = result
        self.accept()


def _catalog(context: AppContext):
    from debc_outreach.reports import lookup

    return lookup.catalog(context.data_dir)
