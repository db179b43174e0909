"""Backups (the compressed event log plus what it cannot rebuild) and restoring them.

The property: for any programme (devices editing, syncing, conflicting, some records
outside a trainer's scope), a backup restored into a fresh folder gives the same
tables, row for row, and passes `db check`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import struct
import tempfile
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.sync_devices import VILLAGE_IN, VILLAGE_OUT, make_programme, send

from debc_outreach.errors import UserError
from debc_outreach.storage import events, field_versions, participants, protection, trainers, vault
from debc_outreach.storage.backup import backup_database, staging_dir
from debc_outreach.storage.check import check_database
from debc_outreach.storage.database import DB_FILENAME
from debc_outreach.storage.projection import checklist_rows
from debc_outreach.storage.store import Store
from debc_outreach.sync import backup, conflicts, restore
from debc_outreach.sync.keys import device_keys, keys_path, seal_key_file

PIN = "246810"
VERSION_TABLES = ("record_version", "version_device", "version_entity")


def _tables(store: Store) -> dict[str, list]:
    """Every table's rows, sorted (the search index compared through its content; field
    versions, checklist cells and the event log through what they stand for: each
    computer numbers devices, names and items its own way)."""
    conn = store.database.conn
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'participant_fts%' AND name != '_migrations' "
        "AND name NOT IN ('event_row', 'event_device', 'event_name') ORDER BY name")]
    snapshot = {name: sorted(map(repr, conn.execute(f'SELECT * FROM "{name}"')))
                for name in names
                if name not in VERSION_TABLES and name not in checklist_rows.TABLES}
    snapshot["field_version"] = sorted(field_versions.rows(conn))
    snapshot["checklist"] = checklist_rows.cells(conn)
    snapshot["event"] = sorted(map(repr, events.rows(conn)))
    snapshot["event applied"] = sorted(map(repr, conn.execute(
        "SELECT device_id, seq, applied FROM event")))
    snapshot["_migrations"] = [row[0] for row in conn.execute(
        "SELECT name FROM _migrations ORDER BY name")]
    snapshot["search"] = sorted(row[0] for row in conn.execute(
        "SELECT p.id FROM participant_fts f JOIN participant p ON p.rowid = f.rowid "
        "WHERE participant_fts MATCH 'sok'"))
    return snapshot


def _restored(source: Store, folder: Path, tmp: Path) -> Store:
    path = backup.write_backup(source.database, source.data_dir, tmp / "b.debc-backup").path
    restore.restore(folder, path)
    return Store.open(folder)


def test_every_table_is_either_copied_or_rebuilt(store):
    tables = {row[0] for row in store.database.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'participant_fts_%'")}
    assert tables == set(backup.LOCAL_TABLES) | set(backup.REBUILT_TABLES)
    assert not set(backup.LOCAL_TABLES) & set(backup.REBUILT_TABLES)


# --- the property: a restored folder is the folder --------------------------------------

PEOPLE = ["p0", "p1", "p2"]
SESSIONS = ["s0", "s1"]
step = st.one_of(
    st.tuples(st.just("person"), st.integers(0, 2), st.sampled_from(PEOPLE),
              st.sampled_from(["សុខ ដារា", "Sok Dara", "ចាន់ ធីតា", "Dara"]), st.booleans()),
    st.tuples(st.just("trainer"), st.integers(0, 2), st.sampled_from(["t0", "t1"]),
              st.sampled_from(["ដារា", "Dara"]), st.booleans()),
    st.tuples(st.just("attend"), st.integers(0, 2), st.sampled_from(SESSIONS),
              st.sampled_from(PEOPLE), st.booleans()),
    st.tuples(st.just("tick"), st.integers(0, 2), st.sampled_from(SESSIONS),
              st.sampled_from(PEOPLE), st.booleans()),
    st.tuples(st.just("send"), st.integers(0, 2), st.integers(0, 2), st.just(""),
              st.booleans()),
    st.tuples(st.just("resolve"), st.integers(0, 2), st.just(""), st.just(""),
              st.booleans()),
)


def _play(stores: list[Store], plan: list[tuple], root: Path) -> None:
    for kind, who, target, value, flag in plan:
        store = stores[who]
        if kind == "person":       # outside the trainers' scope: they get stand-ins only
            # (only the coordinator may write there)
            store.record("participant", target, {"display_name": value,
                                                 "village_code": VILLAGE_OUT
                                                 if flag and who == 0 else VILLAGE_IN})
        elif kind == "trainer":
            store.record("trainer", target, {"display_name" if flag else "phone": value})
        elif kind == "attend":
            store.record("attendance", target, {"participant_id": value},
                         op="add" if flag else "remove")
        elif kind == "tick":
            store.record("checklist", target, {"participant_ids": [value], "item_id": "i1",
                                               "state": "achieved" if flag else "not_yet"})
        elif kind == "send" and who != target and 0 in (who, target):
            send(store, stores[target], root / "bundles")
        elif kind == "resolve":
            found = conflicts.list_conflicts(store.database)
            if found:
                conflicts.resolve_conflict(store, found[0], conflicts.KEEP_OTHER if flag
                                           else conflicts.KEEP_CURRENT)


@pytest.mark.slow
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(step, min_size=3, max_size=20))
def test_a_restored_folder_holds_the_same_tables_row_for_row(plan):
    root = Path(tempfile.mkdtemp(prefix="restore-"))
    coordinator, devices = make_programme(root, trainers=2)
    stores = [coordinator, *devices]
    restored = []
    try:
        _play(stores, plan, root)
        for number, original in enumerate(stores[:2]):
            copy = _restored(original, root / f"restored{number}", root)
            restored.append(copy)
            assert _tables(copy) == _tables(original)
            assert check_database(copy.database) == []
            assert copy.device_id == original.device_id
            assert keys_path(copy.data_dir).read_bytes() == \
                keys_path(original.data_dir).read_bytes()
    finally:
        for store in [*stores, *restored]:
            store.close()
        shutil.rmtree(root, ignore_errors=True)


def test_a_restored_trainer_computer_syncs_on(tmp_path):
    coordinator, (trainer,) = make_programme(tmp_path, trainers=1)
    try:
        trainer.record("participant", "p1", {"display_name": "Sok Dara",
                                             "village_code": VILLAGE_IN})
        send(trainer, coordinator, tmp_path / "bundles")
        copy = _restored(trainer, tmp_path / "new-laptop", tmp_path)
        try:
            copy.record("participant", "p2", {"display_name": "Chan Thida",
                                              "village_code": VILLAGE_IN})
            report = send(copy, coordinator, tmp_path / "bundles")
            assert report.new == 1         # accepted: the same chain, continued
        finally:
            copy.close()
    finally:
        coordinator.close()
        trainer.close()


def test_names_removed_by_retention_stay_removed_and_their_rows_stay(tmp_path):
    """A purged participant's events are hash-only stand-ins: the backup carries the rows
    the log cannot rebuild (sex, village, ... under the neutral label)."""
    from debc_outreach.storage import attendance, privacy, retention, sessions

    coordinator, (trainer,) = make_programme(tmp_path, trainers=1)
    try:
        privacy.set_rule(coordinator, privacy.RETENTION_DAYS, 90)
        person = participants.add_participant(trainer, "Kolab Sreyneang", sex="F",
                                              village_code=VILLAGE_IN, phone="012 555 111")
        session = sessions.create(trainer, dt.date.today().isoformat(), VILLAGE_IN)
        attendance.check_in(trainer, session.id, person.id)
        for sender, receiver in ((coordinator, trainer), (trainer, coordinator),
                                 (coordinator, trainer)):
            send(sender, receiver, tmp_path / "bundles")
        retention.note_acknowledgements(trainer)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
        assert retention.apply_retention(trainer, now=later).eligible == 1
        trainer.record("participant", person.id, {"village_code": "07010102"})
        copy = _restored(trainer, tmp_path / "restored", tmp_path)
        try:
            assert _tables(copy) == _tables(trainer)
            assert check_database(copy.database) == []
            assert b"Kolab" not in (tmp_path / "b.debc-backup").read_bytes()
        finally:
            copy.close()
    finally:
        coordinator.close()
        trainer.close()


# --- restoring in place, old full copies, and a power cut ---------------------------------

def test_restore_in_place_keeps_the_data_from_before(store, tmp_path):
    participants.add_participant(store, "Sok Dara")
    path = backup.write_backup(store.database, store.data_dir, tmp_path / "b.debc-backup").path
    participants.add_participant(store, "Chan Thida")        # after the backup
    data_dir = store.data_dir
    store.close()
    result = restore.restore(data_dir, path)
    with Store.open(data_dir) as restored:
        assert [p.display_name for p in participants.list_all(restored.database)] == \
            ["Sok Dara"]
    assert (result.kept / DB_FILENAME).exists()
    assert not staging_dir(data_dir).exists()


def test_an_old_full_copy_still_restores(store, tmp_path):
    trainers.add_trainer(store, "Sok Dara")
    copy = backup_database(store.database, tmp_path / "daily-2026-01-01.sqlite")
    trainers.add_trainer(store, "Chan Thida")
    data_dir = store.data_dir
    store.close()
    result = restore.restore(data_dir, copy)
    assert result.legacy
    with Store.open(data_dir) as restored:
        assert [t.display_name for t in trainers.list_trainers(restored)] == ["Sok Dara"]
        assert check_database(restored.database) == []


def test_a_swap_stopped_by_a_power_cut_is_finished_at_the_next_start(store, tmp_path):
    participants.add_participant(store, "Sok Dara")
    path = backup.write_backup(store.database, store.data_dir, tmp_path / "b.debc-backup").path
    participants.add_participant(store, "Chan Thida")
    data_dir = store.data_dir
    store.close()
    assert restore.prepare_restore(data_dir, path) is not None     # the power goes here
    with Store.open(data_dir) as reopened:
        assert participants.count(reopened.database) == 1
    assert not staging_dir(data_dir).exists()


def test_a_restore_never_finished_is_dropped_at_the_next_start(store):
    data_dir = store.data_dir
    participants.add_participant(store, "Sok Dara")
    store.close()
    staging_dir(data_dir).mkdir()
    (staging_dir(data_dir) / DB_FILENAME).write_bytes(b"half written")
    with Store.open(data_dir) as reopened:
        assert participants.count(reopened.database) == 1
    assert not staging_dir(data_dir).exists()


# --- what is refused, with nothing changed -----------------------------------------------

def _fingerprint(data_dir: Path) -> str:
    return hashlib.sha256((data_dir / DB_FILENAME).read_bytes()).hexdigest()


def _rewrite_header(path: Path, target: Path, **changes) -> Path:
    found = backup.read_header(path)
    header = json.dumps({**found.header, **changes}).encode()
    data = path.read_bytes()
    target.write_bytes(backup.MAGIC + struct.pack(">I", len(header)) + header
                       + data[found.payload_offset:])
    return target


@pytest.fixture
def closed_folder(store, tmp_path):
    """A folder with a record, closed, and a good backup of it."""
    participants.add_participant(store, "Sok Dara")
    path = backup.write_backup(store.database, store.data_dir, tmp_path / "b.debc-backup").path
    store.close()
    return store.data_dir, path


def _refused(data_dir: Path, path: Path, words: str) -> None:
    before = _fingerprint(data_dir)
    with pytest.raises(UserError) as refused:
        restore.restore(data_dir, path)
    assert words in str(refused.value)
    assert _fingerprint(data_dir) == before
    assert not staging_dir(data_dir).exists()


def test_a_file_that_is_not_a_backup_is_refused(closed_folder, tmp_path):
    data_dir, _path = closed_folder
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    _refused(data_dir, tmp_path / "notes.txt", "not a DEBC Outreach backup")


def test_a_cut_or_damaged_backup_is_refused(closed_folder, tmp_path):
    data_dir, path = closed_folder
    data = path.read_bytes()
    (tmp_path / "cut.debc-backup").write_bytes(data[:len(data) // 2])
    _refused(data_dir, tmp_path / "cut.debc-backup", "damaged or incomplete")
    damaged = bytearray(data)
    damaged[len(data) - 40] ^= 0xFF
    (tmp_path / "damaged.debc-backup").write_bytes(bytes(damaged))
    _refused(data_dir, tmp_path / "damaged.debc-backup", "damaged or incomplete")


def test_a_backup_of_a_newer_version_is_refused(closed_folder, tmp_path):
    data_dir, path = closed_folder
    _refused(data_dir, _rewrite_header(path, tmp_path / "f.debc-backup", format=99),
             "newer version")
    schema = [*backup.read_header(path).header["schema"], "0099_from_the_future"]
    _refused(data_dir, _rewrite_header(path, tmp_path / "s.debc-backup", schema=schema),
             "newer version")


def test_a_backup_of_another_computer_is_refused_where_records_were_made(closed_folder,
                                                                        tmp_path):
    data_dir, _path = closed_folder
    with Store.open(tmp_path / "other") as other:
        participants.add_participant(other, "Chan Thida")
        theirs = backup.write_backup(other.database, other.data_dir,
                                     tmp_path / "theirs.debc-backup").path
    _refused(data_dir, theirs, "made on another computer")


def test_a_backup_of_another_programme_is_refused(tmp_path):
    first, _devices = make_programme(tmp_path / "one", trainers=0)
    second, _devices = make_programme(tmp_path / "two", trainers=0)
    theirs = backup.write_backup(second.database, second.data_dir,
                                 tmp_path / "theirs.debc-backup").path
    data_dir = first.data_dir
    first.close()
    second.close()
    _refused(data_dir, theirs, "another programme")


# --- protected computers -----------------------------------------------------------------

def test_a_protected_folder_backup_is_sealed_and_opens_with_its_pin(data_dir, tmp_path,
                                                                   fast_kdf):
    with Store.open(data_dir) as store:
        trainer = trainers.add_trainer(store, "Sok Dara")
        participants.add_participant(store, "Chan Thida")
        device_keys(data_dir)
        before = backup.daily_backup(store.database, data_dir, store.backup_dir).path
        elsewhere = backup.write_backup(store.database, data_dir,
                                        tmp_path / "usb.debc-backup").path
    assert b"Chan Thida" in zstandard.ZstdDecompressor().decompressobj().decompress(
        before.read_bytes()[backup.read_header(before).payload_offset + 4:])
    protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    seal_key_file(data_dir)              # as after every PIN set-up: seals old backups too
    assert backup.read_header(before).encrypted
    restore.restore(data_dir, before)
    restore.restore(data_dir, elsewhere)         # plain: the folder stays protected
    assert vault.is_protected(data_dir)
    from debc_outreach.storage.encryption import is_plain_sqlite

    assert not is_plain_sqlite(data_dir / DB_FILENAME)
    with Store.open(data_dir) as store:
        path = backup.write_backup(store.database, data_dir, tmp_path / "b.debc-backup").path
    assert b"Chan Thida" not in path.read_bytes()
    assert b"Chan Thida" not in json.dumps(backup.read_header(path).header).encode()
    restore.restore(data_dir, path)                 # the same computer: no PIN asked

    new_laptop = tmp_path / "new-laptop"
    assert restore.needs_pin(new_laptop, path)
    with pytest.raises(UserError, match="PIN"):
        restore.restore(new_laptop, path)
    with pytest.raises(UserError, match="does not open"):
        restore.restore(new_laptop, path, pin="999999")
    restore.restore(new_laptop, path, pin=PIN)
    vault.forget(new_laptop)
    protection.sign_in(new_laptop, PIN)
    with Store.open(new_laptop) as restored:
        assert [p.display_name for p in participants.list_all(restored.database)] == \
            ["Chan Thida"]
    assert device_keys(new_laptop).sign(b"x") == device_keys(data_dir).sign(b"x")


# --- the daily backup and what is kept ---------------------------------------------------

def _kept(days: list[dt.date], size: int = 100) -> list[backup.Kept]:
    return [backup.Kept(Path(f"daily-{day}.debc-backup"), day, size) for day in days]


def test_seven_days_and_four_weeks_are_kept():
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(60)]
    kept = backup.to_keep(_kept(days), free_bytes=10 << 30)
    chosen = sorted(k.day for k in kept)
    assert chosen[-7:] == days[-7:]
    weekly = chosen[:-7]
    assert 3 <= len(weekly) <= 4               # the four weeks before the last seven days
    assert len({day.isocalendar()[:2] for day in weekly}) == len(weekly)
    assert min(weekly) >= days[-7] - dt.timedelta(weeks=4)


def test_backups_take_at_most_a_share_of_the_free_disk():
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(10)]
    kept = backup.to_keep(_kept(days, size=100), free_bytes=3000)
    # 10 % of (free + all backups) = 400 bytes: the four newest.
    assert [k.day for k in kept] == sorted(days, reverse=True)[:4]
    assert len(backup.to_keep(_kept(days, size=100), free_bytes=0)) == 1


def test_the_daily_backup_runs_once_a_day_and_prunes(store, tmp_path):
    folder = tmp_path / "backups"
    old = folder / "daily-2025-12-01.sqlite"
    folder.mkdir()
    old.write_bytes(b"an old full copy")
    for day in range(1, 21):
        backup.daily_backup(store.database, store.data_dir, folder, today=dt.date(2026, 1, day))
    assert backup.daily_backup(store.database, store.data_dir, folder,
                               today=dt.date(2026, 1, 20)) is None
    names = sorted(p.name for p in folder.iterdir())
    assert not old.exists()
    assert names[-7:] == [f"daily-2026-01-{day}{backup.SUFFIX}" for day in range(14, 21)]
    assert len(names) <= 11
    assert not list(folder.glob("*.part"))


def test_the_daily_backup_is_skipped_when_the_disk_is_nearly_full(store, tmp_path,
                                                                  monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(backup.shutil, "disk_usage",
                        lambda _path: usage._replace(free=10 << 20, total=100 << 30))
    with pytest.raises(UserError, match="nearly full"):
        backup.daily_backup(store.database, store.data_dir, tmp_path / "backups")
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


def test_a_cancelled_backup_leaves_nothing(store, tmp_path):
    for number in range(3):
        participants.add_participant(store, f"Sok {number}")
    result = backup.write_backup(store.database, store.data_dir, tmp_path / "b.debc-backup",
                                 cancelled=lambda: True)
    assert result is None
    assert not list(tmp_path.glob("b.debc-backup*"))


def test_a_half_written_backup_left_by_a_power_cut_is_removed(store, tmp_path):
    import os

    folder = tmp_path / "backups"
    folder.mkdir()
    stale = folder / f"daily-2026-01-01{backup.SUFFIX}.4242.part"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    backup.daily_backup(store.database, store.data_dir, folder, today=dt.date(2026, 1, 2))
    assert not stale.exists()


def test_a_backup_never_overwrites_a_file_that_is_not_a_backup(store, tmp_path):
    """Typing the database's own name (or any document's) as the backup target
    must not replace that file with a backup."""
    database_file = store.data_dir / DB_FILENAME
    before = database_file.read_bytes()[:100]
    document = tmp_path / "notes.txt"
    document.write_text("keep me", encoding="utf-8")
    for target in (database_file, document):
        with pytest.raises(backup.BackupError):
            backup.write_backup(store.database, store.data_dir, target)
    assert database_file.read_bytes()[:100] == before
    assert document.read_text(encoding="utf-8") == "keep me"
    again = tmp_path / "b.debc-backup"
    backup.write_backup(store.database, store.data_dir, again)
    assert backup.write_backup(store.database, store.data_dir, again).path == again
