"""Settings of this installation (not synced): language, digits, font scale, profile.

Kept in `settings.json` in the data folder, readable before the database is
opened (so even a "database locked" message appears in the chosen language).
Written atomically: a power cut leaves the old or the new file, never half.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)

FILENAME = "settings.json"
FONT_SCALES = (100, 110, 125, 150)


@dataclass
class Settings:
    language: str = ""                 # empty until the first-start dialog has asked
    khmer_digits: bool = False
    font_scale: int = 100              # percent, 100-150
    current_trainer_id: str = ""
    first_run_done: bool = False
    idle_lock_minutes: int = 5         # protected folders: lock after this idle time
    export_folder: str = ""            # the export dialog starts where it last saved
    export_formats: str = "xlsx"       # comma-separated formats ticked last time
    export_column_keys: bool = False   # CSV headers as stable English keys

    @property
    def needs_first_run(self) -> bool:
        return not self.first_run_done


def load_settings(data_dir: Path) -> Settings:
    path = data_dir / FILENAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as error:
        log.warning("settings file %s unreadable (%s); using defaults", path, error)
        return Settings()
    known = {f.name for f in fields(Settings)}
    settings = Settings(**{k: v for k, v in raw.items() if k in known})
    settings.font_scale = min(150, max(100, int(settings.font_scale)))
    return settings


def save_settings(data_dir: Path, settings: Settings) -> None:
    path = data_dir / FILENAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2, ensure_ascii=False), encoding="utf-8")
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    tmp.replace(path)
