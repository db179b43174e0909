"""A `protect setup` killed half-way: the next sign-in finishes it, says so, and shows
a new recovery code (the one made then was never seen); `db check` says what happened."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from debc_outreach.storage import participants, protection, trainers, vault
from debc_outreach.storage.database import DB_FILENAME
from debc_outreach.storage.encryption import is_plain_sqlite
from debc_outreach.storage.store import Store
from debc_outreach.sync import keys

PIN = "482915"
RECOVERY_LINE = r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$"

# A `protect setup` that is killed (SIGKILL, nothing runs after it) at a chosen step.
_KILLED_SET_UP = """
import os, signal, sys
from pathlib import Path
from debc_outreach.storage import encryption, vault

vault.KDF.update(time_cost=1, memory_kib=8192, parallelism=1)
step = sys.argv[2]

def die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if step == "while-encrypting":
    encryption.verify_encrypted = die          # the copy is made, not yet swapped in
elif step == "before-the-code-is-shown":
    import debc_outreach.sync.keys as keys
    keys.seal_key_file = die                   # encrypted; the code not yet printed
from debc_outreach.cli import main
sys.exit(main(["--data-dir", sys.argv[1], "--lang", "en", "protect", "setup",
               "--trainer", "Sok Dara", "--new-pin", sys.argv[3]]))
"""


pytestmark = pytest.mark.usefixtures("fast_kdf")


def _records(data_dir: Path) -> trainers.Trainer:
    with Store.open(data_dir) as store:
        trainer = trainers.add_trainer(store, "Sok Dara")
        for n in range(50):
            participants.add_participant(store, f"Chan Sophea {n}")
    keys.device_keys(data_dir)
    return trainer


def _killed_set_up(data_dir: Path, step: str) -> None:
    run = subprocess.run([sys.executable, "-c", _KILLED_SET_UP, str(data_dir), step, PIN],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert vault.is_protected(data_dir)


def _recovery_code(err: str) -> str:
    import re

    codes = [line for line in err.splitlines() if re.match(RECOVERY_LINE, line.strip())]
    assert len(codes) == 1, err
    return codes[0].strip()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9 (POSIX)")
@pytest.mark.parametrize("step", ["while-encrypting", "before-the-code-is-shown"])
def test_db_check_after_a_killed_set_up_finishes_it_and_shows_a_new_code(data_dir, run_cli,
                                                                         step):
    _records(data_dir)
    _killed_set_up(data_dir, step)
    assert protection.interrupted_set_up(data_dir)
    code, out, err = run_cli("--pin", PIN, "db", "check")
    assert code == 0, err
    assert "Database OK" in out and "damaged" not in err
    assert "had been interrupted" in err
    new_code = _recovery_code(err)
    assert not is_plain_sqlite(data_dir / DB_FILENAME)
    assert not vault.is_setting_up(data_dir) and not protection.interrupted_set_up(data_dir)
    vault._UNLOCKED.clear()
    assert vault.unlock_with_recovery_code(data_dir, new_code).secret
    code, out, err = run_cli("--pin", PIN, "participants", "list")
    assert code == 0 and "Chan Sophea 7" in out and "interrupted" not in err


def test_db_check_json_says_the_set_up_was_finished(data_dir, run_cli):
    import json

    trainer = _records(data_dir)
    vault.create(data_dir, trainer.id, trainer.display_name, PIN)
    code, out, err = run_cli("--pin", PIN, "db", "check", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] and report["finished_interrupted_set_up"]
    _recovery_code(err)
    vault._UNLOCKED.clear()
    code, out, _err = run_cli("--pin", PIN, "db", "check", "--json")
    assert "finished_interrupted_set_up" not in json.loads(out)


def test_protect_setup_again_finishes_an_interrupted_set_up(data_dir, run_cli):
    trainer = _records(data_dir)
    _secret, unseen = vault.create(data_dir, trainer.id, trainer.display_name, PIN)
    code, _out, err = run_cli("--pin", PIN, "protect", "setup", "--trainer", "Sok Dara")
    assert code == 0, err
    new_code = _recovery_code(err)
    assert new_code != unseen
    assert not is_plain_sqlite(data_dir / DB_FILENAME)
    vault._UNLOCKED.clear()
    with pytest.raises(vault.WrongPin):
        vault.unlock_with_recovery_code(data_dir, unseen)


def test_a_finished_set_up_is_not_taken_for_an_interrupted_one(data_dir, run_cli):
    _records(data_dir)
    code, out, err = run_cli("protect", "setup", "--trainer", "Sok Dara", "--new-pin", PIN)
    assert code == 0, err
    assert not vault.is_setting_up(data_dir)
    code, out, err = run_cli("--pin", PIN, "db", "check")
    assert code == 0 and "interrupted" not in err


def test_a_set_up_running_in_another_window_is_left_alone(data_dir):
    trainer = _records(data_dir)
    vault.create(data_dir, trainer.id, trainer.display_name, PIN)
    other_window = FileLock(data_dir.joinpath(*protection.SET_UP_LOCK), timeout=0,
                            thread_local=False)
    with other_window:
        assert not protection.interrupted_set_up(data_dir)
    assert protection.interrupted_set_up(data_dir)


def test_the_app_finishes_an_interrupted_set_up_after_sign_in(qapp, data_dir, monkeypatch):
    from debc_outreach.gui.app import create_application, prepare_context
    from debc_outreach.gui.protection import pin_dialogs, security
    from debc_outreach.settings import load_settings

    trainer = _records(data_dir)
    vault.create(data_dir, trainer.id, trainer.display_name, PIN)
    create_application()
    context = prepare_context(data_dir, load_settings(data_dir), "en")
    protection.sign_in(data_dir, PIN)
    told, shown = [], []
    monkeypatch.setattr(security.QMessageBox, "information",
                        lambda _parent, title, text: told.append(text))
    monkeypatch.setattr(pin_dialogs.RecoveryCodeDialog, "exec",
                        lambda dialog: shown.append(dialog.code_label.text()))
    security.resume_interrupted_set_up(context)
    assert told and "had been interrupted" in told[0]
    assert len(shown) == 1
    assert not is_plain_sqlite(data_dir / DB_FILENAME)
    assert not protection.interrupted_set_up(data_dir)
    vault._UNLOCKED.clear()
    assert vault.unlock_with_recovery_code(data_dir, shown[0]).secret
