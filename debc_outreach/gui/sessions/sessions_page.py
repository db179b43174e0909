"""Sessions: the list of sessions, planning, and the one-screen session view."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.loader import active_pack_dir
from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.page import Page
from debc_outreach.gui.sessions.session_plan_dialog import SessionPlanDialog
from debc_outreach.gui.sessions.session_view import SessionView
from debc_outreach.gui.widgets.paged_model import PagedTableModel
from debc_outreach.gui.widgets.tables import as_row_picker
from debc_outreach.i18n import _
from debc_outreach.storage import catalogue, gazetteer, sessions
from debc_outreach.storage.database import Database

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class SessionsModel(PagedTableModel):
    COLUMNS = ("date", "village", "modules", "state", "people")

    PAGE = 200
    page_size = PAGE

    def __init__(self, database: Database, parent: QObject | None = None):
        super().__init__(parent)
        self._database = database
        self._counts: dict[str, int] = {}      # filled for the rows a view asks about

    def refresh(self) -> None:
        self.beginResetModel()
        self.reset_rows(sessions.page(self._database, limit=self.PAGE))
        self._counts = {}
        self.endResetModel()

    def next_page(self) -> list[sessions.Session]:
        return sessions.page(self._database, self._rows[-1] if self._rows else None, self.PAGE)

    def _present(self, session_id: str) -> int:
        if session_id not in self._counts:
            self._counts[session_id] = sessions.present_count(self._database, session_id)
        return self._counts[session_id]

    def session(self, row: int) -> sessions.Session | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal \
                or not 0 <= section < len(self.COLUMNS):
            return None
        return {"date": _("Date"), "village": _("Village"), "modules": _("Modules"),
                "state": _("State"), "people": _("Participants")}[self.COLUMNS[section]]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        session = self._rows[index.row()]
        if role == ID_ROLE:
            return session.id
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "people":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == "village":
            return gazetteer.village_label(session.village_code)
        if role == Qt.ItemDataRole.ToolTipRole and column == "modules":
            role = Qt.ItemDataRole.DisplayRole          # the full list, one tooltip
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "date":
            time = i18n.localize_digits(session.start_time)
            return f"{i18n.format_date(session.day)} {time}".strip()
        if column == "village":
            return gazetteer.village_name(session.village_code)
        if column == "modules":
            modules = catalogue.modules()
            return ", ".join(modules[s].title() if s in modules else s for s in session.modules)
        if column == "state":
            return _(sessions.STATE_NAMES.get(session.state, session.state))
        return i18n.format_number(self._present(session.id))


class SessionsPage(Page):
    key = "sessions"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        catalogue.use_content_dir(active_pack_dir(context.data_dir))
        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        listing = QWidget()
        list_layout = QVBoxLayout(listing)
        list_layout.setContentsMargins(24, 16, 24, 16)
        header = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setFont(fonts.heading_font(self.font(), 1.5))
        self.plan_button = QPushButton()
        self.plan_button.setObjectName("planSession")
        self.plan_button.clicked.connect(self.plan_session)
        self.open_button = QPushButton()
        self.open_button.clicked.connect(self._open_current)
        header.addWidget(self.heading, 1)
        header.addWidget(self.open_button)
        header.addWidget(self.plan_button)
        list_layout.addLayout(header)
        self.model = SessionsModel(context.store.database, self)
        self.table = QTableView()
        self.table.setObjectName("sessionsTable")
        self.table.setModel(self.model)
        as_row_picker(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SessionsModel.COLUMNS.index("modules"),
                                    QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self.open_session(
            self.model.session(index.row()).id))
        self.table.doubleClicked.connect(lambda index: self.open_session(
            self.model.session(index.row()).id))
        list_layout.addWidget(self.table, 1)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        list_layout.addWidget(self.empty)
        self.stack.addWidget(listing)

        self.view = SessionView(context)
        self.view.back_requested.connect(self.show_list)
        self.stack.addWidget(self.view)
        context.records_changed.connect(self._records_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(_("Sessions"))
        self.plan_button.setText(_("Plan a session…"))
        self.open_button.setText(_("Open"))
        self.empty.setText(_("No sessions yet. Plan one: choose the date, the village and "
                             "the modules; on the day, open it to check people in."))
        self.model.refresh()
        self.empty.setVisible(self.model.rowCount() == 0)
        self.view.retranslate()

    def activate(self) -> None:
        catalogue.use_content_dir(active_pack_dir(self.context.data_dir))
        self.model.refresh()
        self.empty.setVisible(self.model.rowCount() == 0)

    def _records_changed(self, entity: str) -> None:
        if entity in ("", "session", "attendance") and self.stack.currentIndex() == 0:
            self.activate()

    def plan_session(self) -> None:
        dialog = SessionPlanDialog(self.context.store, self,
                                   current_trainer=self.context.settings.current_trainer_id)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.session:
            self.context.announce_change("session")
            self.open_session(dialog.session.id)
        dialog.deleteLater()

    def _open_current(self) -> None:
        session = self.model.session(self.table.currentIndex().row())
        if session:
            self.open_session(session.id)

    def open_session(self, session_id: str) -> None:
        self.view.show_session(session_id)
        self.stack.setCurrentWidget(self.view)

    def show_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.activate()
