"""`debc-outreach db check | backup PATH | restore BACKUP | migrate | compact`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from debc_outreach import i18n
from debc_outreach.commands import open_store, percent_lines, unlock_if_protected
from debc_outreach.commands.output import print_json
from debc_outreach.errors import UserError
from debc_outreach.i18n import _


def cmd_db_check(args: argparse.Namespace) -> int:
    from debc_outreach.storage import events as event_log
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
        events = event_log.count(database.conn)
        devices = event_log.device_count(database.conn)
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
    from debc_outreach.sync.backup import SUFFIX, write_backup

    target = Path(args.path).expanduser().resolve()
    if target.is_dir():
        import datetime as dt

        target = target / f"backup-{dt.datetime.now():%Y-%m-%d-%H%M%S}{SUFFIX}"
    with open_store(args, daily_backup=False) as store:
        result = write_backup(store.database, store.data_dir, target,
                              percent_lines(args.quiet))
    print(_("Backup written to {path}: {events} events, {size} KB.").format(
        path=result.path, events=i18n.format_number(result.events),
        size=i18n.format_number(max(1, result.size // 1024))))
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from debc_outreach.storage.store import ensure_writable_folder
    from debc_outreach.sync.restore import restore

    ensure_writable_folder(args.data_dir)
    unlock_if_protected(args)
    pin = args.backup_pin or getattr(args, "pin", None) or ""
    result = restore(args.data_dir, Path(args.backup).expanduser().resolve(), pin=pin,
                     progress=percent_lines(args.quiet))
    events = i18n.format_number(result.events)
    if result.kept is None:        # the folder held nothing before
        print(_("Restored {events} events from {path}; every table was rebuilt and "
                "checked.").format(events=events, path=args.backup))
        return 0
    print(_("Restored {events} events from {path}; every table was rebuilt and checked. "
            "The data from before the restore is kept in {kept}.").format(
        events=events, path=args.backup, kept=result.kept))
    return 0


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from debc_outreach.commands import bring_up_to_date
    from debc_outreach.storage.database import DB_FILENAME
    from debc_outreach.storage.store import ensure_writable_folder
    from debc_outreach.sync import upgrade

    ensure_writable_folder(args.data_dir)
    key = unlock_if_protected(args)
    if (args.data_dir / DB_FILENAME).exists():
        done = bring_up_to_date(args, key)
    else:                                   # a new folder: its database, nothing to keep
        done = upgrade.upgrade_folder(args.data_dir, key).applied
    if done:
        print(_("Applied {n} migration(s): {names}").format(n=len(done), names=", ".join(done)))
    else:
        print(_("The database is up to date."))
    return 0


def cmd_db_compact(args: argparse.Namespace) -> int:
    from debc_outreach.commands import bring_up_to_date
    from debc_outreach.storage.database import DB_FILENAME
    from debc_outreach.storage.store import ensure_writable_folder
    from debc_outreach.sync import upgrade

    ensure_writable_folder(args.data_dir)
    key = unlock_if_protected(args)
    bring_up_to_date(args, key)
    path = args.data_dir / DB_FILENAME
    if not path.exists():
        raise UserError(_("There is no database in {folder} yet.").format(folder=args.data_dir))
    gained, warning = upgrade.compact(path, key, force=True)
    if warning:
        raise UserError(warning)
    print(_("The database is {size} MB; {gained} MB were given back to the disk.").format(
        size=i18n.format_number(path.stat().st_size >> 20),
        gained=i18n.format_number(gained >> 20)))
    return 0


def register(commands) -> None:
    db = commands.add_parser("db", help=_("check, back up, restore or migrate the database"))
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    check = db_commands.add_parser("check", help=_("verify integrity and hash chains"))
    check.add_argument("--json", action="store_true", help=_("machine-readable output"))
    check.set_defaults(handler=cmd_db_check)
    backup = db_commands.add_parser(
        "backup", help=_("write a backup (the compressed event log, keys and settings) to "
                         "PATH (a file or a folder)"))
    backup.add_argument("path")
    backup.add_argument("--quiet", action="store_true", help=_("no progress lines"))
    backup.set_defaults(handler=cmd_db_backup)
    restore = db_commands.add_parser(
        "restore", help=_("rebuild the data folder from BACKUP (the data before is kept)"))
    restore.add_argument("backup")
    restore.add_argument("--backup-pin", metavar="PIN",
                         help=_("a PIN (or the recovery code) of the computer the backup "
                                "was made on, when it was protected with other PINs"))
    restore.add_argument("--quiet", action="store_true", help=_("no progress lines"))
    restore.set_defaults(handler=cmd_db_restore)
    migrate = db_commands.add_parser("migrate", help=_("apply pending schema migrations"))
    migrate.add_argument("--quiet", action="store_true", help=_("no progress lines"))
    migrate.set_defaults(handler=cmd_db_migrate)
    compact = db_commands.add_parser(
        "compact", help=_("give the database's free pages back to the disk"))
    compact.set_defaults(handler=cmd_db_compact)
