"""Power cuts: a writer killed with SIGKILL at random moments never loses a committed event."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from debc_outreach.storage.check import check_database
from debc_outreach.storage.store import Store

WRITER = Path(__file__).parent / "support" / "crash_writer.py"
TRIALS = 20


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_writer_keeps_every_reported_event_and_a_valid_chain(data_dir):
    rng = random.Random(20261125)
    reported: set[int] = set()
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=root)
    for _trial in range(TRIALS):
        writer = subprocess.Popen([sys.executable, str(WRITER), str(data_dir)],
                                  stdout=subprocess.PIPE, text=True, env=env)
        first = writer.stdout.readline()          # wait until it is really writing
        assert first.strip(), "writer did not start"
        reported.add(int(first))
        time.sleep(rng.uniform(0.0, 0.3))
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate()
        reported.update(int(line) for line in rest.split() if line.strip())
        with Store.open(data_dir) as store:
            assert check_database(store.database) == []
            present = {row[0] for row in store.database.conn.execute("SELECT seq FROM event")}
            assert reported <= present, sorted(reported - present)[:5]
            count = store.database.scalar("SELECT count(*) FROM trainer")
            assert count == len(present)       # projection matches the log exactly
    assert len(reported) > TRIALS
