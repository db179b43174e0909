"""Retention on trainer devices and the coordinator's rule on named exports."""

from __future__ import annotations

import datetime as dt

import pytest
from support.sync_devices import VILLAGE_IN, make_programme, send

from debc_outreach.errors import UserError
from debc_outreach.storage import attendance, participants, privacy, retention, sessions
from debc_outreach.storage.check import check_database
from debc_outreach.storage.projection import writers

NAMES = ("Kolab Sreyneang", "ស្រីពៅ ចាន់ធា", "Vannak Later", "Dara Active")


def _later(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def _counts(store) -> dict:
    db = store.database
    return {"participants": participants.count(db),
            "attendance": db.scalar("SELECT count(*) FROM attendance WHERE present = 1"),
            "women": db.scalar("SELECT count(*) FROM participant WHERE sex = 'F'"),
            "villages": db.scalar("SELECT count(DISTINCT village_code) FROM participant")}


@pytest.fixture
def programme(tmp_path):
    coordinator, (trainer,) = make_programme(tmp_path)
    yield coordinator, trainer, tmp_path / "bundles"
    trainer.close()
    coordinator.close()


def test_retention_removes_exactly_the_eligible_names_and_keeps_counts(programme):
    coordinator, trainer, bundles = programme
    privacy.set_rule(coordinator, privacy.RETENTION_DAYS, 90)
    old_a = participants.add_participant(trainer, NAMES[0], sex="F", village_code=VILLAGE_IN,
                                         phone="012 555 111")
    old_b = participants.add_participant(trainer, NAMES[1], sex="F", village_code=VILLAGE_IN)
    active = participants.add_participant(trainer, NAMES[3], sex="M", village_code=VILLAGE_IN)
    session = sessions.create(trainer, dt.date.today().isoformat(), VILLAGE_IN)
    attendance.check_in(trainer, session.id, old_a.id)
    send(coordinator, trainer, bundles)                  # the rule arrives
    send(trainer, coordinator, bundles)                  # the coordinator gets the records
    send(coordinator, trainer, bundles)                  # ... and acknowledges them
    retention.note_acknowledgements(trainer)
    # After the acknowledgement: a new person, and a check-in of someone registered before.
    new = participants.add_participant(trainer, NAMES[2], sex="M", village_code=VILLAGE_IN)
    attendance.check_in(trainer, session.id, active.id)
    before = _counts(trainer)
    from debc_outreach.sync.backup import daily_backup

    daily_backup(trainer.database, trainer.data_dir, trainer.backup_dir)   # holds the names

    early = retention.apply_retention(trainer, now=_later(89))
    assert early.eligible == 0
    result = retention.apply_retention(trainer, now=_later(91))
    assert result.eligible == 2 and result.events_redacted >= 2

    names = {p.id: p.display_name for p in participants.list_all(trainer.database)}
    assert names[old_a.id] == retention.placeholder_name(old_a.id)
    assert names[old_b.id] == retention.placeholder_name(old_b.id)
    assert names[new.id] == NAMES[2] and names[active.id] == NAMES[3]
    assert participants.get(trainer.database, old_a.id).phone == ""
    assert _counts(trainer) == before
    assert check_database(trainer.database) == []
    assert participants.search(trainer.database, "Kolab") == []
    raw = trainer.database.path.read_bytes()
    for gone in NAMES[:2]:
        assert gone.split()[0].encode("utf-8") not in raw
    assert all(p.name.startswith("after-retention-") for p in trainer.backup_dir.glob("*"))
    # Running again changes nothing; the coordinator's copy keeps every name.
    assert retention.apply_retention(trainer, now=_later(92)).eligible == 0
    send(trainer, coordinator, bundles)
    kept = {p.display_name for p in participants.list_all(coordinator.database)}
    assert {NAMES[0], NAMES[1], NAMES[3]} <= kept
    assert retention.apply_retention(coordinator, now=_later(400)).reason


def test_no_rule_or_no_acknowledgement_keeps_every_name(programme):
    coordinator, trainer, bundles = programme
    person = participants.add_participant(trainer, NAMES[0], village_code=VILLAGE_IN)
    assert retention.apply_retention(trainer, now=_later(1000)).reason == "no retention rule"
    privacy.set_rule(coordinator, privacy.RETENTION_DAYS, 30)
    send(coordinator, trainer, bundles)
    assert retention.apply_retention(trainer, now=_later(1000)).eligible == 0   # not acked
    assert participants.get(trainer.database, person.id).display_name == NAMES[0]


def test_only_the_coordinator_sets_privacy_rules(programme, monkeypatch):
    coordinator, trainer, bundles = programme
    with pytest.raises(UserError, match="Only the coordinator"):
        privacy.set_rule(trainer, privacy.NAMED_EXPORTS, "allowed")
    # The trainer's app refuses to record one; one recorded anyway (a tampered app) is
    # stored but never counts, and its peers refuse it (test_sync_origin.py).
    with pytest.raises(UserError, match="only the coordinator"):
        trainer.record(privacy.ENTITY, privacy.RETENTION_DAYS, {"value": 1})
    with monkeypatch.context() as patch:
        patch.setattr(writers, "check_own_write", lambda *args: None)
        trainer.record(privacy.ENTITY, privacy.RETENTION_DAYS, {"value": 1})
    assert privacy.get_rule(trainer, privacy.RETENTION_DAYS) == 0


def test_named_exports_can_be_forbidden_on_trainer_devices(programme):
    coordinator, trainer, bundles = programme
    assert privacy.named_exports_allowed(trainer)
    privacy.set_rule(coordinator, privacy.NAMED_EXPORTS, "forbidden_on_trainer_devices")
    send(coordinator, trainer, bundles)
    assert not privacy.named_exports_allowed(trainer)
    with pytest.raises(UserError, match="does not allow exports"):
        privacy.require_named_exports_allowed(trainer)
    assert privacy.named_exports_allowed(coordinator)      # the coordinator's own copy
    privacy.set_rule(coordinator, privacy.NAMED_EXPORTS, "allowed")
    send(coordinator, trainer, bundles)
    assert privacy.named_exports_allowed(trainer)


def test_cli_exports_with_names_follow_the_rule_and_warn(programme, capsys):
    from debc_outreach.cli import main

    coordinator, trainer, bundles = programme
    person = participants.add_participant(trainer, NAMES[0], village_code=VILLAGE_IN,
                                          consent="yes")
    session = sessions.create(trainer, dt.date.today().isoformat(), VILLAGE_IN)
    attendance.check_in(trainer, session.id, person.id)
    out = trainer.data_dir.parent / "out"
    out.mkdir()

    def export(kind: str) -> tuple[int, str]:
        code = main(["--data-dir", str(trainer.data_dir), "--lang", "en", "export", kind,
                     "--format", "csv", "-o", str(out / f"{kind}.csv")])
        return code, capsys.readouterr().err

    code, err = export("attendance")
    assert code == 0 and "contains participants' names" in err, err
    privacy.set_rule(coordinator, privacy.NAMED_EXPORTS, "forbidden_on_trainer_devices")
    send(coordinator, trainer, bundles)
    code, err = export("attendance")
    assert code == 1 and "does not allow exports" in err
    code, err = export("summary")                       # aggregate figures: still allowed
    assert code == 0 and "names" not in err


def test_cli_rules_and_retention(programme, capsys):
    import json

    from debc_outreach.cli import main

    coordinator, trainer, bundles = programme

    def run(store, *args) -> tuple[int, str, str]:
        code = main(["--data-dir", str(store.data_dir), "--lang", "en", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, _out, err = run(trainer, "protect", "rules", "--retention-days", "30")
    assert code == 1 and "Only the coordinator" in err
    code, out, _err = run(coordinator, "protect", "rules", "--retention-days", "30",
                          "--named-exports", "forbidden_on_trainer_devices")
    assert code == 0 and json.loads(out) == {"named_exports": "forbidden_on_trainer_devices",
                                             "retention_days": 30}
    send(coordinator, trainer, bundles)
    code, out, _err = run(trainer, "protect", "status", "--json")
    status = json.loads(out)
    assert status["role"] == "trainer" and status["retention_days"] == 30
    assert status["named_exports_allowed_here"] is False
    code, out, _err = run(trainer, "protect", "retention", "--json")
    assert code == 0 and json.loads(out)["names_removed"] == 0     # nothing acknowledged yet


def test_names_stay_when_the_coordinator_no_longer_holds_them(programme):
    """A coordinator restored from an old backup acknowledges less: keep those names."""
    import json

    coordinator, trainer, bundles = programme
    privacy.set_rule(coordinator, privacy.RETENTION_DAYS, 10)
    person = participants.add_participant(trainer, NAMES[0], village_code=VILLAGE_IN)
    send(coordinator, trainer, bundles)
    send(trainer, coordinator, bundles)
    send(coordinator, trainer, bundles)
    retention.note_acknowledgements(trainer)
    conn = trainer.database.conn
    raw = json.loads(conn.execute("SELECT acked FROM sync_peer WHERE device_id = ?",
                                  (coordinator.device_id,)).fetchone()[0])
    vector = raw.get("vector", raw)
    vector[trainer.device_id] = 0                       # the coordinator lost them
    with trainer.database.transaction():
        conn.execute("UPDATE sync_peer SET acked = ? WHERE device_id = ?",
                     (json.dumps({**raw, "vector": vector} if "vector" in raw else vector),
                      coordinator.device_id))
    assert retention.apply_retention(trainer, now=_later(30)).eligible == 0
    assert participants.get(trainer.database, person.id).display_name == NAMES[0]
