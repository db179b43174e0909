"""The Sync page names a refused record's device and what it tried, in both languages."""

from __future__ import annotations

import os

import pytest
from support.forgery import write_anyway
from support.sync_devices import VILLAGE_OUT, make_programme

from debc_outreach import i18n
from debc_outreach.sync import export, trust


@pytest.mark.parametrize("language", ["en", "km"])
def test_the_import_report_names_the_refused_device_and_what_it_tried(
        main_window, app_context, qtbot, tmp_path, monkeypatch, language):
    page = main_window.page("sync")
    coordinator, (trainer,) = make_programme(tmp_path / "programme", trainers=1)
    try:
        page.enrolment.create_programme("Kampot 2026")
        document = trust.approve_enrolment(app_context.store, trust.enrol_request(trainer),
                                           ["07"])
        trainer.database.conn.execute("DELETE FROM sync_programme")
        trainer.database.conn.execute("DELETE FROM sync_peer")
        trust.accept_enrolment(trainer, document)
        write_anyway(trainer, "participant", "p-1",
                     {"display_name": "Someone", "village_code": VILLAGE_OUT}, monkeypatch)
        path = tmp_path / "in.debc-bundle"
        export.export_bundle(trainer, app_context.store.device_id, path)
        i18n.set_language(language)
        task = page.import_bundle(path)
        with qtbot.waitSignal(task.succeeded, timeout=20000):
            pass
        text = page.last_report.text()
        assert "trainer 0" in text and VILLAGE_OUT in text
        if language == "en":
            assert "1 held in quarantine" in text
            assert "outside the area it was enrolled for" in text
        page.refresh()
        # The same quarantine box as for a record with a wrong value: try again, set aside.
        assert page.held_panel.isVisible()
        row = " ".join(page.held_panel.table.item(0, column).text() for column in range(4))
        assert "trainer 0" in row and VILLAGE_OUT in row
        if os.environ.get("DEBC_SCREENSHOTS"):
            main_window.grab().save(f"/tmp/h16b-sync-refused-{language}.png")
    finally:
        i18n.set_language("en")
        coordinator.close()
        trainer.close()
