"""Compile ui/*.ui (Qt Designer) into debc_outreach/gui/forms/*_ui.py.

`pyside6-uic --tr tr_` routes form strings through our gettext catalog; it
emits calls to `tr_` without importing it, so the import is added here. The
Qt version line is dropped so the output depends only on the .ui file (a test
recompiles every form and fails when a committed one is out of date).

Run with `python dev.py forms` (or `python -m debc_outreach.gui.forms_build`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from debc_outreach import resources

FORMS_DIR = Path(__file__).resolve().parent / "forms"
IMPORT_LINE = "from debc_outreach.i18n import tr_\n"


def uic_executable() -> str:
    found = shutil.which("pyside6-uic", path=str(Path(sys.executable).parent))
    return found or shutil.which("pyside6-uic") or "pyside6-uic"


def compile_form(ui_file: Path) -> str:
    """Return the Python source for one .ui file."""
    result = subprocess.run([uic_executable(), "--tr", "tr_", str(ui_file)], check=True,
                            capture_output=True, text=True)
    lines = [line for line in result.stdout.splitlines(keepends=True)
             if "Created by: Qt User Interface Compiler" not in line]
    source = "".join(lines)
    marker = "from PySide6.QtWidgets import"
    at = source.index(marker)
    return source[:at] + IMPORT_LINE + source[at:]


def target_for(ui_file: Path) -> Path:
    return FORMS_DIR / f"{ui_file.stem}_ui.py"


def build_all() -> list[Path]:
    written = []
    for ui_file in sorted(resources.ui_dir().glob("*.ui")):
        target = target_for(ui_file)
        target.write_text(compile_form(ui_file), encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    for path in build_all():
        print(path)
