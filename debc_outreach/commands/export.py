"""`debc-outreach export …` (files for donors and the ministry) and `targets …`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from debc_outreach import i18n
from debc_outreach.commands import open_store
from debc_outreach.commands.output import print_json
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import privacy


def _who(args: argparse.Namespace, store):
    from debc_outreach.reports.exports import Who
    from debc_outreach.settings import load_settings
    from debc_outreach.storage import trainers

    trainer_id = load_settings(args.data_dir).current_trainer_id
    trainer = trainers.get_trainer(store, trainer_id) if trainer_id else None
    return Who(store.device_id, trainer_id if trainer else "",
               trainer.display_name if trainer else "")


def _filter(args: argparse.Namespace, data_dir: Path):
    from debc_outreach.reports import lookup
    from debc_outreach.reports.filters import build_filter

    catalog = lookup.catalog(data_dir)
    return build_filter(date_from=getattr(args, "date_from", None),
                        date_to=getattr(args, "date_to", None),
                        province=getattr(args, "province", None),
                        district=getattr(args, "district", None),
                        module=getattr(args, "module", None),
                        policy_area=getattr(args, "policy_area", None),
                        trainer_id=getattr(args, "trainer", None),
                        device_id=getattr(args, "device", None),
                        policy_modules=catalog.policy_modules())


def _report(result, fmt: str) -> None:
    print(ngettext("Wrote {path}: {rows} row ({fmt}).", "Wrote {path}: {rows} rows ({fmt}).",
                   result.rows).format(
        path=result.path, rows=i18n.format_number(result.rows), fmt=fmt.upper()))
    if result.unnamed:
        print(ngettext("{n} participant without consent is counted but not named.",
                       "{n} participants without consent are counted but not named.",
                       result.unnamed).format(n=i18n.format_number(result.unnamed)))


def _warn_if_named(kind: str, result) -> None:
    """A file that lists names: say so (on stderr, so scripts reading stdout are unaffected)."""
    if privacy.export_has_names(kind) and getattr(result, "named", 1):
        print(_("Warning: {text}").format(text=privacy.named_export_warning()),
              file=sys.stderr)


EXPORT_FORMATS = ("csv", "xlsx", "pdf")


def export_format(requested: str | None, output: str) -> str:
    """--format when given, else the output file's extension (x.csv -> csv)."""
    if requested:
        return requested
    extension = Path(output).suffix.lower().lstrip(".")
    if extension in EXPORT_FORMATS:
        return extension
    if extension == "zip":          # export outcomes: its CSV tables in one ZIP
        return "csv"
    raise UserError(_("Which format? End the file name in .csv, .xlsx or .pdf, "
                      "or give --format csv, xlsx or pdf."))


def cmd_export(args: argparse.Namespace) -> int:
    from debc_outreach.reports.exports import ExportRequest, run_export

    fmt = export_format(args.format, args.output)
    filt = _filter(args, args.data_dir)
    with open_store(args) as store:
        # The coordinator's rule binds the command line as it binds the app.
        privacy.require_named_exports_allowed(store, args.kind)
        request = ExportRequest(args.kind, fmt, Path(args.output), filt,
                                args.export_lang or i18n.language(), data_dir=args.data_dir,
                                column_keys=args.column_keys)
        result = run_export(store.database, request, _who(args, store))
    _report(result, fmt)
    _warn_if_named(args.kind, result)
    return 0


def cmd_document(args: argparse.Namespace) -> int:
    from debc_outreach.reports.exports import ExportRequest, run_export

    filt = _filter(args, args.data_dir)
    with open_store(args) as store:
        # The coordinator's rule binds the command line as it binds the app.
        privacy.require_named_exports_allowed(store, args.kind)
        request = ExportRequest(args.kind, "pdf", Path(args.output), filt,
                                args.export_lang or i18n.language(), target_id=args.id,
                                data_dir=args.data_dir)
        result = run_export(store.database, request, _who(args, store))
    print(_("Wrote {path}.").format(path=result.path))
    _warn_if_named(args.kind, result)
    if result.unnamed:
        print(ngettext("{n} participant without consent is counted but not named.",
                       "{n} participants without consent are counted but not named.",
                       result.unnamed).format(n=i18n.format_number(result.unnamed)))
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from debc_outreach.reports import audit

    with open_store(args) as store:
        entries = audit.entries(store.database, args.limit)
    if args.json:
        print_json([e.as_json() for e in entries], indent=1)
        return 0
    for e in entries:
        print("\t".join((e.at, e.trainer_name or e.device_id[:8], e.kind, e.format,
                         str(e.rows), e.path,
                         json.dumps(e.filters, ensure_ascii=False, sort_keys=True))))
    return 0


def cmd_targets_set(args: argparse.Namespace) -> int:
    from debc_outreach.reports import lookup, targets

    with open_store(args) as store:
        target = targets.set_target(
            store, province_code=args.province or "", period_start=args.date_from,
            period_end=args.date_to, measure=args.measure, value=args.value,
            policy_area=args.policy_area or "", note=args.note or "",
            policy_modules=lookup.catalog(args.data_dir).policy_modules(), target_id=args.id)
    print(target.id)
    return 0


def cmd_targets_list(args: argparse.Namespace) -> int:
    from debc_outreach.reports import lookup, targets

    with open_store(args) as store:
        found = targets.progress(store.database,
                                 lookup.catalog(args.data_dir).policy_modules())
    if args.json:
        print_json([{**p.target.__dict__, "actual": p.actual} for p in found], indent=1)
        return 0
    for p in found:
        t = p.target
        print("\t".join((t.id, t.province_code or "*", f"{t.period_start}..{t.period_end}",
                         t.policy_area or "*", t.measure, i18n.format_number(t.value),
                         i18n.format_number(p.actual), i18n.format_percent(p.share))))
    return 0


def cmd_targets_remove(args: argparse.Namespace) -> int:
    from debc_outreach.reports import targets

    with open_store(args) as store:
        targets.remove_target(store, args.id)
    print(_("Target removed."))
    return 0


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", metavar="DATE",
                        help=_("first session date, e.g. 2026-01-01"))
    parser.add_argument("--to", dest="date_to", metavar="DATE",
                        help=_("last session date, e.g. 2026-03-31"))
    parser.add_argument("--province", metavar="CODE", help=_("province code, e.g. 12"))
    parser.add_argument("--district", metavar="CODE", help=_("district code, e.g. 1201"))
    parser.add_argument("--module", metavar="SLUG", help=_("only sessions covering a module"))
    parser.add_argument("--policy-area", metavar="TAG",
                        help=_("only sessions of a policy area, e.g. consumer-trust"))
    parser.add_argument("--trainer", metavar="ID", help=_("only sessions of a trainer"))
    parser.add_argument("--device", metavar="ID", help=_("only check-ins made on a device"))


def _lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", dest="export_lang", choices=i18n.LANGUAGES,
                        help=_("language of the file (default: the app's language)"))


def register(commands) -> None:
    parser = commands.add_parser("export", help=_("write reports: CSV, XLSX or PDF"))
    kinds = parser.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    helps = {"attendance": _("one row per check-in (XLSX: the full workbook)"),
             "sessions": _("one row per session with its counters"),
             "participants": _("people who attended (named only with consent)"),
             "summary": _("figures, disaggregation, skills and targets (PDF: with charts)"),
             "outcomes": _("quick checks before and after, follow-ups and scam tallies "
                           "(CSV: one file per table in a ZIP)")}
    for kind, text in helps.items():
        sub = kinds.add_parser(kind, help=text)
        sub.add_argument("--format", choices=EXPORT_FORMATS,
                         help=_("file format (default: from the file name's extension)"))
        sub.add_argument("-o", "--output", required=True, metavar="FILE")
        _filters(sub)
        _lang(sub)
        sub.add_argument("--column-keys", action="store_true",
                         help=_("CSV: stable English column keys as headers, for scripts "
                                "(default: headers in the file's language)"))
        sub.set_defaults(handler=cmd_export, kind=kind)
    documents = {"attendance-sheet": (_("a session's attendance sheet (PDF, to sign)"),
                                      "SESSION_ID"),
                 "sign-in-sheet": (_("a blank sign-in sheet for a planned session (PDF)"),
                                   "SESSION_ID"),
                 "certificate": (_("a participant's certificate of participation (PDF)"),
                                 "PARTICIPANT_ID")}
    for kind, (text, metavar) in documents.items():
        sub = kinds.add_parser(kind, help=text)
        sub.add_argument("id", metavar=metavar)
        sub.add_argument("-o", "--output", required=True, metavar="FILE")
        if kind == "certificate":
            sub.add_argument("--from", dest="date_from", metavar="DATE",
                             help=_("count sessions from this date"))
            sub.add_argument("--to", dest="date_to", metavar="DATE",
                             help=_("count sessions up to this date"))
        _lang(sub)
        sub.set_defaults(handler=cmd_document, kind=kind)
    log = kinds.add_parser("log", help=_("the export log: who exported what, when"))
    log.add_argument("--limit", type=int, default=50, help=_("newest entries to show"))
    log.add_argument("--json", action="store_true", help=_("machine-readable output"))
    log.set_defaults(handler=cmd_log)

    targets = commands.add_parser("targets", help=_("targets per province, period, policy area"))
    actions = targets.add_subparsers(dest="targets_command", metavar="ACTION", required=True)
    set_ = actions.add_parser("set", help=_("add a target, or change one with --id"))
    set_.add_argument("--province", metavar="CODE", help=_("province code (empty: all)"))
    set_.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    set_.add_argument("--to", dest="date_to", required=True, metavar="DATE")
    set_.add_argument("--measure", required=True,
                      choices=("participants", "women", "disability", "youth", "elders",
                               "attendances", "sessions"))
    set_.add_argument("--value", required=True, help=_("the number to reach"))
    set_.add_argument("--policy-area", metavar="TAG", help=_("policy area (empty: all)"))
    set_.add_argument("--note", help=_("a note, e.g. the donor"))
    set_.add_argument("--id", help=_("change this target instead of adding one"))
    set_.set_defaults(handler=cmd_targets_set)
    list_ = actions.add_parser("list", help=_("targets with their actual figures"))
    list_.add_argument("--json", action="store_true", help=_("machine-readable output"))
    list_.set_defaults(handler=cmd_targets_list)
    remove = actions.add_parser("remove", help=_("remove a target"))
    remove.add_argument("id")
    remove.set_defaults(handler=cmd_targets_remove)
