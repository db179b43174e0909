"""Shared fixtures. Qt runs offscreen; every test gets its own data folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def khmer_cases() -> dict:
    """The verified Khmer test data (tests/data/khmer/cases.json; see its README)."""
    path = TEST_DATA / "khmer" / "cases.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session", autouse=True)
def _one_qapplication(qapp):
    """The test run's one QApplication, made first: headless code (PDF rendering) makes a
    bare QGuiApplication when none exists, and a widget test after it would then fail
    whichever order the files run in."""
    return qapp


@pytest.fixture(autouse=True)
def _english_by_default():
    """Tests start in English with Latin digits unless they switch."""
    from debc_outreach import i18n

    i18n.set_language("en")
    i18n.set_khmer_digits(False)
    yield
    i18n.set_language("en")
    i18n.set_khmer_digits(False)


@pytest.fixture
def fast_kdf(monkeypatch):
    """Argon2id with small memory (the real parameters are in the benchmark); the secrets
    unlocked in this process are forgotten afterwards. Protection tests use it."""
    from debc_outreach.storage import vault

    monkeypatch.setattr(vault, "KDF", {**vault.KDF, "time_cost": 1, "memory_kib": 8192,
                                       "parallelism": 1})
    yield
    vault._UNLOCKED.clear()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def store(data_dir: Path):
    """A fresh, migrated store in a temporary data folder."""
    from debc_outreach.storage.store import Store

    opened = Store.open(data_dir)
    yield opened
    opened.close()


def cli_in(capsys, folder: Path, *args: str, lang: str = "en") -> tuple[int, str, str]:
    """Run `debc-outreach --data-dir FOLDER --lang LANG ARGS...` in-process; return
    (exit code, stdout, stderr)."""
    from debc_outreach.cli import main

    try:
        code = main(["--data-dir", str(folder), "--lang", lang, *args])
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def run_cli(data_dir: Path, capsys):
    """`cli_in` on the test's own data folder."""

    def run(*args: str, lang: str = "en") -> tuple[int, str, str]:
        return cli_in(capsys, data_dir, *args, lang=lang)

    return run


@pytest.fixture
def app_context(qapp, data_dir: Path):
    """A GUI context with an open store and a trainer profile, like after first start."""
    from debc_outreach.gui.app import create_application, open_store, prepare_context
    from debc_outreach.settings import load_settings

    create_application()
    context = prepare_context(data_dir, load_settings(data_dir), "en")
    open_store(context, "Sok Dara")
    yield context
    context.store.close()


@pytest.fixture
def main_window(qtbot, app_context):
    from debc_outreach.gui.shell.main_window import MainWindow

    window = MainWindow(app_context)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    yield window
    close_and_delete(window)


def close_and_delete(widget) -> None:
    """Close a top-level widget and delete it now (before its store is closed)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
