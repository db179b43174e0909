"""Home: who is signed in, what is on this device, what to do next.

The computer's id and the data folder are for whoever looks after the laptop: they are
in Settings and Help → About, not on the page every trainer sees."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.page import Page
from debc_outreach.gui.shell.first_paint import after_first_paint
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import events, trainers


class _Figure(QFrame):
    """A big number with a caption underneath (centred and framed by ui/style.qss).

    This page is on the start-up path, so it avoids `PySide6.QtCore.Qt`, whose
    enums cost about 15 ms to create (bench/bench_startup.py).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("figure")
        layout = QVBoxLayout(self)
        self.value = QLabel()
        self.value.setObjectName("figureValue")
        self.value.setFont(fonts.heading_font(self.font(), 2.0))
        self.caption = QLabel()
        self.caption.setObjectName("figureCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)


class HomePage(Page):
    key = "home"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        self.greeting = QLabel()
        self.greeting.setObjectName("greeting")
        self.greeting.setFont(fonts.heading_font(self.font(), 1.6))
        self.greeting.setWordWrap(True)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.greeting)
        layout.addWidget(self.intro)
        grid = QGridLayout()
        self.records = _Figure()
        self.trainer_count = _Figure()
        self.backup = _Figure()
        # Today's backup is written behind the window: how far it got, while it runs.
        self.backup_progress = QProgressBar()
        self.backup_progress.setTextVisible(False)
        self.backup_progress.setMaximumHeight(8)
        # As wide as the figure, never widening it (the three figures stay alike).
        self.backup_progress.setSizePolicy(QSizePolicy.Policy.Ignored,
                                           QSizePolicy.Policy.Fixed)
        self.backup_progress.hide()
        self.backup.layout().addWidget(self.backup_progress)
        self._backing_up = False
        grid.addWidget(self.records, 0, 0)
        grid.addWidget(self.trainer_count, 0, 1)
        grid.addWidget(self.backup, 0, 2)
        self.participant_count = _Figure()
        self.session_count = _Figure()
        grid.addWidget(self.participant_count, 1, 0)
        grid.addWidget(self.session_count, 1, 1)
        layout.addLayout(grid)
        # The next steps, so a new user is never left with only figures to look at.
        self.first_steps = QLabel()
        self.first_steps.setWordWrap(True)
        layout.addWidget(self.first_steps)
        actions = QHBoxLayout()
        self.plan_button = QPushButton()
        self.plan_button.clicked.connect(self.plan_session)
        self.present_button = QPushButton()
        self.present_button.clicked.connect(lambda: self._go("modules"))
        self.sync_button = QPushButton()
        self.sync_button.clicked.connect(lambda: self._go("sync"))
        for button in (self.plan_button, self.present_button, self.sync_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        layout.addStretch(1)
        self._painted = False
        self._counts: dict[str, int] = {}
        context.records_changed.connect(lambda _entity: self.refresh())
        context.settings_changed.connect(self.refresh)
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(_("Plan sessions, present modules, check people in and tick their "
                             "skills. Everything is saved on this computer at once, even "
                             "without internet."))
        self._show_counts()
        self.backup.caption.setText(_("writing today's backup…") if self._backing_up
                                    else _("last automatic backup"))
        self.first_steps.setText(_("No session yet: plan your first one, or look at the "
                                   "modules you can present."))
        self.plan_button.setText(_("Plan a session…"))
        self.present_button.setText(_("Present a module"))
        self.sync_button.setText(_("Send or receive records"))
        if self.isVisible():          # figures and dates re-format in the new language
            self.refresh()

    def _show_counts(self) -> None:
        """Each figure with its caption in the right number ("1 record", "2 records")."""
        counts = self._counts
        for figure, n, caption in (
                (self.records, counts.get("records"),
                 ngettext("record saved on this computer", "records saved on this computer",
                          counts.get("records", 2))),
                (self.trainer_count, counts.get("trainers"),
                 ngettext("trainer profile", "trainer profiles", counts.get("trainers", 2))),
                (self.participant_count, counts.get("participants"),
                 ngettext("participant registered", "participants registered",
                          counts.get("participants", 2))),
                (self.session_count, counts.get("sessions"),
                 ngettext("session planned or held", "sessions planned or held",
                          counts.get("sessions", 2)))):
            if n is not None:
                figure.value.setText(i18n.format_number(n))
            figure.caption.setText(caption)

    def activate(self) -> None:
        if self._painted:
            self.refresh()
        else:
            # The first time (at start-up) the figures are counted just after the window
            # has appeared: counting and formatting cost more than drawing it.
            after_first_paint(self, self._first_refresh)

    def _first_refresh(self) -> None:
        self._painted = True
        self.refresh()

    def refresh(self) -> None:
        from debc_outreach.storage import participants, sessions

        store = self.context.store
        trainer = trainers.get_trainer(store, self.context.settings.current_trainer_id)
        if trainer:
            self.greeting.setText(_("Welcome, {name}").format(name=trainer.display_name))
        else:
            self.greeting.setText(_("Welcome"))
        self._counts = {"records": events.count(store.database.conn),
                        "trainers": len(trainers.list_trainers(store)),
                        "participants": participants.count(store.database),
                        "sessions": sessions.count(store.database)}
        self._show_counts()
        self.first_steps.setVisible(self._counts["sessions"] == 0)
        self._show_last_backup()

    def _show_last_backup(self) -> None:
        from debc_outreach.sync.backup import last_backup_day

        day = last_backup_day(self.context.store.backup_dir)
        self.backup.value.setText(i18n.format_date(day) if day else "—")

    def show_backup_progress(self, done: int | None, total: int | None) -> None:
        """Today's backup got this far (`None`: it is finished or was stopped)."""
        self._backing_up = done is not None
        self.backup.caption.setText(_("writing today's backup…") if self._backing_up
                                    else _("last automatic backup"))
        self.backup_progress.setVisible(self._backing_up)
        if self._backing_up:
            self.backup_progress.setRange(0, max(total or 0, 1))
            self.backup_progress.setValue(min(done, total or 0))
        elif self._painted:
            self._show_last_backup()

    def _go(self, key: str):
        """Show another page of the main window (the home page lives in it)."""
        return self.window().page(key)

    def plan_session(self) -> None:
        self._go("sessions").plan_session()
