"""`debc-outreach participants add | list | search`."""

from __future__ import annotations

import argparse

from debc_outreach import i18n
from debc_outreach.commands import open_store
from debc_outreach.commands.output import print_json
from debc_outreach.core import people
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import gazetteer
from debc_outreach.storage import participants as registry
from debc_outreach.storage.participants import Participant


def _line(person: Participant) -> str:
    year = i18n.format_year(person.birth_year) if person.birth_year else "—"
    place = gazetteer.village_name(person.village_code) or "—"
    return "\t".join((person.id, person.display_name, person.sex, year, place))


def _print(found: list[Participant], as_json: bool) -> None:
    if as_json:
        print_json([p.as_json() for p in found], indent=1)
        return
    for person in found:
        print(_line(person))


def _birth_year(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    year = i18n.parse_int(text)
    if year is None:
        raise UserError(_("The birth year {year} is not a number.").format(year=text))
    return year


def cmd_add(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        person = registry.add_participant(
            store, args.name, sex=args.sex, birth_year=_birth_year(args.birth_year),
            village_code=args.village or "", phone=args.phone or "",
            consent=args.consent or "", contact_consent=args.contact_consent == "yes")
    print(person.id)
    return 0


def cmd_contact_consent(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        registry.update_participant(store, args.participant_id,
                                    contact_consent=args.answer == "yes")
    print(_("Recorded."))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        _print(registry.list_all(store.database), args.json)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        _print(registry.search(store.database, args.query, limit=args.limit), args.json)
    return 0


def register(commands) -> None:
    parser = commands.add_parser("participants", help=_("add, list or search participants"))
    actions = parser.add_subparsers(dest="participants_command", metavar="ACTION",
                                    required=True)
    add = actions.add_parser("add", help=_("register a participant; prints the new id"))
    add.add_argument("--name", required=True, help=_("name exactly as the person writes it"))
    add.add_argument("--sex", default="X", type=str.upper, choices=people.SEXES,
                     help=_("F female, M male, O other, X prefer not to say"))
    add.add_argument("--birth-year", help=_("year of birth (Khmer or Latin digits)"))
    add.add_argument("--village", metavar="CODE", help=_("village code from the gazetteer"))
    add.add_argument("--phone", help=_("phone number (optional)"))
    add.add_argument("--consent", choices=("yes", "no"),
                     help=_("whether the person agreed to have their name recorded"))
    add.add_argument("--contact-consent", choices=("yes", "no"),
                     help=_("whether the person agreed to be contacted for a follow-up"))
    add.set_defaults(handler=cmd_add)
    contact = actions.add_parser(
        "contact-consent", help=_("record whether a person agreed to be contacted for a "
                                  "follow-up"))
    contact.add_argument("participant_id")
    contact.add_argument("answer", choices=("yes", "no"))
    contact.set_defaults(handler=cmd_contact_consent)
    listing = actions.add_parser("list", help=_("everyone, in Khmer alphabetical order"))
    listing.add_argument("--json", action="store_true", help=_("machine-readable output"))
    listing.set_defaults(handler=cmd_list)
    search = actions.add_parser("search", help=_("find people by name, phone or village"))
    search.add_argument("query")
    search.add_argument("--json", action="store_true", help=_("machine-readable output"))
    search.add_argument("--limit", type=int, default=50, help=_("at most this many results"))
    search.set_defaults(handler=cmd_search)
