"""A trainer's Sync page gives one 'not yet acknowledged' figure: this laptop's records."""

from __future__ import annotations

import json

from support.sync_devices import make_programme, send

from debc_outreach import i18n
from debc_outreach.storage import demo, gazetteer, trainers
from debc_outreach.sync import export, importer, peers, state, trust


def _coordinator_row(page) -> int:
    return next(row for row in range(page.peers.rowCount())
                if page.peers.item(row, 1).text() == "coordinator")


def test_status_line_and_devices_table_count_the_same_records(main_window, app_context,
                                                              tmp_path, qtbot):
    page = main_window.page("sync")
    coordinator, _ = make_programme(tmp_path / "programme", trainers=0)
    store = app_context.store
    try:
        request = tmp_path / "request.json"
        assert page.enrolment.write_request(request, label="Sok Dara — laptop")
        # Demo villages lie all over the country: a laptop enrolled for all of it may
        # write them (a trainer's records must lie in its area).
        everywhere = [code for code, *_names in gazetteer.provinces()]
        document = trust.approve_enrolment(
            coordinator, json.loads(request.read_text(encoding="utf-8")), everywhere)
        cert = tmp_path / "cert.json"
        cert.write_text(json.dumps(document), encoding="utf-8")
        assert page.enrolment.accept_certificate(cert)
        # Records of other computers on this laptop (demo data, like the walkthrough's):
        # they travel in the next bundle too, but they are not this laptop's changes.
        demo.generate(store, n_participants=30, n_sessions=3)
        page.refresh()
        own = state.pending_count(store)
        (peer,) = peers.list_peers(store)
        assert own == peer.own_pending > 0
        assert peer.pending > own
        row = _coordinator_row(page)
        shown = page.peers.item(row, 5).text()
        assert shown == i18n.format_number(own)
        assert f"{i18n.format_number(own)} changes made on this computer" in page.status.text()
        tip = page.peers.item(row, 5).toolTip()
        assert i18n.format_number(peer.pending) in tip and "other computers" in tip
        # Once the coordinator has them and says so, this laptop's own changes read 0
        # (the demo computers signed nothing: their records wait at the coordinator).
        path = tmp_path / "out.debc-bundle"
        export.export_bundle(store, coordinator.device_id, path)
        importer.import_bundle(coordinator, path)
        send(coordinator, store, tmp_path / "back")
        page.refresh()
        assert state.pending_count(store) == 0
        assert page.peers.item(_coordinator_row(page), 5).text() == "0"
        assert "0 changes made on this computer" in page.status.text()
    finally:
        coordinator.close()


def test_own_pending_counts_only_this_devices_records(tmp_path):
    coordinator, (first, second) = make_programme(tmp_path / "p", trainers=2)
    try:
        trainers.add_trainer(second, "Sokha")
        send(second, coordinator, tmp_path / "a")
        send(coordinator, first, tmp_path / "b")        # first now holds second's record
        trainers.add_trainer(first, "Dara")
        (peer,) = peers.list_peers(first)
        assert peer.own_pending == state.pending_count(first) == 1
    finally:
        for store in (coordinator, first, second):
            store.close()
