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
