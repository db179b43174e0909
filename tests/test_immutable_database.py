"""A database file the system made immutable (`chattr +i`): reading goes on, every
change gets one clear line and exit code 1, and nothing is half-written."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from debc_outreach.storage.database import DB_FILENAME

VILLAGE = "12010101"


@pytest.fixture
def immutable_db(data_dir, run_cli):
    code, out, err = run_cli("participants", "add", "--name", "Sok Dara", "--consent", "yes")
    assert code == 0, err
    path = data_dir / DB_FILENAME
    if not shutil.which("chattr"):
        pytest.skip("chattr is not installed")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not possible here (needs root and a filesystem with "
                    f"attributes): {made.stderr.strip()}")
    yield out.strip()
    subprocess.run(["chattr", "-i", str(path)], check=False)


def _one_line(err: str) -> None:
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "unexpected" not in err.lower()


def test_changes_are_refused_in_one_line_and_reading_goes_on(immutable_db, run_cli):
    person = immutable_db
    for args in (("participants", "add", "--name", "Chan Sophea"),
                 ("session", "create", "--date", "2026-03-08", "--village", VILLAGE)):
        code, _out, err = run_cli(*args)
        assert code == 1, args
        _one_line(err)
        assert "read-only" in err
    code, out, _err = run_cli("participants", "list", "--json")
    assert code == 0
    assert [p["id"] for p in json.loads(out)] == [person]
    code, out, err = run_cli("db", "check")
    assert code == 0, err
