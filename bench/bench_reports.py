"""Reports at programme and national size: CSV speed, XLSX and PDF memory, dashboard.

Two data shapes, each about 1,000,000 check-ins: 100,000 participants (28,000
sessions, people come back often) and 1,000,000 participants (25,000 sessions,
most people come once). Measured in the same run, interleaved so machine noise
hits both sides alike:

- CSV: `debc-outreach export attendance --format csv` (a fresh process) vs
  `sqlite3 -csv` dumping the same join with the same 23 columns: the script gives
  the shell the export's place names, module titles and trainer names as TEMP
  tables and runs the export's full-column query (`rows.attendance_names_sql`),
  so both sides write the same names (Khmer text is most of the bytes). Target:
  ratio <= 1.5. The ratio to the same join with codes only (15 columns, about
  half the bytes) is printed too, as earlier notes measured it.
- XLSX: `debc-outreach export attendance --format xlsx` (the full workbook:
  attendance, sessions, participants, skills, disaggregation, targets). Targets:
  peak RSS <= 300 MB; time <= 1.5 x the CSV exports of the same rows (attendance,
  sessions, participants, disaggregation) made one after the other.
- Summary PDF with its charts: peak RSS. Target: <= 300 MB.
- Dashboard: the GUI with the Reports page open (offscreen): seconds from the click on
  Reports until the figures show (the page's own set-up included), then until the
  skills show, seconds for a province filter and a
  period filter to change the figures, and peak RSS next to a bare QMainWindow.
  Targets: figures <= 3 s, a filter <= 1 s, peak RSS <= 300 MB.

A data folder is made once per shape with `debc-outreach demo-data` and kept in
`.bench-data/reports-<participants>/` (gitignored) for the next runs; the
million-participant programme takes about an hour to make on a slow laptop.

    python bench/bench_reports.py [--participants N [N ...]] [--sessions N]
                                  [--data-root DIR] [--runs N] [--skip-xlsx]
                                  [--dashboard-only | --csv-only]
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

ROOT = Path(__file__).resolve().parents[1]
# Sessions per shape so that each programme has about a million check-ins.
SESSIONS = {100_000: 28_000, 1_000_000: 25_000}

DASHBOARD = """
import resource, sys, time
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer
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

# Wait as the app's event loop does: asleep until an event (the worker's signals, or a
# tick every 10 ms) comes; a loop that spins on processEvents would take a core and the
# GIL from the worker it is waiting for.
tick = QTimer()
tick.start(10)

def wait(done):
    start = time.perf_counter()
    while not done():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    for _ in range(10):
        app.processEvents()
    return time.perf_counter() - start

start = time.perf_counter()
page = window.page("reports")
opened = time.perf_counter() - start
figures = opened + wait(lambda: page.data is not None)
skills = figures + wait(lambda: page.data.skills_done)
shown = page.data.figures.headline.attendances
province = page.data.figures.by_province[0][0]
bar = page.filters
page.data = None
bar.province.setCurrentIndex(bar.province.findData(province))
by_province = wait(lambda: page.data is not None)
wait(lambda: page.data.skills_done)
months = [month for month, _a, _p in page.data.figures.by_month]
first, last = months[len(months) // 2], months[min(len(months) - 1, len(months) // 2 + 2)]
page.data = None
bar.province.setCurrentIndex(0)
bar.set_period("custom", first + "-01", last + "-28")      # three months in the middle
by_period = wait(lambda: page.data is not None)
wait(lambda: page.data.skills_done)
print(figures, skills, by_province, by_period, shown, opened)
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


def ensure_data(data: Path, participants: int, sessions: int, env: dict) -> tuple[int, int]:
    """(check-ins, participants) of the kept data folder, made first if missing."""
    cli = [sys.executable, "-m", "debc_outreach", "--data-dir", str(data)]
    if not (data / "outreach.sqlite").exists():
        print(f"making demo data in {data} ({participants:,} participants, "
              f"{sessions:,} sessions) …", flush=True)
        subprocess.run([*cli, "demo-data", "--participants", str(participants), "--sessions",
                        str(sessions), "--quiet"], check=True, env=env)
    subprocess.run([*cli, "db", "migrate"], check=True, env=env, stdout=subprocess.DEVNULL)
    import sqlite3

    with sqlite3.connect(data / "outreach.sqlite") as conn:
        return (conn.execute("SELECT count(*) FROM attendance WHERE present = 1").fetchone()[0],
                conn.execute("SELECT count(*) FROM participant").fetchone()[0])


def baseline_sql() -> str:
    """The join with codes only (15 columns)."""
    from debc_outreach.reports.filters import ReportFilter
    from debc_outreach.reports.rows import attendance_sql

    sql, params = attendance_sql(ReportFilter())
    assert not params
    return sql + ";\n"


def baseline_names_sql(data: Path) -> str:
    """A shell script that fills the export's TEMP name tables (the names it prints, in
    Khmer) and runs its full-column query: the export's 23 columns, neutralising aside."""
    from debc_outreach.reports import lookup, rows
    from debc_outreach.reports.filters import ReportFilter
    from debc_outreach.storage.database import Database

    database = Database(data / "outreach.sqlite")
    try:
        sql, params, tables = rows.attendance_names_sql(database, ReportFilter(), "km",
                                                        lookup.catalog(data))
        assert not params
        script = [*(table + ";" for table in tables), "BEGIN;"]
        for table in ("report_place", "report_session"):
            for row in database.conn.execute(f"SELECT * FROM temp.{table}"):
                values = ", ".join("NULL" if v is None else "'" + str(v).replace("'", "''")
                                   + "'" for v in row)
                script.append(f"INSERT INTO temp.{table} VALUES ({values});")
    finally:
        database.close()
    return "\n".join([*script, "COMMIT;", sql + ";", ""])


def bench_shape(data: Path, args: argparse.Namespace, env: dict) -> None:
    if not args.dashboard_only:
        bench_exports(data, args, env)
    if not args.csv_only:
        bench_dashboard(data, env)


def bench_exports(data: Path, args: argparse.Namespace, env: dict) -> None:
    cli = [sys.executable, "-m", "debc_outreach", "--data-dir", str(data), "--lang", "en"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        sql_file, codes_file = out / "names.sql", out / "codes.sql"
        sql_file.write_text(baseline_names_sql(data), encoding="utf-8")
        codes_file.write_text(baseline_sql(), encoding="utf-8")

        def shell(script: Path) -> float:
            with open(script, encoding="utf-8") as sql, \
                    open(out / "baseline.csv", "w") as baseline:
                return run(["sqlite3", "-bail", "-csv", str(data / "outreach.sqlite")], env,
                           stdin=sql, stdout=baseline)[0]

        def export(kind: str, fmt: str) -> tuple[float, float]:
            seconds, rss, _o = run([*cli, "export", kind, "--format", fmt, "-o",
                                    str(out / f"{kind}.{fmt}"), "--lang", "km"], env)
            return seconds, rss

        ours, theirs, codes = [], [], []
        for _ in range(args.runs):
            theirs.append(shell(sql_file))
            ours.append(export("attendance", "csv")[0])
            codes.append(shell(codes_file))
        lines = sum(1 for _ in open(out / "attendance.csv", encoding="utf-8-sig")) - 1
        b, o, c = statistics.median(theirs), statistics.median(ours), statistics.median(codes)
        print(f"  csv: sqlite3 -csv of the same columns median {b:.2f} s, export median "
              f"{o:.2f} s ({lines:,} rows), ratio {o / b:.2f} (target <= 1.5), runs "
              f"{args.runs}; codes only {c:.2f} s, ratio {o / c:.2f}", flush=True)
        if not args.skip_xlsx:
            others = {kind: export(kind, "csv") for kind in ("sessions", "participants",
                                                             "summary")}
            csv_all = o + sum(seconds for seconds, _rss in others.values())
            seconds, rss = export("attendance", "xlsx")
            size = (out / "attendance.xlsx").stat().st_size / 1e6
            print(f"  xlsx: full workbook in {seconds:.1f} s ({size:.0f} MB), peak RSS "
                  f"{rss:.0f} MB (target <= 300 MB); the same rows as CSV files "
                  f"{csv_all:.1f} s (attendance {o:.1f} + "
                  + " + ".join(f"{kind} {s:.1f}" for kind, (s, _r) in others.items())
                  + f"), ratio {seconds / csv_all:.2f} (target <= 1.5); CSV peak RSS "
                  + ", ".join(f"{kind} {r:.0f} MB" for kind, (_s, r) in others.items()),
                  flush=True)
        if args.csv_only:
            return
        seconds, rss = export("summary", "pdf")
        print(f"  summary pdf with charts: {seconds:.1f} s, peak RSS {rss:.0f} MB "
              "(target <= 300 MB)", flush=True)


def bench_dashboard(data: Path, env: dict) -> None:
    _s, bare_rss, _o = run([sys.executable, "-c", BARE], env)
    _s, rss, output = run([sys.executable, "-c", DASHBOARD, str(data)], env,
                          stdout=subprocess.PIPE)
    figures, skills, by_province, by_period, shown, opened = output.split()
    print(f"  dashboard: figures for {int(shown):,} attendances shown in {float(figures):.1f} s "
          f"after a click on Reports (target <= 3 s; the page itself took "
          f"{float(opened):.1f} s), skills in {float(skills):.1f} s; province filter "
          f"{float(by_province):.2f} s, period filter {float(by_period):.2f} s (target <= 1 s); "
          f"GUI peak RSS {rss:.0f} MB (bare QMainWindow {bare_rss:.0f} MB; target <= 300 MB)",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, nargs="+", default=sorted(SESSIONS),
                        help="programme sizes to measure (default: both shapes)")
    parser.add_argument("--sessions", type=int,
                        help="sessions of a new programme (default: about a million check-ins)")
    parser.add_argument("--data-root", type=Path, default=ROOT / ".bench-data",
                        help="where the data folders are kept between runs")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-xlsx", action="store_true",
                        help="skip the XLSX export (minutes for a million rows)")
    parser.add_argument("--dashboard-only", action="store_true",
                        help="measure only the Reports page")
    parser.add_argument("--csv-only", action="store_true",
                        help="measure only the attendance CSV against sqlite3 -csv")
    args = parser.parse_args()
    if not shutil.which("sqlite3"):
        raise SystemExit("the sqlite3 command-line shell is needed (apt-get install sqlite3)")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    for participants in args.participants:
        data = args.data_root / f"reports-{participants}"
        sessions = args.sessions or SESSIONS.get(participants, 28_000)
        rows, people = ensure_data(data, participants, sessions, env)
        print(f"{people:,} participants, {rows:,} check-ins ({data}):", flush=True)
        bench_shape(data, args, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
