"""`debc-outreach db check | backup PATH | migrate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from debc_outreach import i18n
from debc_outreach.commands import open_store, unlock_if_protected
from debc_outreach.commands.output import print_json
from debc_outreach.errors import UserError
from debc_outreach.i18n import _


def cmd_db_check(args: argparse.Namespace) -> int:
    from debc_outreach.storage.check import check_database, record_problems
    from debc_outreach.storage.database import DB_FILENAME, Database

    path = args.data_dir / DB_FILENAME
    if not path.exists():
        raise UserError(_("There is no database in {folder} yet.").format(folder=args.data_dir))
    database = Database(path, unlock_if_protected(args))
    try:
        from debc_outreach.storage.migrations import check_not_newer

        check_not_newer(database)
        problems = check_database(database)
        to_repair = record_problems(database.conn)
        events = database.scalar("SELECT count(*) FROM event") or 0
        devices = database.scalar("SELECT count(DISTINCT device_id) FROM event") or 0
    finally:
        database.close()
    if args.json:
        report = {"ok": not problems, "problems": problems, "events": events,
                  "devices": devices, "records_to_repair": [r.as_json() for r in to_repair]}
        if getattr(args, "finished_set_up", False):
            report["finished_interrupted_set_up"] = True
        print_json(report)
    for problem in problems if not args.json else []:
        print(problem, file=sys.stderr)
    if problems:
        raise UserError(_("The database check found {n} problem(s). Restore a backup or ask "
                          "your coordinator for help.").format(n=len(problems)))
    if not args.json:
        print(_("Database OK: {events} events from {devices} device(s), hash chains intact.")
              .format(events=i18n.format_number(events), devices=i18n.format_number(devices)))
        _print_records_to_repair(to_repair)
    return 0


def _print_records_to_repair(to_repair: list) -> None:
    """Records an older version stored with a value today's rules refuse: one line each."""
    if not to_repair:
        return
    print(i18n.ngettext("{n} record needs repair (open it and correct the field):",
                        "{n} records need repair (open each and correct the field):",
                        len(to_repair)).format(n=i18n.format_number(len(to_repair))))
    for record in to_repair:
        print(_("  {entity} “{label}” ({id}): {problem}").format(
            entity=record.entity, label=record.label, id=record.entity_id,
            problem=record.message))


def cmd_db_backup(args: argparse.Namespace) -> int:
    from debc_outreach.storage.backup import backup_database

    with open_store(args) as store:
        target = backup_database(store.database, Path(args.path).expanduser().resolve())
    print(_("Backup written to {path}").format(path=target))
    return 0


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from debc_outreach.storage import migrations
    from debc_outreach.storage.database import DB_FILENAME, Database
    from debc_outreach.storage.store import ensure_writable_folder

    ensure_writable_folder(args.data_dir)
    database = Database(args.data_dir / DB_FILENAME, unlock_if_protected(args))
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


def register(commands) -> None:
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
