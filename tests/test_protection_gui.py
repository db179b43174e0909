"""GUI of protection: set-up from Settings, sign-in with the growing delay, the idle lock."""

from __future__ import annotations

import pytest
from conftest import close_and_delete
from PySide6.QtCore import Qt

from debc_outreach.gui.protection import idle_lock, pin_dialogs, security
from debc_outreach.gui.protection.security_dialog import SecurityDialog, set_up_protection
from debc_outreach.gui.protection.sign_in import SignInDialog
from debc_outreach.storage import participants, vault
from debc_outreach.storage.encryption import is_plain_sqlite

PIN = "482915"


pytestmark = pytest.mark.usefixtures("fast_kdf")


@pytest.fixture
def protected(app_context, monkeypatch):
    """Set up protection through the Settings flow (dialogs answered by the test)."""
    shown = []

    def answer_pin_dialog(dialog):
        dialog.new_edit.setText(PIN)
        dialog.again_edit.setText(PIN)
        dialog._check()
        return dialog.result()

    monkeypatch.setattr(pin_dialogs.NewPinDialog, "exec", answer_pin_dialog)
    monkeypatch.setattr(pin_dialogs.RecoveryCodeDialog, "exec",
                        lambda dialog: shown.append(dialog.code_label.text()) or 1)
    participants.add_participant(app_context.store, "Zebulonia Kanhchana")
    assert set_up_protection(app_context, None)
    assert len(shown) == 1 and len(shown[0]) == 29
    yield app_context
    idle_lock.stop_idle_lock(app_context)


def test_protecting_from_settings_encrypts_and_keeps_the_open_store_working(protected):
    store = protected.store
    assert vault.is_protected(protected.data_dir)
    assert not is_plain_sqlite(store.database.path)
    assert b"Zebulonia" not in store.database.path.read_bytes()
    # The same Store and Database objects work on (pages hold them).
    assert [p.display_name for p in participants.search(store.database, "Zebulonia")] \
        == ["Zebulonia Kanhchana"]
    participants.add_participant(store, "Second Person")
    assert participants.count(store.database) == 2


def test_sign_in_refuses_a_wrong_pin_and_slows_down(qtbot, protected):
    vault.forget(protected.data_dir)
    dialog = SignInDialog(protected)
    qtbot.addWidget(dialog)
    panel = dialog.panel
    assert panel.profile_combo.currentText() == "Sok Dara"
    for _try in range(5):
        qtbot.keyClicks(panel.pin_edit, "000001")
        qtbot.keyClick(panel.pin_edit, Qt.Key.Key_Return)
    assert "Try again in" in panel.message.text()
    assert not panel.unlock_button.isEnabled() and not panel.pin_edit.isEnabled()
    assert not dialog.result()
    # A new dialog (a restart) still waits: the count is on disk.
    again = SignInDialog(protected)
    qtbot.addWidget(again)
    assert not again.panel.unlock_button.isEnabled()


def _type_a_wrong_pin(qtbot, panel) -> None:
    qtbot.keyClicks(panel.pin_edit, "000001")
    qtbot.keyClick(panel.pin_edit, Qt.Key.Key_Return)


def test_enter_after_a_wrong_pin_only_says_so_on_the_shown_sign_in(qtbot, protected,
                                                                    monkeypatch):
    from debc_outreach.gui.protection import sign_in

    recoveries = []
    monkeypatch.setattr(sign_in, "recover_pin", lambda *args: recoveries.append(args))
    vault.forget(protected.data_dir)
    dialog = SignInDialog(protected)
    qtbot.addWidget(dialog)
    dialog.show()                              # a shown dialog picks its default button
    qtbot.waitExposed(dialog)
    _type_a_wrong_pin(qtbot, dialog.panel)
    assert recoveries == [] and dialog.isVisible() and not dialog.result()
    assert "not right" in dialog.panel.message.text()
    assert dialog.panel.pin_edit.text() == ""
    assert not any(button.isDefault() for button in (dialog.panel.forgot_button,
                                                     dialog.panel.unlock_button))


def test_sign_in_with_the_right_pin(qtbot, protected):
    vault.forget(protected.data_dir)
    dialog = SignInDialog(protected)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.panel.pin_edit, PIN)
    qtbot.keyClick(dialog.panel.pin_edit, Qt.Key.Key_Return)
    assert dialog.result() and dialog.trainer_id == protected.settings.current_trainer_id
    assert vault.unlocked_secret(protected.data_dir) is not None


def test_idle_lock_engages_and_needs_the_pin(qtbot, protected, monkeypatch):
    from debc_outreach.gui.shell.main_window import MainWindow

    recoveries = []           # Enter after a wrong PIN must not open "Forgot your PIN?"
    monkeypatch.setattr(idle_lock, "recover_pin", lambda *args: recoveries.append(args))

    window = MainWindow(protected)
    window.show()
    qtbot.waitExposed(window)
    lock = idle_lock.start_idle_lock(protected, window, timeout_ms=150)
    try:
        qtbot.waitUntil(lambda: lock.locked, timeout=3000)
        screen = lock.screen
        assert screen.isVisible() and screen.isFullScreen()
        screen.reject()                                   # Esc does not unlock
        assert lock.locked and screen.isVisible()
        _type_a_wrong_pin(qtbot, screen.panel)
        assert lock.locked and "not right" in screen.panel.message.text()
        assert recoveries == [] and screen.panel.pin_edit.text() == ""
        qtbot.keyClicks(screen.panel.pin_edit, PIN)
        qtbot.keyClick(screen.panel.pin_edit, Qt.Key.Key_Return)
        assert not lock.locked
        # Sleep / lid close (as far as the OS tells Qt) locks at once.
        lock.set_timeout(60_000)
        lock._state_changed(Qt.ApplicationState.ApplicationSuspended)
        assert lock.locked
        qtbot.keyClicks(lock.screen.panel.pin_edit, PIN)
        qtbot.keyClick(lock.screen.panel.pin_edit, Qt.Key.Key_Return)
        assert not lock.locked
    finally:
        idle_lock.stop_idle_lock(protected)
        close_and_delete(window)


def test_user_input_keeps_the_app_unlocked(qtbot, protected):
    from debc_outreach.gui.shell.main_window import MainWindow

    window = MainWindow(protected)
    window.show()
    qtbot.waitExposed(window)
    lock = idle_lock.start_idle_lock(protected, window, timeout_ms=400)
    try:
        for _step in range(6):
            qtbot.wait(120)
            qtbot.keyClick(window, Qt.Key.Key_Shift)
        assert not lock.locked
        qtbot.waitUntil(lambda: lock.locked, timeout=3000)
    finally:
        if lock.screen is not None:
            lock.screen._done = True
            lock.screen.close()
        idle_lock.stop_idle_lock(protected)
        close_and_delete(window)


def test_security_dialog_shows_the_state(qtbot, app_context):
    dialog = SecurityDialog(app_context)
    qtbot.addWidget(dialog)
    assert dialog.protect_button.isVisibleTo(dialog)
    assert "not protected" in dialog.status.text()
    assert not dialog.rules_group.isVisibleTo(dialog)      # not a coordinator


def test_after_start_installs_the_lock_and_reruns_retention_after_sync(qtbot, protected,
                                                                       monkeypatch):
    from debc_outreach.gui.shell.main_window import MainWindow

    runs = []
    monkeypatch.setattr(security, "run_retention", lambda context: runs.append(context))
    window = MainWindow(protected)
    window.show()
    try:
        security.after_start(protected, window, first_run=False)
        assert idle_lock.idle_lock_of(protected) is not None
        qtbot.waitUntil(lambda: len(runs) == 1)
        protected.announce_change("")                 # what the sync page sends after import
        qtbot.waitUntil(lambda: len(runs) == 2)
    finally:
        idle_lock.stop_idle_lock(protected)
        close_and_delete(window)


def test_named_export_guard(app_context, monkeypatch):
    from debc_outreach.gui import changes
    from debc_outreach.gui.reporting import export_guard

    refused = []
    monkeypatch.setattr(changes, "show_user_error", lambda *args: refused.append(args))
    assert export_guard.confirm_named_export(None, app_context.store, "summary")
    monkeypatch.setattr(export_guard.privacy, "named_exports_allowed", lambda store: False)
    assert not export_guard.confirm_named_export(None, app_context.store, "participants")
    assert "does not allow" in str(refused[0][1])
