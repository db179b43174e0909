"""150 % text in Khmer on a 1366×768 screen: every page usable, nothing cut off.

The text size is changed while the window is open (it applies live). Each page
is then checked: the window stays 1366×768, a page may scroll down but never
sideways, every widget outside a scroll area lies inside the window, no label
or button is squeezed below what its text needs, and the check-in screen shows
at least five search results and five checked-in people.
"""

from __future__ import annotations

import pytest
from support.reports_data import demo_programme

from debc_outreach.gui.pages import PAGES

SCREEN = (1366, 768)


@pytest.fixture
def large_khmer(qtbot, main_window, app_context):
    from debc_outreach.storage import attendance, participants, sessions

    demo_programme(app_context.store, participants=120, sessions=6)
    store = app_context.store
    session = sessions.create(store, "2026-06-01", "12010101",
                              ["passwords-pins-2step", "phone-basics-khmer-typing"],
                              start_time="08:30", venue="វត្តថ្មី")
    for name in ("ខៀវ ម៉ាលី", "សុខ សុភា", "ចាន់ ដារា", "ហេង សុខា", "លី ស្រីនាង", "ម៉ៅ វណ្ណា",
                 "គឹម សុវណ្ណ"):
        person = participants.add_participant(store, name, sex="F", consent="yes")
        attendance.check_in(store, session.id, person.id)
    app_context.set_language("km")
    app_context.set_font_scale(150)
    main_window.session_id = session.id
    yield main_window
    app_context.set_font_scale(100)            # the next test starts at the usual size


def _wait(qtbot, page) -> None:
    worker = getattr(page, "worker", None)
    if worker is not None:
        qtbot.waitUntil(lambda: not worker.busy, timeout=20000)
    qtbot.wait(30)


def problems(window) -> list[str]:
    """What is cut off, squeezed or pushed out of `window` as it is shown now."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QPushButton, QWidget

    found = []
    if (window.width(), window.height()) != SCREEN:
        found.append(f"window is {window.width()}×{window.height()}")
    hint = window.minimumSizeHint()
    if hint.width() > SCREEN[0] or hint.height() > SCREEN[1]:
        found.append(f"window needs {hint.width()}×{hint.height()}")
    frame = window.stack.currentWidget()
    if frame.horizontalScrollBar().maximum() > 0:
        found.append(f"the page scrolls sideways by {frame.horizontalScrollBar().maximum()} px")
    whole = QRect(0, 0, window.width(), window.height())
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.width() <= 0:
            continue
        inside_scroll = False
        parent = widget.parentWidget()
        while parent is not None and parent is not window:
            if isinstance(parent, QAbstractScrollArea) and parent is not frame:
                inside_scroll = True
                break
            parent = parent.parentWidget()
        if inside_scroll:
            continue
        name = widget.objectName() or type(widget).__name__
        text = widget.text() if isinstance(widget, (QLabel, QPushButton)) else ""
        rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
        in_page = frame.widget().isAncestorOf(widget)
        if frame.isAncestorOf(widget) and not in_page:
            continue                                    # the frame's own scroll bars
        if in_page:          # a page may scroll down: only its width must fit
            left = widget.mapTo(frame.viewport(), widget.rect().topLeft()).x()
            if left < 0 or left + widget.width() > frame.viewport().width() + 1:
                found.append(f"{name} {text!r} sticks out of the page sideways")
        elif not whole.contains(rect):
            found.append(f"{name} {text!r} lies outside the window")
        if isinstance(widget, QLabel) and text:
            if widget.wordWrap():
                if widget.height() + 2 < widget.heightForWidth(widget.width()):
                    found.append(f"label {text!r} is cut off at the bottom")
            elif widget.width() + 1 < widget.minimumSizeHint().width():
                found.append(f"label {text!r} is cut off at the side")
        if isinstance(widget, QPushButton) and text \
                and widget.width() + 1 < widget.minimumSizeHint().width():
            found.append(f"button {text!r} is squeezed")
    return found


@pytest.mark.parametrize("key", [entry.key for entry in PAGES])
def test_every_page_fits_at_150_percent_in_khmer(qtbot, large_khmer, key, tmp_path):
    page = large_khmer.page(key)
    _wait(qtbot, page)
    large_khmer.grab().save(str(tmp_path / f"{key}-km-150.png"))
    found = problems(large_khmer)
    assert found == [], "\n".join(found)
    if key == "reports":
        _assert_legends_fit(page)


def _assert_legends_fit(page) -> None:
    from PySide6.QtGui import QFont, QFontMetricsF

    from debc_outreach.reports.pdf.charts import FONT_FAMILY, legend_layout

    for widget in (page.month_chart, page.province_chart, page.sex_age_chart):
        font = QFont(FONT_FAMILY)
        font.setPointSizeF(widget.font().pointSizeF() * 0.9)
        metrics = QFontMetricsF(font)
        width = widget.width() - 8
        entries, lines = legend_layout(metrics, widget.chart, width)
        assert lines >= 1
        for x, _y, text_width, name in entries:
            assert x + metrics.height() * 1.1 * 0.8 + text_width <= width + 0.5, name
        assert widget.height() >= widget.heightForWidth(widget.width()) - 1


def test_the_check_in_screen_shows_five_results_and_five_people(qtbot, large_khmer,
                                                                tmp_path):
    page = large_khmer.page("sessions")
    page.open_session(large_khmer.session_id)
    view = page.view
    view.checkin.search.setText("ស")
    qtbot.waitUntil(lambda: view.checkin.results_model.rowCount() >= 5, timeout=5000)
    qtbot.wait(30)
    large_khmer.grab().save(str(tmp_path / "check-in-km-150.png"))
    found = problems(large_khmer)
    assert found == [], "\n".join(found)
    for listing in (view.checkin.results, view.checkin.present):
        row = listing.sizeHintForRow(0)
        assert listing.viewport().height() >= 5 * row, listing.objectName()
    frame = large_khmer.stack.currentWidget()
    assert frame.verticalScrollBar().maximum() == 0        # both lists without scrolling


def test_the_text_size_applies_to_an_open_window(qtbot, main_window, app_context):
    page = main_window.page("sync")                     # a heading and plain text
    before = page.heading.font().pointSizeF(), page.font().pointSizeF()
    app_context.set_font_scale(150)
    after = page.heading.font().pointSizeF(), page.font().pointSizeF()
    assert after[0] == pytest.approx(before[0] * 1.5)
    assert after[1] == pytest.approx(before[1] * 1.5)
    app_context.set_font_scale(100)
    assert page.heading.font().pointSizeF() == pytest.approx(before[0])


def test_settings_change_the_text_size_of_the_open_window(qtbot, main_window, app_context):
    from debc_outreach.gui.shell.settings_dialog import SettingsDialog
    from debc_outreach.settings import load_settings

    before = main_window.nav.font().pointSizeF()
    dialog = SettingsDialog(app_context, main_window)
    qtbot.addWidget(dialog)
    dialog.ui.fontScaleSpin.stepBy(2)                   # two steps of 5 %
    assert app_context.settings.font_scale == 110
    assert load_settings(app_context.data_dir).font_scale == 110
    assert main_window.nav.font().pointSizeF() == pytest.approx(before * 1.1)
    app_context.set_font_scale(100)


def test_the_settings_dialog_grows_with_the_text_size_it_sets(qtbot, main_window, app_context,
                                                              tmp_path):
    """Opened at 100 %, set to 150 %: the explanations are still read whole, every profile
    is in view, and the dialog still fits the screen."""
    from PySide6.QtWidgets import QLabel

    from debc_outreach.gui.shell.settings_dialog import SettingsDialog
    from debc_outreach.storage import trainers

    for name in ("ចាន់ ដារ៉ា", "ទេព ធីតា", "លី ម៉ាលី", "សុខ សុភា", "ហេង វិចិត្រ", "Kim Sreymom"):
        trainers.add_trainer(app_context.store, name)
    app_context.set_language("km")
    dialog = SettingsDialog(app_context, main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    try:
        dialog.ui.fontScaleSpin.setValue(150)
        qtbot.wait(50)
        dialog.grab().save(str(tmp_path / "settings-km-150.png"))
        for label in dialog.findChildren(QLabel):
            if label.isVisible() and label.wordWrap() and label.text():
                assert label.height() >= label.heightForWidth(label.width()), label.text()
        rows = dialog.ui.profileList
        assert rows.viewport().height() >= min(rows.count(), 3) * rows.sizeHintForRow(0)
        assert dialog.height() <= SCREEN[1]
    finally:
        app_context.set_font_scale(100)
