"""Presenter mode: clicker keys, blackout, language per slide, text scale, fit, trainer view."""

import pytest
from conftest import close_and_delete
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from debc_outreach.content import load_pack
from debc_outreach.gui.teaching.presenter import Presentation


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.fixture
def presentation(qtbot, qapp, pack):
    from debc_outreach.gui import fonts

    fonts.register_fonts()
    shown = Presentation(pack.module("spot-scams-fake-messages") or pack.modules[0], "km")
    shown.start(trainer_view=True, full_screen=False)
    shown.audience.resize(1024, 768)
    qtbot.waitExposed(shown.audience)
    yield shown
    for window in (shown.audience, shown.trainer):
        try:
            close_and_delete(window)
        except RuntimeError:
            pass                     # already deleted by Esc


def test_clicker_and_keyboard_navigation(qtbot, presentation):
    state, audience = presentation.state, presentation.audience
    for key, expected in [(Qt.Key.Key_Right, 1), (Qt.Key.Key_PageDown, 2),
                          (Qt.Key.Key_Space, 3), (Qt.Key.Key_Left, 2), (Qt.Key.Key_PageUp, 1),
                          (Qt.Key.Key_End, state.count - 1), (Qt.Key.Key_Right, state.count - 1),
                          (Qt.Key.Key_Home, 0), (Qt.Key.Key_Left, 0)]:
        qtbot.keyClick(audience, key)
        assert state.index == expected, key


def test_keys_in_the_trainer_view_move_the_projector_too(qtbot, presentation):
    qtbot.keyClick(presentation.trainer, Qt.Key.Key_PageDown)
    assert presentation.state.index == 1
    assert presentation.trainer.position.text() == f"Slide 2 of {presentation.state.count}"
    notes = presentation.state.slide("km").notes
    assert notes.splitlines()[0][:10] in presentation.trainer.notes.toPlainText().replace(
        "\u200b", "")


def test_mouse_wheel_and_click_move_slides(qtbot, presentation):
    audience = presentation.audience

    def wheel(delta):
        event = QWheelEvent(QPointF(10, 10), QPointF(10, 10), QPoint(0, 0), QPoint(0, delta),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(audience, event)

    wheel(-120)
    assert presentation.state.index == 1
    wheel(120)
    assert presentation.state.index == 0
    qtbot.mouseClick(audience, Qt.MouseButton.LeftButton)
    assert presentation.state.index == 1


def test_blackout_paints_black_and_any_move_ends_it(qtbot, presentation):
    audience = presentation.audience
    qtbot.keyClick(audience, Qt.Key.Key_B)
    assert presentation.state.blackout
    image = audience.grab().toImage()
    assert image.pixelColor(512, 384).name() == "#000000"
    assert presentation.trainer.blackout_button.isChecked()
    qtbot.keyClick(audience, Qt.Key.Key_B)
    assert not presentation.state.blackout
    assert audience.grab().toImage().pixelColor(5, 5).name() != "#000000"
    qtbot.keyClick(audience, Qt.Key.Key_Period)         # clickers' "blank screen" key
    qtbot.keyClick(audience, Qt.Key.Key_Right)
    assert not presentation.state.blackout and presentation.state.index == 1


def test_language_toggle_stays_on_the_same_slide(qtbot, presentation):
    state, audience = presentation.state, presentation.audience
    qtbot.keyClick(audience, Qt.Key.Key_Right)
    qtbot.keyClick(audience, Qt.Key.Key_E)
    assert (state.mode, state.index) == ("en", 1)
    qtbot.keyClick(audience, Qt.Key.Key_D)
    assert (state.languages(), state.index) == (("km", "en"), 1)
    qtbot.keyClick(audience, Qt.Key.Key_K)
    assert state.mode == "km"
    qtbot.keyClick(audience, Qt.Key.Key_L)
    assert state.mode == "en"
    both = next(b for b in presentation.trainer.mode_buttons.buttons()
                if b.property("mode") == "both")
    both.click()
    assert state.mode == "both" and state.index == 1


def test_plus_and_minus_scale_the_text(qtbot, presentation):
    state, view = presentation.state, presentation.audience.view
    qtbot.keyClick(presentation.audience, Qt.Key.Key_End)     # a short recap slide
    view.content_fits()
    normal = view.body_pixels
    qtbot.keyClick(presentation.audience, Qt.Key.Key_Minus)
    view.content_fits()
    assert state.scale < 1 and view.body_pixels < normal
    qtbot.keyClick(presentation.audience, Qt.Key.Key_0)
    qtbot.keyClick(presentation.audience, Qt.Key.Key_Plus)
    assert state.scale > 1 and view.content_fits()


def test_escape_ends_the_presentation(qtbot, presentation):
    with qtbot.waitSignal(presentation.state.finished):
        qtbot.keyClick(presentation.audience, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not presentation.audience.isVisible())


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_every_shipped_slide_fits_without_clipping(qtbot, presentation, pack, size):
    view = presentation.audience.view
    presentation.audience.resize(*size)
    smallest = size[1] // 45
    for module in pack.modules:
        presentation.state.module = module
        for mode in ("km", "both"):
            presentation.state.set_mode(mode)
            for index in range(presentation.state.count):
                presentation.state.go(index)
                assert view.content_fits(), (module.slug, mode, index)
                assert view.body_pixels >= smallest


def test_screenshots_of_khmer_slide_both_languages_and_trainer_view(qtbot, presentation,
                                                                    tmp_path):
    state, audience = presentation.state, presentation.audience
    state.go(2)
    for width, height in ((1024, 768), (1920, 1080)):
        audience.resize(width, height)
        assert audience.view.content_fits()
        assert audience.grab().save(str(tmp_path / f"slide-km-{width}.png"))
    state.set_mode("both")
    audience.resize(1024, 768)
    assert audience.view.content_fits()
    assert audience.grab().save(str(tmp_path / "slide-both-1024.png"))
    presentation.trainer.resize(1366, 768)
    assert presentation.trainer.grab().save(str(tmp_path / "trainer-view.png"))
    assert presentation.trainer.clock.text().endswith("of 60 min") or "of" in \
        presentation.trainer.clock.text()


def test_trainer_view_clock_warns_after_the_planned_time(presentation, monkeypatch):
    trainer = presentation.trainer
    trainer.update_clock()
    assert trainer.clock.text() == "0:00 of 60 min" and not trainer.clock.styleSheet()
    monkeypatch.setattr(presentation.state, "elapsed_seconds", lambda: 61 * 60 + 5)
    trainer.update_clock()
    assert trainer.clock.text() == "61:05 of 60 min"
    assert "#b3261e" in trainer.clock.styleSheet()


def test_trainer_view_follows_a_live_language_switch(presentation, app_context):
    app_context.set_language("km")
    assert presentation.trainer.windowTitle() != "Trainer view"
    app_context.set_language("en")
    assert presentation.trainer.windowTitle() == "Trainer view"


def test_projector_is_the_screen_that_is_not_the_laptop(qapp):
    from PySide6.QtGui import QGuiApplication

    from debc_outreach.gui.teaching.presenter import projector_screen

    laptop = QGuiApplication.primaryScreen()
    projector = object()
    assert projector_screen([laptop, projector]) is projector
    assert projector_screen([laptop]) is laptop


def test_typing_a_slide_number_and_enter_jumps_to_it(qtbot, presentation):
    state, audience = presentation.state, presentation.audience
    qtbot.keyClick(audience, Qt.Key.Key_1)
    qtbot.keyClick(audience, Qt.Key.Key_0)
    assert state.index == 0 and state.scale == 1.0          # "10" typed, nothing moved yet
    qtbot.keyClick(audience, Qt.Key.Key_Return)
    assert state.index == 9
    qtbot.keyClick(audience, Qt.Key.Key_Return)              # Enter alone: next slide
    assert state.index == 10
    qtbot.keyClick(audience, Qt.Key.Key_3)
    qtbot.keyClick(audience, Qt.Key.Key_Left)                # another key cancels the number
    qtbot.keyClick(audience, Qt.Key.Key_Return)
    assert state.index == 10


def test_slide_text_is_exposed_to_screen_readers(qtbot, presentation):
    qtbot.keyClick(presentation.audience, Qt.Key.Key_Right)
    slide = presentation.state.slide("km")
    assert presentation.audience.view.accessibleName() == slide.heading
    assert slide.heading in presentation.audience.view.accessibleDescription()


def test_pointer_shows_while_the_mouse_moves_then_hides(qtbot, presentation):
    audience = presentation.audience
    assert audience.cursor().shape() == Qt.CursorShape.BlankCursor
    qtbot.mouseMove(audience.view, QPoint(200, 200))
    qtbot.mouseMove(audience.view, QPoint(220, 210))
    qtbot.waitUntil(lambda: audience.cursor().shape() == Qt.CursorShape.ArrowCursor)
    audience._hide_pointer.timeout.emit()
    assert audience.cursor().shape() == Qt.CursorShape.BlankCursor
