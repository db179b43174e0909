"""Small dialogs of the session screen: closing summary and history."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.gui import fonts
from debc_outreach.gui.sessions.checklist_model import STATE_NAMES
from debc_outreach.gui.sessions.quick_check_panel import PHASE_NAMES
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import catalogue, participants, session_summary, sessions
from debc_outreach.storage.database import Database


def counters_text(figures: session_summary.Counters) -> list[tuple[str, str]]:
    """(caption, value) pairs for the live counters, in display order."""
    n, digits = i18n.format_number, i18n.localize_digits
    return [(_("Checked in"), n(figures.total)), (_("Women"), n(figures.women)),
            (_("With disabilities"), n(figures.disability)),
            (digits(_("Youth 15–24")), n(figures.youth)),
            (digits(_("Elders 60+")), n(figures.elders))]


class CloseSummaryDialog(QDialog):
    """What happened in the session; "Close and lock" confirms."""

    def __init__(self, database: Database, session: sessions.Session,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("closeSummaryDialog")
        self.setWindowTitle(_("Close the session"))
        summary = session_summary.summary(database, session)
        layout = QVBoxLayout(self)
        title = QLabel(_("Summary"))
        title.setFont(fonts.heading_font(self.font(), 1.3))
        layout.addWidget(title)
        lines = [f"{caption}: {value}" for caption, value in counters_text(summary.counters)]
        if summary.without_consent:
            lines.append(ngettext("{n} person did not consent: counted, never exported by "
                                  "name.", "{n} people did not consent: counted, never "
                                  "exported by name.", summary.without_consent)
                         .format(n=i18n.format_number(summary.without_consent)))
        facts = QLabel("\n".join(lines))
        facts.setWordWrap(True)
        layout.addWidget(facts)
        skills = QListWidget()
        for number, item in enumerate(catalogue.checklist_items(session.modules), start=1):
            skills.addItem(_("Skill {number}: {achieved} of {total} achieved — {text}").format(
                number=number, achieved=i18n.format_number(summary.achieved.get(item.id, 0)),
                total=i18n.format_number(summary.counters.total), text=item.text()))
        skills.setWordWrap(True)
        layout.addWidget(skills)
        note = QLabel(_("After closing, the session is locked. Later corrections are "
                        "amendments with a reason, kept in its history."))
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = buttons.addButton(_("Close and lock"),
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 560)


def history_lines(database: Database, session_id: str) -> list[str]:
    """The session's history as readable lines (oldest first)."""
    names: dict[str, str] = {}

    def name(pid: str) -> str:
        if pid not in names:
            person = participants.get(database, pid)
            names[pid] = person.display_name if person else pid
        return names[pid]

    items = {}
    lines = []
    for entry in session_summary.history(database, session_id):
        fields = entry.fields
        if entry.entity == "attendance":
            what = (_("Checked in {name}") if entry.op == "add" else _("Removed {name}")) \
                .format(name=name(fields.get("participant_id", "")))
        elif entry.entity == "checklist":
            if not items:
                session = sessions.get(database, session_id)
                items = {item.id: n for n, item in enumerate(
                    catalogue.checklist_items(session.modules if session else ()), start=1)}
            count = len(fields.get("participant_ids", []))
            what = ngettext("Skill {number}: {state} for {n} person",
                            "Skill {number}: {state} for {n} people", count).format(
                number=items.get(fields.get("item_id"), fields.get("item_id")),
                state=_(STATE_NAMES.get(fields.get("state"), "")), n=i18n.format_number(count))
        elif entry.entity == "quiz_answer":
            what = _("Quick check ({phase}) of {name}").format(
                phase=_(PHASE_NAMES.get(fields.get("phase"), "")),
                name=name(fields.get("participant_id", "")))
        elif entry.entity == "quiz_count":
            what = _("Quick check ({phase}): hands counted for the whole class").format(
                phase=_(PHASE_NAMES.get(fields.get("phase"), "")))
        elif entry.entity == "scam_tally":
            what = _("Scam tally")
        elif fields.get("state") == sessions.PLANNED:
            what = _("Planned")
        elif set(fields) <= {"state", "closed_at"}:
            what = _(sessions.STATE_NAMES.get(fields.get("state"), fields.get("state", "")))
        else:
            what = _("Changed: {fields}").format(
                fields=", ".join(k for k in fields if k != "amendment"))
        if entry.reason:
            what = _("{change} — reason: {reason}").format(change=what, reason=entry.reason)
        lines.append("{when}  {what}".format(when=i18n.format_datetime(entry.when, "short"),
                                              what=what))
    return lines


class HistoryDialog(QDialog):
    def __init__(self, database: Database, session_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sessionHistoryDialog")
        self.setWindowTitle(_("Session history"))
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.addItems(history_lines(database, session_id))
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 520)
