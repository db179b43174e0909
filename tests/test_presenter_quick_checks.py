"""Quick checks in the presenter: offered in the Present dialog, shown as readable slides
after the title and after the recap, the right answer in the trainer notes only."""

import pytest
from conftest import close_and_delete

from debc_outreach.content import load_pack
from debc_outreach.content.quick_check_slides import with_quick_checks
from debc_outreach.gui.teaching.presenter import Presentation


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.fixture
def presentation(qtbot, qapp, pack):
    from debc_outreach.gui import fonts

    fonts.register_fonts()
    shown = Presentation(with_quick_checks(pack.module("spot-scams-fake-messages")), "km")
    shown.start(trainer_view=True, full_screen=False)
    shown.audience.resize(1366, 768)
    qtbot.waitExposed(shown.audience)
    yield shown
    for window in (shown.audience, shown.trainer):
        try:
            close_and_delete(window)
        except RuntimeError:
            pass


def _quick_check_indices(module) -> list[int]:
    return [s.index for s in module.slides("en") if s.heading.startswith("Quick check")]


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_every_quick_check_slide_fits_without_clipping(presentation, pack, size):
    view = presentation.audience.view
    presentation.audience.resize(*size)
    smallest = size[1] // 45
    for module in pack.modules:
        deck = with_quick_checks(module)
        presentation.state.module = deck
        for mode in ("km", "en", "both"):
            presentation.state.set_mode(mode)
            for index in _quick_check_indices(deck):
                presentation.state.go(index)
                assert view.content_fits(), (module.slug, mode, index)
                assert view.body_pixels >= smallest


def test_trainer_notes_carry_the_right_answer(presentation, tmp_path):
    state = presentation.state
    state.go(2)                              # the second question, before the lesson
    notes = presentation.trainer.notes.toPlainText().replace("\u200b", "")   # break hints
    assert "ចម្លើយត្រឹមត្រូវ៖ 2។" in notes
    assert "ចម្លើយត្រឹមត្រូវ" not in presentation.audience.view.accessibleDescription()
    for mode in ("km", "en", "both"):
        state.set_mode(mode)
        for width, height in ((1366, 768), (1920, 1080)):
            presentation.audience.resize(width, height)
            assert presentation.audience.grab().save(
                str(tmp_path / f"quick-check-{mode}-{width}.png"))
    presentation.trainer.resize(1366, 768)
    assert presentation.trainer.grab().save(str(tmp_path / "quick-check-trainer.png"))


def test_present_dialog_offers_the_quick_check(qapp, pack):
    from debc_outreach.gui.teaching.present_dialog import PresentDialog

    dialog = PresentDialog(pack.module("pay-khqr-bakong-safely"), "km")
    try:
        assert not dialog.quick_checks.isHidden() and dialog.quick_checks.isChecked()
        assert "(4 questions)" in dialog.quick_checks.text()
    finally:
        close_and_delete(dialog)


def test_presenting_from_the_modules_page_includes_the_quick_check(main_window, monkeypatch,
                                                                   qtbot):
    from debc_outreach.gui.teaching import present_dialog

    page = main_window.page("modules")
    monkeypatch.setattr(present_dialog.PresentDialog, "exec",
                        lambda dialog: present_dialog.PresentDialog.DialogCode.Accepted)
    page.present()
    module = page.current_module()
    shown = page.presentation.state.module
    assert len(shown.slides("km")) == len(module.slides("km")) + 2 * len(module.quick_checks)
    page.presentation.stop()
    qtbot.waitUntil(lambda: page.presentation is None)
