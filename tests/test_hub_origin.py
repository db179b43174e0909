"""The attacks of test_sync_origin.py played through a real hub: a forged append to
another device's chain is never stored nor passed on, an unauthorised record gets a
4xx with the reason and nothing of its bundle is stored, and the real device's next
genuine records still travel."""

from __future__ import annotations

import pytest
from support.forgery import forge, write_anyway
from support.hub_server import programme_with_hub
from support.sync_devices import VILLAGE_IN, VILLAGE_OUT

from debc_outreach.errors import UserError
from debc_outreach.hub.db import HubDB
from debc_outreach.storage import events, participants, privacy
from debc_outreach.sync import heads, hub_client, statements, trust
from debc_outreach.sync.keys import device_keys


@pytest.fixture
def setup(tmp_path):
    """Coordinator, a Kampot trainer (the attacker), a Phnom Penh trainer, a hub."""
    with programme_with_hub(tmp_path, trainers=2, scopes=[["07"], ["12"]]) as setup:
        yield setup


def copy_chain(source, target, device_id: str) -> None:
    """Give the attacker another device's chain (as stand-ins would): rows only."""
    rows = list(events.chain_rows(source.database.conn, device_id))
    with target.database.transaction() as tx:
        have = events.chain_head(tx, device_id)[0]
        events.insert_rows(tx, [(*row, 1) for row in rows if row[events.SEQ] > have])


def stored_hashes(hub, device_id: str) -> list[str]:
    return [row[0] for row in hub.db.query("SELECT hash FROM hub_event WHERE device_id = ? "
                                           "ORDER BY seq", (device_id,))]


def test_a_forged_append_to_another_trainers_chain_goes_nowhere_through_the_hub(setup):
    coordinator, (attacker, victim), hub, running = setup
    person = participants.add_participant(victim, "សុខ ដារា", village_code=VILLAGE_OUT).id
    hub_client.sync_with_hub(victim, running.url)
    hub_client.sync_with_hub(attacker, running.url)
    copy_chain(victim, attacker, victim.device_id)
    forged = forge(attacker, victim.device_id, "participant", person,
                   {"display_name": "Renamed", "phone": "012999999"})

    hub_client.sync_with_hub(attacker, running.url)

    assert forged.hash not in stored_hashes(hub, victim.device_id)
    hub_client.sync_with_hub(coordinator, running.url)
    assert coordinator.database.scalar("SELECT display_name FROM participant WHERE id = ?",
                                       (person,)) == "សុខ ដារា"
    # The real trainer's next genuine records still travel.
    participants.update_participant(victim, person, phone="011222333")
    hub_client.sync_with_hub(victim, running.url)
    hub_client.sync_with_hub(coordinator, running.url)
    assert coordinator.database.scalar("SELECT phone FROM participant WHERE id = ?",
                                       (person,)) == "011222333"
    assert stored_hashes(hub, victim.device_id) == [
        row[0] for row in victim.database.query(
            "SELECT hash FROM event WHERE device_id = ? ORDER BY seq", (victim.device_id,))]


def test_a_forged_programme_rule_reaches_no_trainer_through_the_hub(setup):
    coordinator, (attacker, victim), hub, running = setup
    privacy.set_rule(coordinator, privacy.NAMED_EXPORTS, "allowed")
    hub_client.sync_with_hub(coordinator, running.url)
    hub_client.sync_with_hub(attacker, running.url)
    forged = forge(attacker, coordinator.device_id, "programme_setting", privacy.RETENTION_DAYS,
                   {"value": 1})

    hub_client.sync_with_hub(attacker, running.url)
    hub_client.sync_with_hub(victim, running.url)

    assert forged.hash not in stored_hashes(hub, coordinator.device_id)
    assert privacy.get_rule(victim, privacy.RETENTION_DAYS) in (None, 0)
    assert privacy.get_rule(victim, privacy.NAMED_EXPORTS) == "allowed"


def test_a_head_signed_by_the_wrong_device_is_refused_by_the_hub(setup, monkeypatch):
    coordinator, (attacker, _victim), hub, running = setup
    privacy.set_rule(coordinator, privacy.NAMED_EXPORTS, "allowed")
    hub_client.sync_with_hub(coordinator, running.url)
    hub_client.sync_with_hub(attacker, running.url)
    forged = forge(attacker, coordinator.device_id, "programme_setting",
                   privacy.NAMED_EXPORTS, {"value": "forbidden_on_trainer_devices"})
    fake = heads.sign(device_keys(attacker.data_dir), trust.require_programme(attacker).id,
                      trust.own_certificate(attacker).signed, coordinator.device_id,
                      forged.seq, forged.hash)
    fake["body"]["by"] = coordinator.device_id
    real = heads.for_ranges
    monkeypatch.setattr(heads, "for_ranges", lambda store, ranges: [*real(store, ranges), fake])
    before = hub.db.scalar("SELECT count(*) FROM hub_event")

    with pytest.raises(UserError, match="did not sign"):
        hub_client.sync_with_hub(attacker, running.url)

    assert hub.db.scalar("SELECT count(*) FROM hub_event") == before


def test_an_unauthorised_record_is_refused_by_the_hub_and_nothing_of_it_is_stored(
        setup, monkeypatch):
    _coordinator, (attacker, _victim), hub, running = setup
    participants.add_participant(attacker, "ចាន់ ធីតា", village_code=VILLAGE_IN)
    write_anyway(attacker, "programme_setting", privacy.RETENTION_DAYS, {"value": 1},
                 monkeypatch)

    with pytest.raises(UserError, match="only the coordinator"):
        hub_client.sync_with_hub(attacker, running.url)

    assert stored_hashes(hub, attacker.device_id) == []


def test_a_record_outside_the_writers_area_is_refused_by_the_hub(setup, monkeypatch):
    _coordinator, (attacker, _victim), hub, running = setup
    write_anyway(attacker, "participant", "p-phnom-penh",
                 {"display_name": "Someone", "village_code": VILLAGE_OUT}, monkeypatch)

    with pytest.raises(UserError, match="outside the area"):
        hub_client.sync_with_hub(attacker, running.url)

    assert stored_hashes(hub, attacker.device_id) == []


def test_an_unmerge_reaches_the_trainers_its_merge_reached_through_the_hub(setup):
    coordinator, (kampot, _phnom_penh), hub, running = setup
    keep = participants.add_participant(coordinator, "សុខ ដារា", village_code=VILLAGE_IN).id
    duplicate = participants.add_participant(coordinator, "សុខ ដារ៉ា",
                                             village_code=VILLAGE_OUT).id
    participants.merge(coordinator, duplicate, keep)
    hub_client.sync_with_hub(coordinator, running.url)
    hub_client.sync_with_hub(kampot, running.url)
    assert kampot.database.scalar("SELECT merged_into FROM participant WHERE id = ?",
                                  (duplicate,)) == keep
    participants.unmerge(coordinator, duplicate)
    hub_client.sync_with_hub(coordinator, running.url)
    hub_client.sync_with_hub(kampot, running.url)
    assert kampot.database.scalar("SELECT merged_into FROM participant WHERE id = ?",
                                  (duplicate,)) == ""


def issued_for(store, village: str) -> str:
    """The id of a certificate the coordinator issued to a new person of `village`."""
    person = participants.add_participant(store, "សុខ ដារា", village_code=village).id
    return statements.issue(store, person, "សុខ ដារា", ["m1"], [], "2026-03-08",
                            "Phnom Penh").statement.certificate_id


@pytest.mark.parametrize("fields", [{"participant_id": ""}, {"code": "forged"}],
                         ids=["detach", "edit"])
def test_a_certificate_of_another_provinces_person_cannot_be_changed_through_the_hub(
        setup, monkeypatch, fields):
    coordinator, (attacker, _victim), hub, running = setup
    cert_id = issued_for(coordinator, VILLAGE_OUT)
    hub_client.sync_with_hub(coordinator, running.url)
    write_anyway(attacker, "issued_certificate", cert_id, fields, monkeypatch)

    with pytest.raises(UserError, match="outside the area"):
        hub_client.sync_with_hub(attacker, running.url)

    assert stored_hashes(hub, attacker.device_id) == []


def test_a_certificate_of_a_person_in_the_trainers_area_can_be_changed_through_the_hub(
        setup, monkeypatch):
    coordinator, (kampot, _phnom_penh), hub, running = setup
    cert_id = issued_for(coordinator, VILLAGE_IN)
    hub_client.sync_with_hub(coordinator, running.url)
    edit = write_anyway(kampot, "issued_certificate", cert_id, {"participant_id": ""},
                        monkeypatch)

    hub_client.sync_with_hub(kampot, running.url)

    assert edit.hash in stored_hashes(hub, kampot.device_id)


def test_a_hub_upgraded_from_before_learns_where_its_certificates_are(setup, monkeypatch):
    coordinator, (attacker, _victim), hub, running = setup
    cert_id = issued_for(coordinator, VILLAGE_OUT)
    hub_client.sync_with_hub(coordinator, running.url)
    # As a hub stored it before it remembered certificates: the migration fills them in.
    hub.db.execute("DELETE FROM hub_certificate")
    hub.db.execute("DELETE FROM hub_migrations WHERE name = '0003_certificate_people'")
    hub.db.execute("DROP TABLE hub_certificate")
    HubDB(hub.db.url).close()
    write_anyway(attacker, "issued_certificate", cert_id, {"participant_id": ""}, monkeypatch)

    with pytest.raises(UserError, match="outside the area"):
        hub_client.sync_with_hub(attacker, running.url)

    assert stored_hashes(hub, attacker.device_id) == []
