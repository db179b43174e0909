"""The Sync page shows devices held in quarantine (which, what, how many, why, what to do);
the coordinator tries them again or sets them aside; records to repair are listed."""

from __future__ import annotations

import os

from support.sync_devices import make_programme
from test_sync_validation import PERSON, append_raw

from debc_outreach.storage import quarantine, trainers
from debc_outreach.sync import export, trust


def _coordinator_with_a_held_trainer(page, app_context, tmp_path):
    coordinator, (trainer,) = make_programme(tmp_path / "programme", trainers=1)
    coordinator.close()
    page.enrolment.create_programme("Kampot 2026")
    document = trust.approve_enrolment(app_context.store, trust.enrol_request(trainer), ["07"])
    trainer.database.conn.execute("DELETE FROM sync_programme")
    trainer.database.conn.execute("DELETE FROM sync_peer")
    trust.accept_enrolment(trainer, document)
    trainers.add_trainer(trainer, "ស្រីពៅ")
    append_raw(trainer, "participant", PERSON, "set", {"birth_year": "abc"})
    trainers.add_trainer(trainer, "សុខា")
    path = tmp_path / "in.debc-bundle"
    export.export_bundle(trainer, app_context.store.device_id, path)
    return trainer, path


def test_held_devices_are_explained_and_can_be_set_aside(main_window, app_context, qtbot,
                                                         tmp_path):
    page = main_window.page("sync")
    trainer, path = _coordinator_with_a_held_trainer(page, app_context, tmp_path)
    try:
        assert not page.held_panel.isVisible()
        task = page.import_bundle(path)
        with qtbot.waitSignal(task.succeeded, timeout=20000):
            pass
        assert "2 held in quarantine" in page.last_report.text()
        assert "newer version" not in page.status.text()
        panel = page.held_panel
        assert panel.isVisible() and panel.table.rowCount() == 1
        row = [panel.table.item(0, column).text() for column in range(4)]
        assert row[1] == "record 2: participant" and row[2] == "2"
        assert "birth_year" in row[3]
        assert "update the app" in panel.explanation.text()
        assert panel.discard_button.isVisible() and panel.retry_button.isEnabled()
        if os.environ.get("DEBC_SCREENSHOTS"):
            main_window.grab().save("/tmp/h16a-held-en.png")
            app_context.set_language("km")
            qtbot.wait(200)              # let the layouts follow the longer Khmer texts
            assert "birth_year" in page.held_panel.table.item(0, 3).text()
            assert "Record" not in page.held_panel.table.item(0, 3).text()
            main_window.grab().save("/tmp/h16a-held-km.png")
            app_context.set_language("en")
        task = panel.retry()
        with qtbot.waitSignal(task.succeeded, timeout=20000):
            pass
        assert "0 held records were applied. The others still" in panel.outcome.text()
        assert panel.isVisible()
        assert quarantine.first_held_seq(app_context.store.database.conn, trainer.device_id)
        assert panel.discard(confirm=False) == 2
        qtbot.waitUntil(lambda: not panel.isVisible())
    finally:
        trainer.close()


def test_records_to_repair_are_listed_from_the_sync_page(main_window, app_context, qtbot):
    page = main_window.page("sync")
    app_context.store.database.conn.execute(
        "INSERT INTO participant (id, display_name, birth_year) VALUES (?, ?, ?)",
        (PERSON, "សុខ ដារា", "abc"))
    dialog = page.show_records_to_repair()
    try:
        assert dialog.table.rowCount() == 1
        assert dialog.table.item(0, 1).text() == "birth_year"
        assert "សុខ ដារា" in dialog.table.item(0, 0).text()
    finally:
        dialog.close()
