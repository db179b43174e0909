"""The event-sourced store: transactions, hash chains, migrations, backups."""

import hashlib
import sqlite3

import pytest
from support.event_log import tamper

from debc_outreach.errors import UserError
from debc_outreach.storage import events, migrations, trainers
from debc_outreach.storage.check import check_database
from debc_outreach.storage.database import DB_FILENAME, Database
from debc_outreach.storage.store import Store


def file_digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_change_is_an_event_and_a_projection_row(store):
    trainer = trainers.add_trainer(store, "  ស្រីពៅ ")
    trainers.rename_trainer(store, trainer.id, "ស្រីពៅ សុខ")
    rows = store.database.query("SELECT seq, entity, op FROM event ORDER BY seq")
    assert [(r["seq"], r["entity"]) for r in rows] == [(1, "trainer"), (2, "trainer")]
    assert trainers.get_trainer(store, trainer.id).display_name == "ស្រីពៅ សុខ"
    assert check_database(store.database) == []


def test_a_failed_change_leaves_neither_event_nor_row(store):
    with pytest.raises(UserError):
        trainers.add_trainer(store, "\u200b")
    assert store.database.scalar("SELECT count(*) FROM event") == 0
    assert store.database.scalar("SELECT count(*) FROM trainer") == 0


def test_db_check_detects_an_edited_event(store):
    trainers.add_trainer(store, "Sok Dara")
    trainers.add_trainer(store, "Chea Bopha")
    conn = store.database.conn
    fields = events.row_at(conn, store.device_id, 1)[events.FIELDS]
    tamper(conn, store.device_id, 1, fields=fields.replace("Sok", "Sam"))
    problems = check_database(store.database)
    assert any("altered" in p for p in problems)


def test_db_check_detects_a_missing_event(store):
    for name in ("A", "B", "C"):
        trainers.add_trainer(store, name)
    events.delete_from(store.database.conn, store.device_id, 2, only_this=True)
    assert any("missing" in p for p in check_database(store.database))


def test_clock_never_goes_backwards_after_reopen(data_dir):
    with Store.open(data_dir) as store:
        trainers.add_trainer(store, "A")
        last = store.clock.last
    with Store.open(data_dir) as store:
        assert store.clock.now() > last


def test_device_identity_is_created_once(data_dir):
    with Store.open(data_dir) as store:
        first = store.device_id
    with Store.open(data_dir) as store:
        assert store.device_id == first


def _old_schema_db(data_dir):
    """A database as the first release left it: only the first migration applied."""
    database = Database(data_dir / DB_FILENAME)
    database.configure_for_writing()
    with database.transaction() as conn:
        conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        migrations.MIGRATIONS[0].apply(conn)
        conn.execute("INSERT INTO _migrations VALUES ('0001_event_log', '2025-01-01')")
        conn.execute("INSERT INTO device VALUES ('dev-old', 'old laptop', 'trainer', 'x')")
        conn.execute("INSERT INTO event (device_id, seq, hlc, entity, entity_id, op, fields,"
                     " base, schema_version, prev_hash, hash) VALUES"
                     " ('dev-old', 1, 1, 'note', 'n1', 'set', '{}', '{}', 1, 'p', 'h')")
    database.close()


def test_old_schema_is_upgraded_with_a_backup_and_data_intact(data_dir):
    _old_schema_db(data_dir)
    with Store.open(data_dir) as store:
        applied = migrations.applied_migrations(store.database)
        assert applied == [m.name for m in migrations.MIGRATIONS]
        assert store.device_id == "dev-old"
        assert store.database.scalar("SELECT count(*) FROM event") == 1
    backups = list((data_dir / "backups").glob("before-*.sqlite"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT name FROM _migrations").fetchall() == [("0001_event_log",)]
    old.close()


def test_database_from_a_newer_version_is_refused_untouched(data_dir):
    with Store.open(data_dir) as store:
        with store.database.transaction() as conn:
            conn.execute("INSERT INTO _migrations VALUES ('0999_from_the_future', 'x')")
        store.database.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = data_dir / DB_FILENAME
    before = file_digest(path)
    with pytest.raises(UserError, match="newer version"):
        Store.open(data_dir)
    assert file_digest(path) == before


def test_a_file_that_is_not_sqlite_is_refused_untouched(data_dir):
    path = data_dir / DB_FILENAME
    path.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 20)
    before = file_digest(path)
    with pytest.raises(UserError, match="not a DEBC Outreach database"):
        Store.open(data_dir)
    assert file_digest(path) == before


def test_another_programs_sqlite_file_is_refused(data_dir):
    other = sqlite3.connect(data_dir / DB_FILENAME)
    other.execute("CREATE TABLE invoices (id INTEGER)")
    other.commit()
    other.close()
    with pytest.raises(UserError, match="not one of DEBC Outreach"):
        Store.open(data_dir)


def test_a_locked_database_gives_a_clear_message_and_loses_nothing(data_dir, monkeypatch):
    monkeypatch.setenv("DEBC_OUTREACH_BUSY_TIMEOUT_MS", "100")
    with Store.open(data_dir) as store:
        trainers.add_trainer(store, "Sok Dara")
    # The app's own SQLite build: two SQLite libraries in ONE process do not see each
    # other's POSIX locks, so a stdlib connection here would not block the store.
    from debc_outreach.storage import driver

    blocker = driver.connect(data_dir / DB_FILENAME, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with Store.open(data_dir) as store, pytest.raises(UserError, match="in use"):
            trainers.add_trainer(store, "Chea Bopha")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with Store.open(data_dir) as store:
        assert [t.display_name for t in trainers.list_trainers(store)] == ["Sok Dara"]


def test_a_read_only_data_folder_is_explained(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if _can_write(folder):
            pytest.skip("running as a user who can write anywhere (root without CAP checks)")
        with pytest.raises(UserError, match="cannot be written"):
            Store.open(folder)
    finally:
        folder.chmod(0o700)


def _can_write(folder):
    try:
        (folder / ".probe").write_text("x")
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True
