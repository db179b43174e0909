"""Reports on 1,000,000 attendance rows: CSV speed, XLSX memory, dashboard memory.

Measured in the same run, interleaved so machine noise hits both sides alike:

- CSV: `debc-outreach export attendance --format csv` (a fresh process, place and
  module names included) vs `sqlite3 -csv` dumping the same join with codes only.
  Target: ratio <= 1.5.
- XLSX: peak RSS of `debc-outreach export attendance --format xlsx` (the full
  workbook, constant-memory mode). Target: <= 300 MB.
- Dashboard: peak RSS of the GUI with the Reports page open and its figures shown
  (offscreen), next to a bare QMainWindow. Target: <= 300 MB.

The data folder is made once with `debc-outreach demo-data` (about 3 minutes for a
million check-ins) and kept for the next run.

    python bench/bench_reports.py [--data-dir DIR] [--runs N] [--skip-xlsx]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARTICIPANTS, SESSIONS = 100_000, 28_000          # about 1,000,000 check-ins

DASHBOARD = """
import resource, sys, time
from pathlib import Path
from PySide6.QtCore import QEventLoop
from debc_outreach.gui.app import create_application, open_store, prepare_context
from debc_outreach.gui.shell.main_window import MainWindow
from debc_outreach.settings import load_settings
data = Path(sys.argv[1])
app = create_application()
context = prepare_context(data, load_settings(data), "km")
open_store(context)
window = MainWindow(context)
window.resize(1366, 768)
window.show()
start = time.perf_counter()
page = window.page("reports")
while page.data is None:
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
for _ in range(10):
    app.processEvents()
seconds = time.perf_counter() - start
print(seconds, page.data.figures.headline.attendances)
"""

BARE = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1366, 768)
window.show()
app.processEvents()
"""


def run(command: list[str], env: dict, stdin=None, stdout=subprocess.DEVNULL):
    """(seconds, peak RSS in MB, output) of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdin=stdin, stdout=stdout,
                               stderr=subprocess.PIPE, text=stdout is subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    output = process.stdout.read() if stdout is subprocess.PIPE else ""
    errors = process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command[:6])} failed: {errors}")
    return seconds, usage.ru_maxrss / 1024, output


def ensure_data(data: Path, env: dict) -> int:
    cli = [sys.executable, "-m", "debc_outreach", "--data-dir", str(data)]
    if not (data / "outreach.sqlite").exists():
        print(f"making demo data in {data} ({PARTICIPANTS:,} participants, "
              f"{SESSIONS:,} sessions) …", flush=True)
        subprocess.run([*cli, "demo-data", "--participants", str(PARTICIPANTS), "--sessions",
                        str(SESSIONS), "--quiet"], check=True, env=env)
    subprocess.run([*cli, "db", "migrate"], check=True, env=env, stdout=subprocess.DEVNULL)
    import sqlite3

    with sqlite3.connect(data / "outreach.sqlite") as conn:
        return conn.execute("SELECT count(*) FROM attendance WHERE present = 1").fetchone()[0]


def baseline_sql() -> str:
    from debc_outreach.reports.filters import ReportFilter
    from debc_outreach.reports.rows import attendance_sql

    sql, params = attendance_sql(ReportFilter())
    assert not params
    return sql + ";\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "debc-bench-reports")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-xlsx", action="store_true",
                        help="skip the XLSX export (about 6 minutes for a million rows)")
    args = parser.parse_args()
    if not shutil.which("sqlite3"):
        raise SystemExit("the sqlite3 command-line shell is needed (apt-get install sqlite3)")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    data = args.data_dir
    rows = ensure_data(data, env)
    print(f"attendance rows: {rows:,}")
    cli = [sys.executable, "-m", "debc_outreach", "--data-dir", str(data), "--lang", "en"]
    with tempfile.TemporaryDirectory() as tmp:
        sql_file = Path(tmp) / "join.sql"
        sql_file.write_text(baseline_sql(), encoding="utf-8")
        ours, theirs = [], []
        for _ in range(args.runs):
            with open(sql_file, encoding="utf-8") as sql, \
                    open(Path(tmp) / "baseline.csv", "w") as out:
                theirs.append(run(["sqlite3", "-csv", str(data / "outreach.sqlite")], env,
                                  stdin=sql, stdout=out)[0])
            ours.append(run([*cli, "export", "attendance", "--format", "csv", "-o",
                             str(Path(tmp) / "export.csv"), "--lang", "km"], env)[0])
        lines = sum(1 for _ in open(Path(tmp) / "export.csv", encoding="utf-8-sig")) - 1
        b, o = statistics.median(theirs), statistics.median(ours)
        print(f"csv: sqlite3 -csv median {b:.2f} s, export median {o:.2f} s "
              f"({lines:,} rows), ratio {o / b:.2f} (target <= 1.5), runs {args.runs}")
        if not args.skip_xlsx:
            seconds, rss, _out = run([*cli, "export", "attendance", "--format", "xlsx", "-o",
                                      str(Path(tmp) / "export.xlsx"), "--lang", "km"], env)
            size = (Path(tmp) / "export.xlsx").stat().st_size / 1e6
            print(f"xlsx: full workbook in {seconds:.0f} s ({size:.0f} MB), peak RSS "
                  f"{rss:.0f} MB (target <= 300 MB)")
    _s, bare_rss, _o = run([sys.executable, "-c", BARE], env)
    _s, rss, output = run([sys.executable, "-c", DASHBOARD, str(data)], env,
                          stdout=subprocess.PIPE)
    seconds, shown = output.split()
    print(f"dashboard: figures for {int(shown):,} attendances shown in {float(seconds):.1f} s, "
          f"GUI peak RSS {rss:.0f} MB (bare QMainWindow {bare_rss:.0f} MB; target <= 300 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
