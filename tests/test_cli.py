"""`debc-outreach` headless commands: exit codes, one-line messages, no tracebacks."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.event_log import tamper

from debc_outreach import __version__
from debc_outreach.storage import events, trainers
from debc_outreach.storage.store import Store


def test_version(run_cli):
    code, out, _err = run_cli("--version")
    assert code == 0 and __version__ in out


def test_migrate_then_check_reports_ok(run_cli, data_dir):
    assert run_cli("db", "migrate")[0] == 0
    with Store.open(data_dir) as store:
        trainers.add_trainer(store, "សុខ ដារ៉ា")
    code, out, _err = run_cli("db", "check", "--json")
    assert code == 0
    report = json.loads(out)
    assert report == {"ok": True, "problems": [], "events": 1, "devices": 1,
                      "records_to_repair": []}


def test_check_of_a_tampered_database_exits_1_with_one_line(run_cli, data_dir):
    with Store.open(data_dir) as store:
        trainers.add_trainer(store, "Sok Dara")
        conn = store.database.conn
        head, _hash = events.chain_head(conn, store.device_id)
        tamper(conn, store.device_id, head, hlc=events.row_at(conn, store.device_id, head)[2] + 1)
    code, _out, err = run_cli("db", "check")
    assert code == 1
    assert "problem" in err and "Traceback" not in err


def test_backup_restores_on_a_new_computer(run_cli, data_dir, tmp_path, capsys):
    from conftest import cli_in

    with Store.open(data_dir) as store:
        trainers.add_trainer(store, "Sok Dara")
    target = tmp_path / "copy.debc-backup"
    assert run_cli("db", "backup", str(target))[0] == 0
    copy_dir = tmp_path / "restored"
    code, out, err = cli_in(capsys, copy_dir, "db", "restore", str(target))
    assert code == 0, err
    # A new computer's folder held nothing: no talk of data kept from before.
    assert "Restored 1 events" in out and "kept" not in out
    assert not (copy_dir / "backups").exists()
    with Store.open(copy_dir) as restored:
        assert [t.display_name for t in trainers.list_trainers(restored)] == ["Sok Dara"]


def test_not_a_database_gives_exit_1_in_khmer(run_cli, data_dir):
    (data_dir / "outreach.sqlite").write_text("hello")
    code, _out, err = run_cli("db", "migrate", lang="km")
    assert code == 1
    assert "Traceback" not in err
    assert any("\u1780" <= c <= "\u17ff" for c in err)     # the message is in Khmer


def test_bad_usage_exits_2(run_cli):
    assert run_cli("db", "no-such-action")[0] == 2


def test_data_dir_from_environment(tmp_path, monkeypatch, capsys):
    from debc_outreach.cli import main

    monkeypatch.setenv("DEBC_OUTREACH_DATA_DIR", str(tmp_path / "env-data"))
    assert main(["--lang", "en", "db", "migrate"]) == 0
    assert (tmp_path / "env-data" / "outreach.sqlite").exists()


def test_portable_marker_keeps_data_beside_the_program(tmp_path, monkeypatch):
    from debc_outreach import datadir, resources

    monkeypatch.delenv(datadir.ENV_VAR, raising=False)
    monkeypatch.setattr(resources, "executable_dir", lambda: tmp_path)
    assert datadir.resolve_data_dir() != tmp_path / "data"
    (tmp_path / "portable").touch()
    assert datadir.resolve_data_dir() == tmp_path / "data"


def _root_cannot_write(folder: Path) -> bool:
    """Make `folder` unwritable even for root (the immutable flag); False when not permitted."""
    chattr = shutil.which("chattr")
    return chattr is not None and subprocess.run(
        [chattr, "+i", str(folder)], capture_output=True).returncode == 0


def _as_nobody(command: list[str], tmp_path: Path) -> list[str]:
    """`command` run as `nobody`, who must be able to read this checkout and its venv;
    skips, saying why, when it cannot (a checkout in a private folder)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without chattr or setpriv cannot simulate a read-only folder")
    tmp_path.chmod(0o755)
    tmp_path.parent.chmod(0o755)
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import debc_outreach"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("the immutable flag is not permitted here, and `nobody` cannot read this "
                    "checkout or its virtual environment (a private folder)")
    return [*prefix, *command]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_read_only_data_folder_exits_1_with_a_message(tmp_path):
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    command = [sys.executable, "-m", "debc_outreach", "--data-dir", str(folder), "--lang", "en",
               "db", "migrate"]
    immutable = os.geteuid() == 0 and _root_cannot_write(folder)
    if os.geteuid() == 0 and not immutable:
        command = _as_nobody(command, tmp_path)
    env = dict(os.environ, HOME=str(tmp_path))
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env)
    finally:
        if immutable:
            subprocess.run([shutil.which("chattr"), "-i", str(folder)], check=True)
    assert result.returncode == 1, result.stderr
    assert "cannot be written" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(folder.iterdir()) == []


def test_a_subcommand_option_named_lang_does_not_switch_the_messages(run_cli, data_dir):
    from debc_outreach.cli import _before_command

    argv = ["--data-dir", "d", "--lang", "en", "export", "attendance", "--lang", "km"]
    assert _before_command(argv) == ["--data-dir", "d", "--lang", "en"]
    code, _out, err = run_cli("db", "check")      # no database yet: an English message
    assert code == 1 and "There is no database" in err


def test_output_cut_short_by_a_pipe_is_not_an_error(data_dir):
    """`debc-outreach participants list --json | head` must not report a problem."""
    command = (f'"{sys.executable}" -m debc_outreach --data-dir "{data_dir}" --lang en '
               f'demo-data --participants 200 --sessions 5 >/dev/null && '
               f'"{sys.executable}" -m debc_outreach --data-dir "{data_dir}" --lang en '
               f'participants list --json | head -c 50')
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert "unexpected" not in result.stderr


def _messages_language(data_dir, capsys, *global_options: str) -> str:
    """The language `db check` answers in (there is no database yet: one error line)."""
    from debc_outreach.cli import main

    assert main(["--data-dir", str(data_dir), *global_options, "db", "check"]) == 1
    err = capsys.readouterr().err
    return "km" if any("\u1780" <= c <= "\u17ff" for c in err) else "en"


def _system_locale(monkeypatch, **variables: str) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(("variables", "expected"), [
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "fr_FR.UTF-8", "LANG": "km_KH.UTF-8"}, "en"),      # LC_ALL overrides LANG
    ({"LANG": "km_KH.UTF-8"}, "km"),
    ({"LANGUAGE": "km:en", "LANG": "en_US.UTF-8"}, "km"),
    ({}, "km"),                                                      # the system says nothing
], ids=["english", "c-locale", "lc-all-wins", "khmer", "language-list", "no-locale"])
def test_without_a_saved_language_the_cli_follows_the_system_locale(
        data_dir, capsys, monkeypatch, variables, expected):
    _system_locale(monkeypatch, **variables)
    monkeypatch.setattr(sys, "platform", "linux")
    assert _messages_language(data_dir, capsys) == expected


def test_the_saved_language_wins_over_the_locale_and_lang_over_both(data_dir, capsys,
                                                                     monkeypatch):
    from debc_outreach.settings import Settings, save_settings

    _system_locale(monkeypatch, LANG="en_US.UTF-8")
    save_settings(data_dir, Settings(language="km", first_run_done=True))
    assert _messages_language(data_dir, capsys) == "km"
    assert _messages_language(data_dir, capsys, "--lang", "en") == "en"
    _system_locale(monkeypatch, LANG="km_KH.UTF-8")
    save_settings(data_dir, Settings(language="en", first_run_done=True))
    assert _messages_language(data_dir, capsys) == "en"
