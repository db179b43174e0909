"""The sync hub under a cheap denial-of-service, full size, with the hub's own timeouts.

    .venv/bin/python bench/bench_hub_siege.py [--half-open 1500] [--slow 50] [--honest 10]

On 127.0.0.1 only: 1,500 half-open connections (a request line, then silence) and
50 slow bodies (one byte every half second: unsigned uploads, enrolment requests,
uploads signed by an enrolled device) while 10 honest devices push and pull
(tests/support/hub_siege.py). The hub runs as `hub serve` with its default limits.

Reported: honest syncs that succeeded; the hub's peak RSS against its RSS at rest
and against the stated bound (150 MB); for each kind of attacking connection,
how long the hub took to close it against its timeout; the honest devices' sync
time under siege as a ratio to the same syncs without the siege (same run).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support.hub_siege import Siege, open_files_allow, run_siege  # noqa: E402

RSS_BOUND = 150 << 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half-open", type=int, default=1500)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--honest", type=int, default=10)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    siege = Siege(half_open=args.half_open, slow_bodies=args.slow, honest=args.honest,
                  events=args.events)
    if not sys.platform.startswith("linux"):
        print("bench_hub_siege: Linux only (reads the hub's RSS in /proc)")
        return 0
    if not open_files_allow(siege.half_open + siege.slow_bodies):
        print("bench_hub_siege: the open-file limit is too low for the siege")
        return 1
    with tempfile.TemporaryDirectory() as quiet_dir, tempfile.TemporaryDirectory() as loud_dir:
        quiet = run_siege(Path(quiet_dir), replace(siege, half_open=0, slow_bodies=0))
        loud = run_siege(Path(loud_dir), siege)
    mb = 1 << 20
    print(f"honest syncs: {loud.honest_ok}/{siege.honest} succeeded "
          f"{loud.honest_failures or ''}")
    print(f"hub RSS: {loud.baseline_rss / mb:.0f} MB at rest, peak {loud.peak_rss / mb:.0f} MB "
          f"under siege (bound {RSS_BOUND / mb:.0f} MB; peak without siege "
          f"{quiet.peak_rss / mb:.0f} MB)")
    print(f"attacking connections closed by the hub: {loud.closed}, left open: "
          f"{loud.left_open}; answers: {loud.answers}")
    for kind, took in sorted(loud.slowest_close.items()):
        print(f"  {kind}: slowest closed after {took:.1f} s (timeout {loud.deadline[kind]:.1f} s)")
    print(f"honest sync time: {loud.honest_seconds:.1f} s under siege, "
          f"{quiet.honest_seconds:.1f} s without; ratio "
          f"{loud.honest_seconds / max(quiet.honest_seconds, 1e-9):.2f}")
    ok = (loud.honest_ok == siege.honest and loud.left_open == 0
          and loud.peak_rss <= RSS_BOUND)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
