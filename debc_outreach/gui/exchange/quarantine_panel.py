"""Sync page: devices whose records are held in quarantine, and records to repair.

A held device's records broke a rule when they arrived (storage/quarantine.py):
the panel says which device, what it tried, how many records wait and what
to do. "Try again" admits them once more (after an update of the app); the
coordinator can "Set aside" records that are wrong for good (kept, never
applied), so the device's later records go through again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.shell.status_line import StatusLine
from debc_outreach.gui.widgets.tables import as_row_picker
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import quarantine
from debc_outreach.storage.check import RecordProblem, record_problems
from debc_outreach.storage.store import Store
from debc_outreach.sync import peers, trust
from debc_outreach.sync.importer import held_reason


def entity_text(entity: str) -> str:
    """A record type as people say it."""
    names = {"participant": _("participant"), "session": _("session"),
             "attendance": _("check-in"), "checklist": _("checklist tick"),
             "trainer": _("trainer"), "target": _("target"),
             "distinct_pair": _("“not the same person” mark"),
             "programme_setting": _("programme rule"),
             "conflict_resolution": _("conflict decision"),
             "issued_certificate": _("certificate")}
    return names.get(entity, entity or "?")


class HeldPanel(QGroupBox):
    """The held devices of this computer, with "Try again" and "Set aside…"."""

    def __init__(self, context: AppContext, run: Callable, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self._run = run              # SyncPage._run: long work as a task with progress
        self.setObjectName("heldRecords")
        layout = QVBoxLayout(self)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        self.table = QTableWidget(0, 4)
        as_row_picker(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        # A few rows at most (one per held computer): the device list below keeps its room.
        self.table.setMaximumHeight(self.fontMetrics().height() * 9)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.outcome = StatusLine()          # what the last "Try again" did
        self.outcome.setWordWrap(True)
        buttons.addWidget(self.outcome, 1)
        self.retry_button = QPushButton()
        self.retry_button.setObjectName("retryHeld")
        self.discard_button = QPushButton()
        self.discard_button.setObjectName("discardHeld")
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.discard_button)
        layout.addLayout(buttons)
        self.retry_button.clicked.connect(lambda: self.retry())
        self.discard_button.clicked.connect(lambda: self.discard())
        self.table.itemSelectionChanged.connect(self._update_actions)
        self.retranslate()

    @property
    def store(self) -> Store:
        return self.context.store

    def retranslate(self) -> None:
        self.setTitle(_("Records held in quarantine"))
        self.explanation.setText(_(
            "These computers sent records that break the programme's rules, so they were "
            "not applied: neither that record nor the ones the same computer made after it. "
            "Records of every other computer were applied as usual, and nothing is lost. "
            "What to do: ask the trainer of that computer to update the app and sync again, "
            "then choose Try again. If the records are wrong, the coordinator sets them "
            "aside: they are kept but never counted, and the computer's later records go "
            "through again."))
        self.table.setHorizontalHeaderLabels([_("Computer"), _("What it tried"),
                                              _("Records held"), _("Why")])
        self.retry_button.setText(_("Try again"))
        self.discard_button.setText(_("Set aside…"))
        self.refresh()

    def refresh(self) -> None:
        held = quarantine.held_devices(self.store.database.conn)
        self.setVisible(bool(held))
        names = peers.device_names(self.store)
        self.table.setRowCount(len(held))
        for row, device in enumerate(held):
            values = [names.get(device.device_id, device.device_id[:8]),
                      _("record {seq}: {entity}").format(seq=i18n.format_year(device.from_seq),
                                                         entity=entity_text(device.entity)),
                      i18n.format_number(device.events), held_reason(self.store, device)]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, device.device_id)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        if held and not self.table.selectedItems():
            self.table.selectRow(0)
        self.table.resizeRowsToContents()
        self._update_actions()

    def selected_device(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _update_actions(self) -> None:
        chosen = self.selected_device() is not None
        self.retry_button.setEnabled(chosen)
        coordinator = trust.is_coordinator(self.store)
        self.discard_button.setVisible(coordinator)
        self.discard_button.setEnabled(chosen and coordinator)

    def retry(self, device_id: str | None = None):
        device_id = device_id or self.selected_device()
        if device_id is None:
            return None

        def work(store: Store, _progress):
            from debc_outreach.sync import importer

            applied = importer.retry_held(store, device_id)
            return applied, quarantine.first_held_seq(store.database.conn, device_id)

        return self._run(_("Checking the held records again…"), work, self._retried)

    def _retried(self, result: tuple[int, int | None]) -> None:
        applied, still = result

        def text() -> str:
            said = ngettext("{n} held record was applied.", "{n} held records were applied.",
                            applied).format(n=i18n.format_number(applied))
            if still is not None:
                said += " " + _("The others still break the rules and stay held.")
            return said

        self.outcome.say(text)
        self.context.announce_change("")

    def discard(self, device_id: str | None = None, confirm: bool = True) -> int:
        device_id = device_id or self.selected_device()
        if device_id is None or not trust.is_coordinator(self.store):
            return 0
        if confirm and QMessageBox.question(
                self, _("Set the held records aside?"),
                _("The held records of this computer will be kept but never applied or "
                  "counted, and its later records will be accepted again. Do this only when "
                  "you know these records are wrong.")) != QMessageBox.StandardButton.Yes:
            return 0
        from debc_outreach.sync import importer

        count = importer.discard_held(self.store, device_id)
        self.context.announce_change("")
        return count


class RepairDialog(QDialog):
    """Records an older version stored with values today's rules refuse (as `db check`)."""

    def __init__(self, problems: list[RecordProblem], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Records to repair"))
        layout = QVBoxLayout(self)
        intro = QLabel(_("These records were saved by an older version with a value the app "
                         "no longer accepts. Reports count such a value as unknown. Open each "
                         "record, correct the field and save.") if problems else
                       _("Every record follows the rules; nothing needs repair."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(problems), 3)
        as_row_picker(self.table)
        self.table.setHorizontalHeaderLabels([_("Record"), _("Field"), _("What is wrong")])
        self.table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        for row, problem in enumerate(problems):
            values = [f"{entity_text(problem.entity)}: {problem.label}", problem.field,
                      problem.message]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.setVisible(bool(problems))
        layout.addWidget(self.table)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(900, 480)


def records_to_repair(store: Store) -> list[RecordProblem]:
    return record_problems(store.database.conn)
