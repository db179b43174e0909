"""Shrink the ICU data libraries of a Linux build to the locales the app uses.

The Linux folder carries two ICU data libraries of ~32 MB each: Qt's
(libicudata.so.73, linked by QtCore) and PyICU's (ICU 77, Khmer collation and
line breaks). Each holds display names, currencies, units and time zones for
~800 locales; the app speaks Khmer and English. This keeps every item except
the per-locale resources of other languages (ICU falls back to root for them)
and the legacy-charset conversion tables (UTF-8, ASCII and Latin-1 are built
into ICU's code), so collation, break iteration (all dictionaries),
normalisation and supplemental data stay complete.

How: the data blob is the library's `.rodata` (one exported symbol,
`icudtNN_dat`); `icupkg` removes items from it, and a two-line assembly file
with `.incbin` links it back into a shared library with the same soname.
Needs objcopy, gcc and icupkg (Debian: binutils, gcc, icu-devtools); without
them the build keeps the full data and says so. Windows Qt uses the system's
ICU and needs none of this.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

DATA_LIB = re.compile(r"^libicudata(-[0-9a-f]+)?\.so\.(\d+)")
# An ICU locale id: language, then script, region, variant (collation also has "de_").
LOCALE = re.compile(r"^(?P<lang>[a-z]{2,3})(_[A-Za-z0-9]*)*$")
NOT_LOCALES = {"res_index"}
KEEP_LANGUAGES = {"root", "en", "km"}
TOOLS = ("objcopy", "gcc", "icupkg")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def removable(item: str) -> bool:
    """True for a per-locale resource of a language the app does not use, or a charset table."""
    name = item.rsplit("/", 1)[-1]
    if name.endswith(".cnv"):
        return True          # legacy-charset tables: the app reads and writes UTF-8 only
    if not name.endswith(".res"):
        return False
    match = LOCALE.match(name[:-4])
    return bool(match) and name[:-4] not in NOT_LOCALES and match["lang"] not in KEEP_LANGUAGES


def soname(library: Path) -> str:
    out = subprocess.run(["objdump", "-p", str(library)], capture_output=True, text=True,
                         check=True).stdout
    found = re.search(r"SONAME\s+(\S+)", out)
    return found.group(1) if found else library.name


def trim_library(library: Path, work: Path) -> Path:
    """Write a trimmed copy of one ICU data library into `work`; return its path."""
    work.mkdir(parents=True, exist_ok=True)
    major = DATA_LIB.match(library.name).group(2)
    symbol = f"icudt{major}_dat"
    (work / "full").mkdir(exist_ok=True)
    full = work / "full" / f"icudt{major}l.dat"      # icupkg takes the package name from it
    subprocess.run(["objcopy", "-O", "binary", "--only-section=.rodata", str(library),
                    str(full)], check=True)
    items = subprocess.run(["icupkg", "-l", str(full)], capture_output=True, text=True,
                           check=True).stdout.split()
    remove = [item for item in items if removable(item)]
    (work / "remove.txt").write_text("\n".join(remove) + "\n", encoding="utf-8")
    trimmed = work / f"icudt{major}l.dat"
    trimmed.unlink(missing_ok=True)
    subprocess.run(["icupkg", "-r", str(work / "remove.txt"), str(full), str(trimmed)],
                   check=True, stdout=subprocess.DEVNULL)
    assembly = work / "icudata.S"
    assembly.write_text(
        f'\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n'
        f'{symbol}:\n\t.incbin "{trimmed.name}"\n\t.size {symbol}, .-{symbol}\n'
        '\t.section .note.GNU-stack,"",@progbits\n', encoding="utf-8")
    output = work / library.name
    subprocess.run(["gcc", "-shared", "-nostdlib", f"-Wl,-soname,{soname(library)}", "-o",
                    str(output), assembly.name], check=True, cwd=work)
    return output


def trim_binaries(binaries: list, work: Path) -> tuple[list, list[str]]:
    """Replace the ICU data libraries in a PyInstaller TOC; return (toc, report lines)."""
    missing = missing_tools()
    if missing:
        return binaries, [f"ICU data kept in full (missing tools: {', '.join(missing)})"]
    result, report = [], []
    for dest, source, kind in binaries:
        name = Path(dest).name
        if DATA_LIB.match(name) and kind == "BINARY":
            trimmed = trim_library(Path(source), work / name)
            report.append(f"{name}: {Path(source).stat().st_size / 1e6:.1f} MB -> "
                          f"{trimmed.stat().st_size / 1e6:.1f} MB")
            source = str(trimmed)
        result.append((dest, source, kind))
    return result, report
