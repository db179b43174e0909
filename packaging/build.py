"""Build the one-folder release: PyInstaller, then the archive, then the size.

    .venv/bin/python packaging/build.py                 # dist/debc-outreach/ + archive
    .venv/bin/python packaging/build.py --portable      # the same, with the `portable` marker
    .venv/bin/python packaging/build.py --no-archive    # folder only (tests, quick checks)

Linux: dist/debc-outreach-<version>-linux-<arch>.tar.gz (with the .desktop file,
the icon and install-desktop-entry.sh). Windows: the folder is what the Inno
Setup script (packaging/windows/debc-outreach.iss) packs into an installer;
a .zip of it is written too, for copying to USB sticks. After building, the
frozen app's `--self-test` runs (skip with --no-self-test) and the folder
size is printed; the build fails above the 150 MB budget.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "debc-outreach.spec"
NAME = "debc-outreach"
BUDGET_MB = 150.0
WINDOWS = sys.platform == "win32"

FOLDER_README = """DEBC Outreach {version}

Start: {program}
Check this copy works: {cli} --self-test   (prints each step; exit code 0 = all good)
Version: {cli} --version

Portable mode (USB sticks, shared computers): put an empty file named
"portable" next to the program. All data is then kept in the "data" folder
beside it, and nothing is written to the computer's user folders.
{linux_note}
Licences of everything included: _internal/debc_outreach/_data/licenses/
(also shown in the app under Help > About).
"""
LINUX_NOTE = """
Application menu (Linux): run ./install-desktop-entry.sh once
(./install-desktop-entry.sh --remove takes it out again).
"""


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def run_pyinstaller(dist: Path, work: Path) -> Path:
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--clean",
               "--log-level", "WARN", "--distpath", str(dist), "--workpath", str(work)]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)
    return dist / NAME


def add_release_files(folder: Path, version: str, portable: bool) -> None:
    program = f"{NAME}.exe" if WINDOWS else f"./{NAME}"
    cli = f"{NAME}-cli.exe" if WINDOWS else f"./{NAME}"
    text = FOLDER_README.format(version=version, program=program, cli=cli,
                                linux_note="" if WINDOWS else LINUX_NOTE)
    newline = "\r\n" if WINDOWS else "\n"
    (folder / "README.txt").write_text(text.replace("\n", newline), encoding="utf-8")
    if not WINDOWS:
        for name in ("debc-outreach.desktop", "install-desktop-entry.sh"):
            shutil.copy2(ROOT / "packaging" / "linux" / name, folder / name)
        shutil.copy2(folder / "_internal" / "debc-outreach-256.png", folder / "debc-outreach.png")
    marker = folder / "portable"
    if portable:
        marker.write_bytes(b"")
    elif marker.exists():
        marker.unlink()


# The xcb helper libraries Qt's xcb plugin needs and some desktops lack: bundled when the
# build machine has them (Debian: the packages in the README's "Start here").
XCB_HELPERS = ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0",
               "libxcb-image.so.0", "libxcb-render-util.so.0", "libxkbcommon-x11.so.0")


def missing_xcb_helpers(folder: Path) -> list[str]:
    if WINDOWS:
        return []
    return [name for name in XCB_HELPERS if not (folder / "_internal" / name).exists()]


def archive(folder: Path, version: str, portable: bool) -> Path:
    machine = platform.machine().lower() or "unknown"
    suffix = "-portable" if portable else ""
    if WINDOWS:
        path = folder.parent / f"{NAME}-{version}-windows-{machine}{suffix}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
            for file in sorted(folder.rglob("*")):
                zipped.write(file, Path(NAME) / file.relative_to(folder))
        return path
    path = folder.parent / f"{NAME}-{version}-linux-{machine}{suffix}.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=NAME)
    return path


def self_test(folder: Path) -> int:
    program = folder / (f"{NAME}-cli.exe" if WINDOWS else NAME)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(program), "--self-test"], env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--portable", action="store_true",
                        help="put the portable-mode marker in the folder and archive")
    parser.add_argument("--no-archive", action="store_true")
    parser.add_argument("--no-self-test", action="store_true")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from debc_outreach import __version__

    start = time.perf_counter()
    folder = run_pyinstaller(args.dist.resolve(), args.work.resolve())
    add_release_files(folder, __version__, args.portable)
    built = time.perf_counter() - start
    size_mb = folder_size(folder) / 1e6
    print(f"built {folder} in {built:.0f} s: {size_mb:.1f} MB (budget {BUDGET_MB:.0f} MB)")
    missing = missing_xcb_helpers(folder)
    if missing:
        print("warning: not bundled (missing on this build machine), so the computers that run "
              f"this build need them installed: {', '.join(missing)}", file=sys.stderr)
    if not args.no_self_test and self_test(folder) != 0:
        print("the frozen app's self-test failed", file=sys.stderr)
        return 1
    if not args.no_archive:
        path = archive(folder, __version__, args.portable)
        print(f"archive {path}: {path.stat().st_size / 1e6:.1f} MB")
    if size_mb > BUDGET_MB:
        print(f"the folder is over the {BUDGET_MB:.0f} MB budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
