"""Every record is checked against the schema of its type before it is stored.

A malformed record from one enrolled device never stops anyone: by bundle it
is held in quarantine with the rest of its device's chain while every other
device's records apply; the hub refuses a bundle holding one (422, nothing
stored); a poison record already on a hub is held by whoever pulls it, and
everyone keeps syncing.
"""

from __future__ import annotations

import json

import pytest
from conftest import cli_in
from support.hub_server import programme_with_hub
from support.sync_devices import VILLAGE_IN, make_programme, send

from debc_outreach.errors import UserError
from debc_outreach.storage import events, participants, quarantine, sessions, trainers
from debc_outreach.storage.events import Event
from debc_outreach.storage.projection.validate import event_problems
from debc_outreach.storage.store import Store
from debc_outreach.sync import admission, export, hub_client, importer


def append_raw(store: Store, entity: str, entity_id: str, op: str, fields: dict) -> Event:
    """Append an event to the store's own chain without any check (as an older version or
    a hand-made bundle would), not applied here."""
    with store.database.transaction() as conn:
        seq, prev = events.chain_head(conn, store.device_id)
        draft = Event(store.device_id, seq + 1, store.clock.now(), entity, entity_id, op,
                      fields, prev_hash=prev)
        event = Event(**{**draft.__dict__, "hash": draft.computed_hash()})
        events.insert(conn, event)
    return event


PERSON = "6f1c1d2e-8f0a-4e57-9f44-0d7b6a3c2b11"
SESSION = "0b8f6c1e-52a4-4f9e-b1a7-3c2d1e0f9a88"

# (what the issue names, entity, entity id, op, fields)
MALFORMED = [
    ("programme_setting without value", "programme_setting", "retention_days", "set", {}),
    ("attendance without participant", "attendance", SESSION, "add", {"at": "2026-01-01"}),
    ("distinct_pair missing an id", "distinct_pair", "pair", "add", {"first_id": PERSON}),
    ("conflict_resolution missing fields", "conflict_resolution", "key", "set",
     {"entity": "participant", "entity_id": PERSON}),
    ("null name", "participant", PERSON, "set", {"display_name": None}),
    ("numeric name", "participant", PERSON, "set", {"display_name": 42}),
    ("wg as a string", "participant", PERSON, "set", {"wg": "a lot"}),
    ("phone as a list", "participant", PERSON, "set", {"phone": ["012 345 678"]}),
    ("session modules as a number", "session", SESSION, "set", {"modules": 3}),
    ("birth_year abc", "participant", PERSON, "set", {"birth_year": "abc"}),
    ("follow-up without its date", "follow_up", PERSON, "set",
     {"participant_id": PERSON, "module": "m1", "method": "phone", "answers": {"q1": 1}}),
]
IDS = [case[0] for case in MALFORMED]


@pytest.fixture
def programme(tmp_path):
    coordinator, devices = make_programme(tmp_path, trainers=2)
    yield coordinator, devices
    for store in (coordinator, *devices):
        store.close()


@pytest.mark.parametrize(("what", "entity", "entity_id", "op", "fields"), MALFORMED, ids=IDS)
def test_each_malformed_field_is_a_problem_with_a_code_and_a_field(what, entity, entity_id,
                                                                   op, fields):
    problems = event_problems(Event("device", 1, 1, entity, entity_id, op, fields))
    assert problems, what
    assert all(p.code and p.field and p.message and "\n" not in p.message for p in problems)


@pytest.mark.parametrize(("what", "entity", "entity_id", "op", "fields"), MALFORMED, ids=IDS)
def test_a_malformed_record_by_bundle_holds_only_its_devices_chain(programme, tmp_path, what,
                                                                   entity, entity_id, op,
                                                                   fields):
    # The coordinator's bundle to a trainer relays another trainer's records too.
    sender, (receiver, relayed) = programme
    other = trainers.add_trainer(relayed, "Another trainer's record")
    send(relayed, sender, tmp_path / "relay")
    before = trainers.add_trainer(sender, "Before the bad record")
    poison = append_raw(sender, entity, entity_id, op, fields)
    after = trainers.add_trainer(sender, "After the bad record")

    report = send(sender, receiver, tmp_path / "in")

    assert trainers.get_trainer(receiver, before.id) is not None
    assert trainers.get_trainer(receiver, other.id) is not None, what
    assert trainers.get_trainer(receiver, after.id) is None
    assert report.held == 2
    [held] = report.held_devices
    assert held["device_id"] == sender.device_id and held["from_seq"] == poison.seq
    assert held["events"] == 2 and held["entity"] == entity
    assert quarantine.first_held_seq(receiver.database.conn, sender.device_id) == poison.seq
    # Held records are kept, not applied.
    assert receiver.database.scalar("SELECT applied FROM event WHERE device_id = ? AND "
                                    "seq = ?", (sender.device_id, poison.seq)) == 0
    # A later bundle of the held device is held too; everything else goes on.
    later = trainers.add_trainer(sender, "Later still")
    again = send(sender, receiver, tmp_path / "again")
    assert trainers.get_trainer(receiver, later.id) is None and again.held == 1


def test_held_records_are_not_passed_on(programme, tmp_path):
    coordinator, (sender, colleague) = programme
    before = trainers.add_trainer(sender, "Before the bad record")
    send(sender, coordinator, tmp_path / "first")      # its head at `before` is signed
    append_raw(sender, "participant", PERSON, "set", {"wg": "a lot"})
    after = trainers.add_trainer(sender, "After the bad record")
    send(sender, coordinator, tmp_path / "in")
    onward = send(coordinator, colleague, tmp_path / "onward")
    assert onward.held == 0
    assert trainers.get_trainer(colleague, before.id) is not None
    assert trainers.get_trainer(colleague, after.id) is None


def test_a_discarded_record_is_set_aside_and_the_device_syncs_again(programme, tmp_path):
    coordinator, (sender, _other) = programme
    append_raw(sender, "participant", PERSON, "set", {"birth_year": "abc"})
    after = trainers.add_trainer(sender, "After the bad record")
    send(sender, coordinator, tmp_path / "in")
    assert importer.discard_held(coordinator, sender.device_id) == 2
    assert quarantine.held_devices(coordinator.database.conn) == []
    later = trainers.add_trainer(sender, "Later")
    send(sender, coordinator, tmp_path / "again")
    assert trainers.get_trainer(coordinator, later.id) is not None
    assert trainers.get_trainer(coordinator, after.id) is None       # set aside with it
    assert participants.get(coordinator.database, PERSON) is None
    importer.release_pending(coordinator)                          # never applied later
    assert participants.get(coordinator.database, PERSON) is None


def test_retry_applies_held_records_once_they_are_admitted(programme, tmp_path, monkeypatch):
    coordinator, (sender, _other) = programme
    append_raw(sender, "programme_setting", "retention_days", "set", {})
    after = trainers.add_trainer(sender, "After the bad record")
    send(sender, coordinator, tmp_path / "in")
    assert importer.retry_held(coordinator, sender.device_id) == 0      # still refused
    assert quarantine.first_held_seq(coordinator.database.conn, sender.device_id) == 1
    # A newer version that reads the record differently admits the chain again.
    monkeypatch.setattr(admission.Admission, "admit", lambda self, row, fields: None)
    monkeypatch.setattr("debc_outreach.storage.projection.settings.apply_programme_setting",
                        lambda conn, event: None)
    monkeypatch.setitem(__import__("debc_outreach.storage.projection",
                                   fromlist=["CUSTOM"]).CUSTOM, "programme_setting",
                        lambda conn, event: None)
    assert importer.retry_held(coordinator, sender.device_id) == 2
    assert trainers.get_trainer(coordinator, after.id) is not None
    assert quarantine.held_devices(coordinator.database.conn) == []


def test_a_local_write_of_an_invalid_event_is_refused(programme):
    coordinator, _devices = programme
    seq = events.chain_head(coordinator.database.conn, coordinator.device_id)[0]
    with pytest.raises(UserError, match="not saved"):
        coordinator.record("attendance", SESSION, {"at": "now"}, op="add")
    with pytest.raises(UserError, match="birth_year"):
        coordinator.record("participant", PERSON, {"birth_year": "abc"})
    assert events.chain_head(coordinator.database.conn, coordinator.device_id)[0] == seq


# --- through a hub ----------------------------------------------------------------------

@pytest.fixture
def hub_setup(tmp_path):
    with programme_with_hub(tmp_path, trainers=2) as setup:
        yield setup


@pytest.mark.parametrize(("what", "entity", "entity_id", "op", "fields"), MALFORMED, ids=IDS)
def test_the_hub_refuses_a_bundle_with_a_malformed_record_and_stores_nothing(
        hub_setup, what, entity, entity_id, op, fields):
    _coordinator, (sender, _other), hub, running = hub_setup
    trainers.add_trainer(sender, "A good record first")
    hub_client.sync_with_hub(sender, running.url)
    stored = hub.db.scalar("SELECT count(*) FROM hub_event")
    trainers.add_trainer(sender, "A good record in the same bundle")
    append_raw(sender, entity, entity_id, op, fields)
    with pytest.raises(hub_client.HubRecordsRefused, match="not valid") as refused:
        hub_client.sync_with_hub(sender, running.url)
    assert "\n" not in str(refused.value) and "proxy" not in str(refused.value)
    assert hub.db.scalar("SELECT count(*) FROM hub_event") == stored, what


def test_a_poison_record_on_the_hub_is_held_and_everyone_keeps_syncing(hub_setup,
                                                                       monkeypatch):
    coordinator, (poisoner, colleague), hub, running = hub_setup
    # A hub of the previous version stored whatever an enrolled device pushed.
    monkeypatch.setattr(admission.Admission, "admit", lambda self, row, fields: None)
    append_raw(poisoner, "programme_setting", "retention_days", "set", {})
    hub_client.sync_with_hub(poisoner, running.url)
    monkeypatch.undo()
    good = participants.add_participant(colleague, "សុខ ដារា", village_code=VILLAGE_IN)
    hub_client.sync_with_hub(colleague, running.url)

    for _round in range(2):                  # and every later sync goes through too
        result = hub_client.sync_with_hub(coordinator, running.url)
        assert not result.cancelled
    assert participants.get(coordinator.database, good.id) is not None
    [held] = quarantine.held_devices(coordinator.database.conn)
    assert held.device_id == poisoner.device_id and held.code == "missing"
    assert any(report.held_devices for report in hub_client.sync_with_hub(
        colleague, running.url).pulled) or quarantine.held_devices(colleague.database.conn)
    # The coordinator's own records still reach the hub and the other trainer.
    session = sessions.create(coordinator, "2026-03-08", VILLAGE_IN)
    hub_client.sync_with_hub(coordinator, running.url)
    hub_client.sync_with_hub(colleague, running.url)
    assert sessions.get(colleague.database, session.id) is not None


def test_a_relayed_record_the_hub_refuses_is_held_here_and_the_rest_is_pushed(
        hub_setup, tmp_path, monkeypatch):
    coordinator, (poisoner, _colleague), hub, running = hub_setup
    append_raw(poisoner, "participant", PERSON, "set", {"birth_year": "abc"})
    # The coordinator stored it before this version checked records.
    monkeypatch.setattr(admission.Admission, "admit", lambda self, row, fields: None)
    send(poisoner, coordinator, tmp_path / "old")
    monkeypatch.undo()
    mine = trainers.add_trainer(coordinator, "The coordinator's own record")
    result = hub_client.sync_with_hub(coordinator, running.url)
    assert [entry["device_id"] for entry in result.refused] == [poisoner.device_id]
    assert hub.db.scalar("SELECT count(*) FROM hub_event WHERE entity_id = ?",
                         (mine.id,)) == 1
    assert hub.db.scalar("SELECT count(*) FROM hub_event WHERE device_id = ?",
                         (poisoner.device_id,)) == 0


def test_network_problems_and_refused_records_have_different_messages(hub_setup):
    coordinator, _devices, _hub, _running = hub_setup
    with pytest.raises(hub_client.HubUnreachable) as unreachable:
        hub_client.sync_with_hub(coordinator, "http://127.0.0.1:9", retries=0, timeout=2)
    assert "could not be reached" in str(unreachable.value)
    with pytest.raises(hub_client.HubUnreachable, match="proxy"):
        hub_client.sync_with_hub(coordinator, "http://127.0.0.1:9", proxy="::nonsense::",
                                 retries=0)


def test_the_sync_cli_lists_held_devices_and_sets_them_aside(programme, tmp_path, capsys):
    coordinator, (sender, _other) = programme
    append_raw(sender, "participant", PERSON, "set", {"wg": "a lot"})
    path = tmp_path / "in.debc-bundle"
    export.export_bundle(sender, coordinator.device_id, path)
    folder = coordinator.data_dir
    coordinator.close()
    code, out, _err = cli_in(capsys, folder, "sync", "import-bundle", str(path))
    assert code == 0 and "Held: 1 record of" in out and sender.device_id in out
    code, out, _err = cli_in(capsys, folder, "sync", "quarantine", "--json")
    [held] = json.loads(out)["held"]
    assert held["device_id"] == sender.device_id and held["code"] == "type"
    code, out, _err = cli_in(capsys, folder, "sync", "quarantine", "--discard",
                             sender.device_id)
    assert code == 0 and "set aside" in out
    code, out, _err = cli_in(capsys, folder, "sync", "quarantine")
    assert "No records are held." in out
    code, _out, err = cli_in(capsys, folder, "sync", "quarantine", "--retry", "nobody")
    assert code == 1 and "nobody" in err and "Traceback" not in err


def test_a_hub_fault_is_told_apart_from_the_network(programme):
    import httpx

    coordinator, _devices = programme
    failing = httpx.MockTransport(lambda request: httpx.Response(500, json={"error": "boom"}))
    with pytest.raises(hub_client.HubServerError, match="problem of its own") as caught:
        hub_client.sync_with_hub(coordinator, "http://hub.invalid", retries=0,
                                 transport=failing)
    assert "could not be reached" not in str(caught.value)
    garbled = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>"))
    with pytest.raises(hub_client.HubServerError, match="could not be read"):
        hub_client.sync_with_hub(coordinator, "http://hub.invalid", retries=0,
                                 transport=garbled)
