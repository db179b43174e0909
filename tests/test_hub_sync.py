"""Devices sync through a real hub on 127.0.0.1: push, pull, scope, idempotency, refusals."""

from __future__ import annotations

import httpx
import pytest
from support.hub_server import programme_with_hub
from support.sync_devices import VILLAGE_IN, VILLAGE_OUT

from debc_outreach.errors import UserError
from debc_outreach.storage import participants
from debc_outreach.sync import hub_client, hub_protocol, state, trust
from debc_outreach.sync.keys import device_keys


@pytest.fixture
def setup(tmp_path):
    with programme_with_hub(tmp_path, trainers=2, scopes=[["07"], ["12"]]) as setup:
        yield setup


def test_records_travel_through_the_hub_within_each_devices_scope(setup):
    coordinator, (kampot, phnom_penh), hub, running = setup
    inside = participants.add_participant(coordinator, "សុខ ដារា", village_code=VILLAGE_IN)
    outside = participants.add_participant(coordinator, "ចាន់ ធីតា", village_code=VILLAGE_OUT)
    mine = participants.add_participant(kampot, "ស្រី នាង", village_code=VILLAGE_IN)
    first = hub_client.sync_with_hub(coordinator, running.url)
    assert first.pushed >= 2 and first.hub == hub.device_id
    hub_client.sync_with_hub(kampot, running.url)
    hub_client.sync_with_hub(phnom_penh, running.url)
    assert participants.get(kampot.database, inside.id) is not None
    assert participants.get(kampot.database, outside.id) is None
    assert participants.get(phnom_penh.database, outside.id) is not None
    assert participants.get(phnom_penh.database, inside.id) is None
    assert participants.get(phnom_penh.database, mine.id) is None
    hub_client.sync_with_hub(coordinator, running.url)
    assert participants.get(coordinator.database, mine.id) is not None
    # Nothing new: a second sync moves nothing and stores nothing twice.
    events = hub.db.scalar("SELECT count(*) FROM hub_event")
    again = hub_client.sync_with_hub(kampot, running.url)
    assert again.received == 0
    assert hub.db.scalar("SELECT count(*) FROM hub_event") == events


def test_a_replayed_push_answers_the_same_vector_and_stores_nothing_twice(setup, tmp_path):
    coordinator, (kampot, _pp), hub, running = setup
    participants.add_participant(kampot, "ស្រី នាង", village_code=VILLAGE_IN)
    from debc_outreach.sync import export
    from debc_outreach.sync.keys import device_keys

    hub_client.sync_with_hub(kampot, running.url)       # the hub becomes a peer
    participants.add_participant(kampot, "សុខ ជា", village_code=VILLAGE_IN)
    path = tmp_path / "push.debc-bundle"
    result = export.export_bundle(kampot, hub.device_id, path)
    body = path.read_bytes()
    target = f"/v1/bundles/{result.bundle_id}"
    cert = trust.own_certificate(kampot).signed
    answers = []
    for _ in range(2):
        headers = hub_protocol.sign_request(device_keys(kampot.data_dir), kampot.device_id,
                                            cert, "POST", target, body)
        answers.append(httpx.post(running.url + target, content=body, headers=headers))
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["status"] == "stored" and answers[0].json()["new"] == 1
    assert answers[1].json()["status"] == "replayed"
    assert answers[0].json()["vector"] == answers[1].json()["vector"]
    # GET /v1/delta answers from the vector the push reported: the trainer lacks nothing.
    headers = hub_protocol.sign_request(device_keys(kampot.data_dir), kampot.device_id, cert,
                                        "GET", "/v1/delta")
    assert httpx.get(running.url + "/v1/delta", headers=headers).status_code == 204
    assert hub.db.scalar("SELECT count(*) FROM hub_event WHERE device_id = ?",
                         (kampot.device_id,)) == 2


def test_revoked_device_and_bad_signature_are_refused(setup):
    coordinator, (kampot, _pp), hub, running = setup
    hub_client.sync_with_hub(coordinator, running.url)
    trust.revoke_device(coordinator, kampot.device_id)
    participants.add_participant(coordinator, "សុខ ដារា", village_code=VILLAGE_IN)
    hub_client.sync_with_hub(coordinator, running.url)     # carries the revocation list
    with pytest.raises(UserError, match="revoked"):
        hub_client.sync_with_hub(kampot, running.url)
    unsigned = httpx.post(running.url + "/v1/delta", json={"vector": {}})
    assert unsigned.status_code == 401


def test_health_and_info_need_no_key(setup):
    _coordinator, _devices, hub, running = setup
    health = httpx.get(running.url + "/v1/health").json()
    assert health["status"] == "ok" and health["database"] == "sqlite"
    info = httpx.get(running.url + "/v1/info").json()
    assert info["hub"] == hub.device_id and info["certificate"]["body"]["role"] == "hub"


def test_the_coordinators_acknowledgement_reaches_trainers_through_the_hub(setup):
    coordinator, (kampot, _pp), _hub, running = setup
    mine = participants.add_participant(kampot, "ស្រី នាង", village_code=VILLAGE_IN)
    hub_client.sync_with_hub(kampot, running.url)
    assert state.participant_sync_state(kampot, mine.id).status != state.ACKNOWLEDGED
    hub_client.sync_with_hub(coordinator, running.url)     # receives it, acknowledges
    hub_client.sync_with_hub(kampot, running.url)
    assert state.participant_sync_state(kampot, mine.id).status == state.ACKNOWLEDGED
    assert state.pending_count(kampot) == 0
    # A forged acknowledgement (not signed by the coordinator) is ignored.
    forged = trust.signed(device_keys(kampot.data_dir), {
        "type": hub_client.ACK_TYPE, "programme": trust.require_programme(kampot).id,
        "vector": {}, "created": "2999-01-01T00:00:00+00:00"})
    assert not hub_client.take_coordinator_ack(kampot, forged)
    assert state.pending_count(kampot) == 0


def test_sync_folder_writes_no_bundle_for_the_hub(setup, tmp_path):
    from debc_outreach.sync import folder

    coordinator, _devices, hub, running = setup
    hub_client.sync_with_hub(coordinator, running.url)        # the hub is now a peer
    shared = tmp_path / "shared"
    shared.mkdir()
    result = folder.sync_folder(coordinator, shared)
    assert hub.device_id not in {written.recipient for written in result.written}
