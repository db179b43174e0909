"""`debc-outreach demo-data [--participants N] [--sessions N]`."""

from __future__ import annotations

import argparse
import sys
import time

from debc_outreach import i18n
from debc_outreach.commands import open_store as _open_store
from debc_outreach.errors import UserError
from debc_outreach.i18n import _


def cmd_demo_data(args: argparse.Namespace) -> int:
    from debc_outreach.storage import demo

    if args.participants < 0 or args.sessions < 1:
        raise UserError(_("Give at least one session and zero or more participants."))
    started = time.perf_counter()
    with open_store(args) as store:
        def progress(done: int, total: int) -> None:
            if not args.quiet:
                print(_("… {done} of {total} sessions").format(
                    done=i18n.format_number(done), total=i18n.format_number(total)),
                    file=sys.stderr)

        result = demo.generate(store, args.participants, args.sessions, seed=args.seed,
                               progress=progress)
    seconds = time.perf_counter() - started
    print(_("Demo data written in {seconds} s: {participants} participants, {sessions} "
            "sessions, {attendance} check-ins, {results} checklist results, {events} events "
            "from {devices} devices.").format(
        seconds=i18n.format_number(round(seconds, 1)),
        participants=i18n.format_number(result.participants),
        sessions=i18n.format_number(result.sessions),
        attendance=i18n.format_number(result.attendance),
        results=i18n.format_number(result.checklist_results),
        events=i18n.format_number(result.events), devices=i18n.format_number(result.devices)))
    return 0


def open_store(args: argparse.Namespace):
    """The data folder, with checklists read from its active content pack."""
    from debc_outreach.content.loader import active_pack_dir
    from debc_outreach.storage import catalogue

    catalogue.use_content_dir(active_pack_dir(args.data_dir))
    return _open_store(args)


def register(commands) -> None:
    parser = commands.add_parser(
        "demo-data", help=_("fill the data folder with a realistic demo programme"))
    parser.add_argument("--participants", type=int, default=600,
                        help=_("number of participants (default 600)"))
    parser.add_argument("--sessions", type=int, default=40,
                        help=_("number of sessions over a year (default 40)"))
    parser.add_argument("--seed", type=int, default=2026, help=_("random seed"))
    parser.add_argument("--quiet", action="store_true", help=_("no progress lines"))
    parser.set_defaults(handler=cmd_demo_data)
