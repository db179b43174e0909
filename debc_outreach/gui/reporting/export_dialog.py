"""Export dialog: what, which formats, which language, where — then one Task for all files.

The filters are those of the Reports page. Several formats go out in one pass
with one privacy confirmation; the files are written by reports/exports.run_export
on its own connection, off the GUI thread; Cancel stops it and leaves nothing
behind. The dialog stays open afterwards (with "Open folder"), and remembers the
folder and formats for next time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
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
from debc_outreach.errors import UserError
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.shell.status_line import grow_to_fit
from debc_outreach.gui.tasks import Progress, StoreTask
from debc_outreach.i18n import N_, _, ngettext
from debc_outreach.reports import summary
from debc_outreach.reports.exports import ExportRequest, ExportResult, Who, run_export
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage.database import Database
from debc_outreach.storage.store import Store

KINDS = {
    "attendance": N_("Attendance: one row per check-in"),
    "sessions": N_("Sessions with their counts"),
    "participants": N_("Participants (named only with consent)"),
    "summary": N_("Summary: figures, disaggregation, skills, targets"),
    "outcomes": N_("Outcomes: quick checks, follow-ups, scam tallies (no names)"),
}
FORMATS = {"xlsx": N_("Excel workbook (XLSX)"), "csv": N_("CSV (UTF-8, opens in Excel)"),
           "pdf": N_("PDF (to print)")}


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
    writer = who(context)

    def work(store: Store, progress: Progress) -> ExportResult:
        return run_export(store.database, request, writer, progress)

    def done(result: ExportResult) -> None:
        if result is None or result.cancelled:
            return
        QMessageBox.information(parent, _("Export"), result_message(result))
        if on_done is not None:
            on_done(result)

    task = StoreTask(parent, _("Exporting…"), context.store, work)
    task.succeeded.connect(done)
    task.start()
    return task


@dataclass(frozen=True)
class Outcome:
    """One file of a multi-format export: written (`result`) or refused (`problem`)."""

    request: ExportRequest
    result: ExportResult | None = None
    problem: str = ""


def export_each(database: Database, requests: list[ExportRequest], writer: Who,
                progress) -> list[Outcome]:
    """Write the files one after the other; a refused file does not stop the others."""
    outcomes = []
    for request in requests:
        if progress is not None:
            if progress.cancelled:
                break
            progress.report(0, 0, _("Writing {name}…").format(name=request.path.name))
        try:
            result = run_export(database, request, writer, progress)
        except UserError as error:
            outcomes.append(Outcome(request, problem=str(error)))
            continue
        if result.cancelled:
            break
        outcomes.append(Outcome(request, result))
    return outcomes


class ExportDialog(QDialog):
    def __init__(self, context: AppContext, filt: ReportFilter, parent: QWidget | None = None):
        super().__init__(parent)
        self.context, self.filt = context, filt
        self.task = None
        self.outcomes: list[Outcome] | None = None
        layout = QVBoxLayout(self)
        self.scope = QLabel()
        self.scope.setWordWrap(True)
        layout.addWidget(self.scope)
        form = QFormLayout()
        self.kind = QComboBox()
        self.formats = {key: QCheckBox() for key in FORMATS}
        format_row = QVBoxLayout()      # one line each: the descriptions are long in Khmer
        for box in self.formats.values():
            format_row.addWidget(box)
        self.language = QComboBox()
        self.column_keys = QCheckBox()
        self.folder = QLineEdit()
        self.browse = QPushButton()
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.name = QLineEdit()
        self.kind_label, self.format_label = QLabel(), QLabel()
        self.language_label, self.folder_label = QLabel(), QLabel()
        self.name_label, self.csv_label = QLabel(), QLabel()
        form.addRow(self.kind_label, self.kind)
        form.addRow(self.format_label, format_row)
        form.addRow(self.language_label, self.language)
        form.addRow(self.csv_label, self.column_keys)
        form.addRow(self.folder_label, folder_row)
        form.addRow(self.name_label, self.name)
        layout.addLayout(form)
        self.files = QLabel()
        self.files.setWordWrap(True)
        layout.addWidget(self.files)
        self.privacy = QLabel()
        self.privacy.setWordWrap(True)
        layout.addWidget(self.privacy)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        layout.addWidget(self.outcome)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_folder_button = self.buttons.addButton(
            "", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder_button.hide()
        self.export_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        layout.addWidget(self.buttons)
        for key, text in KINDS.items():
            self.kind.addItem(_(text), key)
        self.language.addItem("ខ្មែរ", "km")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(self.language.findData(i18n.language()))
        self._restore_choices()
        self._suggest_name()
        self.kind.currentIndexChanged.connect(self._suggest_name)
        self.kind.currentIndexChanged.connect(self._show_files)
        for box in self.formats.values():
            box.toggled.connect(self._show_files)
        self.name.textChanged.connect(self._show_files)
        self.folder.textChanged.connect(self._show_files)
        self.browse.clicked.connect(self._browse)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.start)
        self.retranslate()
        # Wide enough that the explanations stay a few lines long at a large text size.
        self.setMinimumWidth(max(600, self.fontMetrics().averageCharWidth() * 72))

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        grow_to_fit(self)            # wrapped Khmer lines need more than Qt's first guess

    def retranslate(self) -> None:
        self.setWindowTitle(_("Export"))
        catalog_pairs = summary.filter_pairs(self.filt, i18n.language(),
                                             _catalog(self.context), self.context.store.database)
        self.scope.setText(_("Records: {filters}").format(
            filters="; ".join(f"{k}: {v}" for k, v in catalog_pairs)))
        self.kind_label.setText(_("What"))
        self.format_label.setText(_("Formats"))
        for key, box in self.formats.items():
            box.setText(_(FORMATS[key]))
        self.language_label.setText(_("Language of the file"))
        self.csv_label.setText(_("CSV headers"))
        self.column_keys.setText(_("English column keys for scripts"))
        self.folder_label.setText(_("Folder"))
        self.name_label.setText(_("File name"))
        self.browse.setText(_("Choose…"))
        self.export_button.setText(_("Export"))
        self.open_folder_button.setText(_("Open folder"))
        self.privacy.setText(_("Names appear only for participants who gave consent; the "
                               "others are counted. The export is recorded in the export "
                               "log (who, when, what). A spreadsheet that opens a CSV drops "
                               "the leading zeros of codes (01 becomes 1); the XLSX keeps "
                               "them."))
        self._show_files()

    # --- choices ------------------------------------------------------------------
    def _restore_choices(self) -> None:
        settings = self.context.settings
        folder = Path(settings.export_folder) if settings.export_folder else Path.home()
        self.folder.setText(str(folder if folder.is_dir() else Path.home()))
        ticked = set(settings.export_formats.split(",")) & set(FORMATS) or {"xlsx"}
        for key, box in self.formats.items():
            box.setChecked(key in ticked)
        self.column_keys.setChecked(settings.export_column_keys)

    def _remember_choices(self) -> None:
        settings = self.context.settings
        settings.export_folder = self.folder.text().strip()
        settings.export_formats = ",".join(self.chosen_formats())
        settings.export_column_keys = self.column_keys.isChecked()
        self.context.save()

    def chosen_formats(self) -> list[str]:
        return [key for key, box in self.formats.items() if box.isChecked()]

    def _suggest_name(self) -> None:
        stamp = self.filt.date_to or dt.date.today().isoformat()
        self.name.setText(f"{self.kind.currentData()}-{stamp}")

    def paths(self) -> list[Path]:
        """The file each ticked format will be written to."""
        folder, stem = Path(self.folder.text().strip()), self.name.text().strip()
        for fmt in FORMATS:      # a typed extension is not doubled
            stem = stem.removesuffix("." + fmt)
        stem = stem.removesuffix(".csv.zip").removesuffix(".zip")
        return [folder / f"{stem}.{self._extension(fmt)}" for fmt in self.chosen_formats()]

    def _extension(self, fmt: str) -> str:
        """The outcomes' CSV tables go out together in one ZIP."""
        return "csv.zip" if fmt == "csv" and self.kind.currentData() == "outcomes" else fmt

    def _show_files(self) -> None:
        names = ", ".join(path.name for path in self.paths()) if self.name.text().strip() \
            else ""
        self.files.setText(_("Files: {names}").format(names=names or "—"))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Folder for the exports"),
                                                  self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def requests(self) -> list[ExportRequest]:
        return [ExportRequest(self.kind.currentData(), fmt, path, self.filt,
                              self.language.currentData(), data_dir=self.context.data_dir,
                              column_keys=self.column_keys.isChecked())
                for fmt, path in zip(self.chosen_formats(), self.paths(), strict=True)]

    # --- export -------------------------------------------------------------------
    def start(self) -> None:
        """Check the choices, ask once about names and existing files, then export."""
        from debc_outreach.gui.errors import show_user_error
        from debc_outreach.gui.reporting.export_guard import confirm_named_export

        folder = Path(self.folder.text().strip())
        if not self.folder.text().strip() or not self.name.text().strip():
            show_user_error(self, _("Choose where to save the file."))
            return
        if not folder.is_dir():
            show_user_error(self, _("The folder {folder} does not exist. Choose another "
                                    "one.").format(folder=folder))
            return
        if not self.chosen_formats():
            show_user_error(self, _("Tick at least one format."))
            return
        existing = [path for path in self.paths() if path.exists()]
        if existing and not self.confirm_replace(existing):
            return
        if not confirm_named_export(self, self.context.store, self.kind.currentData()):
            return
        self._remember_choices()
        self._run(self.requests())

    def confirm_replace(self, existing: list[Path]) -> bool:
        """Ask before overwriting files; No is the default answer."""
        text = ngettext("This file already exists:", "These files already exist:",
                        len(existing)) + "\n" + "\n".join(p.name for p in existing) + "\n\n" \
            + _("Replace them?")
        answer = QMessageBox.question(
            self, _("Replace files?"), text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _run(self, requests: list[ExportRequest]) -> None:
        writer = who(self.context)

        def work(store: Store, progress: Progress) -> list[Outcome]:
            return export_each(store.database, requests, writer, progress)

        self.export_button.setEnabled(False)
        self.task = StoreTask(self, _("Exporting…"), self.context.store, work)
        self.task.succeeded.connect(self._done)
        self.task.failed.connect(lambda: self.export_button.setEnabled(True))
        self.task.cancelled.connect(lambda: self.export_button.setEnabled(True))
        self.task.start()

    def _done(self, outcomes: list[Outcome]) -> None:
        self.export_button.setEnabled(True)
        self.outcomes = outcomes
        lines = []
        for outcome in outcomes:
            if outcome.result is None:
                lines.append(_("Not written: {name}. {problem}").format(
                    name=outcome.request.path.name, problem=outcome.problem))
            else:
                lines.append(_("Saved {path}.").format(path=outcome.result.path.name))
        unnamed = max((o.result.unnamed for o in outcomes if o.result), default=0)
        if unnamed:
            lines.append(_("Participants without consent (counted, not named): {n}").format(
                n=i18n.format_number(unnamed)))
        self.outcome.setText("\n".join(lines))
        self.outcome.show()
        self.open_folder_button.setVisible(any(o.result for o in outcomes))
        grow_to_fit(self)

    def open_folder(self) -> None:
        """Show the folder of the exports in the system's file manager."""
        written = [o.result.path for o in self.outcomes or () if o.result]
        folder = written[0].parent if written else Path(self.folder.text().strip())
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _catalog(context: AppContext):
    from debc_outreach.reports import lookup

    return lookup.catalog(context.data_dir)
