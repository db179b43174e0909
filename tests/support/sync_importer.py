"""Imports one bundle into a data folder (killed mid-way by test_sync_crash)."""

import sys
from pathlib import Path

from debc_outreach.storage.store import Store
from debc_outreach.sync import importer

importer.CHUNK_EVENTS = 50
importer.TRANSACTION_EVENTS = 50
store = Store.open(Path(sys.argv[1]))


def report(done: int, total: int) -> None:
    print(done, flush=True)


importer.import_bundle(store, Path(sys.argv[2]), report=report)
print("finished", flush=True)
