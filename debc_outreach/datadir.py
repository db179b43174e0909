"""Where the data folder is.

In order: `--data-dir`, the DEBC_OUTREACH_DATA_DIR environment variable,
portable mode (a file named `portable` next to the program keeps all data in
`data/` beside it, for community centres that run the app from a USB stick),
then the per-user folder from platformdirs.
"""

from __future__ import annotations

import os
from pathlib import Path

from debc_outreach import resources

ENV_VAR = "DEBC_OUTREACH_DATA_DIR"
PORTABLE_MARKER = "portable"


def portable_data_dir() -> Path | None:
    folder = resources.executable_dir()
    if (folder / PORTABLE_MARKER).exists():
        return folder / "data"
    return None


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser().resolve()
    portable = portable_data_dir()
    if portable is not None:
        return portable
    from platformdirs import user_data_dir

    return Path(user_data_dir("DEBC Outreach", appauthor=False))
