"""`debc-outreach`: the GUI by default, headless subcommands for scripting.

Exit codes: 0 success, 1 user error (one translated line, no traceback),
2 bad usage. Every subcommand calls the same services the GUI uses.
"""

from __future__ import annotations

import argparse
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
    """--lang, else the language saved in Settings, else the system's (Khmer for a km
    locale, English for any other), else Khmer."""
    if requested:
        return requested
    from debc_outreach.settings import load_settings

    chosen = load_settings(data_dir).language
    if chosen in i18n.LANGUAGES:
        return chosen
    return i18n.system_language() or i18n.DEFAULT_LANGUAGE


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
    parser.add_argument("--pin", default=None,
                        help=_("a trainer's PIN for a data folder protected with PINs (or "
                               "$DEBC_OUTREACH_PIN, or typed at the prompt)"))
    parser.add_argument("--self-test", action="store_true",
                        help=_("check that this installation works (offscreen, in a temporary "
                               "folder) and exit: 0 if all is well, 1 naming the failed step"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    from debc_outreach.commands import register_all

    register_all(commands)
    return parser


_GLOBAL_WITH_VALUE = ("--data-dir", "--lang", "--pin")


def _before_command(argv: list[str]) -> list[str]:
    """The global options in front of the subcommand.

    Subcommands have options of their own with the same names (`export --lang`
    chooses the report's language), so the early look at --lang/--data-dir must
    stop at the first positional word.
    """
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in _GLOBAL_WITH_VALUE:
            i += 2
        elif token.startswith("-"):
            i += 1
        else:
            break
    return argv[:i]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Language first, so even usage errors read in the user's language.
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--data-dir", type=Path, default=None)
    pre.add_argument("--lang", default=None)
    pre.add_argument("--self-test", action="store_true")
    known, rest = pre.parse_known_args(_before_command(argv))
    rest += argv[len(_before_command(argv)):]
    from debc_outreach.datadir import resolve_data_dir

    data_dir = resolve_data_dir(known.data_dir)
    i18n.set_language(_initial_language(data_dir, known.lang))
    if known.self_test:
        from debc_outreach.selftest import run_self_test

        return run_self_test()

    if not rest:
        # The GUI: skip building the full parser, which imports every command module.
        from debc_outreach.gui.app import run_gui

        return run_gui(data_dir, language=known.lang)
    args = build_parser().parse_args(argv)
    args.data_dir = data_dir
    if args.command is None:
        build_parser().print_help()
        return 2
    from debc_outreach.logs import setup_logging

    setup_logging(data_dir)
    try:
        status = args.handler(args)
        if status == 0:
            from debc_outreach.commands import after_command

            after_command(args)
        return status
    except UserError as error:
        print(_("Error: {message}").format(message=error), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`debc-outreach participants list | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        log.exception("unexpected error in %s", args.command)
        print(_("Error: an unexpected problem occurred; details are in the log file in "
                "{folder}.").format(folder=data_dir / "logs"), file=sys.stderr)
        return 1
