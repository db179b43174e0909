"""Enrolment hand-over through the hub, and the coordinator's admin view of devices."""

from __future__ import annotations

import httpx
from support.hub_server import RunningHub, enrolled_hub
from support.sync_devices import open_device

from debc_outreach.storage import participants
from debc_outreach.storage.events import dumps
from debc_outreach.sync import hub_client, hub_protocol, trust
from debc_outreach.sync.keys import device_keys


def _signed(store, method: str, target: str, body: bytes = b"") -> dict:
    return hub_protocol.sign_request(device_keys(store.data_dir), store.device_id,
                                     trust.own_certificate(store).signed, method, target, body)


def test_a_device_enrols_through_the_hub_and_the_coordinator_sees_it(tmp_path):
    coordinator = open_device(tmp_path / "coordinator", "coordinator")
    trust.create_programme(coordinator, "Kampot 2026")
    trainer = open_device(tmp_path / "trainer", "Sok's laptop")
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    try:
        with RunningHub(hub) as running, httpx.Client(base_url=running.url) as http:
            # The trainer hands its request to the hub; no certificate yet.
            request = trust.enrol_request(trainer)
            assert http.post("/v1/enrolments", content=dumps(request)).status_code == 202
            target = f"/v1/enrolments/{trainer.device_id}"
            assert http.get(target).status_code == 202
            # The coordinator lists pending requests (signed) and answers one.
            pending = http.get("/v1/admin/enrolments",
                               headers=_signed(coordinator, "GET", "/v1/admin/enrolments"))
            assert pending.status_code == 200
            [waiting] = pending.json()["pending"]
            document = trust.approve_enrolment(coordinator, waiting["request"], ["07"])
            body = dumps(document).encode("utf-8")
            answer = f"/v1/admin/enrolments/{trainer.device_id}"
            assert http.put(answer, content=body,
                            headers=_signed(coordinator, "PUT", answer, body)).status_code == 200
            # The trainer collects its certificate and syncs.
            fetched = http.get(target)
            assert fetched.status_code == 200
            trust.accept_enrolment(trainer, fetched.json())
            hub_client.sync_with_hub(trainer, running.url)
            # Only the coordinator sees the admin view.
            refused = http.get("/v1/admin/devices",
                               headers=_signed(trainer, "GET", "/v1/admin/devices"))
            assert refused.status_code == 403
            view = http.get("/v1/admin/devices",
                            headers=_signed(coordinator, "GET", "/v1/admin/devices")).json()
            [row] = view["devices"]
            assert row["device_id"] == trainer.device_id and row["scope"] == ["07"]
            assert row["last_push"] and row["last_pull"] and not row["revoked"]
            assert row["pending"] == 0
            # Something new in its area: the view shows it waiting for the trainer.
            participants.add_participant(coordinator, "សុខ ដារា", village_code="07010101")
            participants.add_participant(coordinator, "ចាន់ ធីតា", village_code="12010101")
            hub_client.sync_with_hub(coordinator, running.url)
            view = http.get("/v1/admin/devices",
                            headers=_signed(coordinator, "GET", "/v1/admin/devices")).json()
            trainer_row = next(r for r in view["devices"] if r["device_id"] == row["device_id"])
            assert trainer_row["pending"] == 1      # the Kampot one; Phnom Penh is not its area
            # A forged request (signature by another key) is refused.
            forged = http.get("/v1/admin/devices",
                              headers={**_signed(trainer, "GET", "/v1/admin/devices"),
                                       hub_protocol.DEVICE: coordinator.device_id})
            assert forged.status_code == 401
    finally:
        hub.close()
        coordinator.close()
        trainer.close()
