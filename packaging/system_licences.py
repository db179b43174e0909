"""Licences of the Linux system libraries PyInstaller copies into the folder.

PyInstaller bundles some shared libraries from the build machine (OpenSSL,
libffi, SQLite, the xcb helper libraries Qt needs, libstdc++…). Debian and
Ubuntu keep each package's licence in /usr/share/doc/<package>/copyright;
`dpkg -S` says which package a library came from. On other build systems
the list of libraries is still written, without the texts.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from pathlib import Path

SYSTEM_PREFIXES = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib")


def _package_of(path: Path) -> str | None:
    if shutil.which("dpkg") is None:
        return None
    result = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    return result.stdout.split(":", 1)[0].strip() or None


def system_libraries(binaries: list) -> list[Path]:
    """Source paths of the bundled binaries that come from the operating system."""
    found = []
    for _dest, source, kind in binaries:
        if kind != "BINARY":
            continue
        path = Path(source)
        if str(path).startswith(SYSTEM_PREFIXES) and not str(path).startswith(sys.prefix):
            found.append(path)
    return sorted(set(found))


def system_licence(binaries: list):
    """A `licences.Licence` for the system libraries, or None when there are none."""
    from debc_outreach.licences import Licence

    libraries = system_libraries(binaries)
    if not libraries:
        return None
    files: dict[str, str] = {}
    lines = []
    for library in libraries:
        package = _package_of(library) or _package_of(library.resolve())
        lines.append(f"{library.name}\t{package or 'unknown package'}")
        copyright_file = Path("/usr/share/doc") / (package or "-") / "copyright"
        if package and copyright_file.is_file():
            files.setdefault(f"{package}.copyright", copyright_file.read_text(
                encoding="utf-8", errors="replace"))
    files["bundled-libraries.txt"] = "library\tpackage\n" + "\n".join(lines) + "\n"
    return Licence("system-libraries", platform.platform(), "see each package's copyright",
                   files)
