"""Starting the GUI: fonts, language, first start, store, main window."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog

from debc_outreach import APP_NAME, __version__, i18n, resources
from debc_outreach.errors import UserError
from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import install_excepthook, show_user_error
from debc_outreach.logs import setup_logging
from debc_outreach.settings import Settings, load_settings

log = logging.getLogger(__name__)

# Benchmarks set this to quit as soon as the first window has been shown.
EXIT_AFTER_SHOW = "DEBC_OUTREACH_EXIT_AFTER_SHOW"


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resources.icon_path("app.svg"))))
    fonts.register_fonts()
    stylesheet = resources.stylesheet_path()
    if stylesheet.exists():
        app.setStyleSheet(stylesheet.read_text(encoding="utf-8"))
    return app


def prepare_context(data_dir: Path, settings: Settings, language: str | None) -> AppContext:
    """Apply language, digits and font scale from settings; return the context (no store yet)."""
    context = AppContext(data_dir, settings)
    context.apply_language(language or settings.language or i18n.DEFAULT_LANGUAGE)
    i18n.set_khmer_digits(settings.khmer_digits)
    fonts.apply_font_scale(settings.font_scale)
    return context


def open_store(context: AppContext, trainer_name: str = "") -> None:
    """Open the data folder; on first start also create the trainer profile."""
    from debc_outreach.storage import trainers
    from debc_outreach.storage.store import Store

    context.store = Store.open(context.data_dir)
    if trainer_name:
        trainer = trainers.add_trainer(context.store, trainer_name)
        context.settings.current_trainer_id = trainer.id
    if not context.settings.first_run_done:
        context.settings.first_run_done = True
        context.settings.language = i18n.language()
    context.save()


def run_gui(data_dir: Path, language: str | None = None) -> int:
    app = create_application()
    settings = load_settings(data_dir)
    context = prepare_context(data_dir, settings, language)
    setup_logging(data_dir)
    install_excepthook()

    trainer_name = ""
    if settings.needs_first_run and not os.environ.get(EXIT_AFTER_SHOW):
        from debc_outreach.gui.shell.first_run import FirstRunDialog

        dialog = FirstRunDialog(context)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return 0
        trainer_name = dialog.display_name
    from debc_outreach.storage import vault
    from debc_outreach.storage.backup import finish_interrupted_restore

    # A restore that a power cut stopped may bring back another PIN file: finish it
    # before signing in.
    finish_interrupted_restore(data_dir)
    if vault.is_protected(data_dir):        # a folder protected with PINs: sign in first
        from debc_outreach.gui.protection.sign_in import unlock_at_start

        if not unlock_at_start(context):
            return 0
        from debc_outreach.gui.protection.security import resume_interrupted_set_up

        resume_interrupted_set_up(context)
    from debc_outreach.gui.shell.upgrade_window import bring_up_to_date

    # A folder an earlier version wrote is updated in a window of its own first.
    if not bring_up_to_date(context):
        return 1
    try:
        open_store(context, trainer_name)
    except UserError as error:
        show_user_error(None, error)
        return 1

    from debc_outreach.gui.shell.main_window import MainWindow

    window = MainWindow(context)
    window.show()
    if not os.environ.get(EXIT_AFTER_SHOW):
        window.start_daily_backup()
        from debc_outreach.gui.protection.security import after_start

        after_start(context, window, first_run=bool(trainer_name))
    if os.environ.get(EXIT_AFTER_SHOW):
        from debc_outreach.gui.shell.first_paint import after_first_paint

        # Leave at once: zero-delay work queued behind the first frame must not count.
        after_first_paint(window, lambda: os._exit(0))
    status = app.exec()
    context.store.close()
    return status
