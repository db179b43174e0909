"""The anonymous scam tally at the end of a session.

The trainer asks, by show of hands, how many people met each kind of scam in
the last month (the kinds come from the content pack) and types the counts:
no names, so it is safe on any device. Tab moves from kind to kind; Enter
saves. Counts run from 0 to the number of people checked in.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.gui.changes import run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.i18n import _
from debc_outreach.storage import outcomes, sessions


class ScamTallyDialog(QDialog):
    """One counter per kind of scam; Save records them as one tally."""

    def __init__(self, context: AppContext, session: sessions.Session,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("scamTallyDialog")
        self.context = context
        self.session = session
        database = context.store.database
        self.present = sessions.present_count(database, session.id)
        stored = outcomes.scam_counts(database.conn, session.id)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        body = QWidget()
        form = QFormLayout(body)
        self.kinds = outcomes.scam_kinds()
        self.labels: list[QLabel] = []
        self.counts: dict[str, QSpinBox] = {}
        for kind in self.kinds:
            label = QLabel()
            label.setWordWrap(True)
            box = QSpinBox()
            box.setRange(0, max(0, self.present))
            box.setValue(min(stored.get(kind.id, 0), self.present))
            label.setBuddy(box)
            form.addRow(label, box)
            self.labels.append(label)
            self.counts[kind.id] = box
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate()
        self.resize(720, 560)
        if self.counts:
            next(iter(self.counts.values())).setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Scam tally"))
        if not self.kinds:
            self.intro.setText(_("The content pack lists no kinds of scam."))
        else:
            self.intro.setText(with_line_breaks(_(
                "Ask by show of hands: \"Who met this kind of scam in the last month?\" "
                "Type how many hands for each kind. No names are recorded. People present: "
                "{n}.").format(n=i18n.format_number(self.present))))
        for label, kind in zip(self.labels, self.kinds, strict=True):
            label.setText(with_line_breaks(kind.text()))

    def values(self) -> dict[str, int]:
        return {kind: box.value() for kind, box in self.counts.items()}

    def accept(self) -> None:
        if run_change(self.context, self, outcomes.SCAM_TALLY, lambda: outcomes.record_scam_tally(
                self.context.store, self.session.id, self.values())):
            super().accept()

