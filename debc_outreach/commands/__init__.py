"""Headless subcommands of `debc-outreach`, one module per area.

Each module has `register(commands)` that adds its argparse subparsers and
sets `handler=` to a function `(args) -> exit code`. Handlers raise
`UserError` for problems the user can fix; cli.py prints it and exits 1.
`args.data_dir` is always the resolved data folder.
"""

from __future__ import annotations

import argparse
import importlib

from debc_outreach.storage.store import Store

PIN_ENV = "DEBC_OUTREACH_PIN"

# Order here is the order in `debc-outreach --help`.
MODULES = ("db", "participants", "session", "followup", "demo", "content", "sync", "export",
           "protect", "cert", "hub")


def register_all(commands) -> None:
    for name in MODULES:
        importlib.import_module(f"debc_outreach.commands.{name}").register(commands)


def open_store(args: argparse.Namespace, daily_backup: bool = True) -> Store:
    """Open the data folder named on the command line (creating it on first use).

    Today's backup, if not made yet, is written when the command has done its work
    (`after_command`), so the command's answer comes first.
    """
    unlock_if_protected(args)
    store = Store.open(args.data_dir)
    args.daily_backup_due = daily_backup
    return store


def after_command(args: argparse.Namespace) -> None:
    """Write today's backup after a command that opened the data folder.

    A backup that could not be written (a nearly full disk) is said in one line on
    stderr; the command's own result stands.
    """
    import sys

    from debc_outreach.errors import UserError
    from debc_outreach.i18n import _
    from debc_outreach.sync.backup import daily_backup, database_for_backup

    if not getattr(args, "daily_backup_due", False):
        return
    args.daily_backup_due = False
    try:
        database = database_for_backup(args.data_dir)
        try:
            daily_backup(database, args.data_dir, Store.backup_dir_for(args.data_dir))
        finally:
            database.close()
    except UserError as error:
        warning = Store.warning_for_failed_backup(str(error))
        print(_("Warning: {text}").format(text=warning), file=sys.stderr)


def unlock_if_protected(args: argparse.Namespace) -> bytes | None:
    """Sign in to a folder protected with PINs; return its database key (None if plain).

    The PIN comes from --pin, the DEBC_OUTREACH_PIN variable or, on a terminal, a prompt.
    """
    import getpass
    import os
    import sys

    from debc_outreach.errors import UserError
    from debc_outreach.i18n import _
    from debc_outreach.storage import protection, vault
    from debc_outreach.storage.backup import finish_interrupted_restore

    # A restore that a power cut stopped may bring back another PIN file: finish it first.
    finish_interrupted_restore(args.data_dir)
    if not vault.is_protected(args.data_dir):
        return None
    if vault.unlocked_secret(args.data_dir) is None:
        pin = getattr(args, "pin", None) or os.environ.get(PIN_ENV, "")
        if not pin and sys.stdin.isatty():
            pin = getpass.getpass(_("PIN: "))
        if not pin:
            raise UserError(_("This data folder is protected with PINs. Give a trainer's PIN "
                              "with --pin or the {variable} variable.").format(variable=PIN_ENV))
        protection.sign_in(args.data_dir, pin)
    if protection.interrupted_set_up(args.data_dir):
        resume_interrupted_set_up(args.data_dir)
        args.finished_set_up = True
    return vault.folder_database_key(args.data_dir)


def resume_interrupted_set_up(data_dir) -> None:
    """Finish a PIN set-up that was stopped half-way; say so and show the new recovery code.

    Written to stderr, so a command's own output (`--json`) stays clean.
    """
    import sys

    from debc_outreach.i18n import _
    from debc_outreach.storage import protection
    from debc_outreach.sync.keys import seal_key_file

    done = protection.resume_set_up(data_dir)
    seal_key_file(data_dir)
    print(_("The set-up of PIN protection on this computer had been interrupted. It is "
            "finished now: the database and the device keys are encrypted and checked. The "
            "recovery code made then was never shown, so it no longer works. New recovery "
            "code (write it down and keep it locked away; it is shown only once):"),
          file=sys.stderr)
    print(done.recovery_code, file=sys.stderr, flush=True)
    protection.finish_set_up(data_dir)
