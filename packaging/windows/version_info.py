"""The Windows version resource (Explorer → Properties → Details) for both executables.

Written as the text form PyInstaller reads with `EXE(version=...)` (the form
`pyi-grab_version` prints), so no Windows-only module is needed to make it.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATE = """# UTF-8
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers=({numbers}),
    prodvers=({numbers}),
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
        StringStruct('CompanyName', 'DEBC Outreach project'),
        StringStruct('FileDescription', 'DEBC Outreach: digital-literacy outreach, offline'),
        StringStruct('FileVersion', '{version}'),
        StringStruct('InternalName', 'debc-outreach'),
        StringStruct('LegalCopyright', 'GPL-3.0-or-later'),
        StringStruct('OriginalFilename', 'debc-outreach.exe'),
        StringStruct('ProductName', 'DEBC Outreach'),
        StringStruct('ProductVersion', '{version}')
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def version_numbers(version: str) -> tuple[int, int, int, int]:
    """'0.1.0' -> (0, 1, 0, 0); pre-release suffixes ('1.2.0rc1') are dropped."""
    numbers = [int(re.match(r"\d*", part).group() or 0) for part in version.split(".")[:4]]
    return tuple((numbers + [0, 0, 0, 0])[:4])


def write_version_file(path: Path, version: str) -> Path:
    numbers = ", ".join(str(n) for n in version_numbers(version))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.format(numbers=numbers, version=version), encoding="utf-8")
    return path
