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
    bring_up_to_date(args, unlock_if_protected(args))
    store = Store.open(args.data_dir)
    args.daily_backup_due = daily_backup
    return store


def bring_up_to_date(args: argparse.Namespace, key: bytes | None) -> list[str]:
    """Migrate a folder written by an earlier version (backup, migrations, check,
    compaction), saying each step on stderr; return the migrations applied."""
    import sys

    from debc_outreach import i18n
    from debc_outreach.i18n import _
    from debc_outreach.sync import upgrade

    names = upgrade.pending_steps(args.data_dir, key)
    if not upgrade.needs_work(args.data_dir, key, names):
        return []
    quiet = getattr(args, "quiet", False)
    if not quiet:
        print(_("This data folder was written by an earlier version: updating it. A backup "
                "is written first; if the computer stops, nothing is changed and the update "
                "starts again."), file=sys.stderr, flush=True)
    result = upgrade.upgrade_folder(args.data_dir, key, _StepLines(names, quiet))
    if result.warning:
        print(_("Warning: {text}").format(text=result.warning), file=sys.stderr)
    if not quiet and result.applied:
        print(_("Updated in {seconds} s; the backup from before the update is {path}.").format(
            seconds=i18n.format_number(round(sum(result.seconds.values()), 1)),
            path=result.backup), file=sys.stderr, flush=True)
    return result.applied


class _StepLines:
    """Update progress on stderr: a line when a step starts, then one per tenth done."""

    def __init__(self, names: list[str], quiet: bool):
        self._names = names
        self._quiet = quiet
        self._step = ""
        self._percent = percent_lines(quiet)

    def __call__(self, step: str, done: int, total: int) -> None:
        import sys

        from debc_outreach.i18n import _
        from debc_outreach.sync.upgrade import step_label

        if self._quiet:
            return
        if step != self._step:
            self._step, self._percent = step, percent_lines(self._quiet)
            print(_("{step}…").format(step=step_label(step, self._names)), file=sys.stderr,
                  flush=True)
        if total:                        # (a step announcing itself says no share yet)
            self._percent(done, total)


def percent_lines(quiet: bool):
    """Progress on stderr, one line per tenth done (a terminal and a log alike)."""
    import sys

    from debc_outreach import i18n
    from debc_outreach.i18n import _

    shown = [-1]

    def report(done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if not quiet and tenth > shown[0]:
            shown[0] = tenth
            print(_("… {percent} %").format(percent=i18n.format_number(tenth * 10)),
                  file=sys.stderr, flush=True)
    return report


def after_command(args: argparse.Namespace) -> None:
    """Write today's backup after a command that opened the data folder.

    A backup that could not be written (a nearly full disk) is said in one line on
    stderr; the command's own result stands.
    """
    import sys

    from debc_outreach.errors import UserError
    from debc_outreach.i18n import _
    from debc_outreach.sync.backup import folder_daily_backup

    if not getattr(args, "daily_backup_due", False):
        return
    args.daily_backup_due = False
    try:
        folder_daily_backup(args.data_dir)
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
