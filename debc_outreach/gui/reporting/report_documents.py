"""Saving one session's sheet or one participant's certificate as PDF, from any page.

    save_attendance_sheet(parent, context, session_id)
    save_sign_in_sheet(parent, context, session_id)
    save_certificate(parent, context, participant_id)

Each asks where to save (and, for names, the coordinator's rule and a
warning), then writes the PDF in the background and logs the export.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from debc_outreach import i18n
from debc_outreach.gui.context import AppContext
from debc_outreach.i18n import _
from debc_outreach.reports.exports import ExportRequest


def _save(parent: QWidget, context: AppContext, kind: str, target_id: str, name: str):
    from debc_outreach.gui.reporting.export_dialog import run_export_task
    from debc_outreach.gui.reporting.export_guard import confirm_named_export

    if not confirm_named_export(parent, context.store, kind):
        return None
    chosen, _filter = QFileDialog.getSaveFileName(parent, _("Save PDF as"),
                                                  str(Path.home() / name),
                                                  _("PDF document (*.pdf)"))
    if not chosen:
        return None
    if not chosen.lower().endswith(".pdf"):
        chosen += ".pdf"
    request = ExportRequest(kind, "pdf", Path(chosen), lang=i18n.language(),
                            target_id=target_id, data_dir=context.data_dir)
    return run_export_task(parent, context, request)


def save_attendance_sheet(parent: QWidget, context: AppContext, session_id: str):
    return _save(parent, context, "attendance-sheet", session_id,
                 f"attendance-sheet-{session_id[:8]}.pdf")


def save_sign_in_sheet(parent: QWidget, context: AppContext, session_id: str):
    return _save(parent, context, "sign-in-sheet", session_id,
                 f"sign-in-sheet-{session_id[:8]}.pdf")


def save_certificate(parent: QWidget, context: AppContext, participant_id: str):
    return _save(parent, context, "certificate", participant_id,
                 f"certificate-{participant_id[:8]}.pdf")
