"""Updates a data folder with one extra migration that stops half-way (killed by the test).

The migration rewrites rows, reports progress, prints "midway" and then waits: the test
kills the process there, as a power cut would.
"""

import sys
import time
from pathlib import Path

from debc_outreach.storage import migrations
from debc_outreach.sync import upgrade


def _slow(conn) -> None:
    conn.execute("CREATE TABLE padding (id INTEGER PRIMARY KEY, filler TEXT)")
    conn.executemany("INSERT INTO padding (filler) VALUES (?)", [("x" * 200,)] * 2000)
    conn.execute("UPDATE participant SET display_name = display_name || ' (moved)'")
    migrations.report_progress(1, 2)
    print("midway", flush=True)
    time.sleep(60)


migrations.MIGRATIONS = (*migrations.MIGRATIONS, migrations.Migration("9991_slow", _slow))
upgrade.upgrade_folder(Path(sys.argv[1]))
