"""A demo programme made once per bench and size, kept in `.bench-data/` for later runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

DB_FILENAME = "outreach.sqlite"


def demo_programme(folder: Path, participants: int) -> Path:
    """`folder` holding a `demo-data` programme of this size (one session per 40
    participants, as the demo makes them), made at low priority unless it is there
    already; a folder a restore left unfinished is made again."""
    if not (folder / DB_FILENAME).exists() or (folder / "restoring").exists():
        shutil.rmtree(folder, ignore_errors=True)
        sessions = max(1, participants // 40)
        print(f"making a programme of {participants:,} participants ({sessions:,} sessions)…",
              flush=True)
        subprocess.run(["nice", "-n", "10", sys.executable, "-m", "debc_outreach",
                        "--data-dir", str(folder), "--lang", "en", "demo-data",
                        "--participants", str(participants), "--sessions", str(sessions),
                        "--quiet"], check=True)
    return folder
