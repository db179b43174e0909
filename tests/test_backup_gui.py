"""The daily backup behind the window (progress on Home) and Settings → Restore a backup…."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QFileDialog, QMessageBox

from debc_outreach import i18n
from debc_outreach.storage import participants
from debc_outreach.sync import backup


def test_todays_backup_is_written_behind_the_window_and_shown_on_home(qtbot, main_window):
    home = main_window.page("home")
    qtbot.waitUntil(lambda: home._painted, timeout=10000)
    today = dt.date.today()
    made = main_window.context.store.backup_dir / f"daily-{today.isoformat()}{backup.SUFFIX}"
    main_window.start_daily_backup()
    runner = main_window.daily_backup
    qtbot.waitUntil(lambda: made.exists() and not runner.running, timeout=60000)
    assert home.backup.value.text() == i18n.format_date(today)
    assert not home.backup_progress.isVisible()
    assert not main_window.backup_banner.isVisible()


def test_home_shows_how_far_the_backup_got(main_window):
    home = main_window.page("home")
    home.show_backup_progress(3, 10)
    assert home.backup_progress.isVisible() and home.backup_progress.value() == 3
    assert "today's backup" in home.backup.caption.text()
    home.show_backup_progress(None, None)
    assert not home.backup_progress.isVisible()


def test_settings_restores_a_backup_and_the_window_shows_it(qtbot, main_window, monkeypatch,
                                                            tmp_path):
    from debc_outreach.gui.shell.settings_dialog import SettingsDialog

    context = main_window.context
    store = context.store
    participants.add_participant(store, "Sok Dara")
    path = backup.write_backup(store.database, store.data_dir, tmp_path / "b.debc-backup").path
    participants.add_participant(store, "Chan Thida")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))
    dialog = SettingsDialog(context, main_window)
    try:
        dialog.restore_button.click()
        qtbot.waitUntil(lambda: bool(told), timeout=60000)
    finally:
        dialog.close()
        dialog.deleteLater()
    assert "rebuilt and checked" in told[0]
    assert [p.display_name for p in participants.list_all(store.database)] == ["Sok Dara"]
    participants.add_participant(store, "Keo Srey")     # the reopened store writes on
    assert participants.count(store.database) == 2
