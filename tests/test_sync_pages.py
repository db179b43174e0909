"""The Sync and Conflicts pages: join, send, sync folder, import report, resolve."""

from __future__ import annotations

import os

from support.sync_devices import make_programme, send

from debc_outreach.storage import trainers
from debc_outreach.sync import conflicts, export, state, trust


def test_trainer_joins_and_sends_to_coordinator_from_the_sync_page(main_window, app_context,
                                                                   qtbot, tmp_path):
    page = main_window.page("sync")
    assert page.join_box.isVisible()
    coordinator, _devices = make_programme(tmp_path / "programme", trainers=0)
    try:
        request = tmp_path / "request.json"
        assert page.enrolment.write_request(request)
        assert "Enrolment request saved as" in page.status.text()
        assert str(request) in page.status.text()
        app_context.set_language("km")                  # still said, in the new language
        assert str(request) in page.status.text() and "Enrolment" not in page.status.text()
        app_context.set_language("en")
        cert = tmp_path / "cert.json"
        from debc_outreach.sync.trust import read_json_file

        document = trust.approve_enrolment(coordinator, read_json_file(request, "r"), ["07"])
        cert.write_text(__import__("json").dumps(document), encoding="utf-8")
        assert page.enrolment.accept_certificate(cert)
        assert not page.join_box.isVisible()
        assert page.send_button.isVisible()
        assert "not yet acknowledged" in page.status.text()
        assert "area Kampot ·" in page.identity.text()              # the name, not "07"
        usb = tmp_path / "usb"
        usb.mkdir()
        task = page.send_to_coordinator(usb)
        with qtbot.waitSignal(task.succeeded, timeout=20000):
            pass
        written = list(usb.glob("*.debc-bundle"))
        assert len(written) == 1
        assert "Bundle written" in page.last_report.text()
        # The coordinator imports it and answers through the sync folder.
        from debc_outreach.sync import importer

        report = importer.import_bundle(coordinator, written[0])
        assert report.new >= 1
        profile_id = app_context.settings.current_trainer_id
        assert state.sync_state(app_context.store, [("trainer", profile_id)]).status == \
            state.SENT
        shared = tmp_path / "shared"
        shared.mkdir()
        export.export_bundle(coordinator, app_context.store.device_id,
                             shared / export.bundle_filename(coordinator,
                                                             app_context.store.device_id))
        task = page.sync_with_folder(shared)
        with qtbot.waitSignal(task.succeeded, timeout=20000):
            pass
        assert "Imported 1 bundle," in page.last_report.text()
        assert state.sync_state(app_context.store, [("trainer", profile_id)]).status == \
            state.ACKNOWLEDGED
        assert page.peers.rowCount() == 1
        if os.environ.get("DEBC_SCREENSHOTS"):
            main_window.grab().save("/tmp/sync-page-en.png")
            app_context.set_language("km")
            qtbot.wait(50)
            main_window.grab().save("/tmp/sync-page-km.png")
            app_context.set_language("en")
    finally:
        coordinator.close()


def test_import_from_the_page_shows_the_report(main_window, app_context, qtbot, tmp_path):
    page = main_window.page("sync")
    coordinator, (trainer,) = make_programme(tmp_path / "programme", trainers=1)
    try:
        page.enrolment.create_programme("Kampot 2026")
        assert page.approve_button.isVisible() and not page.send_button.isVisible()
        # This window is now a coordinator; enrol the trainer with it and import its bundle.
        document = trust.approve_enrolment(app_context.store, trust.enrol_request(trainer),
                                           ["07"])
        trainer.database.conn.execute("DELETE FROM sync_programme")
        trainer.database.conn.execute("DELETE FROM sync_peer")
        trust.accept_enrolment(trainer, document)
        trainers.add_trainer(trainer, "ស្រីពៅ")
        path = tmp_path / "in.debc-bundle"
        export.export_bundle(trainer, app_context.store.device_id, path)
        task = page.import_bundle(path)
        with qtbot.waitSignal(task.succeeded, timeout=20000):
            pass
        assert "1 new record" in page.last_report.text()
        assert not page.held_button.isVisible() and page.held_text() == ""
        if os.environ.get("DEBC_SCREENSHOTS"):
            main_window.grab().save("/tmp/sync-coordinator-en.png")
        assert "duplicate" not in page.last_report.text()
        assert trainers.get_trainer(app_context.store, trainers.list_trainers(trainer)[0].id)
    finally:
        coordinator.close()
        trainer.close()


def test_conflicts_page_shows_both_values_and_resolves(main_window, app_context, qtbot,
                                                       tmp_path):
    coordinator, (trainer,) = make_programme(tmp_path / "programme", trainers=1)
    try:
        profile = trainers.add_trainer(trainer, "Sokha")
        send(trainer, coordinator, tmp_path / "a")
        trainers.rename_trainer(coordinator, profile.id, "សុខា")
        trainers.rename_trainer(trainer, profile.id, "Sokha C.")
        send(trainer, coordinator, tmp_path / "b")
        # Show the coordinator's conflicts in this window's page.
        app_context.store.close()
        from debc_outreach.storage.store import Store

        app_context.store = Store.open(coordinator.data_dir)
        page = main_window.page("conflicts")
        page.refresh()
        assert page.table.rowCount() == 1
        texts = [page.table.item(0, column).text() for column in range(5)]
        assert {texts[2], texts[3]} == {"សុខា", "Sokha C."}
        assert "trainer 0" in texts[4]
        if os.environ.get("DEBC_SCREENSHOTS"):
            main_window.grab().save("/tmp/conflicts-page-en.png")
            app_context.set_language("km")
            qtbot.wait(50)
            main_window.grab().save("/tmp/conflicts-page-km.png")
            app_context.set_language("en")
        page.table.selectRow(0)
        other = page._rows[0].other_value
        page.resolve_selected(conflicts.KEEP_OTHER)
        assert page.table.rowCount() == 0
        assert trainers.get_trainer(app_context.store, profile.id).display_name == other
    finally:
        coordinator.close()
        trainer.close()


def test_a_device_area_is_shown_by_province_and_district_name():
    from debc_outreach import i18n
    from debc_outreach.gui.exchange.enrolment_qr import area_text

    assert area_text(["07"]) == "Kampot"
    assert area_text(["0701", "12", "0703"]) == "Kampot: Angkor Chey, Chhuk; Phnom Penh"
    assert area_text(["07", "0701"]) == "Kampot"             # the whole province
    assert area_text([trust.ALL_AREAS]) == "all provinces"
    i18n.set_language("km")
    assert area_text(["07"]) == "កំពត"
