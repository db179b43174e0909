"""The one locator for bundled files: catalogs, fonts, content, icons, styles.

The same calls work from a source checkout (editable install), an installed
wheel and the frozen app, so no other module builds paths to data files.
In a wheel or frozen app, top-level folders (content/, ui/) are bundled under
`debc_outreach/_data/`; from a checkout they are read where they stand.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE_DIR / "_data" / name
    if inside.exists():
        return inside
    return _PACKAGE_DIR.parent / name          # running from a source checkout


def locale_dir() -> Path:
    """Folder holding `<lang>/LC_MESSAGES/messages.mo`."""
    return _PACKAGE_DIR / "locale"


def content_dir() -> Path:
    """The shipped content pack (the folder holding pack.toml)."""
    return _bundled("content")


def ui_dir() -> Path:
    """Designer forms, styles and icons."""
    return _bundled("ui")


def icon_path(name: str) -> Path:
    return ui_dir() / "icons" / name


def stylesheet_path() -> Path:
    return ui_dir() / "style.qss"


@cache
def khmer_font_files() -> tuple[Path, ...]:
    """Noto Sans Khmer font files (OFL), from the `fontpkg-noto-sans-khmer` package."""
    import fontpkg_noto_sans_khmer

    files = sorted((Path(fontpkg_noto_sans_khmer.ROOT) / "files").glob("*.ttf"))
    return tuple(files)


def khmer_font_licence() -> str:
    import fontpkg_noto_sans_khmer

    return (Path(fontpkg_noto_sans_khmer.ROOT) / "LICENSE").read_text(encoding="utf-8")


def executable_dir() -> Path:
    """Folder of the running program: the frozen app's folder, else the checkout."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return _PACKAGE_DIR.parent


def imported_content_dir(data_dir: Path) -> Path:
    """Where an imported content pack lives in a data folder (overrides the shipped one)."""
    return Path(data_dir) / "content-pack"


def outgoing_content_pack(data_dir: Path) -> Path:
    """The signed .zip of the imported pack, which this device's sync bundles carry on to
    other devices; next to it `pack.json` says its id, version and SHA-256."""
    return Path(data_dir) / "content-outbox" / "pack.zip"


def received_content_packs(data_dir: Path) -> Path:
    """Where sync leaves packs that arrived in bundles, until the content importer checks
    and installs them."""
    return Path(data_dir) / "content-inbox"


def docs_dir() -> Path:
    """The trainer's and coordinator's guides (Markdown) and their screenshots."""
    return _bundled("docs")


def guide_path(name: str, lang: str) -> Path:
    """`docs/<name>-guide.<lang>.md`, e.g. guide_path("trainer", "km")."""
    return docs_dir() / f"{name}-guide.{lang}.md"


def licences_dir() -> Path:
    """Licence files of every bundled distribution (written by the release build)."""
    return _bundled("licenses")


def packaging_licence_texts() -> Path:
    """Licence texts for the wheels that ship none (GPL/LGPL): kept in the checkout's
    packaging/licenses/, and bundled into an installed wheel."""
    inside = _PACKAGE_DIR / "_data" / "licence-texts"
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent / "packaging" / "licenses"
