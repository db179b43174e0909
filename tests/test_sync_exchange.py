"""Records travel between enrolled devices in sealed bundles, without loss."""

from __future__ import annotations

import stat

import pytest
from support.sync_devices import VILLAGE_IN, VILLAGE_OUT, make_programme, send

from debc_outreach.core import hlc
from debc_outreach.core.hlc import Clock
from debc_outreach.errors import UserError
from debc_outreach.storage import events, trainers
from debc_outreach.storage.check import check_database
from debc_outreach.sync import conflicts, export, importer, keys, peers, state, trust
from debc_outreach.sync.bundle import read_header


@pytest.fixture
def programme(tmp_path):
    coordinator, devices = make_programme(tmp_path, trainers=2)
    yield coordinator, devices
    for store in (coordinator, *devices):
        store.close()


def test_device_keys_are_created_once_and_readable_by_owner_only(data_dir):
    first = keys.device_keys(data_dir)
    again = keys.device_keys(data_dir)
    assert first.sign_public == again.sign_public
    mode = stat.S_IMODE(keys.keys_path(data_dir).stat().st_mode)
    assert mode == 0o600


def test_trainer_records_reach_the_coordinator_and_are_acknowledged(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    profile = trainers.add_trainer(trainer, "ស្រីពៅ")
    assert state.sync_state(trainer, [("trainer", profile.id)]).status == state.NOT_SENT
    report = send(trainer, coordinator, tmp_path / "usb")
    assert report.new == 1
    assert trainers.get_trainer(coordinator, profile.id).display_name == "ស្រីពៅ"
    sent = state.sync_state(trainer, [("trainer", profile.id)])
    assert sent.status == state.SENT and sent.bundle_id
    send(coordinator, trainer, tmp_path / "usb")      # carries the acknowledgement back
    assert state.sync_state(trainer, [("trainer", profile.id)]).status == state.ACKNOWLEDGED
    assert state.pending_count(trainer) == 0
    assert check_database(coordinator.database) == []


def test_replayed_bundle_is_reported_and_changes_nothing(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    trainers.add_trainer(trainer, "Dara")
    path = tmp_path / "b.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, path)
    first = importer.import_bundle(coordinator, path)
    count = coordinator.database.scalar("SELECT count(*) FROM event")
    again = importer.import_bundle(coordinator, path)
    assert first.new == 1 and again.already_imported
    assert coordinator.database.scalar("SELECT count(*) FROM event") == count


def test_events_after_a_lost_bundle_wait_until_it_arrives(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    trainers.add_trainer(trainer, "one")
    lost = tmp_path / "lost.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, lost)
    # The coordinator never got `lost`, but pretend the trainer heard it was received
    # (a bundle can get lost after an acknowledgement in a messy folder).
    trainer.database.conn.execute("UPDATE sync_peer SET acked = ? WHERE device_id = ?",
                                  (events.dumps({trainer.device_id: 1}),
                                   coordinator.device_id))
    trainers.add_trainer(trainer, "two")
    later = send(trainer, coordinator, tmp_path / "usb")
    assert later.waiting == 1 and later.new == 0
    assert [h.reason for h in peers.held_records(coordinator)] == ["waiting"]
    assert len(trainers.list_trainers(coordinator)) == 0
    redelivered = importer.import_bundle(coordinator, lost)
    assert redelivered.new == 1 and redelivered.released == 1
    assert {t.display_name for t in trainers.list_trainers(coordinator)} == {"one", "two"}
    assert coordinator.database.scalar("SELECT count(*) FROM sync_waiting") == 0


def test_concurrent_edits_of_one_field_keep_the_loser_as_a_conflict(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    profile = trainers.add_trainer(trainer, "Sokha")
    send(trainer, coordinator, tmp_path / "a")
    trainers.rename_trainer(coordinator, profile.id, "Sokha (coordinator)")
    trainers.rename_trainer(trainer, profile.id, "Sokha (trainer)")
    send(trainer, coordinator, tmp_path / "b")
    send(coordinator, trainer, tmp_path / "c")
    for store in (coordinator, trainer):
        found = conflicts.list_conflicts(store.database)
        assert len(found) == 1
        names = {found[0].current_value, found[0].other_value}
        assert names == {"Sokha (coordinator)", "Sokha (trainer)"}
    # Resolving keeps the other value and closes the conflict everywhere.
    chosen = conflicts.list_conflicts(coordinator.database)[0]
    conflicts.resolve_conflict(coordinator, chosen, conflicts.KEEP_OTHER)
    assert conflicts.list_conflicts(coordinator.database) == []
    send(coordinator, trainer, tmp_path / "d")
    assert conflicts.list_conflicts(trainer.database) == []
    assert trainers.get_trainer(trainer, profile.id).display_name == chosen.other_value


def test_sequential_edits_do_not_conflict(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    profile = trainers.add_trainer(trainer, "Sokha")
    send(trainer, coordinator, tmp_path / "a")
    trainers.rename_trainer(coordinator, profile.id, "Sokha Chan")
    send(coordinator, trainer, tmp_path / "b")
    trainers.rename_trainer(trainer, profile.id, "Sokha Chan!")
    send(trainer, coordinator, tmp_path / "c")
    assert conflicts.list_conflicts(coordinator.database) == []
    assert trainers.get_trainer(coordinator, profile.id).display_name == "Sokha Chan!"


def test_a_clock_far_in_the_future_is_quarantined_not_applied(programme, tmp_path,
                                                               monkeypatch):
    coordinator, (trainer, _other) = programme
    days_ahead = 3 * 24 * 3600 * 1000
    trainer.clock = Clock(trainer.clock.last, now_ms=lambda: Clock().now() // 65536
                          + days_ahead)
    trainers.add_trainer(trainer, "from the future")
    report = send(trainer, coordinator, tmp_path / "usb")
    assert report.quarantined == 1
    assert trainers.list_trainers(coordinator) == []
    assert coordinator.database.scalar("SELECT count(*) FROM sync_quarantine") == 1
    held = peers.held_records(coordinator)
    assert [(h.reason, h.entity) for h in held] == [("quarantined", "trainer")]
    # Once the receiver's clock has caught up, the next import applies it.
    monkeypatch.setattr(hlc, "MAX_DRIFT_MS", 10 * 24 * 3600 * 1000)
    assert importer.release_pending(coordinator) == 1
    assert [t.display_name for t in trainers.list_trainers(coordinator)] == ["from the future"]
    assert coordinator.database.scalar("SELECT count(*) FROM sync_quarantine") == 0


def test_events_of_a_newer_schema_are_stored_unapplied(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    with trainer.database.transaction() as conn:
        seq, prev = events.chain_head(conn, trainer.device_id)
        draft = events.Event(trainer.device_id, seq + 1, trainer.clock.now(), "trainer",
                             "x", "set", {"display_name": "v2"}, schema_version=99,
                             prev_hash=prev)
        events.insert(conn, events.Event(**{**draft.__dict__, "hash": draft.computed_hash()}),
                      applied=False)
    report = send(trainer, coordinator, tmp_path / "usb")
    assert report.unapplied == 1
    assert coordinator.database.scalar("SELECT applied FROM event WHERE schema_version = 99") \
        == 0


def test_a_trainer_receives_only_participants_of_its_scope(tmp_path):
    participants = pytest.importorskip("debc_outreach.storage.participants")
    coordinator, (kampot, phnom_penh) = make_programme(tmp_path, 2, [["07"], ["12"]])
    try:
        inside = participants.add_participant(coordinator, "សុខ ដារា", village_code=VILLAGE_IN)
        outside = participants.add_participant(coordinator, "ចាន់ ធីតា",
                                               village_code=VILLAGE_OUT)
        send(coordinator, kampot, tmp_path / "a")
        send(coordinator, phnom_penh, tmp_path / "b")
        assert participants.get(kampot.database, inside.id) is not None
        assert participants.get(kampot.database, outside.id) is None
        assert participants.get(phnom_penh.database, outside.id) is not None
        assert participants.get(phnom_penh.database, inside.id) is None
        for store in (kampot, phnom_penh):
            assert check_database(store.database) == []
        # Kampot's records still reach the coordinator, and through it, nobody outside scope.
        third = participants.add_participant(kampot, "ស្រី នាង", village_code=VILLAGE_IN)
        send(kampot, coordinator, tmp_path / "c")
        send(coordinator, phnom_penh, tmp_path / "d")
        assert participants.get(coordinator.database, third.id) is not None
        assert participants.get(phnom_penh.database, third.id) is None
    finally:
        for store in (coordinator, kampot, phnom_penh):
            store.close()


def test_revoked_device_can_no_longer_send(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    trainers.add_trainer(trainer, "Dara")
    path = tmp_path / "b.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, path)
    trust.revoke_device(coordinator, trainer.device_id)
    with pytest.raises(UserError, match="revoked"):
        importer.import_bundle(coordinator, path)


def test_bundle_header_names_ranges_vector_and_payload_hash(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    trainers.add_trainer(trainer, "Dara")
    path = tmp_path / "b.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, path)
    header = read_header(path).header
    assert header["ranges"] == {trainer.device_id: [1, 1]}
    assert header["vector"] == {trainer.device_id: 1}
    assert header["recipients"] == [coordinator.device_id]
    assert len(header["payload"]["sha256"]) == 64


def test_attendance_and_merges_follow_their_participants(tmp_path):
    participants = pytest.importorskip("debc_outreach.storage.participants")
    sessions = pytest.importorskip("debc_outreach.storage.sessions")
    attendance = pytest.importorskip("debc_outreach.storage.attendance")
    coordinator, (kampot, phnom_penh) = make_programme(tmp_path, 2, [["07"], ["12"]])
    try:
        session = sessions.create(kampot, "2026-11-20", VILLAGE_IN)
        sok = participants.add_participant(kampot, "សុខ ដារា", village_code=VILLAGE_IN)
        twin = participants.add_participant(kampot, "សុខ  ដារា", village_code=VILLAGE_IN)
        attendance.check_in(kampot, session.id, sok.id)
        participants.merge(kampot, twin.id, sok.id)
        send(kampot, coordinator, tmp_path / "a")
        assert attendance.is_present(coordinator.database.conn, session.id, sok.id)
        assert participants.resolve(coordinator.database, twin.id) == sok.id
        # The Phnom Penh trainer receives none of it, but its chains stay verifiable.
        send(coordinator, phnom_penh, tmp_path / "b")
        assert participants.get(phnom_penh.database, sok.id) is None
        assert not attendance.is_present(phnom_penh.database.conn, session.id, sok.id)
        assert check_database(phnom_penh.database) == []
        # Un-merging on the coordinator reaches the trainer.
        participants.unmerge(coordinator, twin.id)
        send(coordinator, kampot, tmp_path / "c")
        assert participants.resolve(kampot.database, twin.id) == twin.id
    finally:
        for store in (coordinator, kampot, phnom_penh):
            store.close()


def test_sync_folder_imports_what_is_addressed_here_and_reports_refusals(programme, tmp_path):
    from debc_outreach.sync import folder

    coordinator, (trainer, other) = programme
    trainers.add_trainer(trainer, "one")
    trainers.add_trainer(other, "two")
    shared = tmp_path / "shared"
    shared.mkdir()
    assert folder.sync_folder(trainer, shared).written
    assert folder.sync_folder(other, shared).written
    (shared / "junk.debc-bundle").write_bytes(b"not a bundle at all")
    result = folder.sync_folder(coordinator, shared)
    assert len(result.imported) == 2
    assert [name for name, _reason in result.refused] == ["junk.debc-bundle"]
    assert {t.display_name for t in trainers.list_trainers(coordinator)} == {"one", "two"}
    # Each trainer gets the other's (unscoped) trainer profile and an acknowledgement.
    assert len(result.written) == 2
    folder.sync_folder(trainer, shared)
    assert {t.display_name for t in trainers.list_trainers(trainer)} == {"one", "two"}
    assert state.pending_count(trainer) == 0
    # A second round writes a fresh bundle and removes the superseded one.
    trainers.add_trainer(trainer, "three")
    folder.sync_folder(trainer, shared)
    mine = [p for p in shared.glob("*.debc-bundle")
            if p.name.startswith(trainer.device_id[:8] + "-to-")]
    assert len(mine) == 1


def test_a_cancelled_import_keeps_what_was_saved_and_finishes_next_time(programme, tmp_path,
                                                                        monkeypatch):
    coordinator, (trainer, _other) = programme
    for n in range(30):
        trainers.add_trainer(trainer, f"Dara {n}")
    path = tmp_path / "b.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, path)
    monkeypatch.setattr(importer, "CHUNK_EVENTS", 10)
    monkeypatch.setattr(importer, "TRANSACTION_EVENTS", 10)
    chunks = []
    stopped = importer.import_bundle(coordinator, path, report=lambda d, t: chunks.append(d),
                                     cancelled=lambda: len(chunks) >= 1)
    assert stopped.cancelled and len(trainers.list_trainers(coordinator)) == 10
    finished = importer.import_bundle(coordinator, path)
    assert finished.new == 20 and finished.duplicates == 10
    assert len(trainers.list_trainers(coordinator)) == 30


def test_enrolment_files_that_are_not_right_are_refused(programme, tmp_path):
    coordinator, (trainer, other) = programme
    request = trust.enrol_request(other)
    tampered = {**request, "body": {**request["body"], "name": "someone else"}}
    with pytest.raises(UserError, match="damaged"):
        trust.approve_enrolment(coordinator, tampered, ["07"])
    with pytest.raises(UserError, match="incomplete"):
        trust.approve_enrolment(coordinator, {"body": {"type": trust.REQUEST_TYPE}}, ["07"])
    with pytest.raises(UserError, match="district"):
        trust.approve_enrolment(coordinator, request, ["7"])
    with pytest.raises(UserError, match="coordinator"):
        trust.approve_enrolment(trainer, request, ["07"])
    document = trust.approve_enrolment(coordinator, request, ["07"])
    with pytest.raises(UserError, match="another computer"):
        trust.accept_enrolment(trainer, document)


def test_a_coordinator_restored_from_a_backup_gets_lost_records_again(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    trainers.add_trainer(trainer, "before the backup")
    send(trainer, coordinator, tmp_path / "a")
    backup = tmp_path / "backup.sqlite"
    from debc_outreach.storage.backup import backup_database

    backup_database(coordinator.database, backup)
    trainers.add_trainer(trainer, "after the backup")
    send(trainer, coordinator, tmp_path / "b")
    send(coordinator, trainer, tmp_path / "c")
    assert state.pending_count(trainer) == 0
    # The coordinator's disk dies; its backup is restored (same device, older state).
    path = coordinator.database.path
    coordinator.close()
    path.write_bytes(backup.read_bytes())
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    from support.sync_devices import open_device

    restored = open_device(path.parent, "coordinator")
    try:
        assert len(trainers.list_trainers(restored)) == 1
        send(restored, trainer, tmp_path / "d")          # tells the trainer what it has now
        assert state.pending_count(trainer) == 1
        send(trainer, restored, tmp_path / "e")
        assert {t.display_name for t in trainers.list_trainers(restored)} == \
            {"before the backup", "after the backup"}
    finally:
        restored.close()


def test_a_trainer_restored_from_a_backup_gets_its_own_records_back(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    trainers.add_trainer(trainer, "before the backup")
    from debc_outreach.storage.backup import backup_database

    backup = tmp_path / "backup.sqlite"
    backup_database(trainer.database, backup)
    trainers.add_trainer(trainer, "after the backup")
    send(trainer, coordinator, tmp_path / "a")
    path = trainer.database.path
    trainer.close()
    path.write_bytes(backup.read_bytes())
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    from support.sync_devices import open_device

    restored = open_device(path.parent, "trainer 0")
    try:
        send(restored, coordinator, tmp_path / "b")      # tells the coordinator what it has
        send(coordinator, restored, tmp_path / "c")
        assert {t.display_name for t in trainers.list_trainers(restored)} == \
            {"before the backup", "after the backup"}
        assert check_database(restored.database) == []
    finally:
        restored.close()


def test_records_made_after_restoring_an_old_backup_are_not_lost(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    first = trainers.add_trainer(trainer, "before the backup")
    from debc_outreach.storage.backup import backup_database

    backup = tmp_path / "backup.sqlite"
    backup_database(trainer.database, backup)
    trainers.add_trainer(trainer, "sent, then lost with the disk")
    trainers.rename_trainer(trainer, first.id, "renamed before the crash")
    send(trainer, coordinator, tmp_path / "a")
    path = trainer.database.path
    trainer.close()
    path.write_bytes(backup.read_bytes())
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    from support.sync_devices import open_device

    restored = open_device(path.parent, "trainer 0")
    try:
        # Work goes on before the next sync: the same record numbers, other records.
        trainers.add_trainer(restored, "made after the restore")
        trainers.rename_trainer(restored, first.id, "renamed after the restore")
        trainers.add_trainer(restored, "also after the restore")
        for round_ in range(3):
            try:
                send(coordinator, restored, tmp_path / f"c{round_}")
            except UserError:
                pass                       # "sync once more": the repair needs a round trip
            send(restored, coordinator, tmp_path / f"d{round_}")
        names = {"sent, then lost with the disk", "made after the restore",
                 "also after the restore", "renamed after the restore"}
        for store in (restored, coordinator):
            assert {t.display_name for t in trainers.list_trainers(store)} == names
            assert check_database(store.database) == []
        # Both renames of the same trainer are kept: the older one as a conflict.
        found = conflicts.list_conflicts(coordinator.database)
        assert [(c.current_value, c.other_value) for c in found] == \
            [("renamed after the restore", "renamed before the crash")]
        assert not (restored.data_dir / "sync-rescue.json").exists()
        from debc_outreach.sync import rescue

        assert not rescue.pending(restored)
    finally:
        restored.close()


def test_not_the_same_person_reaches_devices_of_that_village_only(tmp_path):
    from debc_outreach.storage import participants, registry

    coordinator, (kampot, phnom_penh) = make_programme(tmp_path, 2, [["07"], ["12"]])
    try:
        a = participants.add_participant(kampot, "សុខ ដារា", village_code=VILLAGE_IN)
        b = participants.add_participant(kampot, "សុខ ដារា", village_code=VILLAGE_IN)
        participants.mark_distinct(kampot, a.id, b.id)
        send(kampot, coordinator, tmp_path / "a")
        assert registry.find_duplicates(coordinator.database) == []
        send(coordinator, phnom_penh, tmp_path / "b")
        assert phnom_penh.database.scalar("SELECT count(*) FROM distinct_pair") == 0
        # The coordinator changes its mind; the trainer's list offers the pair again.
        participants.mark_distinct(coordinator, a.id, b.id, distinct=False)
        send(coordinator, kampot, tmp_path / "c")
        assert len(registry.find_duplicates(kampot.database)) == 1
        # Both mark the same pair before they sync: they agree, nothing to resolve.
        participants.mark_distinct(kampot, b.id, a.id)
        participants.mark_distinct(coordinator, a.id, b.id)
        send(kampot, coordinator, tmp_path / "d")
        send(coordinator, kampot, tmp_path / "e")
        for store in (coordinator, kampot):
            assert registry.find_duplicates(store.database) == []
            assert store.database.scalar("SELECT count(*) FROM conflict") == 0
    finally:
        for store in (coordinator, kampot, phnom_penh):
            store.close()


def test_an_enrolment_whose_programme_keys_differ_from_the_coordinators_is_refused(
        programme, tmp_path):
    from support.sync_devices import open_device

    coordinator, (trainer, _other) = programme
    fresh = open_device(tmp_path / "fresh", "fresh")
    try:
        document = trust.approve_enrolment(coordinator, trust.enrol_request(fresh), ["07"])
        stranger = keys.device_keys(trainer.data_dir)
        for field, value in (("coordinator_enc", stranger.enc_public),
                             ("coordinator_sign", stranger.sign_public)):
            swapped = {**document, "programme": {**document["programme"], field: value}}
            with pytest.raises(UserError):
                trust.accept_enrolment(fresh, swapped)
            assert trust.programme(fresh) is None
        trust.accept_enrolment(fresh, document)
        assert trust.programme(fresh).coordinator_enc == \
            keys.device_keys(coordinator.data_dir).enc_public
    finally:
        fresh.close()


def test_an_enrolled_trainer_is_never_moved_to_another_coordinators_keys(tmp_path):
    from support.sync_devices import open_device

    from debc_outreach.sync import enrolment_codec

    coordinator, (trainer,) = make_programme(tmp_path, 1, [["07"]])
    stranger = open_device(tmp_path / "stranger", "stranger")
    try:
        real = trust.programme(trainer)
        theirs = keys.device_keys(stranger.data_dir)
        mine = keys.device_keys(trainer.data_dir)
        # A well-formed enrolment for the same programme id, signed by someone else.
        forged = {
            "type": trust.ENROLMENT_TYPE, "version": 1,
            "programme": {"id": real.id, "name": real.name,
                          "coordinator_id": stranger.device_id,
                          "coordinator_sign": theirs.sign_public,
                          "coordinator_enc": theirs.enc_public},
            "certificate": trust._issue(theirs, real.id, trainer.device_id, "t",
                                        trust.TRAINER, ["07"], mine.sign_public,
                                        mine.enc_public, 730),
            "coordinator": trust._issue(theirs, real.id, stranger.device_id, "x",
                                        trust.COORDINATOR, [trust.ALL_AREAS],
                                        theirs.sign_public, theirs.enc_public, 3650)}
        for document in (forged, trust.enrolment_from_code(enrolment_codec.encode(forged))):
            with pytest.raises(UserError, match="another coordinator"):
                trust.accept_enrolment(trainer, document)
        assert trust.programme(trainer) == real
    finally:
        for store in (coordinator, trainer, stranger):
            store.close()


def test_renewing_an_enrolment_keeps_the_newer_revocation_list(tmp_path):
    from debc_outreach.sync import enrolment_codec

    coordinator, (trainer,) = make_programme(tmp_path, 1, [["07"]])
    try:
        older = trust.approve_enrolment(coordinator, trust.enrol_request(trainer), ["07"])
        trust.revoke_device(coordinator, "stolen-laptop")
        send(coordinator, trainer, tmp_path / "a")
        assert trust.revoked_devices(trainer) == {"stolen-laptop"}
        renewed = trust.approve_enrolment(coordinator, trust.enrol_request(trainer), ["07"])
        # By QR code (no list in it), and by a file carrying an older list.
        trust.accept_enrolment(trainer, trust.enrolment_from_code(
            enrolment_codec.encode(renewed)))
        trust.accept_enrolment(trainer, older)
        assert trust.revoked_devices(trainer) == {"stolen-laptop"}
    finally:
        coordinator.close()
        trainer.close()


def test_a_device_whose_clock_stepped_back_still_syncs(programme, tmp_path):
    """Early demo folders stamped some events earlier than the one before; the
    exporter writes such a chain, so the importer takes it too."""
    coordinator, (trainer, _other) = programme
    trainers.add_trainer(trainer, "first")
    earlier = trainer.clock.now() - (3600 * 1000 << 16)          # an hour back
    trainer.clock = Clock(0, now_ms=lambda: earlier >> 16)
    trainers.add_trainer(trainer, "stamped an hour earlier")
    stamps = [row[0] for row in trainer.database.conn.execute(
        "SELECT hlc FROM event WHERE device_id = ? ORDER BY seq", (trainer.device_id,))]
    assert stamps[-1] < stamps[-2]
    report = send(trainer, coordinator, tmp_path / "usb")
    assert report.new == len(stamps) and report.waiting == 0
    assert sorted(t.display_name for t in trainers.list_trainers(coordinator)) == \
        ["first", "stamped an hour earlier"]
