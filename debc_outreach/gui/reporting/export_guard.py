"""Before an export with participants' names is saved: the coordinator's rule, a warning.

Call `confirm_named_export(parent, store, kind)` in every export entry point of the
GUI before asking for the file name; go on only when it returns True.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from debc_outreach.gui.changes import attempt
from debc_outreach.i18n import _
from debc_outreach.storage import privacy
from debc_outreach.storage.store import Store


def confirm_named_export(parent: QWidget | None, store: Store, kind: str) -> bool:
    """True when the export may go ahead (no names, or names allowed and confirmed)."""
    if not privacy.export_has_names(kind):
        return True
    if not attempt(parent, lambda: privacy.require_named_exports_allowed(store, kind),
                   title=_("Export with names not allowed")):
        return False
    box = QMessageBox(QMessageBox.Icon.Warning, _("This export contains names"),
                      privacy.named_export_warning(), QMessageBox.StandardButton.Cancel,
                      parent)
    save = box.addButton(_("Export with names"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is save
