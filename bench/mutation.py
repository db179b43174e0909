"""Mutation score of the rules that decide who sees what and what is the same person.

For each module below, cosmic-ray makes every small change it knows (a comparison
flipped, a constant moved by one, a `not` dropped, `and` turned into `or` ...) and
runs the module's own tests against each change. A change the tests notice is
"killed"; one they do not is "survived" — a wrong answer nothing would catch.
Some changes cannot alter any result (an equivalent mutant): they are listed with
the reason in bench/mutation_equivalents.toml and left out of the score.

Not part of CI (hundreds of test runs per module). It works in a scratch copy of
the project, so the checkout is never edited, and runs at low priority, one module
at a time:

    .venv/bin/pip install -e ".[mutation]"
    .venv/bin/python bench/mutation.py                   # all four modules
    .venv/bin/python bench/mutation.py core/hlc.py       # one module
    .venv/bin/python bench/mutation.py --show survived   # also print each survivor
    .venv/bin/python bench/mutation.py --keep /tmp/m     # keep the sessions, then after
    .venv/bin/python bench/mutation.py --report /tmp/m   # editing the equivalents: re-score
    .venv/bin/python bench/mutation.py --keep /tmp/m --retest   # after adding tests

The exit status is 1 when a module scores under the target.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "bench" / "mutation_equivalents.toml"
TARGET = 0.90
TIMEOUT_S = 60               # per mutant; a mutant that hangs the tests counts as killed

# Module (under debc_outreach/) -> the tests that pin down its rules.
MODULES: dict[str, list[str]] = {
    "core/hlc.py": ["tests/test_hlc.py"],
    "core/names.py": ["tests/test_names_generated.py"],
    "sync/scope.py": ["tests/test_sync_scope.py"],
    "storage/events.py": ["tests/test_event_chain.py"],
}
_SKIP = shutil.ignore_patterns(".venv", ".git", ".hypothesis", ".benchmarks", ".pytest_cache",
                               "__pycache__", "build", "dist", ".ruff_cache", "*.egg-info")


@dataclass(frozen=True)
class Mutant:
    job_id: str
    operator: str
    line_no: int
    before: str              # the original line, stripped
    after: str               # the mutated line, stripped
    outcome: str             # killed / survived / equivalent / not run
    diff: str


def _changed_lines(diff: str) -> tuple[str, str]:
    """The removed and the added source line of a one-line mutation diff."""
    removed = [line[1:].strip() for line in diff.splitlines()
               if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in diff.splitlines()
             if line.startswith("+") and not line.startswith("+++")]
    return " ".join(removed), " ".join(added)


def load_equivalents(module: str) -> list[dict]:
    """The documented equivalent mutants of `module`.

    Each entry has `before` (the original line) and `why`, and `after` (the mutated
    line, or a list of them) or `operators` (a glob of cosmic-ray operator names:
    every such change of that line is equivalent), or both.
    """
    entries = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")).get("equivalent", [])
    return [entry for entry in entries if entry["module"] == module]


def _is_equivalent(operator: str, before: str, after: str, equivalents: list[dict]) -> bool:
    def listed(entry: dict) -> bool:
        afters = entry.get("after", after)
        return after in afters if isinstance(afters, list) else after == afters

    return any(entry["before"] == before and listed(entry)
               and fnmatch.fnmatchcase(operator, entry.get("operators", "*"))
               for entry in equivalents)


def _test_command(tests: list[str]) -> str:
    # The four test files need no Qt, no plugin and no shared fixture: skipping
    # conftest.py and plugin autoloading (see _run) cuts the start-up every mutant pays
    # from about 3.5 s to under 1 s.
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
              "--noconftest", "-W", "ignore::pytest.PytestConfigWarning", *tests]
    return shlex.join(pytest)


def _scratch_copy() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="debc-mutation-"))
    shutil.copytree(ROOT, scratch / "project", ignore=_SKIP)
    return scratch


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def _session_name(module: str) -> str:
    return module.replace("/", "-").removesuffix(".py") + ".sqlite"


def read_session(module: str, session: Path) -> list[Mutant]:
    """The mutants of a kept cosmic-ray session, classified with today's equivalents file."""
    cosmic = [str(Path(sys.executable).with_name("cosmic-ray"))]
    dump = _run([*cosmic, "dump", str(session)], ROOT)
    return _read_dump(module, dump.stdout)


def mutate(module: str, tests: list[str], keep: Path | None = None,
           retest: bool = False) -> list[Mutant]:
    """Run cosmic-ray on one module in a scratch copy; every mutant with its outcome.

    With `retest`, start from the session kept in `keep` and run only its survivors
    (and any mutant an interrupted run left) again: after tests were added, a killed
    mutant stays killed while the tests only grow.
    """
    scratch = _scratch_copy()
    project = scratch / "project"
    try:
        where = "import debc_outreach; print(debc_outreach.__file__)"
        imported = _run([sys.executable, "-c", where], project).stdout.strip()
        if not Path(imported).is_relative_to(project):
            sys.exit(f"the tests would import {imported}, not the mutated copy in {project}")
        baseline = _run(shlex.split(_test_command(tests)), project)
        if baseline.returncode != 0:
            sys.exit(f"{module}: its tests fail before any mutation:\n{baseline.stdout[-2000:]}")
        config = scratch / "cosmic-ray.toml"
        config.write_text(
            "[cosmic-ray]\n"
            f"module-path = {json.dumps('debc_outreach/' + module)}\n"
            f"timeout = {TIMEOUT_S}\n"
            "excluded-modules = []\n"
            f"test-command = {json.dumps(_test_command(tests))}\n"
            "[cosmic-ray.distributor]\n"
            "name = \"local\"\n", encoding="utf-8")
        session = scratch / "session.sqlite"
        cosmic = [str(Path(sys.executable).with_name("cosmic-ray"))]
        steps = ["exec"]
        if retest and keep is not None:
            shutil.copyfile(keep / _session_name(module), session)
            survivors = [(m.job_id,) for m in read_session(module, session)
                         if m.outcome == "survived"]          # not the documented equivalents
            with sqlite3.connect(session) as db:
                db.executemany("DELETE FROM work_results WHERE job_id = ?", survivors)
        else:
            steps.insert(0, "init")
        for step in steps:
            done = _run([*cosmic, step, str(config), str(session)], project)
            if done.returncode != 0:
                sys.exit(f"{module}: cosmic-ray {step} failed:\n{done.stderr[-2000:]}")
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(session, keep / _session_name(module))
        return read_session(module, session)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _read_dump(module: str, text: str) -> list[Mutant]:
    equivalents = load_equivalents(module)
    mutants = []
    for line in text.splitlines():
        item, result = json.loads(line)
        if result is None:
            continue                          # not run (interrupted session)
        diff = result.get("diff") or ""
        before, after = _changed_lines(diff)
        spec = item["mutations"][0]
        if result["worker_outcome"] != "normal" or result["test_outcome"] == "incompetent":
            outcome = "not run"               # cosmic-ray could not apply or test it
        elif result["test_outcome"] == "survived":
            equivalent = _is_equivalent(spec["operator_name"], before, after, equivalents)
            outcome = "equivalent" if equivalent else "survived"
        else:
            outcome = "killed"                # failing tests, a timeout or a broken import
        mutants.append(Mutant(item["job_id"], spec["operator_name"], spec["start_pos"][0],
                              before, after, outcome, diff))
    return mutants


def score(mutants: list[Mutant]) -> float:
    counted = [m for m in mutants if m.outcome in ("killed", "survived")]
    return sum(m.outcome == "killed" for m in counted) / len(counted) if counted else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"modules under debc_outreach/ (default: all of {', '.join(MODULES)})")
    parser.add_argument("--show", choices=["survived", "equivalent", "all"],
                        help="print the changed line of these mutants")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep each module's cosmic-ray session in DIR")
    parser.add_argument("--retest", action="store_true",
                        help="with --keep: run only the survivors of the kept sessions again")
    parser.add_argument("--report", type=Path, metavar="DIR",
                        help="run nothing: report the sessions kept in DIR (after editing "
                             "the equivalents file)")
    args = parser.parse_args()
    unknown = [module for module in args.modules if module not in MODULES]
    if unknown:
        parser.error(f"unknown module {unknown[0]}; choose from {', '.join(MODULES)}")
    try:
        os.nice(10)                           # the machine is shared: yield to everyone
    except OSError:
        pass
    status = 0
    rows = []
    for module in args.modules or list(MODULES):
        started = time.monotonic()
        if args.report:
            mutants = read_session(module, args.report / _session_name(module))
        else:
            print(f"{module}: mutating against {' '.join(MODULES[module])} ...", flush=True)
            mutants = mutate(module, MODULES[module], args.keep, args.retest)
        counts = {kind: sum(m.outcome == kind for m in mutants)
                  for kind in ("killed", "survived", "equivalent", "not run")}
        module_score = score(mutants)
        rows.append((module, counts, module_score, time.monotonic() - started))
        for mutant in mutants:
            if args.show in (mutant.outcome, "all"):
                print(f"--- {mutant.outcome} {mutant.operator} line {mutant.line_no}\n"
                      f"    {mutant.before}\n => {mutant.after}")
        if module_score < TARGET:
            status = 1
    print(f"\n{'module':<20} {'mutants':>7} {'killed':>7} {'survived':>8} {'equivalent':>10} "
          f"{'not run':>7} {'score':>6} {'time':>7}")
    for module, counts, module_score, seconds in rows:
        print(f"{module:<20} {sum(counts.values()):>7} {counts['killed']:>7} "
              f"{counts['survived']:>8} {counts['equivalent']:>10} {counts['not run']:>7} "
              f"{module_score:>6.1%} {seconds:>6.0f}s")
    print(f"target: {TARGET:.0%} killed, equivalent mutants excluded "
          f"(listed in {EQUIVALENTS.relative_to(ROOT)})")
    return status


if __name__ == "__main__":
    sys.exit(main())
