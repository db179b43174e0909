"""The app shell: first start, settings, live language switch, Qt's own buttons, forms."""

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from debc_outreach import i18n
from debc_outreach.gui import forms_build
from debc_outreach.storage import trainers

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("ui_file", sorted((ROOT / "ui").glob("*.ui")), ids=lambda p: p.name)
def test_compiled_form_is_up_to_date(ui_file):
    committed = forms_build.target_for(ui_file).read_text(encoding="utf-8")
    assert forms_build.compile_form(ui_file) == committed, "run `python dev.py forms`"


def test_first_start_switches_language_at_once_and_requires_a_name(qtbot, qapp, data_dir):
    from debc_outreach.gui.app import create_application, prepare_context
    from debc_outreach.gui.shell.first_run import FirstRunDialog
    from debc_outreach.settings import load_settings

    create_application()
    context = prepare_context(data_dir, load_settings(data_dir), "en")
    dialog = FirstRunDialog(context)
    qtbot.addWidget(dialog)
    ok = dialog.ui.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    english_title = dialog.windowTitle()
    qtbot.mouseClick(dialog.ui.khmerButton, qtbot_button())
    assert i18n.language() == "km"
    assert dialog.windowTitle() != english_title
    assert ok.text() == "យល់ព្រម"                     # Qt's own button, in Khmer
    dialog.ui.nameEdit.insert("ស្រីពៅ")       # QTest.keyClicks only types ASCII
    assert ok.isEnabled()


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_first_start_creates_profile_and_remembers_language(app_context, data_dir):
    from debc_outreach.settings import load_settings

    saved = load_settings(data_dir)
    assert saved.first_run_done and saved.language == "en"
    trainer = trainers.get_trainer(app_context.store, saved.current_trainer_id)
    assert trainer.display_name == "Sok Dara"


def test_settings_dialog_applies_language_digits_and_profiles(qtbot, main_window, app_context,
                                                              monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from debc_outreach.gui.shell.settings_dialog import SettingsDialog

    dialog = SettingsDialog(app_context, main_window)
    qtbot.addWidget(dialog)
    dialog.ui.khmerDigitsCheck.setChecked(True)
    assert i18n.format_number(40) == "៤០"
    home = main_window.page("home")
    assert home.records.value.text() == "១"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Chea Bopha", True))
    dialog.add_profile()
    names = [dialog.ui.profileList.item(i).text() for i in range(dialog.ui.profileList.count())]
    assert "Chea Bopha" in names
    dialog.ui.languageCombo.setCurrentIndex(i18n.LANGUAGES.index("km"))
    assert main_window.nav.item(0).text() == "ទំព័រដើម"
    assert dialog.windowTitle() == "ការកំណត់"
    assert app_context.settings.language == "km"


def test_font_scale_grows_the_application_font(app_context):
    before = QApplication.font().pointSizeF()
    app_context.set_font_scale(150)
    assert QApplication.font().pointSizeF() == pytest.approx(before * 1.5)
    app_context.set_font_scale(100)


def test_standard_message_box_buttons_are_khmer(qtbot, app_context):
    app_context.set_language("km")
    box = QMessageBox(QMessageBox.Icon.Question, "?", "?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                      | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    texts = {box.button(b).text() for b in (QMessageBox.StandardButton.Yes,
                                            QMessageBox.StandardButton.No,
                                            QMessageBox.StandardButton.Cancel)}
    assert "បោះបង់" in texts
    assert not any(t.replace("&", "") in {"Yes", "No", "Cancel"} for t in texts)


def test_unexpected_error_shows_a_dialog_not_a_traceback(qtbot, main_window, monkeypatch):
    from debc_outreach.gui import errors

    shown = {}

    def fake_exec(box):
        shown["text"] = box.text()
        shown["details"] = box.detailedText()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        errors.excepthook(type(error), error, error.__traceback__)
    assert "Traceback" not in shown["text"]
    assert "RuntimeError: boom" in shown["details"]


def test_about_lists_licences_and_gazetteer_attribution(qtbot):
    from debc_outreach.gui.shell.about_dialog import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.ui.licences.toPlainText()
    assert "LGPL" in text and "Open Font License" in text
    assert "data.mef.gov.kh" in text


def test_screenshots_of_main_window_in_khmer_and_english(main_window, app_context, tmp_path,
                                                         qtbot):
    """Saved for people to look at; the assertion is only that nothing is empty."""
    for lang in ("km", "en"):
        app_context.set_language(lang)
        for size in ((1366, 768), (1920, 1080)):
            main_window.resize(*size)
            QTimer.singleShot(0, lambda: None)
            qtbot.wait(10)
            path = tmp_path / f"main-{lang}-{size[0]}.png"
            assert main_window.grab().save(str(path))
            assert path.stat().st_size > 10_000
