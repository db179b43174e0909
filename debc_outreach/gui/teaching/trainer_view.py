"""The trainer's laptop during a presentation: now, next, notes, time, controls."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.display import display_markdown
from debc_outreach.content.sources import with_sources
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.gui import fonts
from debc_outreach.gui.teaching.presenter_state import PresenterKeys, PresenterState
from debc_outreach.gui.teaching.slide_view import SlideView
from debc_outreach.i18n import _


def format_clock(seconds: int) -> str:
    """12:05 (digits follow the Khmer-digits setting, like every number on screen)."""
    minutes, seconds = divmod(max(0, seconds), 60)
    return f"{i18n.format_year(minutes)}:{i18n.format_year(seconds // 10)}" \
           f"{i18n.format_year(seconds % 10)}"


class TrainerView(PresenterKeys, QWidget):
    """The trainer's own window: the slide now and next, the notes, the clock, buttons."""

    def __init__(self, state: PresenterState, duration_minutes: int,
                 owner: QWidget | None = None):
        super().__init__(owner, Qt.WindowType.Window)
        self.state = state
        self.duration_seconds = duration_minutes * 60
        self.setObjectName("trainerView")
        self.setMinimumSize(800, 560)
        self.resize(1280, 760)

        self.title = QLabel()
        self.title.setFont(fonts.heading_font(self.font(), 1.25))
        self.title.setWordWrap(True)
        self.position = QLabel()
        self.position.setFont(fonts.heading_font(self.font(), 1.25))
        self.clock = QLabel()
        self.clock.setObjectName("presenterClock")
        self.clock.setFont(fonts.heading_font(self.font(), 1.6))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.position)
        top.addSpacing(24)
        top.addWidget(self.clock)

        self.current = SlideView(state, 0, parent=self)
        self.current.setMinimumSize(400, 300)
        self.next_label = QLabel()
        self.next_view = SlideView(state, 1, footer=False, parent=self)
        self.next_view.setMinimumSize(240, 180)
        self.notes_label = QLabel()
        self.notes = QTextBrowser()
        self.notes.setObjectName("presenterNotes")
        notes_font = QFont(self.font())
        notes_font.setPointSizeF(self.font().pointSizeF() * 1.3)
        self.notes.setFont(notes_font)
        self.notes.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.notes.setOpenExternalLinks(True)       # a cited source opens in the browser
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.next_label)
        side_layout.addWidget(self.next_view, 2)
        side_layout.addWidget(self.notes_label)
        side_layout.addWidget(self.notes, 3)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.current)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.previous_button = QPushButton()
        self.next_button = QPushButton()
        self.blackout_button = QPushButton()
        self.blackout_button.setCheckable(True)
        self.mode_buttons = QButtonGroup(self)
        controls = QHBoxLayout()
        controls.addWidget(self.previous_button)
        controls.addWidget(self.next_button)
        controls.addSpacing(16)
        for mode in ("km", "en", "both"):
            button = QPushButton()
            button.setCheckable(True)
            button.setProperty("mode", mode)
            self.mode_buttons.addButton(button)
            controls.addWidget(button)
        controls.addSpacing(16)
        self.smaller_button = QPushButton("A−")
        self.bigger_button = QPushButton("A+")
        controls.addWidget(self.smaller_button)
        controls.addWidget(self.bigger_button)
        controls.addWidget(self.blackout_button)
        controls.addStretch(1)
        self.end_button = QPushButton()
        controls.addWidget(self.end_button)
        for button in self.findChildren(QPushButton):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # keys stay with the slides

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(controls)

        self.previous_button.clicked.connect(state.previous)
        self.next_button.clicked.connect(state.next)
        self.blackout_button.clicked.connect(state.toggle_blackout)
        self.mode_buttons.buttonClicked.connect(lambda b: state.set_mode(b.property("mode")))
        self.smaller_button.clicked.connect(lambda: state.zoom(-1))
        self.bigger_button.clicked.connect(lambda: state.zoom(+1))
        self.end_button.clicked.connect(state.finish)
        state.changed.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.update_clock)
        self._timer.start()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Trainer view"))
        self.next_label.setText(_("Next"))
        self.notes_label.setText(_("Notes for you (not shown on the projector)"))
        self.previous_button.setText(_("◀ Back"))
        self.next_button.setText(_("Next ▶"))
        self.blackout_button.setText(_("Black screen (B)"))
        self.smaller_button.setToolTip(_("Smaller text (−)"))
        self.bigger_button.setToolTip(_("Bigger text (+)"))
        self.end_button.setText(_("End (Esc)"))
        names = {"km": "ខ្មែរ (K)", "en": "English (E)", "both": _("Both (D)")}
        for button in self.mode_buttons.buttons():
            button.setText(names[button.property("mode")])
        self.refresh()

    def notes_language(self) -> str:
        return self.state.mode if self.state.mode != "both" else i18n.language()

    def refresh(self) -> None:
        state = self.state
        self.title.setText(with_line_breaks(state.module.title(self.notes_language())))
        self.position.setText(_("Slide {n} of {total}").format(
            n=i18n.format_number(state.index + 1), total=i18n.format_number(state.count)))
        slide = state.slide(self.notes_language())
        notes = with_sources(slide.notes, state.module.sources, _("Sources")) \
            if slide and slide.notes else ""
        self.notes.setMarkdown(display_markdown(notes) if notes else "—")
        self.blackout_button.setChecked(state.blackout)
        for button in self.mode_buttons.buttons():
            button.setChecked(button.property("mode") == state.mode)
        self.next_button.setEnabled(state.index < state.count - 1)
        self.previous_button.setEnabled(state.index > 0)
        self.update_clock()

    def update_clock(self) -> None:
        elapsed = self.state.elapsed_seconds()
        self.clock.setText(_("{elapsed} of {planned} min").format(
            elapsed=format_clock(elapsed), planned=i18n.format_number(self.duration_seconds // 60)))
        over = self.duration_seconds and elapsed > self.duration_seconds
        self.clock.setStyleSheet("color: #b3261e;" if over else "")

    def stop_clock(self) -> None:
        self._timer.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.stop_clock()
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
