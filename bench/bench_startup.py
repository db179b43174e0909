"""Cold start to first window shown: the app vs a bare PySide6 QMainWindow, same run.

Target: ratio <= 2.0. Each run is a fresh process that quits as soon as its
first window has painted its first frame (DEBC_OUTREACH_EXIT_AFTER_SHOW in the
app, the same event filter in the baseline). Prints medians.
Our modules are byte-compiled first, as pip and PyInstaller do when they
install: with PYTHONDONTWRITEBYTECODE set (some shells and CI images set it)
every start would otherwise recompile ~30 modules from source, which no
installed copy ever does.

    python bench/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = """
import os

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, lambda: os._exit(0))
        return False


app = QApplication([])
window = QMainWindow()
window.resize(1280, 720)
first_paint = FirstPaint()
window.installEventFilter(first_paint)
window.show()
app.exec()
"""


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def prepare_data_dir(folder: Path, env: dict) -> None:
    """A data folder after first start, so the app goes straight to its main window."""
    subprocess.run([sys.executable, "-c", (
        "from pathlib import Path; import sys\n"
        "from debc_outreach.gui.app import create_application, prepare_context, open_store\n"
        "from debc_outreach.settings import load_settings\n"
        "d = Path(sys.argv[1]); create_application()\n"
        "c = prepare_context(d, load_settings(d), 'km'); open_store(c, 'សុខ ដារ៉ា')\n"
        "c.store.close()\n"), str(folder)], check=True, env=env)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               DEBC_OUTREACH_EXIT_AFTER_SHOW="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    package = Path(__file__).resolve().parents[1] / "debc_outreach"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True, env=env)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        prepare_data_dir(data, env)
        baseline_cmd = [sys.executable, "-c", BASELINE]
        app_cmd = [sys.executable, "-m", "debc_outreach", "--data-dir", str(data)]
        timed(baseline_cmd, env)          # warm the OS file cache for both
        timed(app_cmd, env)
        baseline, app = [], []
        for _ in range(args.runs):        # interleaved, so machine noise hits both alike
            baseline.append(timed(baseline_cmd, env))
            app.append(timed(app_cmd, env))
    b, a = statistics.median(baseline), statistics.median(app)
    print(f"startup: bare QMainWindow median {b * 1000:.0f} ms, DEBC Outreach median "
          f"{a * 1000:.0f} ms, ratio {a / b:.2f} (target <= 2.0), runs {args.runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
