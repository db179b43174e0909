"""`debc-outreach session create | check-in | close | show | quiz | scams`."""

from __future__ import annotations

import argparse

from debc_outreach import i18n
from debc_outreach.commands import open_store as _open_store
from debc_outreach.commands.output import print_json
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import attendance, gazetteer, outcomes, session_summary, sessions


def cmd_create(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        session = sessions.create(store, args.date, args.village, args.module or [],
                                  start_time=args.time or "", venue=args.venue or "")
    print(session.id)
    return 0


def cmd_check_in(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        result = attendance.check_in(store, args.session_id, args.participant_id,
                                     reason=args.reason or "")
    if result.already:
        print(_("Already checked in; nothing changed."))
    else:
        print(_("Checked in."))
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        session = sessions.close(store, args.session_id)
        figures = session_summary.counters(store.database, session)
    print(_("Session closed. Participants: {total}, of them women: {women}.")
          .format(total=i18n.format_number(figures.total),
                  women=i18n.format_number(figures.women)))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        session = sessions.require(store.database, args.session_id)
        figures = session_summary.counters(store.database, session)
        present = attendance.attendees(store.database.conn, session.id)
    data = {"id": session.id, "date": session.date, "village_code": session.village_code,
            "village": gazetteer.village_label(session.village_code),
            "modules": list(session.modules), "state": session.state,
            "total": figures.total, "women": figures.women,
            "disability": figures.disability, "youth": figures.youth,
            "elders": figures.elders, "participants": [p.id for p in present]}
    if args.json:
        print_json(data, indent=1)
    else:
        for name, value in data.items():
            if name != "participants":
                print(f"{name}\t{value}")
    return 0


def _module(session: sessions.Session, slug: str | None) -> str:
    """The module named (one the session covers), or the session's only module."""
    if slug:
        if slug not in session.modules:
            raise UserError(_("The session does not cover the module {module}.")
                            .format(module=slug))
        return slug
    if len(session.modules) == 1:
        return session.modules[0]
    raise UserError(_("The session covers several modules: say which with --module SLUG "
                      "({modules}).").format(modules=", ".join(session.modules) or "—"))


def cmd_quiz(args: argparse.Namespace) -> int:
    if bool(args.participant_id) == bool(args.counts) or bool(args.answers) != bool(
            args.participant_id):
        raise UserError(_("Give a participant with --answers, or --counts for the whole "
                          "class."))
    with open_store(args) as store:
        session = sessions.require(store.database, args.session_id)
        module = _module(session, args.module)
        questions = outcomes.quick_checks(module)
        if args.counts:
            counts = outcomes.parse_class_counts(args.counts, questions, module)
            outcomes.record_class_counts(store, session.id, module, args.phase, counts,
                                         reason=args.reason or "")
        else:
            answers = outcomes.parse_answer_indices(args.answers, questions)
            outcomes.record_answers(store, session.id, args.participant_id, module,
                                    args.phase, answers, reason=args.reason or "")
    print(_("Recorded."))
    return 0


def cmd_scams(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        outcomes.record_scam_tally(store, args.session_id, outcomes.parse_tally(args.counts))
    print(_("Recorded."))
    return 0


def open_store(args: argparse.Namespace):
    """The data folder, with checklists read from its active content pack."""
    from debc_outreach.content.loader import active_pack_dir
    from debc_outreach.storage import catalogue

    catalogue.use_content_dir(active_pack_dir(args.data_dir))
    return _open_store(args)


def register(commands) -> None:
    parser = commands.add_parser("session", help=_("plan sessions and check people in"))
    actions = parser.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help=_("plan a session; prints the session id"))
    create.add_argument("--date", required=True, help=_("date, e.g. 2026-03-08"))
    create.add_argument("--village", required=True, metavar="CODE",
                        help=_("village code from the gazetteer"))
    create.add_argument("--module", action="append", metavar="SLUG",
                        help=_("module to cover (repeat for several)"))
    create.add_argument("--time", help=_("start time, e.g. 08:30"))
    create.add_argument("--venue", help=_("venue name"))
    create.set_defaults(handler=cmd_create)
    check_in = actions.add_parser("check-in", help=_("check a participant in"))
    check_in.add_argument("session_id")
    check_in.add_argument("participant_id")
    check_in.add_argument("--reason", help=_("amendment reason (needed for a closed session)"))
    check_in.set_defaults(handler=cmd_check_in)
    close = actions.add_parser("close", help=_("close and lock a session"))
    close.add_argument("session_id")
    close.set_defaults(handler=cmd_close)
    show = actions.add_parser("show", help=_("a session's place, state and counters"))
    show.add_argument("session_id")
    show.add_argument("--json", action="store_true", help=_("machine-readable output"))
    show.set_defaults(handler=cmd_show)
    quiz = actions.add_parser(
        "quiz", help=_("record quick-check answers of a person, or hands per answer"))
    quiz.add_argument("session_id")
    quiz.add_argument("participant_id", nargs="?")
    quiz.add_argument("--phase", required=True, choices=outcomes.PHASES,
                      help=_("before or after the module"))
    quiz.add_argument("--answers", metavar="I,I,I",
                      help=_("answer numbers from 0, one per question in order, e.g. 1,0,2"))
    quiz.add_argument("--counts", metavar="Q:A=N,...",
                      help=_("class mode: hands per answer, e.g. 1:0=12,1:1=3 "
                             "(question from 1, answer from 0)"))
    quiz.add_argument("--module", metavar="SLUG",
                      help=_("the module (needed when the session covers several)"))
    quiz.add_argument("--reason", help=_("amendment reason (needed for a closed session)"))
    quiz.set_defaults(handler=cmd_quiz)
    scams = actions.add_parser(
        "scams", help=_("anonymous tally: how many people met each kind of scam"))
    scams.add_argument("session_id")
    scams.add_argument("counts", nargs="+", metavar="KIND=COUNT",
                       help=_("e.g. loan-app=3 parcel-sms=5"))
    scams.set_defaults(handler=cmd_scams)
