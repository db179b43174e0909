"""Outcome figures at programme size: the dashboard's outcome counts against its attendance
figures, measured in the same run on the same data.

A demo programme (`storage.demo`) gets, for every counted check-in, quick-check answers
before and after (three questions each) for the session's first module, a follow-up for
one person in three, and a scam tally for every session — written straight into the
tables the recording services fill (their values are what matters here, not the events).
Then, interleaved so machine noise hits both alike, for all dates and for one province:

- baseline: one plain read of every answer and follow-up
  (`SELECT module, phase, count(*), sum(correct) FROM quiz_answer GROUP BY …`, the
  same for `follow_up`): the least any count of them costs;
- outcomes: `outcomes.outcomes` (knowledge, follow-up and scam figures, every
  breakdown, the page's filters applied);
- for scale, the dashboard's attendance figures (`aggregates.figures`).

Target: outcomes <= 4 x the baseline (the joins to each answer's person and visit,
and the groups, for the price of about three more reads).

    python bench/bench_outcomes.py [--participants N] [--sessions N] [--runs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from debc_outreach.reports import aggregates, outcomes  # noqa: E402
from debc_outreach.reports.filters import ReportFilter  # noqa: E402
from debc_outreach.storage import demo  # noqa: E402
from debc_outreach.storage.store import Store  # noqa: E402

KINDS = ("fake-prize-bank", "investment-task-job", "loan-app", "fake-official", "parcel-sms")


def fill_outcomes(store: Store, seed: int = 21) -> int:
    """Answers for every counted check-in; returns the quick-check rows written."""
    rng = random.Random(seed)
    conn = store.database.conn
    aggregates.counted_visits(store.database, ReportFilter())     # report_visit up to date
    visits = conn.execute(
        "SELECT s.id, p.id, json_extract(s.modules, '$[0]') FROM report_visit v "
        "JOIN participant p ON p.rowid = v.person JOIN session s ON s.rowid = v.session "
        "WHERE json_array_length(s.modules) > 0").fetchall()
    answers, follow = [], []
    for session_id, person, module in visits:
        for phase, right in (("before", 0.45), ("after", 0.75)):
            for n in range(3):
                correct = rng.random() < right
                answers.append((session_id, person, module, phase, f"{module}.qc.{n}",
                                0 if correct else 1, int(correct), 1, "bench"))
        if rng.random() < 0.33:
            for n in range(2):
                safe = rng.random() < 0.7
                follow.append((person, module, f"{module}.fu.{n}", 0 if safe else 1, int(safe),
                               "2026-06-01", "phone", session_id, 1, "bench"))
    with store.database.transaction():
        conn.executemany("INSERT OR REPLACE INTO quiz_answer VALUES (?,?,?,?,?,?,?,?,?)",
                         answers)
        conn.executemany("INSERT OR REPLACE INTO follow_up VALUES (?,?,?,?,?,?,?,?,?,?)",
                         follow)
        conn.executemany("INSERT OR REPLACE INTO scam_tally VALUES (?,?,?,?,?)", [
            (session_id, kind, rng.randint(0, 5), 1, "bench")
            for (session_id,) in conn.execute("SELECT id FROM session WHERE deleted = 0")
            for kind in KINDS])
    return len(answers)


def read_every_answer(database) -> None:
    database.conn.execute("SELECT module, phase, count(*), sum(correct) FROM quiz_answer "
                          "GROUP BY module, phase").fetchall()
    database.conn.execute("SELECT module, question_id, count(*), sum(safe) FROM follow_up "
                          "GROUP BY module, question_id").fetchall()


def timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=1_500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder))
        demo.generate(store, args.participants, args.sessions)
        rows = fill_outcomes(store)
        database = store.database
        province = database.scalar("SELECT substr(village_code, 1, 2) FROM session "
                                   "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        print(f"{args.participants:,} participants, {args.sessions:,} sessions, "
              f"{rows:,} quick-check answers")
        for name, filt in (("all dates", ReportFilter()),
                           (f"province {province}", ReportFilter(province=province))):
            base, found, figures = [], [], []
            for _run in range(args.runs):
                base.append(timed(lambda: read_every_answer(database)))
                found.append(timed(lambda f=filt: outcomes.outcomes(database, f)))
                figures.append(timed(lambda f=filt: aggregates.figures(database, f)))
            b, o = statistics.median(base), statistics.median(found)
            print(f"{name}: one read of the answers {b:.3f} s, outcomes {o:.3f} s, ratio "
                  f"{o / b:.2f} (target <= 4); attendance figures "
                  f"{statistics.median(figures):.3f} s")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
