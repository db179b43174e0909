"""Records that can be trusted across devices: who wrote each event, and whether it was
theirs to write (sync/heads.py, sync/admission.py, storage/projection/writers.py).

Each attack is played by an enrolled trainer's laptop (real keys, real certificate)
that edits its own database the way a tampered copy of the app would, then sends
an ordinary, correctly signed bundle.
"""

from __future__ import annotations

import datetime as dt

import pytest
from support.forgery import forge, introduce, write_anyway
from support.sync_devices import VILLAGE_IN, VILLAGE_OUT, make_programme, send

from debc_outreach.errors import UserError
from debc_outreach.reports import targets
from debc_outreach.storage import participants, privacy, quarantine, sessions
from debc_outreach.storage.store import Store
from debc_outreach.sync import export, heads, importer, statements, trust
from debc_outreach.sync.keys import device_keys

KAMPOT, PHNOM_PENH = "07", "12"


@pytest.fixture
def world(tmp_path):
    """Coordinator; trainer 0 in Kampot (the attacker), trainer 1 in Phnom Penh."""
    coordinator, (attacker, victim) = make_programme(
        tmp_path, trainers=2, scopes=[[KAMPOT], [PHNOM_PENH]])
    yield coordinator, attacker, victim
    for store in (coordinator, attacker, victim):
        store.close()


def name_of(store: Store, participant_id: str) -> str | None:
    return store.database.scalar("SELECT display_name FROM participant WHERE id = ?",
                                 (participant_id,))


def applied_events(store: Store, device_id: str) -> list[tuple]:
    return store.database.query("SELECT seq, hash FROM event WHERE device_id = ? ORDER BY seq",
                                (device_id,))


# --- forged appends to another device's chain ---------------------------------------------

def test_a_forged_append_to_another_trainers_chain_is_not_applied(world, tmp_path):
    coordinator, attacker, victim = world
    person = participants.add_participant(victim, "សុខ ដារា", village_code=VILLAGE_OUT).id
    send(victim, coordinator, tmp_path / "1")
    send(coordinator, attacker, tmp_path / "2")          # the attacker holds the chain's hashes
    forge(attacker, victim.device_id, "participant", person,
          {"display_name": "Renamed", "phone": "012999999"})

    report = send(attacker, coordinator, tmp_path / "3")

    assert name_of(coordinator, person) == "សុខ ដារា"
    assert report.new == 0 and report.waiting == 1
    # The real trainer's next genuine bundle still imports, and its record applies.
    participants.update_participant(victim, person, phone="011222333")
    genuine = send(victim, coordinator, tmp_path / "4")
    assert genuine.new == 1
    assert coordinator.database.scalar("SELECT phone FROM participant WHERE id = ?",
                                       (person,)) == "011222333"
    assert applied_events(coordinator, victim.device_id) == applied_events(victim,
                                                                           victim.device_id)
    assert coordinator.database.scalar("SELECT count(*) FROM sync_waiting") == 0


def test_a_head_the_relay_signed_for_another_device_is_refused(world, tmp_path, monkeypatch):
    coordinator, attacker, victim = world
    person = participants.add_participant(victim, "សុខ ដារា", village_code=VILLAGE_OUT).id
    send(victim, coordinator, tmp_path / "1")
    send(coordinator, attacker, tmp_path / "2")
    event = forge(attacker, victim.device_id, "participant", person, {"display_name": "X"})
    prog = trust.require_programme(attacker)
    own = trust.own_certificate(attacker).signed
    fake = heads.sign(device_keys(attacker.data_dir), prog.id, own, victim.device_id,
                      event.seq, event.hash)
    fake["body"]["by"] = victim.device_id           # claims the victim signed it
    real_for_ranges = heads.for_ranges
    monkeypatch.setattr(heads, "for_ranges",
                        lambda store, ranges: [*real_for_ranges(store, ranges), fake])

    report = send(attacker, coordinator, tmp_path / "3")

    assert name_of(coordinator, person) == "សុខ ដារា"
    assert [found["code"] for found in report.refusals] == ["forged"]
    assert victim.device_id in report.refusals[0]["reason"]


def test_a_forged_programme_rule_in_the_coordinators_chain_reaches_nobody(world, tmp_path):
    coordinator, attacker, victim = world
    privacy.set_rule(coordinator, privacy.NAMED_EXPORTS, "allowed")
    send(coordinator, attacker, tmp_path / "1")
    introduce(attacker, victim)
    introduce(victim, attacker)
    forge(attacker, coordinator.device_id, "programme_setting", privacy.NAMED_EXPORTS,
          {"value": "forbidden_on_trainer_devices"})
    forge(attacker, coordinator.device_id, "programme_setting", privacy.RETENTION_DAYS,
          {"value": 1})

    send(attacker, victim, tmp_path / "2")
    send(attacker, coordinator, tmp_path / "3")

    for store in (victim, coordinator):
        assert privacy.get_rule(store, privacy.NAMED_EXPORTS) in (None, "allowed")
        assert privacy.get_rule(store, privacy.RETENTION_DAYS) in (None, 0)
    # The coordinator's own next records still reach the trainer.
    privacy.set_rule(coordinator, privacy.RETENTION_DAYS, 30)
    send(coordinator, victim, tmp_path / "4")
    assert privacy.get_rule(victim, privacy.RETENTION_DAYS) == 30


# --- write authority ------------------------------------------------------------------------

def test_a_trainers_record_outside_its_area_is_refused_and_its_chain_held(world, tmp_path,
                                                                         monkeypatch):
    coordinator, attacker, _victim = world
    participants.add_participant(attacker, "ចាន់ ធីតា", village_code=VILLAGE_IN)
    outside = write_anyway(attacker, "participant", "p-takeo",
                           {"display_name": "Someone", "village_code": VILLAGE_OUT}, monkeypatch)
    later = participants.add_participant(attacker, "កែវ សុភា", village_code=VILLAGE_IN).id

    report = send(attacker, coordinator, tmp_path / "1")

    assert report.new == 1 and report.held == 2
    assert name_of(coordinator, "p-takeo") is None and name_of(coordinator, later) is None
    [refusal] = report.refusals
    assert refusal["code"] == "out_of_scope" and refusal["seq"] == outside.seq
    assert "trainer 0" in refusal["reason"] and VILLAGE_OUT in refusal["reason"]
    assert [tuple(row) for row in coordinator.database.query(
        "SELECT device_id, from_seq, code FROM sync_held")] == [
        (attacker.device_id, outside.seq, "out_of_scope")]


def test_renaming_a_participant_of_another_province_is_refused(world, tmp_path, monkeypatch):
    coordinator, attacker, _victim = world
    person = participants.add_participant(coordinator, "សុខ ដារា", village_code=VILLAGE_OUT).id
    send(coordinator, attacker, tmp_path / "1")
    write_anyway(attacker, "participant", person, {"display_name": "Renamed"}, monkeypatch)

    report = send(attacker, coordinator, tmp_path / "2")

    assert name_of(coordinator, person) == "សុខ ដារា"
    assert [found["code"] for found in report.refusals] == ["out_of_scope"]


def test_a_trainer_cannot_write_a_coordinator_only_record(world, tmp_path, monkeypatch):
    coordinator, attacker, _victim = world
    write_anyway(attacker, "programme_setting", privacy.RETENTION_DAYS, {"value": 1},
                 monkeypatch)

    report = send(attacker, coordinator, tmp_path / "1")

    assert [found["code"] for found in report.refusals] == ["coordinator_only"]
    assert "trainer 0" in report.refusals[0]["reason"]
    assert coordinator.database.scalar("SELECT count(*) FROM programme_setting") == 0


def test_outcome_records_follow_the_person_or_the_session(world, tmp_path, monkeypatch):
    """A person's answers and follow-ups count where the person lives; a class count and
    a scam tally where the session was held."""
    coordinator, attacker, _victim = world
    away = sessions.create(coordinator, "2026-03-08", VILLAGE_OUT)
    send(coordinator, attacker, tmp_path / "1")
    person = participants.add_participant(attacker, "ចាន់ ធីតា", village_code=VILLAGE_IN).id
    answer = {"session_id": away.id, "participant_id": person, "module": "m1",
              "phase": "before", "answers": {"q1": 0}, "correct": {"q1": 1}}
    write_anyway(attacker, "quiz_answer", away.id, answer, monkeypatch)
    write_anyway(attacker, "follow_up", person, {"participant_id": person, "module": "m1",
                                                 "method": "phone", "date": "2026-04-08",
                                                 "answers": {"q1": 1}}, monkeypatch)
    tally = write_anyway(attacker, "scam_tally", away.id,
                         {"session_id": away.id, "counts": {"sms": 3}}, monkeypatch)

    report = send(attacker, coordinator, tmp_path / "2")

    assert report.new == 3 and report.held == 1
    [refusal] = report.refusals
    assert (refusal["code"], refusal["seq"]) == ("out_of_scope", tally.seq)
    assert "scam tally" in refusal["reason"]
    assert coordinator.database.scalar("SELECT count(*) FROM quiz_answer") == 1
    assert coordinator.database.scalar("SELECT count(*) FROM follow_up") == 1
    assert coordinator.database.scalar("SELECT count(*) FROM scam_tally") == 0
    [held] = quarantine.held_devices(coordinator.database.conn)
    assert (held.device_id, held.from_seq, held.events) == (attacker.device_id, tally.seq, 1)


def test_a_trainers_own_app_refuses_what_its_peers_would_refuse(world):
    _coordinator, trainer, _victim = world
    with pytest.raises(UserError, match="only the coordinator"):
        targets.set_target(trainer, province_code=KAMPOT, period_start="2026-01-01",
                           period_end="2026-12-31", measure=next(iter(targets.MEASURES)), value=10)
    with pytest.raises(UserError, match="outside the area"):
        participants.add_participant(trainer, "សុខ ដារា", village_code=VILLAGE_OUT)
    participants.add_participant(trainer, "សុខ ដារា", village_code=VILLAGE_IN)


# --- revoked and expired certificates ------------------------------------------------------

def test_records_a_revoked_device_wrote_afterwards_count_nowhere(world, tmp_path):
    coordinator, relay, revoked = world
    first = participants.add_participant(revoked, "សុខ ដារា", village_code=VILLAGE_OUT).id
    send(revoked, coordinator, tmp_path / "1")
    trust.revoke_device(coordinator, revoked.device_id)
    later = participants.add_participant(revoked, "កែវ សុភា", village_code=VILLAGE_OUT).id
    introduce(relay, revoked)
    introduce(revoked, relay)
    send(revoked, relay, tmp_path / "2")        # the relay has not heard of the revocation

    report = send(relay, coordinator, tmp_path / "3")

    assert name_of(coordinator, first) == "សុខ ដារា"
    assert name_of(coordinator, later) is None
    assert [found["code"] for found in report.refusals] == ["revoked"]


def test_a_head_signed_after_the_certificate_expired_does_not_count(world, monkeypatch):
    coordinator, _attacker, trainer = world
    participants.add_participant(trainer, "សុខ ដារា", village_code=VILLAGE_OUT)
    cert = trust.own_certificate(trainer)
    after = dt.datetime.fromisoformat(cert.expires) + dt.timedelta(days=1)
    monkeypatch.setattr(trust, "now_utc", lambda: after)
    document = heads.sign(device_keys(trainer.data_dir), trust.require_programme(trainer).id,
                          cert.signed, trainer.device_id, 1, "a" * 64)
    prog = trust.require_programme(coordinator)
    with pytest.raises(heads.HeadRefused) as refused:
        heads.verify(prog, document, {}, now=after)
    assert refused.value.code == "expired"
    monkeypatch.undo()
    good = heads.sign(device_keys(trainer.data_dir), prog.id, cert.signed, trainer.device_id,
                      1, "a" * 64)
    assert heads.verify(prog, good, {}).seq == 1


def test_every_bundle_carries_the_senders_signed_head(world, tmp_path):
    coordinator, trainer, _victim = world
    participants.add_participant(trainer, "សុខ ដារា", village_code=VILLAGE_IN)
    path = tmp_path / "b.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, path)
    from debc_outreach.sync import bundle

    [document] = bundle.read_header(path).header["signed_heads"]
    head = heads.verify(trust.require_programme(coordinator), document, {})
    assert (head.device_id, head.seq) == (trainer.device_id, 1)
    assert importer.import_bundle(coordinator, path).new == 1


def test_answers_of_an_unknown_person_count_where_their_session_was_held(world, tmp_path,
                                                                         monkeypatch):
    """With no known person to place them, a person's answers belong to the session they
    name: a trainer cannot add answers to another province's class that way."""
    coordinator, attacker, _victim = world
    away = sessions.create(coordinator, "2026-03-08", VILLAGE_OUT)
    send(coordinator, attacker, tmp_path / "1")
    answer = {"session_id": away.id, "participant_id": "p-nobody", "module": "m1",
              "phase": "before", "answers": {"q1": 0}, "correct": {"q1": 1}}
    forged = write_anyway(attacker, "quiz_answer", away.id, answer, monkeypatch)

    report = send(attacker, coordinator, tmp_path / "2")

    assert [(found["code"], found["seq"]) for found in report.refusals] == [
        ("out_of_scope", forged.seq)]
    assert coordinator.database.scalar("SELECT count(*) FROM quiz_answer") == 0


def test_a_forged_append_sent_twice_is_still_not_applied(world, tmp_path):
    """A forged event already waiting does not vouch for its own copy arriving again."""
    coordinator, attacker, victim = world
    person = participants.add_participant(victim, "សុខ ដារា", village_code=VILLAGE_OUT).id
    send(victim, coordinator, tmp_path / "1")
    send(coordinator, attacker, tmp_path / "2")
    forge(attacker, victim.device_id, "participant", person, {"display_name": "Renamed"})

    send(attacker, coordinator, tmp_path / "3")
    again = send(attacker, coordinator, tmp_path / "4")

    assert name_of(coordinator, person) == "សុខ ដារា"
    assert again.new == 0
    assert applied_events(coordinator, victim.device_id) == applied_events(victim,
                                                                           victim.device_id)


def test_a_certificate_of_a_person_in_another_province_cannot_be_changed(world, tmp_path,
                                                                        monkeypatch):
    """A certificate belongs to its person's village, even when an edit names no person."""
    coordinator, attacker, _victim = world
    person = participants.add_participant(coordinator, "សុខ ដារា", village_code=VILLAGE_OUT).id
    issued = statements.issue(coordinator, person, "សុខ ដារា", ["m1"], [], "2026-03-08",
                              "Phnom Penh")
    cert_id = issued.statement.certificate_id
    write_anyway(attacker, "issued_certificate", cert_id, {"participant_id": ""}, monkeypatch)

    report = send(attacker, coordinator, tmp_path / "1")

    assert [found["code"] for found in report.refusals] == ["out_of_scope"]
    assert statements.issued_for(coordinator.database, person) == [
        (cert_id, issued.statement.issued)]
