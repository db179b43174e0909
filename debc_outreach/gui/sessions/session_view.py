"""The one screen for a whole session: check-in, live counters, skills grid, quick
checks, scam tally, close.

`SessionView` is the frame: the session's title and actions (details, history,
sheets, scam tally, amend, close), the counters, and two halves side by side
that share the `OpenSession`: `CheckInPanel` (check_in_panel.py) on the left,
and on the right the tabs `SkillsPanel` (skills_panel.py) and
`QuickCheckPanel` (quick_check_panel.py; Ctrl+K goes to it). Each panel makes
its own changes through `run_change`; the view redraws them all from the
announcement, like every page. Ctrl+Z takes back the
skills panel's last "Whole group" fill if it is the latest change, else the
last check-in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.gui import fonts
from debc_outreach.gui.changes import run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.sessions.check_in_panel import CheckInPanel
from debc_outreach.gui.sessions.open_session import OpenSession
from debc_outreach.gui.sessions.quick_check_panel import QuickCheckPanel
from debc_outreach.gui.sessions.scam_tally_dialog import ScamTallyDialog
from debc_outreach.gui.sessions.session_dialogs import (
    CloseSummaryDialog,
    HistoryDialog,
    counters_text,
)
from debc_outreach.gui.sessions.skills_panel import SkillsPanel
from debc_outreach.i18n import _
from debc_outreach.storage import (
    attendance,
    catalogue,
    gazetteer,
    session_summary,
    sessions,
)
from debc_outreach.sync.state import session_sync_state


class _Counter(QFrame):
    """A figure and its caption side by side: one line high, so the lists keep the room."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("figure")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        self.value = QLabel("0")
        self.value.setObjectName("figureValue")
        self.value.setFont(fonts.heading_font(self.font(), 1.4))
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout.addStretch(1)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        layout.addStretch(1)


class SessionView(QWidget):
    """Shows one session; `back_requested` returns to the list."""

    back_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sessionView")
        self.context = context
        self.open = OpenSession()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 8, 16, 8)

        top = QHBoxLayout()
        self.back_button = QPushButton()
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel()            # date and time; the place is on the line below
        self.title.setFont(fonts.heading_font(self.font(), 1.3))
        self.title.setWordWrap(True)
        self.state_label = QLabel()
        self.state_label.setObjectName("sessionState")
        self.details_button = QPushButton()
        self.details_button.clicked.connect(self.edit_details)
        self.history_button = QPushButton()
        self.history_button.clicked.connect(self.show_history)
        self.amend_button = QPushButton()
        self.amend_button.clicked.connect(self.start_amendment)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close_session)
        self.tally_button = QPushButton()
        self.tally_button.setObjectName("scamTallyButton")
        self.tally_button.clicked.connect(self.record_scam_tally)
        self.sheets_button = QPushButton()
        sheets = QMenu(self.sheets_button)
        self.sign_in_action = sheets.addAction("", self.save_sign_in_sheet)
        self.attendance_action = sheets.addAction("", self.save_attendance_sheet)
        self.sheets_button.setMenu(sheets)
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.details_button)
        top.addWidget(self.history_button)
        top.addWidget(self.sheets_button)
        top.addWidget(self.amend_button)
        top.addWidget(self.close_button)
        outer.addLayout(top)
        self.details = QLabel()
        self.details.setWordWrap(True)
        # The state leads the line below the date, not the buttons' row: that leaves the
        # date and time one line at large text, so the lists below keep their rows.
        state_row = QHBoxLayout()
        state_row.setSpacing(12)
        state_row.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignTop)
        state_row.addWidget(self.details, 1)
        outer.addLayout(state_row)
        self.banner = QLabel()
        self.banner.setObjectName("amendBanner")
        self.banner.setStyleSheet("background: #fff4d6; padding: 4px;")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)

        counters = QHBoxLayout()
        self.counters = [_Counter() for _ in range(5)]
        for counter in self.counters:
            counters.addWidget(counter)
        outer.addLayout(counters)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        self.checkin = CheckInPanel(context, self.open)
        self.skills = SkillsPanel(context, self.open, self.checkin.status.say)
        self.checkin.checked_in.connect(self.skills.forget_group_fill)
        self.checkin.undo_requested.connect(self.undo_last)
        self.quick_check = QuickCheckPanel(context, self.open, self.checkin.status.say)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sessionTabs")
        self.tabs.addTab(self.skills, "")
        self.tabs.addTab(self.quick_check, "")
        # On the tabs' row, not the title's: more buttons there would wrap the date at
        # large text and take rows from the lists.
        self.tabs.setCornerWidget(self.tally_button, Qt.Corner.TopRightCorner)
        splitter.addWidget(self.checkin)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 740])
        outer.addWidget(splitter, 1)

        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.checkin.new_participant)
        QShortcut(QKeySequence.StandardKey.Undo, self, activated=self.undo_last)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.checkin.search.setFocus)
        QShortcut(QKeySequence("Ctrl+K"), self, activated=self.show_quick_check)
        context.records_changed.connect(self._records_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.back_button.setText(_("← Sessions"))
        self.details_button.setText(_("Details…"))
        self.history_button.setText(_("History"))
        self.amend_button.setText(_("Amend…"))
        self.close_button.setText(_("Close session…"))
        self.tally_button.setText(_("Scam tally…"))
        self.tally_button.setToolTip(_("At the end of the session: how many people met each "
                                       "kind of scam in the last month (no names)."))
        self.tabs.setTabText(0, _("Skills checklist"))
        self.tabs.setTabText(1, _("Quick check (Ctrl+K)"))
        self.sheets_button.setText(_("Print sheets"))
        self.sign_in_action.setText(_("Blank sign-in sheet (PDF)…"))
        self.attendance_action.setText(_("Attendance sheet with names (PDF)…"))
        self.checkin.retranslate()
        self.skills.retranslate()
        self.quick_check.retranslate()
        if self.session:
            self.refresh()

    # --- showing a session ---------------------------------------------------------------
    @property
    def session(self) -> sessions.Session | None:
        return self.open.session

    def show_session(self, session_id: str) -> None:
        self.open.session = sessions.require(self.context.store.database, session_id)
        self.open.amend_reason = ""
        self.skills.forget_group_fill()
        self.checkin.status.clear()
        self.checkin.search.clear()
        self.refresh()
        self.checkin.search.setFocus()

    def refresh(self) -> None:
        database = self.context.store.database
        self.open.session = session = sessions.require(database, self.open.session.id)
        place = gazetteer.village_label(session.village_code)
        when = i18n.format_day(session.day)
        self.title.setText(f"{when} {i18n.localize_digits(session.start_time)}".strip())
        self.state_label.setText(_(sessions.STATE_NAMES[session.state]))
        modules = catalogue.modules()
        titles = [modules[s].title() if s in modules else s for s in session.modules]
        details = [place, session.venue, ", ".join(titles),
                   session_sync_state(self.context.store, session.id).text()]
        self.details.setText(" · ".join(d for d in details if d))
        amending = self.open.amend_reason
        self.close_button.setVisible(not session.closed)
        self.tally_button.setVisible(not session.closed)
        self.details_button.setEnabled(not self.open.locked)
        self.amend_button.setVisible(session.closed and not amending)
        if amending:
            self.banner.setText(_("Amending this closed session. Reason: {reason}")
                                .format(reason=amending))
        self.banner.setVisible(bool(amending))
        figures = session_summary.counters(database, session)
        for counter, (caption, value) in zip(self.counters, counters_text(figures),
                                             strict=True):
            counter.caption.setText(caption)
            counter.value.setText(value)
        present = attendance.attendees(database.conn, session.id)
        self.checkin.show_people(present)
        self.skills.show_marks(present)
        self.quick_check.show_answers(present)

    def _records_changed(self, entity: str) -> None:
        # The one way this screen learns that records changed: its own panels' changes
        # (announced by `run_change`) as well as those made elsewhere or arrived by sync.
        if self.session and self.isVisible():
            self.refresh()

    def undo_last(self) -> None:
        """Ctrl+Z: take back the last "Whole group" fill, else the last check-in."""
        if not self.session:
            return
        if self.skills.can_undo_group_fill:
            self.skills.undo_group_fill()
        else:
            self.checkin.undo_last_check_in()

    def show_quick_check(self) -> None:
        """Ctrl+K: the quick-check tab, ready for the first answer key."""
        self.tabs.setCurrentWidget(self.quick_check)
        self.quick_check.grid.setFocus()

    def record_scam_tally(self) -> None:
        dialog = ScamTallyDialog(self.context, self.session, self)
        dialog.exec()
        dialog.deleteLater()

    # --- closing and amending ----------------------------------------------------------------
    def close_session(self) -> None:
        dialog = CloseSummaryDialog(self.context.store.database, self.session, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            run_change(self.context, self, "session",
                       lambda: sessions.close(self.context.store, self.session.id))
        dialog.deleteLater()

    def start_amendment(self) -> None:
        reason, ok = QInputDialog.getText(
            self, _("Amend a closed session"),
            _("Why does this closed session need a correction?"))
        if ok and reason.strip():
            self.open.amend_reason = reason.strip()
            self.refresh()
            self.checkin.search.setFocus()

    def edit_details(self) -> None:
        """Change the plan (date, place, modules, ...); an amendment when closed."""
        from debc_outreach.gui.sessions.session_plan_dialog import SessionPlanDialog

        dialog = SessionPlanDialog(self.context.store, self, existing=self.session,
                                   reason=self.open.amend_reason,
                                   current_trainer=self.context.settings.current_trainer_id)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.context.announce_change("session")
        dialog.deleteLater()

    def save_sign_in_sheet(self):
        """A blank sheet to sign on paper when the laptop cannot be at the door."""
        from debc_outreach.gui.reporting.report_documents import save_sign_in_sheet

        return save_sign_in_sheet(self, self.context, self.session.id)

    def save_attendance_sheet(self):
        from debc_outreach.gui.reporting.report_documents import save_attendance_sheet

        return save_attendance_sheet(self, self.context, self.session.id)

    def show_history(self) -> None:
        dialog = HistoryDialog(self.context.store.database, self.session.id, self)
        dialog.exec()
        dialog.deleteLater()
