"""`debc-outreach followup due | record | window`: follow-ups a month after a session."""

from __future__ import annotations

import argparse
import datetime as dt

from debc_outreach import i18n
from debc_outreach.commands.output import print_json
from debc_outreach.commands.session import open_store
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import gazetteer, outcomes


def cmd_due(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        due = outcomes.follow_ups_due(store)
    if args.json:
        print_json([item.as_json() for item in due], indent=1)
        return 0
    for item in due:
        print("\t".join((item.participant_id, item.name, item.phone or "—",
                         gazetteer.village_name(item.village_code) or "—",
                         i18n.format_date(dt.date.fromisoformat(item.session_date)),
                         ", ".join(item.modules),
                         i18n.format_date(dt.date.fromisoformat(item.due_until)))))
    if not due:
        print(_("No follow-ups are due."))
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        questions = outcomes.follow_up_questions(args.module)
        if not questions:
            raise UserError(_("The module {module} has no follow-up questions in this "
                              "content pack.").format(module=args.module))
        answers = outcomes.parse_answer_indices(args.answers, questions)
        outcomes.record_follow_up(store, args.participant_id, args.module, answers,
                                  method=args.method, date=args.date or "",
                                  session_id=args.session or "")
    print(_("Recorded."))
    return 0


def cmd_window(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.first is not None:
            outcomes.set_followup_window(store, args.first, args.last)
        first, last = outcomes.followup_window(store)
    print(_("Follow-ups are due {first} to {last} days after the session.").format(
        first=i18n.format_number(first), last=i18n.format_number(last)))
    return 0


def register(commands) -> None:
    parser = commands.add_parser("followup", help=_("follow-ups a month after a session"))
    actions = parser.add_subparsers(dest="followup_command", metavar="ACTION", required=True)
    due = actions.add_parser("due", help=_("people due for a follow-up now, by village"))
    due.add_argument("--json", action="store_true", help=_("machine-readable output"))
    due.set_defaults(handler=cmd_due)
    record = actions.add_parser("record", help=_("record a follow-up for one module"))
    record.add_argument("participant_id")
    record.add_argument("--module", required=True, metavar="SLUG")
    record.add_argument("--answers", required=True, metavar="I,I,...",
                        help=_("answer numbers from 0, one per question in order"))
    record.add_argument("--method", choices=outcomes.METHODS, default="phone",
                        help=_("phone or visit"))
    record.add_argument("--date", help=_("date of the follow-up (default today)"))
    record.add_argument("--session", metavar="SESSION_ID",
                        help=_("the session followed up (default: the latest one with the "
                               "module)"))
    record.set_defaults(handler=cmd_record)
    window = actions.add_parser(
        "window", help=_("when follow-ups are due; the coordinator sets it for the programme"))
    window.add_argument("first", nargs="?", type=int, help=_("first day after the session"))
    window.add_argument("last", nargs="?", type=int, help=_("last day after the session"))
    window.set_defaults(handler=cmd_window)
