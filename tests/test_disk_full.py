"""A nearly full disk: the daily backup warns instead of stopping the app, and an
export that cannot be written says so in one line (no traceback on stderr)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import close_and_delete

from debc_outreach.storage.store import Store

VILLAGE = "12010101"


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """The real program in its own process: stderr as the user sees it."""
    return subprocess.run([sys.executable, "-m", "debc_outreach", "--data-dir", str(data_dir),
                           "--lang", "en", *args], capture_output=True, text=True, timeout=300)


def _some_records(run_cli) -> None:
    code, out, err = run_cli("participants", "add", "--name", "Sok Dara", "--consent", "yes")
    assert code == 0, err
    person = out.strip()
    code, out, err = run_cli("session", "create", "--date", "2026-03-08", "--village", VILLAGE,
                             "--module", "passwords-pins-2step")
    assert code == 0, err
    assert run_cli("session", "check-in", out.strip(), person)[0] == 0


def _block_backups(data_dir: Path) -> None:
    """Make today's backup fail: its folder's name is taken by a file."""
    shutil.rmtree(data_dir / "backups", ignore_errors=True)
    (data_dir / "backups").write_text("not a folder", encoding="utf-8")


def test_a_failed_daily_backup_warns_and_the_work_goes_on(run_cli, data_dir, tmp_path):
    _some_records(run_cli)
    _block_backups(data_dir)
    code, out, err = run_cli("participants", "list")
    assert code == 0 and "Sok Dara" in out
    assert err.startswith("Warning: Today's backup was not made")
    assert len(err.strip().splitlines()) == 1
    code, _out, err = run_cli("export", "attendance", "--format", "csv", "-o",
                              str(tmp_path / "a.csv"))
    assert code == 0 and (tmp_path / "a.csv").exists()
    assert "backup was not made" in err
    code, _out, err = run_cli("participants", "add", "--name", "Chan Sophea")
    assert code == 0, err


def test_the_daily_backup_says_why_it_failed(data_dir):
    from debc_outreach.errors import UserError
    from debc_outreach.sync.backup import daily_backup

    store = Store.open(data_dir)
    _block_backups(data_dir)
    try:
        with pytest.raises(UserError) as refused:
            daily_backup(store.database, data_dir, store.backup_dir)
        store.backup_failure = str(refused.value)
        assert "make room on the disk" in store.backup_warning
    finally:
        store.close()


def test_the_main_window_shows_a_banner_when_the_backup_failed(qtbot, data_dir):
    from debc_outreach.gui.app import create_application, open_store, prepare_context
    from debc_outreach.gui.shell.main_window import MainWindow
    from debc_outreach.settings import load_settings

    Store.open(data_dir).close()
    _block_backups(data_dir)
    create_application()
    context = prepare_context(data_dir, load_settings(data_dir), "en")
    open_store(context, "Sok Dara")
    window = MainWindow(context)
    try:
        window.resize(1366, 768)
        window.show()
        window.start_daily_backup()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.backup_banner.isVisible(), timeout=30000)
        assert "Today's backup was not made" in window.backup_banner.text()
        context.set_language("km")
        assert window.backup_banner.isVisible()
        assert "Today's" not in window.backup_banner.text()
    finally:
        close_and_delete(window)
        context.store.close()


def test_no_banner_when_the_backup_was_made(main_window):
    assert not main_window.backup_banner.isVisible()


# --- a real full disk (a small tmpfs; needs root) -------------------------------------------

def _fill(folder: Path, leave: int = 0) -> None:
    """Fill the disk, then give back `leave` bytes (room for SQLite's shared memory)."""
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as handle:
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    filler = folder / "filler"
    os.truncate(filler, max(0, filler.stat().st_size - leave))


@pytest.fixture
def full_disk(tmp_path):
    """A 24 MiB filesystem, mounted for the test and filled by the test."""
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real full disk needs root to mount a small tmpfs")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_on_a_full_disk_reading_and_exporting_go_on(full_disk, tmp_path, capsys):
    from conftest import cli_in

    data_dir = full_disk / "data"
    _some_records(lambda *args: cli_in(capsys, data_dir, *args))
    shutil.rmtree(data_dir / "backups")
    _fill(full_disk, leave=128 << 10)      # nearly full: no room for a backup
    listed = _cli(data_dir, "participants", "list")
    assert listed.returncode == 0 and "Sok Dara" in listed.stdout
    assert listed.stderr.startswith("Warning: Today's backup was not made")
    assert "Traceback" not in listed.stderr
    exported = _cli(data_dir, "export", "attendance", "--format", "xlsx", "-o",
                    str(tmp_path / "attendance.xlsx"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "attendance.xlsx").stat().st_size > 0
    assert not list((data_dir / "backups").glob("*.part"))
    # Writing goes on while SQLite finds room; when it does not, one clear line.
    added = _cli(data_dir, "participants", "add", "--name", "Chan Sophea")
    assert "Traceback" not in added.stderr and "unexpected" not in added.stderr
    assert added.returncode == 0 or "disk is full" in added.stderr.lower()


def test_an_xlsx_export_to_a_full_disk_is_one_line_and_leaves_nothing(full_disk, tmp_path,
                                                                      capsys):
    from conftest import cli_in

    data_dir = tmp_path / "data"
    _some_records(lambda *args: cli_in(capsys, data_dir, *args))
    target = full_disk / "reports"
    target.mkdir()
    _fill(full_disk)
    exported = _cli(data_dir, "export", "attendance", "--format", "xlsx", "-o",
                    str(target / "attendance.xlsx"))
    assert exported.returncode == 1
    assert exported.stderr.strip().splitlines() == [exported.stderr.strip()]
    assert "The disk is full" in exported.stderr
    assert "Exception ignored" not in exported.stderr and "Traceback" not in exported.stderr
    assert list(target.iterdir()) == []
    assert [p for p in (data_dir / "tmp").rglob("*") if p.is_file()] == []


def test_sheets_that_no_longer_fit_in_the_data_folder_are_one_line(full_disk, tmp_path,
                                                                   capsys):
    from conftest import cli_in

    data_dir = full_disk / "data"
    code, _out, err = cli_in(capsys, data_dir, "demo-data", "--participants", "600",
                             "--sessions", "40", "--quiet")
    assert code == 0, err
    _fill(full_disk, leave=160 << 10)      # room to open the database, not for the sheets
    exported = _cli(data_dir, "export", "attendance", "--format", "xlsx", "-o",
                    str(tmp_path / "attendance.xlsx"))
    assert exported.returncode == 1
    assert exported.stderr.strip().splitlines() == [exported.stderr.strip()]
    assert "The disk holding the data folder is full" in exported.stderr
    assert "Exception ignored" not in exported.stderr and "Traceback" not in exported.stderr
    assert not (tmp_path / "attendance.xlsx").exists()
    assert [p for p in (data_dir / "tmp").rglob("*") if p.is_file()] == []


# --- the same without root: the disk "fills up" half-way through writing the file ----------

_FULL_AFTER = """
import errno, sys
from debc_outreach.reports import xlsx_export

written = [0]
real_write = xlsx_export._DroppingFile.write

def write(self, data):
    if not self.failed and written[0] + len(data) > int(sys.argv[1]):
        raise OSError(errno.ENOSPC, "No space left on device")
    written[0] += len(data)
    return real_write(self, data)

xlsx_export._DroppingFile.write = write
from debc_outreach.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("room", [0, 2000, 6000])   # the workbook has about 11 kB
def test_a_disk_that_fills_up_while_the_workbook_is_zipped_is_one_line(run_cli, data_dir,
                                                                       tmp_path, room):
    _some_records(run_cli)
    target = tmp_path / "reports"
    target.mkdir()
    run = subprocess.run([sys.executable, "-c", _FULL_AFTER, str(room), "--data-dir",
                          str(data_dir), "--lang", "en", "export", "attendance", "--format",
                          "xlsx", "-o", str(target / "attendance.xlsx")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]
    assert "The disk is full" in run.stderr
    assert "Exception ignored" not in run.stderr and "Traceback" not in run.stderr
    assert list(target.iterdir()) == []
    assert [p for p in (data_dir / "tmp").rglob("*") if p.is_file()] == []
