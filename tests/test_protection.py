"""PINs and encryption at rest: nothing readable without a PIN, wrong PINs refused and slowed."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from debc_outreach.errors import UserError
from debc_outreach.storage import participants, protection, trainers, vault
from debc_outreach.storage.check import check_database
from debc_outreach.storage.encryption import is_plain_sqlite, row_counts
from debc_outreach.storage.store import Store
from debc_outreach.sync import keys

PIN = "482915"
LATIN_NAME = "Zebulonia Kanhchana"


pytestmark = pytest.mark.usefixtures("fast_kdf")


def _khmer_names(khmer_cases) -> list[str]:
    """The verified Khmer names of the shared test data (Khmer script only)."""
    return [n for n in khmer_cases["sorting"]["input"] if "\u1780" <= n[0] <= "\u17ff"]


def _all_bytes(folder) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def _fill(data_dir, names):
    with Store.open(data_dir) as store:
        trainer = trainers.add_trainer(store, "Sok Dara")
        for name in names:
            participants.add_participant(store, name, phone="012 345 678")
    keys.device_keys(data_dir)
    return trainer


def test_protected_folder_reveals_no_names(data_dir, khmer_cases):
    names = [*_khmer_names(khmer_cases), LATIN_NAME]
    trainer = _fill(data_dir, names)
    assert LATIN_NAME.encode() in _all_bytes(data_dir)          # plain before set-up
    done = protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    assert keys.seal_key_file(data_dir)
    with Store.open(data_dir) as store:                          # more writes, WAL too
        participants.add_participant(store, "Ratanak Later", phone="098 765 432")
        raw = _all_bytes(data_dir)
        assert b"Ratanak" not in raw
    raw = _all_bytes(data_dir)
    for name in [*names, "Ratanak Later"]:
        for part in name.split():
            if len(part.encode("utf-8")) >= 6:       # 6+ bytes: no chance match in random data
                assert part.encode("utf-8") not in raw, part
    assert b"345 678" not in raw
    assert not is_plain_sqlite(data_dir / "outreach.sqlite")
    assert done.encryption.backup.exists() and not is_plain_sqlite(done.encryption.backup)
    sealed = json.loads(keys.keys_path(data_dir).read_text())
    assert vault.is_sealed(sealed) and "signing" not in sealed


def test_without_the_pin_nothing_opens(data_dir):
    trainer = _fill(data_dir, [LATIN_NAME])
    protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    keys.seal_key_file(data_dir)
    vault.forget(data_dir)
    with pytest.raises(UserError, match="protected with PINs"):
        Store.open(data_dir)
    with pytest.raises(UserError, match="protected with PINs"):
        keys.load_keys(data_dir)
    with pytest.raises(vault.WrongPin):
        protection.sign_in(data_dir, "000001")
    unlocked = protection.sign_in(data_dir, PIN)
    assert unlocked.trainer_id == trainer.id
    with Store.open(data_dir) as store:
        assert [p.display_name for p in participants.search(store.database, "Zebulonia")] \
            == [LATIN_NAME]
    assert keys.load_keys(data_dir) is not None


def test_each_trainer_has_an_own_pin(data_dir):
    first = _fill(data_dir, [])
    protection.set_up(data_dir, first.id, first.display_name, PIN)
    with Store.open(data_dir) as store:
        second = trainers.add_trainer(store, "Chea Bopha")
    protection.add_profile(data_dir, second.id, second.display_name, "739264")
    with pytest.raises(UserError, match="already has a PIN"):
        protection.add_profile(data_dir, second.id, second.display_name, "739265")
    assert {p.label for p in vault.profiles(data_dir)} == {"Sok Dara", "Chea Bopha"}
    vault.forget(data_dir)
    assert protection.sign_in(data_dir, "739264").trainer_id == second.id
    with pytest.raises(vault.WrongPin):
        protection.sign_in(data_dir, "739264", first.id)      # not the first one's PIN
    protection.change_pin(data_dir, second.id, second.display_name, "739264", "551903")
    with pytest.raises(vault.WrongPin):
        protection.sign_in(data_dir, "739264")
    assert protection.sign_in(data_dir, "551903").trainer_id == second.id


def test_weak_pins_are_refused(data_dir):
    trainer = _fill(data_dir, [])
    for weak in ("1234", "111111", "123456", "987654"):
        with pytest.raises(UserError):
            protection.set_up(data_dir, trainer.id, trainer.display_name, weak)
    assert not vault.is_protected(data_dir)


def test_recovery_code_sets_a_new_pin_and_is_replaced(data_dir):
    trainer = _fill(data_dir, [LATIN_NAME])
    code = protection.set_up(data_dir, trainer.id, trainer.display_name, PIN).recovery_code
    vault.forget(data_dir)
    with pytest.raises(vault.WrongPin):
        protection.recover(data_dir, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", trainer.id,
                           trainer.display_name, "640182")
    new_code = protection.recover(data_dir, code.lower().replace("-", " "), trainer.id,
                                  trainer.display_name, "640182")
    assert new_code != code
    with pytest.raises(vault.WrongPin):
        vault.unlock_with_recovery_code(data_dir, code)         # shown once, used once
    vault.forget(data_dir)
    protection.sign_in(data_dir, "640182")
    with Store.open(data_dir) as store:
        assert participants.count(store.database) == 1


def test_growing_delay_after_five_wrong_pins_survives_a_restart(data_dir):
    trainer = _fill(data_dir, [])
    protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    vault.forget(data_dir)
    for _try in range(4):
        with pytest.raises(vault.WrongPin):
            protection.sign_in(data_dir, "000001")
    assert vault.seconds_to_wait(data_dir) == 0
    with pytest.raises(vault.WrongPin, match="Wait 30 seconds"):
        protection.sign_in(data_dir, "000001")
    # Even the right PIN waits now; the count is in a file, so a restart changes nothing.
    with pytest.raises(vault.PinDelay) as delayed:
        protection.sign_in(data_dir, PIN)
    assert 0 < delayed.value.seconds <= 30
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)
    assert vault.seconds_to_wait(data_dir, later) == 0
    assert [vault.delay_seconds(n) for n in range(1, 9)] == [0, 0, 0, 0, 30, 60, 120, 240]
    assert vault.delay_seconds(40) == vault.MAX_DELAY_S
    # A clock set back does not shorten the wait.
    assert vault.seconds_to_wait(data_dir, dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) == 30


def test_a_damaged_attempt_counter_does_not_lift_the_delay(data_dir):
    trainer = _fill(data_dir, [])
    protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    vault.write_private_json(data_dir / "keys" / "pin-attempts.json", {"failures": 9})
    (data_dir / "keys" / "pin-attempts.json").write_text("garbage")
    assert vault.seconds_to_wait(data_dir) > 0


def test_plain_database_is_migrated_keeping_every_record(data_dir, run_cli):
    assert run_cli("demo-data", "--participants", "80", "--sessions", "4")[0] == 0
    with Store.open(data_dir) as store:
        before = row_counts(store.database.conn)
        trainer = trainers.list_trainers(store)[0]
        listed = [p.id for p in participants.list_all(store.database)]
    done = protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    assert done.encryption.rows == sum(before.values())
    with Store.open(data_dir) as store:
        after = row_counts(store.database.conn)
        assert check_database(store.database) == []
        assert [p.id for p in participants.list_all(store.database)] == listed
    before.pop("_migrations", None), after.pop("_migrations", None)
    assert {k: v for k, v in after.items() if k in before} == before
    vault.forget(data_dir)
    code, out, err = run_cli("--pin", PIN, "db", "check")
    assert code == 0, err
    assert "hash chains intact" in out
    assert not list((data_dir / "backups").glob("*.encrypting"))
    assert not any(is_plain_sqlite(p) for p in (data_dir / "backups").glob("*.sqlite"))


def test_an_interrupted_set_up_is_finished_at_the_next_start(data_dir):
    trainer = _fill(data_dir, [LATIN_NAME])
    # The power went after the vault was written, before the database was swapped.
    secret, _code = vault.create(data_dir, trainer.id, trainer.display_name, PIN)
    (data_dir / "outreach.sqlite.encrypting").write_bytes(b"half a file")
    assert is_plain_sqlite(data_dir / "outreach.sqlite")
    protection.sign_in(data_dir, PIN)
    with Store.open(data_dir) as store:
        assert participants.count(store.database) == 1
    assert not is_plain_sqlite(data_dir / "outreach.sqlite")
    assert not (data_dir / "outreach.sqlite.encrypting").exists()


def test_cli_needs_the_pin_on_a_protected_folder(data_dir, run_cli, monkeypatch):
    assert run_cli("participants", "add", "--name", LATIN_NAME)[0] == 0
    with Store.open(data_dir) as store:
        trainers.add_trainer(store, "Sok Dara")
    monkeypatch.setenv("DEBC_OUTREACH_NEW_PIN", PIN)
    code, out, err = run_cli("protect", "setup", "--trainer", "sok dara")
    assert code == 0, err
    recovery = out.strip().splitlines()[-1]
    assert len(vault.normal_recovery_code(recovery)) == 29
    vault.forget(data_dir)
    code, _out, err = run_cli("participants", "search", "Zebulonia")
    assert code == 1 and "protected with PINs" in err
    code, _out, err = run_cli("--pin", "000001", "participants", "search", "Zebulonia")
    assert code == 1 and "PIN is not right" in err
    monkeypatch.setenv("DEBC_OUTREACH_PIN", PIN)
    code, out, _err = run_cli("participants", "search", "Zebulonia", "--json")
    assert code == 0 and LATIN_NAME in out
    code, out, _err = run_cli("protect", "status", "--json")
    status = json.loads(out)
    assert status["protected"] and status["profiles"][0]["name"] == "Sok Dara"


def test_set_up_is_refused_while_another_program_has_the_database_open(data_dir,
                                                                      monkeypatch):
    from debc_outreach.storage import driver

    trainer = _fill(data_dir, [LATIN_NAME])
    monkeypatch.setenv("DEBC_OUTREACH_BUSY_TIMEOUT_MS", "100")
    other = driver.connect(data_dir / "outreach.sqlite", isolation_level=None)
    other.execute("SELECT count(*) FROM participant").fetchone()      # open, idle
    try:
        with pytest.raises(UserError, match="in use"):
            protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    finally:
        other.close()
    assert not vault.is_protected(data_dir)                    # rolled back
    assert is_plain_sqlite(data_dir / "outreach.sqlite")
    protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    with Store.open(data_dir) as store:
        assert participants.count(store.database) == 1


def test_cli_recover_and_change_pin(data_dir, run_cli, monkeypatch):
    trainer = _fill(data_dir, [LATIN_NAME])
    code = protection.set_up(data_dir, trainer.id, trainer.display_name, PIN).recovery_code
    vault.forget(data_dir)
    result = run_cli("protect", "recover", "--trainer", "Sok Dara", "--recovery-code", code,
                     "--new-pin", "640182")
    assert result[0] == 0, result[2]
    new_code = result[1].strip().splitlines()[-1]
    assert vault.normal_recovery_code(new_code) != code
    vault.forget(data_dir)
    result = run_cli("--pin", "640182", "protect", "change-pin", "--trainer", "Sok Dara",
                     "--new-pin", "715203")
    assert result[0] == 0, result[2]
    vault.forget(data_dir)
    assert run_cli("--pin", "715203", "db", "check")[0] == 0


def test_scratch_cipher_keeps_spooled_names_unreadable(tmp_path):
    from debc_outreach.storage.scratch import ScratchCipher

    cipher = ScratchCipher()
    blobs = [LATIN_NAME.encode(), "ស្រីពៅ ចាន់ធា".encode()]
    sealed = [cipher.seal(blob) for blob in blobs]
    spool = tmp_path / "spool"
    spool.write_bytes(b"".join(sealed))
    assert b"Zebulonia" not in spool.read_bytes()
    assert [cipher.open(item) for item in sealed] == blobs
    assert len({item[:12] for item in sealed}) == 2          # a fresh nonce per blob


def _open_raw(path, key, hmac_algorithm=None):
    """A bare SQLCipher connection: the key, optionally one HMAC algorithm, nothing else."""
    from debc_outreach.storage import driver

    conn = driver.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA key = {driver.key_pragma_value(key)}")
    if hmac_algorithm:
        conn.execute(f"PRAGMA cipher_hmac_algorithm = {hmac_algorithm}")
    return conn


def _reads(path, key, hmac_algorithm=None) -> bool:
    from debc_outreach.storage import driver

    conn = _open_raw(path, key, hmac_algorithm)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except driver.DatabaseError as error:
        assert "file is not a database" in str(error)
        return False
    finally:
        conn.close()


def test_new_protection_authenticates_pages_with_hmac_sha256(data_dir):
    from debc_outreach.storage import driver
    from debc_outreach.storage.backup import backup_database

    trainer = _fill(data_dir, [LATIN_NAME])
    done = protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    key = vault.folder_database_key(data_dir)
    with Store.open(data_dir) as store:
        assert store.database.cipher_profile == driver.CURRENT_PROFILE
        backup = backup_database(store.database, data_dir / "backups" / "manual.sqlite")
    for path in [data_dir / "outreach.sqlite", done.encryption.backup, backup]:
        assert not _reads(path, key, "HMAC_SHA512"), path     # not SQLCipher 4's default
        assert not _reads(path, key), path
        assert _reads(path, key, "HMAC_SHA256"), path


def test_a_folder_protected_by_an_earlier_build_keeps_working(data_dir, monkeypatch, capfd):
    from debc_outreach.storage import driver
    from debc_outreach.storage.backup import backup_database
    from debc_outreach.storage.database import Database

    trainer = _fill(data_dir, [LATIN_NAME])
    with monkeypatch.context() as earlier_build:        # SQLCipher 4 defaults: HMAC-SHA512
        earlier_build.setattr(driver, "CIPHER_PROFILES", ((),))
        protection.set_up(data_dir, trainer.id, trainer.display_name, PIN)
    key = vault.folder_database_key(data_dir)
    path = data_dir / "outreach.sqlite"
    assert _reads(path, key) and not _reads(path, key, "HMAC_SHA256")
    # SQLCipher reports the failed first try on stderr unless silenced, and the log
    # level is global: start from its default so the test shows the silencing works.
    probe = _open_raw(path, key, "HMAC_SHA256")
    probe.execute("PRAGMA cipher_log_level = WARN").fetchall()
    with pytest.raises(driver.DatabaseError):
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
    probe.close()
    assert "hmac check failed" in capfd.readouterr().err
    monkeypatch.setattr(driver, "_log_silenced", False)

    with Store.open(data_dir) as store:
        assert store.database.cipher_profile == driver.LEGACY_PROFILE
        assert [p.display_name for p in participants.list_all(store.database)] == [LATIN_NAME]
        participants.add_participant(store, "Ratanak Later", phone="098 765 432")
        backup = backup_database(store.database, data_dir / "backups" / "manual.sqlite")
    assert "hmac check failed" not in capfd.readouterr().err

    assert _reads(path, key) and not _reads(path, key, "HMAC_SHA256")   # not rekeyed
    for copy in [backup, *sorted((data_dir / "backups").glob("*.sqlite"))]:
        assert _reads(copy, key), copy                  # the backups keep the folder's profile
        database = Database(copy, key)
        try:
            assert database.cipher_profile == driver.LEGACY_PROFILE
            assert check_database(database) == []
        finally:
            database.close()
    database = Database(backup, key)
    try:
        assert participants.count(database) == 2
    finally:
        database.close()
    with pytest.raises(UserError, match="not a DEBC Outreach database"):
        Database(path, bytes(32))                       # a wrong key still fails clearly
    assert "hmac check failed" not in capfd.readouterr().err
