"""Take the guides' screenshots from the real app, offscreen, with demo data.

    .venv/bin/python docs/screenshots.py            # all, in Khmer and English
    .venv/bin/python docs/screenshots.py home modules   # only these

Writes docs/images/<lang>/<name>.png (1366×768 main window; dialogs at their
own size), as 8-bit PNGs to keep the app folder small. A fresh demo programme
is generated in a temporary folder each run, so the pictures never go stale;
run it again whenever a screen changes. Each shot is independent: one that
fails (a screen being rebuilt) is reported and the others are still taken.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
IMAGES = ROOT / "docs" / "images"
WINDOW = (1366, 768)


class Shooter:
    def __init__(self, data_dir: Path):
        from debc_outreach.cli import main as cli_main

        code = cli_main(["--data-dir", str(data_dir), "--lang", "en", "demo-data",
                         "--participants", "160", "--sessions", "12", "--quiet"])
        if code != 0:
            raise SystemExit("demo-data failed")
        from debc_outreach.gui.app import create_application, open_store, prepare_context
        from debc_outreach.gui.shell.main_window import MainWindow
        from debc_outreach.settings import load_settings

        self.app = create_application()
        self.data_dir = data_dir
        self.context = prepare_context(data_dir, load_settings(data_dir), "km")
        open_store(self.context, "សុខ ដារ៉ា")
        self.window = MainWindow(self.context)
        self.window.resize(*WINDOW)
        self.window.show()
        self.settle()

    def settle(self) -> None:
        for _ in range(5):
            self.app.processEvents()

    def save(self, widget, lang: str, name: str) -> Path:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage

        if widget is self.window:
            widget.resize(*WINDOW)      # a page may have widened it (its minimum size)
        self.settle()
        image = widget.grab().toImage().convertToFormat(
            QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
        path = IMAGES / lang / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            raise RuntimeError(f"could not write {path}")
        return path

    def dialog(self, dialog, lang: str, name: str) -> Path:
        dialog.show()
        try:
            return self.save(dialog, lang, name)
        finally:
            dialog.close()
            dialog.deleteLater()

    # --- the shots -------------------------------------------------------------
    def first_start(self, lang: str) -> Path:
        from debc_outreach.gui.shell.first_run import FirstRunDialog

        return self.dialog(FirstRunDialog(self.context), lang, "first-start")

    def home(self, lang: str) -> Path:
        self.window.page("home")
        return self.save(self.window, lang, "home")

    def sessions(self, lang: str) -> Path:
        page = self.window.page("sessions")
        page.show_list()
        return self.save(self.window, lang, "sessions")

    def plan_session(self, lang: str) -> Path:
        from debc_outreach.gui.sessions.session_plan_dialog import SessionPlanDialog

        self.window.page("sessions")
        return self.dialog(SessionPlanDialog(self.context.store, self.window), lang,
                           "plan-session")

    def _open_session(self):
        page = self.window.page("sessions")
        page.show_list()
        model = page.table.model()
        for row in range(model.rowCount()):
            session = model.session(row)
            if session is not None and getattr(session, "state", "") != "closed":
                page.open_session(session.id)
                return page
        page.open_session(model.session(0).id)
        return page

    def check_in(self, lang: str) -> Path:
        page = self._open_session()
        view = page.stack.currentWidget()
        view.checkin.search.setFocus()
        view.checkin.search.setText("ស" if lang == "km" else "so")
        path = self.save(self.window, lang, "check-in")
        view.checkin.search.clear()
        return path

    def skills(self, lang: str) -> Path:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        page = self._open_session()
        view = page.stack.currentWidget()
        if lang == "km":                        # check a few people in, as a trainer would
            for letters in ("ស", "ច", "ម", "ល", "ក"):
                view.checkin.search.setText(letters)
                self.settle()
                QTest.keyClick(view.checkin.search, Qt.Key.Key_Return)
                self.settle()
        view.skills.grid.setFocus()
        model = view.skills.grid.model()
        if lang == "km" and model is not None:  # a few skills ticked: A achieved, N not yet
            for row, column, key in ((0, 0, Qt.Key.Key_A), (1, 0, Qt.Key.Key_A),
                                     (2, 0, Qt.Key.Key_N), (3, 0, Qt.Key.Key_A),
                                     (0, 1, Qt.Key.Key_A), (1, 1, Qt.Key.Key_N)):
                if row < model.rowCount() and column < model.columnCount():
                    view.skills.grid.setCurrentIndex(model.index(row, column))
                    QTest.keyClick(view.skills.grid, key)
                    self.settle()
        if model is not None and model.rowCount():
            view.skills.grid.setCurrentIndex(model.index(2, 1))
        return self.save(self.window, lang, "skills")

    def participants(self, lang: str) -> Path:
        self.window.page("participants")
        return self.save(self.window, lang, "participants")

    def new_participant(self, lang: str) -> Path:
        from debc_outreach.gui.participants.participant_dialog import ParticipantDialog

        return self.dialog(ParticipantDialog(self.context.store, self.window), lang,
                           "new-participant")

    def duplicates(self, lang: str) -> Path:
        from debc_outreach.gui.participants.duplicates_dialog import DuplicatesDialog

        dialog = DuplicatesDialog(self.context.store, self.window)
        dialog.resize(1100, 600)
        return self.dialog(dialog, lang, "duplicates")

    def modules(self, lang: str) -> Path:
        page = self.window.page("modules")
        if page.modules.count():
            page.modules.setCurrentRow(0)
        return self.save(self.window, lang, "modules")

    def present(self, lang: str) -> Path:
        from debc_outreach.gui.teaching.present_dialog import PresentDialog

        page = self.window.page("modules")
        page.modules.setCurrentRow(0)
        return self.dialog(PresentDialog(page.current_module(), lang, self.window), lang,
                           "present")

    def _presentation(self, lang: str):
        from debc_outreach.gui.teaching.presenter import Presentation

        page = self.window.page("modules")
        page.modules.setCurrentRow(0)
        presentation = Presentation(page.current_module(), lang, owner=self.window)
        presentation.state.go(1)
        return presentation

    def slides(self, lang: str) -> Path:
        presentation = self._presentation(lang)
        try:
            presentation.audience.resize(*WINDOW)
            presentation.audience.show()
            return self.save(presentation.audience, lang, "slides")
        finally:
            presentation.stop()
            self.settle()

    def trainer_view(self, lang: str) -> Path:
        presentation = self._presentation(lang)
        try:
            presentation.trainer.resize(*WINDOW)
            presentation.trainer.show()
            return self.save(presentation.trainer, lang, "trainer-view")
        finally:
            presentation.stop()
            self.settle()

    def glossary(self, lang: str) -> Path:
        self.window.page("glossary")
        return self.save(self.window, lang, "glossary")

    def verify(self, lang: str) -> Path:
        self.window.page("verify")
        return self.save(self.window, lang, "verify")

    def sync(self, lang: str) -> Path:
        self.window.page("sync")
        return self.save(self.window, lang, "sync")

    def conflicts(self, lang: str) -> Path:
        self.window.page("conflicts")
        return self.save(self.window, lang, "conflicts")

    def security(self, lang: str) -> Path:
        from debc_outreach.gui.protection.security_dialog import SecurityDialog

        return self.dialog(SecurityDialog(self.context, self.window), lang, "security")

    def wait(self, seconds: float) -> None:
        """Let background work (figures computed off the GUI thread) finish."""
        import time

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    def reports(self, lang: str) -> Path:
        self.window.page("reports")
        self.wait(3.0)
        return self.save(self.window, lang, "reports")

    def export(self, lang: str) -> Path:
        from debc_outreach.gui.reporting.export_dialog import ExportDialog

        page = self.window.page("reports")
        return self.dialog(ExportDialog(self.context, page.filters.current(), self.window),
                           lang, "export")

    def targets(self, lang: str) -> Path:
        from debc_outreach.gui.reporting.targets_dialog import TargetsDialog

        return self.dialog(TargetsDialog(self.context, self.window), lang, "targets")

    def settings(self, lang: str) -> Path:
        from debc_outreach.gui.shell.settings_dialog import SettingsDialog

        return self.dialog(SettingsDialog(self.context, self.window), lang, "settings")

    def help_guide(self, lang: str) -> Path:
        from debc_outreach.gui.shell.guide_viewer import GuideDialog

        dialog = GuideDialog("trainer", self.window)
        dialog.resize(1000, 700)
        return self.dialog(dialog, lang, "help-guide")


SHOTS = ("first_start", "home", "sessions", "plan_session", "check_in", "skills",
         "participants", "new_participant", "duplicates", "modules", "present", "slides",
         "trainer_view", "glossary",
         "verify", "sync", "conflicts", "reports", "export", "targets", "settings", "security",
         "help_guide")


def main(argv: list[str]) -> int:
    wanted = [name.replace("-", "_") for name in argv] or list(SHOTS)
    failed = []
    with tempfile.TemporaryDirectory(prefix="debc-shots-") as tmp:
        shooter = Shooter(Path(tmp) / "data")
        for lang in ("km", "en"):
            shooter.context.set_language(lang)
            for name in wanted:
                shot: Callable[[str], Path] = getattr(shooter, name)
                try:
                    path = shot(lang)
                except Exception:               # a screen under construction: report, go on
                    failed.append(f"{lang}/{name}")
                    traceback.print_exc()
                    continue
                print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
        shooter.window.close()
        shooter.context.store.close()
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
