"""`debc-outreach`: the GUI by default, headless subcommands for scripting.

Exit codes: 0 success, 1 user error (one translated line, no traceback),
2 bad usage. Every subcommand calls the same services the GUI uses.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from debc_outreach import __version__, i18n
from debc_outreach.errors import UserError
from debc_outreach.i18n import _

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


def _initial_language(data_dir: Path, requested: str | None) -> str:
    if requested:
        return requested
    from debc_outreach.settings import load_settings

    chosen = load_settings(data_dir).language
    if chosen:
        return chosen
    env = os.environ.get("LANGUAGE") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "en" if env.startswith("en") else i18n.DEFAULT_LANGUAGE


def _open_store(args: argparse.Namespace):
    from debc_outreach.storage.store import Store

    return Store.open(args.data_dir)


def cmd_db_check(args: argparse.Namespace) -> int:
    from debc_outreach.storage.check import check_database
    from debc_outreach.storage.database import DB_FILENAME, Database

    path = args.data_dir / DB_FILENAME
    if not path.exists():
        raise UserError(_("There is no database in {folder} yet.").format(folder=args.data_dir))
    database = Database(path)
    try:
        from debc_outreach.storage.migrations import check_not_newer

        check_not_newer(database)
        problems = check_database(database)
        events = database.scalar("SELECT count(*) FROM event") or 0
        devices = database.scalar("SELECT count(DISTINCT device_id) FROM event") or 0
    finally:
        database.close()
    if args.json:
        print(json.dumps({"ok": not problems, "problems": problems, "events": events,
                          "devices": devices}, ensure_ascii=False))
    for problem in problems if not args.json else []:
        print(problem, file=sys.stderr)
    if problems:
        raise UserError(_("The database check found {n} problem(s). Restore a backup or ask "
                          "your coordinator for help.").format(n=len(problems)))
    if not args.json:
        print(_("Database OK: {events} events from {devices} device(s), hash chains intact.")
              .format(events=i18n.format_number(events), devices=i18n.format_number(devices)))
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from debc_outreach.storage.backup import backup_database

    with _open_store(args) as store:
        target = backup_database(store.database, Path(args.path).expanduser().resolve())
    print(_("Backup written to {path}").format(path=target))
    return 0


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from debc_outreach.storage import migrations
    from debc_outreach.storage.database import DB_FILENAME, Database
    from debc_outreach.storage.store import ensure_writable_folder

    ensure_writable_folder(args.data_dir)
    database = Database(args.data_dir / DB_FILENAME)
    try:
        migrations.check_not_newer(database)
        database.configure_for_writing()
        done = migrations.migrate(database, args.data_dir / "backups")
    finally:
        database.close()
    if done:
        print(_("Applied {n} migration(s): {names}").format(n=len(done), names=", ".join(done)))
    else:
        print(_("The database is up to date."))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debc-outreach",
        description=_("DEBC Outreach: digital-literacy outreach sessions, offline."))
    parser.add_argument("--version", action="version", version=f"DEBC Outreach {__version__}")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=_("data folder (default: per-user folder, or "
                               "$DEBC_OUTREACH_DATA_DIR, or portable mode)"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=None,
                        help=_("language of messages (km or en)"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help=_("check, back up or migrate the database"))
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    check = db_commands.add_parser("check", help=_("verify integrity and hash chains"))
    check.add_argument("--json", action="store_true", help=_("machine-readable output"))
    check.set_defaults(handler=cmd_db_check)
    backup = db_commands.add_parser("backup", help=_("write a backup copy to PATH"))
    backup.add_argument("path")
    backup.set_defaults(handler=cmd_db_backup)
    migrate = db_commands.add_parser("migrate", help=_("apply pending schema migrations"))
    migrate.set_defaults(handler=cmd_db_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Language first, so even usage errors read in the user's language.
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--data-dir", type=Path, default=None)
    pre.add_argument("--lang", default=None)
    known, _rest = pre.parse_known_args(argv)
    from debc_outreach.datadir import resolve_data_dir

    data_dir = resolve_data_dir(known.data_dir)
    i18n.set_language(_initial_language(data_dir, known.lang))

    args = build_parser().parse_args(argv)
    args.data_dir = data_dir
    if args.command is None:
        from debc_outreach.gui.app import run_gui

        return run_gui(data_dir, language=known.lang)
    from debc_outreach.logs import setup_logging

    setup_logging(data_dir)
    try:
        return args.handler(args)
    except UserError as error:
        print(_("Error: {message}").format(message=error), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("unexpected error in %s", args.command)
        print(_("Error: an unexpected problem occurred; details are in the log file in "
                "{folder}.").format(folder=data_dir / "logs"), file=sys.stderr)
        return 1
