"""A live language switch leaves no text of the other language on any page.

Every visible text of the window (labels, buttons, headers, placeholders,
table cells, menus) is compared with the catalog: after switching to English
no line may be a Khmer translation, after switching to Khmer no line may be
an English message that has a Khmer translation. Names, places and codes are
data, not messages, so they never match.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.reports_data import demo_programme

from debc_outreach.gui.pages import PAGES

CATALOG = Path(__file__).parent.parent / "locales" / "km" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\d")
KHMER = re.compile(r"[\u1780-\u17ff]")


def _pattern(message: str) -> str:
    parts = PLACEHOLDER.split(message.replace("&", ""))
    return ".+?".join(re.escape(part) for part in parts)


def _literal(message: str) -> str:
    return PLACEHOLDER.sub("", message)


def _catalog_patterns() -> tuple[re.Pattern, re.Pattern]:
    """(English messages that have a Khmer translation, their Khmer translations)."""
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as f:
        catalog = read_po(f, locale="km")
    english, khmer = set(), set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            if len(re.findall(r"[A-Za-z]{3,}", _literal(text))) and text not in strings:
                english.add(_pattern(text))
        for text in strings:
            if len(KHMER.findall(_literal(text))) >= 2:
                khmer.add(_pattern(text))

    def alternation(patterns: set[str]) -> re.Pattern:
        ordered = sorted(patterns, key=len, reverse=True)
        return re.compile("|".join(f"(?:{p})" for p in ordered), re.DOTALL)

    return alternation(english), alternation(khmer)


def _strip(text: str) -> str:
    from PySide6.QtGui import QTextDocumentFragment

    if "<" in text and ">" in text:
        text = QTextDocumentFragment.fromHtml(text).toPlainText()
    return text.replace("\u200b", "").replace("&", "")


def visible_texts(window, bilingual=()) -> list[str]:
    """Every text a user can see in `window` now, one line each (widgets in `bilingual`
    show both languages on purpose and are left out)."""
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QWidget,
    )

    texts = [window.windowTitle()]
    for action in window.menuBar().actions():
        texts.append(action.text())
        if action.menu() is not None:
            texts += [sub.text() for sub in action.menu().actions()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget in bilingual:
            continue
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        elif isinstance(widget, QComboBox):
            texts.append(widget.currentText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model, root = widget.model(), QModelIndex()
            try:
                columns = model.columnCount(root)
            except TypeError:           # a list model keeps columnCount() private
                columns = 1
            for column in range(columns):
                texts.append(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
            for row in range(min(model.rowCount(root), 30)):
                for column in range(columns):
                    value = model.data(model.index(row, column))
                    texts.append(value if isinstance(value, str) else "")
    lines = []
    for text in texts:
        for line in _strip(text or "").split("\n"):
            lines += [part.strip() for part in line.split(" · ") if part.strip()]
    return lines


@pytest.fixture
def busy_window(qtbot, main_window, app_context):
    """The window after a day's work: a session with a check-in just made."""
    from debc_outreach.storage import participants, sessions

    demo_programme(app_context.store, participants=60, sessions=4)
    session = sessions.create(app_context.store, "2026-06-01", "12010101", [])
    person = participants.add_participant(app_context.store, "ខៀវ ម៉ាលី", sex="F",
                                          consent="yes")
    page = main_window.page("sessions")
    page.open_session(session.id)
    page.view.checkin.check_in(person)
    return main_window


def _visit_every_page(qtbot, window) -> dict[str, list[str]]:
    seen = {}
    for row, entry in enumerate(PAGES):
        window.show_page(row)
        page = window.page(entry.key)
        worker = getattr(page, "worker", None)
        if worker is not None:
            qtbot.waitUntil(lambda w=worker: not w.busy, timeout=20000)
        qtbot.wait(20)
        # The glossary lists each term in Khmer and English side by side.
        seen[entry.key] = visible_texts(window, bilingual=(window.page("glossary").terms,))
    return seen


@pytest.mark.parametrize(("before", "after"), [("km", "en"), ("en", "km")])
def test_no_text_of_the_other_language_is_left_after_a_switch(qtbot, busy_window,
                                                              app_context, before, after):
    english, khmer = _catalog_patterns()
    leftover = khmer if after == "en" else english
    app_context.set_language(before)
    _visit_every_page(qtbot, busy_window)            # every page built in `before`
    app_context.set_language(after)
    wrong = {key: [line for line in lines if leftover.fullmatch(line)]
             for key, lines in _visit_every_page(qtbot, busy_window).items()}
    assert not any(wrong.values()), {k: v for k, v in wrong.items() if v}


def test_the_check_in_message_follows_the_switch(qtbot, busy_window, app_context):
    view = busy_window.page("sessions").view
    app_context.set_language("en")
    assert view.checkin.status.text() == "✓ ខៀវ ម៉ាលី checked in."
    app_context.set_language("km")
    status = view.checkin.status.text()
    assert "checked in" not in status and "ខៀវ ម៉ាលី" in status


def test_the_last_sync_report_follows_the_switch(qtbot, main_window, app_context):
    from types import SimpleNamespace

    page = main_window.page("sync")
    app_context.set_language("km")
    page._synced(SimpleNamespace(imported=[], written=[], refused=[]))
    assert KHMER.search(page.last_report.text())
    app_context.set_language("en")
    assert page.last_report.text() == "Imported 0 bundles, wrote 0."
