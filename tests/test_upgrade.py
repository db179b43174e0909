"""A new version opening a folder an earlier one wrote: backup, migrations, check, compaction.

The folder is `tests/data/schema-0021` (a demo programme as schema 0021 stored it), with
one migration of the test's own appended, so every migration this version brings runs on
it too.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from debc_outreach.core import wg
from debc_outreach.errors import UserError
from debc_outreach.storage import events, migrations
from debc_outreach.storage.backup import UNVERIFIED
from debc_outreach.storage.check import check_database
from debc_outreach.storage.database import DB_FILENAME, Database
from debc_outreach.storage.projection import checklist_rows
from debc_outreach.storage.store import Store
from debc_outreach.sync import backup, restore, upgrade

FIXTURE = Path(__file__).parent / "data" / "schema-0021" / "outreach.sqlite.gz"
SLOW_MIGRATION = Path(__file__).parent / "support" / "slow_migration.py"
TEST_MIGRATION = "9990_test_rewrite"
COMPARED = ("event", "participant", "session", "attendance", "trainer", "device",
            "sync_programme")


def _rewrite(conn) -> None:
    """Leaves free pages behind, as migrations that shrink tables do, and reports rows."""
    conn.execute("CREATE TABLE scratch_copy (id INTEGER PRIMARY KEY, filler TEXT)")
    conn.executemany("INSERT INTO scratch_copy (filler) VALUES (?)", [("x" * 400,)] * 4000)
    migrations.report_progress(4000, 8000)
    conn.execute("DROP TABLE scratch_copy")
    migrations.report_progress(8000, 8000)


@pytest.fixture
def old_folder(data_dir: Path, monkeypatch) -> Path:
    """A data folder as an earlier version left it, and one more migration to run."""
    with gzip.open(FIXTURE) as packed, open(data_dir / DB_FILENAME, "wb") as out:
        shutil.copyfileobj(packed, out)
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        (*migrations.MIGRATIONS, migrations.Migration(TEST_MIGRATION, _rewrite)))
    return data_dir


def _rows(data_dir: Path, tables: tuple[str, ...] = COMPARED) -> dict[str, list]:
    """Each table's rows; the event log as its events and applied flags, whichever layout
    stores it (migration 0024 changes how, not what)."""
    database = Database(data_dir / DB_FILENAME)
    conn = database.conn
    try:
        applied = {(device, seq): flag for device, seq, flag in conn.execute(
            "SELECT device_id, seq, applied FROM event")}
        rows = {table: sorted(repr((*row, applied[row[0], row[1]]))
                              for row in events.all_rows(conn)) if table == "event"
                else sorted(map(repr, _records(database, table)))
                for table in tables}
        rows["checklist"] = _checklist_cells(conn)
        return rows
    finally:
        database.close()


def _checklist_cells(conn) -> list[tuple]:
    """Checklist results as cells, in the layout of either schema: compact rows hold
    numbers local to each database, so folders are compared through the cells."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'checklist_row'").fetchone():
        return checklist_rows.cells(conn)
    return sorted(conn.execute("SELECT session_id, participant_id, item_id, state, hlc, "
                               "device_id FROM checklist_result"))


def _records(database: Database, table: str) -> list[dict]:
    """The rows as what they say: 0025 dropped the participant's `name_key` (no query read
    it) and stores the Washington Group answers packed, so those compare by meaning."""
    cursor = database.conn.execute(f'SELECT * FROM "{table}"')
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor]
    if table == "participant":
        for row in rows:
            row.pop("name_key", None)
            row["wg"] = sorted(wg.unpack(row["wg"]).items())
    return rows


def _last_migration_loses_an_event(monkeypatch) -> None:
    """The update's last migration deletes the newest event: its check must notice."""
    def loses_an_event(conn) -> None:
        for device, seq in conn.execute("SELECT device_id, seq FROM event "
                                        "ORDER BY device_id, seq DESC LIMIT 1").fetchall():
            events.delete_from(conn, device, seq, only_this=True)

    monkeypatch.setattr(migrations, "MIGRATIONS", (
        *migrations.MIGRATIONS[:-1], migrations.Migration("9990_test_loses", loses_an_event)))


def _applied(data_dir: Path) -> list[str]:
    database = Database(data_dir / DB_FILENAME)
    try:
        return migrations.applied_migrations(database)
    finally:
        database.close()


def test_the_backup_before_migrating_is_the_compact_log_and_each_step_reports(old_folder):
    before = _rows(old_folder)
    pending = upgrade.pending_steps(old_folder)
    assert pending[-1] == TEST_MIGRATION
    seen: list[tuple[str, int, int]] = []
    result = upgrade.upgrade_folder(old_folder, progress=lambda *step: seen.append(step))
    steps = list(dict.fromkeys(step for step, _done, _total in seen))
    assert steps == upgrade.planned_steps(pending)
    assert (TEST_MIGRATION, 8000, 8000) in seen
    assert (upgrade.STEP_VERIFY, 1, 1) in seen
    assert result.applied == pending
    assert set(result.seconds) == set(steps)
    # The compact log backup, read back whole; no full copy of the database.
    assert result.backup is not None and result.backup.name.endswith(backup.SUFFIX)
    assert backup.verify_backup(result.backup, None) == len(before["event"])
    assert not list((old_folder / "backups").glob("*.sqlite"))
    assert not backup.unverified_marker(result.backup).exists()      # verified
    assert _rows(old_folder) == before
    assert upgrade.pending_steps(old_folder) == []
    assert not upgrade.needs_work(old_folder)
    with Store.open(old_folder) as store:
        assert check_database(store.database) == []


def test_the_backup_from_the_old_schema_restores_into_the_new_one(old_folder, tmp_path):
    before = _rows(old_folder)
    result = upgrade.upgrade_folder(old_folder)
    elsewhere = tmp_path / "new-laptop"
    restore.restore(elsewhere, result.backup)
    assert _applied(elsewhere) == [m.name for m in migrations.MIGRATIONS]
    restored = _rows(elsewhere)
    assert restored["event"] == before["event"]
    for table in (*COMPARED, "checklist"):
        assert restored[table] == before[table], table
    with Store.open(elsewhere) as store:
        assert check_database(store.database) == []


def test_the_freed_pages_are_given_back_to_the_disk(old_folder, monkeypatch):
    monkeypatch.setattr(upgrade, "COMPACT_MIN_BYTES", 1 << 20)
    monkeypatch.setattr(upgrade, "PROGRESS_EVERY", 100)        # a small file
    seen: list[tuple[str, int, int]] = []
    result = upgrade.upgrade_folder(old_folder, progress=lambda *step: seen.append(step))
    assert result.compacted_bytes > 1 << 20            # the migration's 1.6 MB went back
    grown = [done for step, done, total in seen if step == upgrade.STEP_COMPACT and total]
    totals = {total for step, done, total in seen if step == upgrade.STEP_COMPACT and total}
    assert len(grown) > 1 and grown == sorted(grown) and [grown[-1]] == list(totals)
    assert result.warning == ""
    with Store.open(old_folder) as store:
        assert upgrade.free_bytes_in_file(store.database)[0] == 0
        assert check_database(store.database) == []


def test_without_room_on_the_disk_the_folder_is_not_compacted_but_correct(old_folder,
                                                                         monkeypatch):
    monkeypatch.setattr(upgrade, "COMPACT_MIN_BYTES", 1 << 20)
    real = shutil.disk_usage

    def nearly_full(path):
        usage = real(path)
        return usage._replace(free=100 << 20)

    monkeypatch.setattr(upgrade.shutil, "disk_usage", nearly_full)
    monkeypatch.setattr(upgrade, "_room_to_migrate", lambda *args: None)   # room enough
    result = upgrade.upgrade_folder(old_folder)
    assert result.applied and result.compacted_bytes == 0
    assert "not made smaller" in result.warning and "db compact" in result.warning
    assert not (old_folder / (DB_FILENAME + upgrade.COMPACT_SUFFIX)).exists()
    with Store.open(old_folder) as store:
        assert check_database(store.database) == []


def test_a_migrated_folder_that_does_not_verify_keeps_its_backup_and_stays_closed(
        old_folder, monkeypatch):
    _last_migration_loses_an_event(monkeypatch)
    with pytest.raises(upgrade.UpgradeError, match="Restore it"):
        upgrade.upgrade_folder(old_folder)
    kept = [found for found in backup.automatic_backups(old_folder / "backups")
            if found.path.name.startswith("before-")]
    assert len(kept) == 1 and kept[0].pinned
    assert backup.unverified_marker(kept[0].path).exists()
    # Checked again at every start, until the backup is restored.
    assert upgrade.needs_work(old_folder)
    with pytest.raises(upgrade.UpgradeError):
        upgrade.upgrade_folder(old_folder)
    restore.restore(old_folder, kept[0].path)
    upgrade.upgrade_folder(old_folder)        # the restored folder holds what was noted
    assert not upgrade.needs_work(old_folder)
    assert not backup.unverified_marker(kept[0].path).exists()


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_power_cut_during_the_migrations_leaves_the_folder_as_before(old_folder):
    before = _rows(old_folder)
    applied = _applied(old_folder)
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=root)
    worker = subprocess.Popen([sys.executable, str(SLOW_MIGRATION), str(old_folder)],
                              stdout=subprocess.PIPE, text=True, env=env)
    assert worker.stdout.readline().strip() == "midway"
    worker.send_signal(signal.SIGKILL)
    worker.communicate()
    assert _applied(old_folder) == applied
    assert _rows(old_folder) == before
    database = Database(old_folder / DB_FILENAME)
    try:
        assert not database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'padding'")
    finally:
        database.close()
    # The next start begins again, and finishes.
    result = upgrade.upgrade_folder(old_folder)
    assert TEST_MIGRATION in result.applied
    assert not list((old_folder / "backups").glob(f"*{UNVERIFIED}"))
    assert _rows(old_folder) == before


def _touch(path: Path, when: dt.datetime) -> Path:
    path.write_bytes(b"x" * 100)
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_the_backup_before_migrating_is_kept_until_a_daily_backup_follows(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    now = dt.datetime(2026, 12, 7, 9, 0)
    old_full_copy = _touch(folder / "before-0020_outcome_figures-20260301-080000.sqlite",
                           dt.datetime(2026, 3, 1, 8))
    for day in range(1, 8):
        _touch(folder / f"daily-2026-12-0{day}.debc-backup", dt.datetime(2026, 12, day, 8))
    before = _touch(folder / "before-0022_x-20261207-090000.debc-backup", now)
    found = {kept.path.name: kept for kept in backup.automatic_backups(folder)}
    assert found[before.name].pinned                # no daily backup after it yet
    assert not found[old_full_copy.name].pinned     # left to the policy
    assert found[before.name].day == dt.date(2026, 12, 7)
    # A full copy from March is neither among the 7 newest days nor the 4 weeks before.
    assert backup.prune(folder) == [old_full_copy]
    # The next day's backup is written: now it is kept as long as its day is.
    _touch(folder / "daily-2026-12-08.debc-backup", now + dt.timedelta(days=1))
    found = {kept.path.name: kept for kept in backup.automatic_backups(folder)}
    assert not found[before.name].pinned
    assert backup.prune(folder) == [folder / "daily-2026-12-01.debc-backup"]
    # A week later its day is out of the 7 (its week's newest is the 13th): it goes.
    for day in range(9, 15):
        _touch(folder / f"daily-2026-12-{day:02d}.debc-backup", dt.datetime(2026, 12, day, 8))
    removed = backup.prune(folder)
    assert before in removed and folder / "daily-2026-12-07.debc-backup" in removed
    assert folder / "daily-2026-12-06.debc-backup" not in removed      # week 49's newest
    assert backup.to_keep(backup.automatic_backups(folder), free_bytes=0) == [
        backup.automatic_backups(folder)[-1]]      # a full disk: the newest backup only
    # Unverified: pinned whatever came after.
    again = _touch(folder / "before-0023_y-20261208-100000.debc-backup",
                   now + dt.timedelta(days=1, hours=1))
    backup.unverified_marker(again).write_text("{}", encoding="utf-8")
    _touch(folder / "daily-2026-12-15.debc-backup", now + dt.timedelta(days=8))
    assert {kept.path.name: kept for kept in backup.automatic_backups(folder)}[
        again.name].pinned
    assert again not in backup.prune(folder)


def test_the_command_line_says_each_step_on_stderr(old_folder, capsys):
    from conftest import cli_in

    code, out, err = cli_in(capsys, old_folder, "db", "migrate")
    assert code == 0
    assert TEST_MIGRATION in out
    for words in ("earlier version", "Writing a backup", "Storing the records the new way",
                  "Checking that every record is there", "Giving the freed space back",
                  "100 %"):
        assert words in err
    code, out, err = cli_in(capsys, old_folder, "db", "migrate")
    assert "up to date" in out and err == ""


def test_db_compact_gives_space_back(store, data_dir, capsys):
    from conftest import cli_in

    with store.database.transaction() as conn:
        conn.execute("CREATE TABLE scratch_copy (filler TEXT)")
        conn.executemany("INSERT INTO scratch_copy VALUES (?)", [("x" * 400,)] * 4000)
        conn.execute("DROP TABLE scratch_copy")
    store.close()
    grown = (data_dir / DB_FILENAME).stat().st_size
    code, out, _err = cli_in(capsys, data_dir, "db", "compact")
    assert code == 0 and "given back" in out
    assert (data_dir / DB_FILENAME).stat().st_size < grown


def test_db_compact_refuses_while_the_app_has_the_folder_open(store, data_dir, capsys):
    from conftest import cli_in

    code, _out, err = cli_in(capsys, data_dir, "db", "compact")
    assert code == 1 and "in use by another program" in err
    assert check_database(store.database) == []


def test_an_encrypted_folder_stays_encrypted_in_its_profile_when_compacted(tmp_path):
    from debc_outreach.storage.encryption import is_plain_sqlite

    key = bytes(range(32))
    path = tmp_path / DB_FILENAME
    database = Database(path, key)
    database.configure_for_writing()
    migrations.migrate(database, tmp_path / "backups")
    with database.transaction() as conn:
        conn.execute("CREATE TABLE scratch_copy (filler TEXT)")
        conn.executemany("INSERT INTO scratch_copy VALUES (?)", [("x" * 400,)] * 4000)
        conn.execute("DROP TABLE scratch_copy")
    profile = database.cipher_profile
    database.close()
    gained, warning = upgrade.compact(path, key, force=True)
    assert gained > 0 and warning == ""
    assert not is_plain_sqlite(path)
    reopened = Database(path, key)
    try:
        assert reopened.cipher_profile == profile
        assert check_database(reopened) == []
    finally:
        reopened.close()


def test_the_window_shows_each_step_and_opens_the_app_when_done(old_folder, qtbot):
    from debc_outreach.gui.shell.upgrade_window import UpgradeWindow

    names = upgrade.pending_steps(old_folder)
    window = UpgradeWindow(old_folder, None, names)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    assert "safe" in window.safe.text() and "cannot be stopped" in window.no_cancel.text()
    assert [label.text() for label in window.step_labels.values()][0].startswith("Writing")
    window.start()
    window.close()                        # refused while it runs: nothing to stop safely
    assert window.isVisible()
    qtbot.waitUntil(lambda: window.result is not None or bool(window.error), timeout=60000)
    assert window.error == ""
    assert all(bar.value() == bar.maximum() for bar in window.bars.values())
    assert not upgrade.needs_work(old_folder)


def test_the_window_says_why_when_the_folder_does_not_verify_and_restores_its_backup(
        old_folder, qtbot, monkeypatch):
    from PySide6.QtCore import Qt

    from debc_outreach.gui.shell.upgrade_window import UpgradeWindow

    _last_migration_loses_an_event(monkeypatch)
    window = UpgradeWindow(old_folder, None, upgrade.pending_steps(old_folder))
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: bool(window.error), timeout=60000)
    assert "Restore it" in window.error
    # The app cannot open this folder, so Settings → Restore… is out of reach: the
    # window offers to restore the backup from before the update itself.
    assert window.isVisible() and window.restore_button.isVisible()
    qtbot.mouseClick(window.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60000)
    assert window.error == ""                       # so the app opens
    assert not upgrade.needs_work(old_folder)
    with Store.open(old_folder) as store:
        assert check_database(store.database) == []


def test_a_disk_too_full_to_migrate_is_said_before_anything_changes(old_folder, monkeypatch):
    before = _rows(old_folder)
    real = shutil.disk_usage
    monkeypatch.setattr(upgrade.shutil, "disk_usage",
                        lambda path: real(path)._replace(free=1 << 20))
    with pytest.raises(upgrade.UpgradeError, match="Nothing was changed"):
        upgrade.upgrade_folder(old_folder)
    assert upgrade.pending_steps(old_folder)[-1] == TEST_MIGRATION
    assert _rows(old_folder) == before
    assert not (old_folder / "backups").exists() or not any((old_folder / "backups").iterdir())


def test_short_of_room_the_old_full_copies_the_policy_drops_go_first(old_folder, monkeypatch):
    folder = old_folder / "backups"
    folder.mkdir()
    old_copy = _touch(folder / "before-0020_outcome_figures-20260301-080000.sqlite",
                      dt.datetime(2026, 3, 1, 8))
    for day in range(1, 8):
        _touch(folder / f"daily-2026-12-0{day}.debc-backup", dt.datetime(2026, 12, day, 8))
    real = shutil.disk_usage
    monkeypatch.setattr(upgrade.shutil, "disk_usage", lambda path: real(path)._replace(
        free=(1 << 20) if old_copy.exists() else real(path).free))
    result = upgrade.upgrade_folder(old_folder)
    assert TEST_MIGRATION in result.applied and not old_copy.exists()


def test_the_check_counts_the_events_it_has_read(old_folder, monkeypatch):
    monkeypatch.setattr(upgrade._CountingConnection, "ROWS_PER_TICK", 50)
    seen: list[tuple[str, int, int]] = []
    upgrade.upgrade_folder(old_folder, progress=lambda *step: seen.append(step))
    counted = [(done, total) for step, done, total in seen
               if step == upgrade.STEP_VERIFY and total > 1]
    assert [done for done, _total in counted] == [50, 100, 150, 200]
    assert {total for _done, total in counted} == {215}       # the fixture's events


def test_a_protected_folder_is_updated_with_a_sealed_backup_and_stays_encrypted(
        data_dir, fast_kdf, monkeypatch):
    from debc_outreach.storage import participants, protection, trainers, vault
    from debc_outreach.storage.encryption import is_plain_sqlite

    with Store.open(data_dir) as store:
        trainer = trainers.add_trainer(store, "Sok Dara")
        participants.add_participant(store, "Chan Thida")
    protection.set_up(data_dir, trainer.id, trainer.display_name, "246810")
    key = vault.folder_database_key(data_dir)
    opened = Database(data_dir / DB_FILENAME, key)
    profile = opened.cipher_profile
    opened.close()
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        (*migrations.MIGRATIONS, migrations.Migration(TEST_MIGRATION, _rewrite)))
    monkeypatch.setattr(upgrade, "COMPACT_MIN_BYTES", 1 << 20)
    assert upgrade.pending_steps(data_dir, key) == [TEST_MIGRATION]
    result = upgrade.upgrade_folder(data_dir, key)
    assert result.applied == [TEST_MIGRATION] and result.compacted_bytes > 0
    assert backup.read_header(result.backup).encrypted
    assert b"Chan Thida" not in result.backup.read_bytes()
    assert not is_plain_sqlite(data_dir / DB_FILENAME)
    reopened = Database(data_dir / DB_FILENAME, key)
    try:
        assert reopened.cipher_profile == profile
        assert check_database(reopened) == []
    finally:
        reopened.close()


def test_a_compaction_that_fails_leaves_the_updated_folder_open(old_folder, monkeypatch):
    def in_use(*args, **kwargs):
        raise upgrade.UpgradeError("The database is in use by another program")

    monkeypatch.setattr(upgrade, "compact", in_use)
    result = upgrade.upgrade_folder(old_folder)
    assert result.applied and "in use" in result.warning
    assert not upgrade.needs_work(old_folder)


def _alter_one_event(data_dir: Path) -> None:
    """An event whose text changed after it was hashed, as an old folder may hold (db
    check reports it; the app opened such a folder all the same)."""
    database = Database(data_dir / DB_FILENAME)
    try:
        with database.transaction() as conn:
            device, seq = conn.execute("SELECT device_id, seq FROM event WHERE op = 'set' "
                                       "ORDER BY device_id, seq LIMIT 1").fetchone()
            conn.execute("UPDATE event SET fields = json_set(fields, '$.altered', 1) "
                         "WHERE device_id = ? AND seq = ?", (device, seq))
    finally:
        database.close()


def test_a_problem_the_old_folder_already_had_does_not_close_it_after_the_update(old_folder):
    _alter_one_event(old_folder)
    database = Database(old_folder / DB_FILENAME)
    try:
        known = check_database(database)
    finally:
        database.close()
    assert len(known) == 1 and "altered" in known[0]
    result = upgrade.upgrade_folder(old_folder)
    assert TEST_MIGRATION in result.applied
    assert not upgrade.needs_work(old_folder)
    assert not backup.unverified_marker(result.backup).exists()
    with Store.open(old_folder) as store:
        assert check_database(store.database) == known       # still said, not worse


def test_a_problem_the_update_adds_still_closes_a_folder_that_had_one(old_folder,
                                                                      monkeypatch):
    _alter_one_event(old_folder)

    def alters_another(conn) -> None:
        device, seq = conn.execute("SELECT device_id, seq FROM event WHERE op = 'set' "
                                   "ORDER BY device_id, seq DESC LIMIT 1").fetchone()
        conn.execute("UPDATE event_row SET hlc = hlc + 1 WHERE device = (SELECT key FROM "
                     "event_device WHERE device_id = ?) AND seq = ?", (device, seq))

    monkeypatch.setattr(migrations, "MIGRATIONS", (
        *migrations.MIGRATIONS[:-1], migrations.Migration("9990_test_alters", alters_another)))
    with pytest.raises(upgrade.UpgradeError, match="Restore it"):
        upgrade.upgrade_folder(old_folder)
    assert upgrade.needs_work(old_folder)


def test_a_damaged_database_met_by_the_update_is_said_so_and_not_changed(old_folder,
                                                                         monkeypatch):
    from debc_outreach.storage import driver

    def meets_a_damaged_page(conn) -> None:
        raise driver.DatabaseError("database disk image is malformed")

    before = _rows(old_folder)
    monkeypatch.setattr(migrations, "MIGRATIONS", (
        *migrations.MIGRATIONS[:-1], migrations.Migration("9990_test_damaged",
                                                           meets_a_damaged_page)))
    with pytest.raises(UserError, match="is not a DEBC Outreach database or is damaged"):
        upgrade.upgrade_folder(old_folder)
    assert _rows(old_folder) == before
    # Its backup stays (the newest copy of a damaged folder), without a note to check.
    assert list((old_folder / "backups").glob("before-*"))
    assert not upgrade.needs_work(old_folder, pending=[])


def _add_legacy_event(data_dir: Path) -> None:
    """One more event at the end of a device's chain, in the layout before 0024."""
    from dataclasses import replace

    database = Database(data_dir / DB_FILENAME)
    try:
        with database.transaction() as conn:
            device, seq, hlc, digest = conn.execute(
                "SELECT device_id, seq, hlc, hash FROM event ORDER BY device_id, seq DESC "
                "LIMIT 1").fetchone()
            draft = events.Event(device, seq + 1, hlc + 1, "participant",
                                 "0b1c2d3e-0000-4000-8000-000000000001", "set",
                                 {"display_name": "Sok Dara"}, prev_hash=digest)
            row = replace(draft, hash=draft.computed_hash()).as_row()
            conn.execute(f"INSERT INTO event ({events.EVENT_COLUMNS}, applied) "
                         f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", row)
    finally:
        database.close()


def test_restoring_an_older_backup_after_a_failed_check_opens_the_folder(
        old_folder, tmp_path, monkeypatch):
    older = tmp_path / "older.debc-backup"
    database = Database(old_folder / DB_FILENAME)
    try:
        backup.write_backup(database, old_folder, older)
    finally:
        database.close()
    _add_legacy_event(old_folder)

    _last_migration_loses_an_event(monkeypatch)
    with pytest.raises(upgrade.UpgradeError, match="Restore it"):
        upgrade.upgrade_folder(old_folder)
    # The coordinator restores the backup of the day before, one event short of the note.
    restore.restore(old_folder, older)
    assert not upgrade.needs_work(old_folder)
    upgrade.upgrade_folder(old_folder)
    with Store.open(old_folder) as store:
        assert check_database(store.database) == []


def test_a_second_window_updating_the_same_folder_finds_the_work_done(old_folder):
    """Two copies of the app started at once: the second waits for the first's
    transaction, then finds nothing left to migrate (not the tables made twice)."""
    before = _rows(old_folder)

    def first_window_finishes_meanwhile(names: list[str]) -> None:
        upgrade.upgrade_folder(old_folder)

    database = Database(old_folder / DB_FILENAME)
    try:
        assert migrations.migrate(database, old_folder / "backups",
                                  before=first_window_finishes_meanwhile) == []
    finally:
        database.close()
    assert _applied(old_folder) == [m.name for m in migrations.MIGRATIONS]
    assert _rows(old_folder) == before


def test_an_update_the_disk_refuses_leaves_no_backup_behind_each_try(old_folder, monkeypatch):
    from debc_outreach.storage import driver

    def cannot_write(conn) -> None:
        raise driver.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(migrations, "MIGRATIONS", (
        *migrations.MIGRATIONS[:-1], migrations.Migration("9990_test_read_only",
                                                           cannot_write)))
    for _try in range(2):
        with pytest.raises(UserError, match="read-only"):
            upgrade.upgrade_folder(old_folder)
    assert not list((old_folder / "backups").glob("before-*"))


def _free_bytes(data_dir: Path) -> int:
    database = Database(data_dir / DB_FILENAME)
    try:
        return upgrade.free_bytes_in_file(database)[0]
    finally:
        database.close()


@pytest.mark.parametrize("stopped_in", [upgrade.STEP_VERIFY, upgrade.STEP_COMPACT])
def test_an_update_stopped_after_its_migrations_still_gives_the_space_back(
        old_folder, monkeypatch, stopped_in):
    """The app closed (or the power cut) during the check or the compaction: the
    migrations are saved, and the next start finishes the work, freed pages included."""
    monkeypatch.setattr(upgrade, "COMPACT_MIN_BYTES", 1 << 20)

    class Stopped(BaseException):
        pass

    def stop(step: str, done: int, total: int) -> None:
        if step == stopped_in and (total or step == upgrade.STEP_VERIFY):
            if step == upgrade.STEP_COMPACT:      # the copy is left half-written
                (old_folder / (DB_FILENAME + upgrade.COMPACT_SUFFIX)).write_bytes(b"half")
            raise Stopped

    with pytest.raises(Stopped):
        upgrade.upgrade_folder(old_folder, progress=stop)
    assert upgrade.pending_steps(old_folder) == []
    assert _free_bytes(old_folder) > 1 << 20
    assert upgrade.needs_work(old_folder)
    names = upgrade.pending_steps(old_folder)
    assert upgrade.STEP_COMPACT in upgrade.planned_steps(names)
    result = upgrade.upgrade_folder(old_folder)
    assert result.compacted_bytes > 1 << 20
    assert not upgrade.needs_work(old_folder)
    assert not (old_folder / (DB_FILENAME + upgrade.COMPACT_SUFFIX)).exists()
