"""Wrong PINs tried by many processes at once are counted like tries one after another."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from debc_outreach.storage import vault

PARALLEL = 16
PIN = "482915"

_TRY = """
import sys, time
from pathlib import Path
from debc_outreach.storage import vault

data_dir, go = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
try:
    vault.unlock(data_dir, sys.argv[3])
    print("unlocked")
except vault.PinDelay:
    print("delay")
except vault.WrongPin:
    print("wrong")
"""


@pytest.fixture
def protected(data_dir, monkeypatch) -> Path:
    # A cheap Argon2 setting keeps 16 processes light; it is stored in the vault with the wrap.
    monkeypatch.setitem(vault.KDF, "memory_kib", 8192)
    monkeypatch.setitem(vault.KDF, "time_cost", 1)
    vault.create(data_dir, "trainer-1", "Sok Dara", PIN)
    return data_dir


def _race(data_dir: Path, tmp_path: Path, pin: str) -> list[str]:
    go = tmp_path / "go"
    children = [subprocess.Popen([sys.executable, "-c", _TRY, str(data_dir), str(go), pin],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(PARALLEL)]
    time.sleep(0.5)                      # let every process reach the starting line
    go.touch()
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert "Traceback" not in err
        outcomes.append(out.strip())
    return outcomes


def test_parallel_wrong_pins_get_the_same_budget_as_serial_ones(protected, tmp_path):
    outcomes = _race(protected, tmp_path, "000000")
    checked = vault.FREE_TRIES + 1
    assert outcomes.count("wrong") == checked
    assert outcomes.count("delay") == PARALLEL - checked
    assert vault.failed_attempts(protected) == checked
    assert vault.seconds_to_wait(protected) > 0
    assert not list((protected / "keys").glob("*.tmp"))


def test_the_right_pin_among_parallel_tries_resets_the_count(protected, tmp_path):
    outcomes = _race(protected, tmp_path, PIN)
    assert set(outcomes) <= {"unlocked", "delay"} and "unlocked" in outcomes
    assert vault.failed_attempts(protected) == 0


def test_a_try_is_counted_before_the_pin_is_checked(protected, monkeypatch):
    seen = []
    real = vault._unwrap

    def watching(wrap, pin, label):
        seen.append(vault.failed_attempts(protected))
        return real(wrap, pin, label)

    monkeypatch.setattr(vault, "_unwrap", watching)
    with pytest.raises(vault.WrongPin):
        vault.unlock(protected, "000000")
    assert seen == [1]
    vault.unlock(protected, PIN)
    assert vault.failed_attempts(protected) == 0
