"""Writes trainer events in a loop, printing each committed seq (killed by the test)."""

import sys
from pathlib import Path

from debc_outreach.storage import trainers
from debc_outreach.storage.store import Store

store = Store.open(Path(sys.argv[1]))
n = 0
while True:
    n += 1
    trainers.add_trainer(store, f"ស្រីពៅ {n}")
    seq = store.database.scalar("SELECT max(seq) FROM event WHERE device_id = ?",
                                (store.device_id,))
    print(seq, flush=True)
