from debc_outreach import i18n


def test_main_window_shows_home_with_trainer_name(main_window, qtbot):
    home = main_window.page("home")
    qtbot.waitUntil(lambda: "Sok Dara" in home.greeting.text())   # filled after first paint
    assert main_window.nav.item(0).text() == "Home"


def test_language_switch_changes_open_window_at_once(main_window, app_context, qtbot):
    app_context.set_language("km")
    assert i18n.language() == "km"
    assert main_window.nav.item(0).text() != "Home"
    assert main_window.settings_button.text() != "Settings"
    app_context.set_language("en")
    assert main_window.nav.item(0).text() == "Home"


def test_home_leads_a_new_user_to_the_first_steps(main_window, qtbot, monkeypatch):
    import datetime as dt

    from debc_outreach.storage import sessions

    home = main_window.page("home")
    qtbot.waitUntil(lambda: "Sok Dara" in home.greeting.text())
    assert home.first_steps.isVisibleTo(home) and "No session yet" in home.first_steps.text()
    home.present_button.click()
    assert main_window.current_page() is main_window.page("modules")
    home = main_window.page("home")
    home.sync_button.click()
    assert main_window.current_page().key == "sync"
    planned = []
    sessions_page = main_window.page("sessions")
    monkeypatch.setattr(sessions_page, "plan_session", lambda: planned.append(True))
    home = main_window.page("home")
    home.plan_button.click()
    assert planned == [True] and main_window.current_page() is sessions_page
    sessions.create(main_window.context.store, dt.date.today().isoformat(), "12010101")
    home = main_window.page("home")
    home.refresh()
    assert not home.first_steps.isVisibleTo(home)


def test_the_computer_id_and_data_folder_are_in_settings_and_about_not_on_home(
        main_window, app_context, qtbot):
    from PySide6.QtWidgets import QLabel

    from debc_outreach.gui.shell.about_dialog import AboutDialog
    from debc_outreach.gui.shell.settings_dialog import SettingsDialog

    device, folder = app_context.store.device_id, str(app_context.data_dir)
    home = main_window.page("home")
    qtbot.waitUntil(lambda: "Sok Dara" in home.greeting.text())
    shown = " ".join(label.text() for label in home.findChildren(QLabel))
    assert device not in shown and folder not in shown
    settings = SettingsDialog(app_context, main_window)
    qtbot.addWidget(settings)
    assert device in settings.ui.dataFolderLabel.text()
    assert folder in settings.ui.dataFolderLabel.text()
    about = AboutDialog(main_window, app_context)
    qtbot.addWidget(about)
    assert device in about.ui.versionLabel.text() and folder in about.ui.versionLabel.text()
