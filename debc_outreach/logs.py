"""Logging to a rotating file in the data folder (never to the user's screen)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_NAME = "debc-outreach.log"


def log_path(data_dir: Path) -> Path:
    return data_dir / "logs" / LOG_NAME


def setup_logging(data_dir: Path, level: int = logging.INFO) -> Path | None:
    """Log to data_dir/logs with rotation; returns the file, or None if it cannot be written."""
    path = log_path(data_dir)
    root = logging.getLogger()
    root.setLevel(level)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5,
                                                       encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for old in [h for h in root.handlers if getattr(h, "_debc", False)]:
        root.removeHandler(old)
        old.close()
    handler._debc = True
    root.addHandler(handler)
    return path
