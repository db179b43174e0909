"""Work that spills to disk stays in the data folder, and a killed app's leftovers go.

xlsxwriter writes every sheet of an export to temporary files (names in plain
text); they must never reach the system's temp folder, and what a `kill -9`
leaves behind is removed at the next start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from support.reports_data import demo_programme

from debc_outreach.reports.exports import ExportRequest, Who, run_export
from debc_outreach.storage import private_temp
from debc_outreach.storage.store import Store


class _Watcher:
    """An export's progress object that looks at the temp folders while rows are written."""

    cancelled = False

    def __init__(self, data_dir: Path, system_temp: Path):
        self.data_dir, self.system_temp = data_dir, system_temp
        self.in_data_folder: set[Path] = set()
        self.system_before = set(system_temp.iterdir())
        self.in_system_temp: set[Path] = set()

    def report(self, done: int, total: int) -> None:
        self.in_data_folder |= {p for p in (self.data_dir / private_temp.FOLDER).rglob("*")
                                if p.is_file() and p.name != private_temp.IN_USE}
        self.in_system_temp |= set(self.system_temp.iterdir()) - self.system_before


def test_xlsx_sheets_spill_into_the_data_folder_and_are_removed(store, tmp_path):
    demo_programme(store, participants=400, sessions=30)
    system_temp = Path(os.environ.get("TMPDIR", "/tmp"))
    watcher = _Watcher(store.data_dir, system_temp)
    request = ExportRequest("attendance", "xlsx", tmp_path / "attendance.xlsx")
    run_export(store.database, request, Who(store.device_id), watcher)
    assert watcher.in_data_folder, "xlsxwriter wrote no temporary file under the data folder"
    assert all(store.temp_dir in p.parents for p in watcher.in_data_folder)
    assert not any("xlsx" in p.name for p in watcher.in_system_temp)
    left = [p for p in store.temp_dir.rglob("*") if p.name != private_temp.IN_USE]
    assert left == []


def test_the_temp_folder_is_private_and_tempfile_points_into_it(store):
    folder = store.temp_dir
    assert folder.parent == store.data_dir / private_temp.FOLDER
    assert Path(tempfile.gettempdir()) == folder
    if os.name == "posix":
        assert (folder.parent.stat().st_mode & 0o077) == 0
        assert (folder.stat().st_mode & 0o077) == 0


def test_closing_the_store_removes_its_folder_and_restores_tempfile(data_dir):
    before = tempfile.gettempdir()
    store = Store.open(data_dir)
    folder = store.temp_dir
    (folder / "sheet.tmp").write_text("names", encoding="utf-8")
    store.close()
    assert not folder.exists()
    assert tempfile.gettempdir() == before


_KILLED_DURING_EXPORT = """
import os, signal, sys
from pathlib import Path
from debc_outreach.reports.xlsx_export import Workbook
from debc_outreach.storage.store import Store

store = Store.open(Path(sys.argv[1]))
book = Workbook(Path(sys.argv[2]))
book.sheet("Attendance", ["name"], (("Sok Dara {}".format(n),) for n in range(20000)))
print(store.temp_dir, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

_HOLDING = """
import sys
from pathlib import Path
from debc_outreach.storage.store import Store

store = Store.open(Path(sys.argv[1]))
(store.temp_dir / "busy.tmp").write_text("still working", encoding="utf-8")
print(store.temp_dir, flush=True)
sys.stdin.read()
store.close()
"""


def _age(folder: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(folder, (then, then))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9 (POSIX)")
def test_leftovers_of_a_killed_export_are_removed_at_the_next_start(data_dir, tmp_path):
    Store.open(data_dir).close()
    run = subprocess.run([sys.executable, "-c", _KILLED_DURING_EXPORT, str(data_dir),
                          str(tmp_path / "attendance.xlsx")], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr
    left = Path(run.stdout.strip())
    spilled = [p for p in left.rglob("*") if p.is_file() and p.name != private_temp.IN_USE]
    assert spilled and any(b"Sok Dara" in p.read_bytes() for p in spilled)
    store = Store.open(data_dir)          # a minute has not passed: it might be starting
    store.close()
    assert left.exists()
    _age(left, private_temp.GRACE_S + 1)
    store = Store.open(data_dir)
    try:
        assert not left.exists()
        assert [p.name for p in (data_dir / private_temp.FOLDER).iterdir()] == [
            store.temp_dir.name]
    finally:
        store.close()


def test_the_folder_of_a_copy_still_running_is_left_alone(data_dir):
    Store.open(data_dir).close()
    child = subprocess.Popen([sys.executable, "-c", _HOLDING, str(data_dir)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        busy = Path(child.stdout.readline().strip())
        assert (busy / "busy.tmp").exists()
        _age(busy, private_temp.GRACE_S + 1)
        store = Store.open(data_dir)
        store.close()
        assert (busy / "busy.tmp").exists()
    finally:
        child.communicate("", timeout=60)
    assert not busy.exists()


def test_stores_closed_out_of_order_leave_tempfile_in_an_open_one(data_dir):
    """The GUI's store stays open while background tasks open and close their own."""
    before = tempfile.gettempdir()
    main = Store.open(data_dir)
    first, second = Store.open(data_dir), Store.open(data_dir)
    first.close()
    second.close()
    assert tempfile.gettempdir() == str(main.temp_dir) and main.temp_dir.is_dir()
    main.close()
    assert tempfile.gettempdir() == before
