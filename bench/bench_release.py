"""The frozen app vs the source checkout: start to first window, and the folder size.

Each start is a fresh process that quits as soon as its first window is shown
(DEBC_OUTREACH_EXIT_AFTER_SHOW), on a data folder after first start; runs
are interleaved so machine noise hits both alike. Prints medians, the ratio
frozen/source, and the size of dist/debc-outreach/ against the 150 MB budget.

    python bench/bench_release.py [--runs N] [--build] [--folder dist/debc-outreach]

--build runs packaging/build.py first (a few minutes); otherwise the folder
must have been built already.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "packaging"))

from bench_startup import BASELINE, prepare_data_dir, timed  # noqa: E402

from build import BUDGET_MB, NAME, folder_size  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--build", action="store_true", help="build the frozen app first")
    parser.add_argument("--folder", type=Path, default=ROOT / "dist" / NAME)
    args = parser.parse_args()
    if args.build:
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--no-archive"],
                       check=True)
    program = args.folder / (f"{NAME}.exe" if os.name == "nt" else NAME)
    if not program.exists():
        print(f"no frozen app at {program}: run packaging/build.py or pass --build")
        return 1
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               DEBC_OUTREACH_EXIT_AFTER_SHOW="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "debc_outreach")],
                   check=True, env=env)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        prepare_data_dir(data, env)
        commands = {
            "bare QMainWindow": [sys.executable, "-c", BASELINE],
            "source": [sys.executable, "-m", "debc_outreach", "--data-dir", str(data)],
            "frozen": [str(program), "--data-dir", str(data)],
        }
        for command in commands.values():         # warm the OS file cache for each
            timed(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    size = folder_size(args.folder) / 1e6
    print("start to first window (median of {runs}): bare QMainWindow {b:.0f} ms, source "
          "{s:.0f} ms, frozen {f:.0f} ms; frozen/source {r:.2f}, frozen/bare {rb:.2f}".format(
              runs=args.runs, b=medians["bare QMainWindow"] * 1000, s=medians["source"] * 1000,
              f=medians["frozen"] * 1000, r=medians["frozen"] / medians["source"],
              rb=medians["frozen"] / medians["bare QMainWindow"]))
    print(f"frozen folder {args.folder}: {size:.1f} MB (budget {BUDGET_MB:.0f} MB)")
    for archive in sorted(args.folder.parent.glob(f"{NAME}-*.tar.gz")) + sorted(
            args.folder.parent.glob(f"{NAME}-*.zip")):
        print(f"archive {archive.name}: {archive.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
