""""Sync now" on the Sync page: push and pull with a real hub, with progress and a report."""

from __future__ import annotations

import json
import os

from support.hub_server import RunningHub, enrolled_hub
from support.sync_devices import VILLAGE_IN, make_programme

from debc_outreach.i18n import _
from debc_outreach.storage import participants
from debc_outreach.sync import hub_client, trust
from debc_outreach.sync.trust import read_json_file


def test_sync_now_pushes_and_pulls_through_the_hub(main_window, app_context, qtbot, tmp_path):
    page = main_window.page("sync")
    assert not page.hub_button.isEnabled()          # not in a programme yet
    coordinator, _devices = make_programme(tmp_path / "programme", trainers=0)
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    try:
        request = tmp_path / "request.json"
        assert page.enrolment.write_request(request)
        document = trust.approve_enrolment(coordinator, read_json_file(request, "r"), ["07"])
        cert = tmp_path / "cert.json"
        cert.write_text(json.dumps(document), encoding="utf-8")
        assert page.enrolment.accept_certificate(cert)
        assert page.hub_button.isEnabled()
        person = participants.add_participant(coordinator, "សុខ ដារា", village_code=VILLAGE_IN)
        with RunningHub(hub) as running:
            hub_client.sync_with_hub(coordinator, running.url)
            page.hub_url.setText(running.url + "/")
            task = page.sync_now()
            with qtbot.waitSignal(task.succeeded, timeout=30000):
                pass
            assert "Synced with the hub" in page.last_report.text()
            assert participants.get(app_context.store.database, person.id) is not None
            assert hub_client.hub_settings(app_context.data_dir)["url"] == running.url
            if os.environ.get("DEBC_SCREENSHOTS"):
                main_window.grab().save("/tmp/hub-sync-page-en.png")
                app_context.set_language("km")
                from PySide6.QtWidgets import QApplication

                QApplication.processEvents()          # let the layouts take the new texts
                main_window.grab().save("/tmp/hub-sync-page-km.png")
                app_context.set_language("en")
        assert page.hub_label.text() == _("Hub address:")
    finally:
        hub.close()
        coordinator.close()


def test_a_bad_hub_address_is_explained_not_attempted(main_window, qtbot, monkeypatch):
    from debc_outreach.gui import changes

    page = main_window.page("sync")
    shown = []
    monkeypatch.setattr(changes, "show_user_error",
                        lambda parent, error, title="": shown.append(str(error)))
    assert page.sync_now("hub.example.org") is None
    assert shown and "https://" in shown[0]
