"""`debc-outreach content check | lock | list | handout | kit | script | contacts | import`
and `content sign`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from debc_outreach import resources
from debc_outreach.commands.output import print_json
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, ngettext


def _pack_path(args: argparse.Namespace) -> Path:
    if args.path:
        path = Path(args.path).expanduser()
        if not path.is_dir():
            raise UserError(_("{path} is not a folder.").format(path=path))
        return path
    from debc_outreach.content.loader import active_pack_dir

    return active_pack_dir(args.data_dir)


def cmd_check(args: argparse.Namespace) -> int:
    from debc_outreach.content.validator import check_pack, errors_only

    path = _pack_path(args)
    problems = check_pack(path)
    errors = errors_only(problems)
    if args.json:
        print_json({"ok": not errors, "pack": str(path), "problems": [
            {"file": str(p.file), "line": p.line, "severity": p.severity, "message": p.message}
            for p in problems]})
    else:
        for problem in problems:
            print(problem, file=sys.stderr)
    if errors:
        raise UserError(ngettext("The content pack has {n} error.",
                                 "The content pack has {n} errors.", len(errors)).format(
            n=len(errors)))
    if not args.json:
        from debc_outreach.content.loader import load_pack

        pack = load_pack(path)
        print(ngettext("Content pack {id} {version} is OK: {n} module.",
                       "Content pack {id} {version} is OK: {n} modules.",
                       len(pack.modules)).format(
            id=pack.id, version=pack.version, n=len(pack.modules)))
    return 0


def cmd_lock(args: argparse.Namespace) -> int:
    from debc_outreach.content import lock
    from debc_outreach.content.loader import load_pack

    path = Path(args.path).expanduser() if args.path else resources.content_dir()
    pack = load_pack(path)
    existing = lock.read_lock(path)
    existing_questions = lock.read_lock(path, lock.QUESTION_LOCK_FILE)
    retire = set(args.retire)
    unknown = retire - set(existing or {}) - set(existing_questions or {})
    if unknown:
        raise UserError(_("Not a published checklist or question id: {id}").format(
            id=sorted(unknown)[0]))
    items = [item for module in pack.modules for item in module.checklist]
    entries = lock.updated_entries(existing, items, pack.version, retire)
    written = lock.write_lock(path, entries)
    print(_("{file}: checklist ids: {n}, of them new: {added}.").format(
        file=written, n=len(entries), added=len(entries) - len(existing or {})))
    questions = [q for module in pack.modules for q in (*module.quick_checks, *module.follow_ups)]
    if questions or existing_questions:
        entries = lock.updated_entries(existing_questions, questions, pack.version, retire)
        written = lock.write_lock(path, entries, lock.QUESTION_LOCK_FILE)
        print(_("{file}: question ids: {n}, of them new: {added}.").format(
            file=written, n=len(entries), added=len(entries) - len(existing_questions or {})))
    return 0


def _question_json(question) -> dict:
    """A quick check or follow-up question as `content list --json` prints it: the answers
    in order, so a script knows which index `session quiz` or `followup record` takes."""
    return {"id": question.id, "km": question.km, "en": question.en,
            "answers": [{"km": a.km, "en": a.en} for a in question.answers]}


def cmd_list(args: argparse.Namespace) -> int:
    from debc_outreach.content.loader import load_active_pack

    pack = load_active_pack(args.data_dir)
    if args.json:
        print_json({"pack": pack.id, "version": pack.version, "modules": [
            {"slug": m.slug, "version": m.version, "title": m.titles,
             "duration_minutes": m.duration_minutes, "audience": list(m.audience),
             "tags": list(m.tags),
             "checklist": [{"id": i.id, "km": i.km, "en": i.en} for i in m.checklist],
             "quick_checks": [_question_json(q) | {"correct": q.correct}
                              for q in m.quick_checks],
             "follow_ups": [_question_json(q) | {"safe": list(q.safe)} for q in m.follow_ups]}
            for m in pack.modules],
            "scam_kinds": [{"id": k.id, "km": k.km, "en": k.en} for k in pack.scam_kinds]})
        return 0
    print(f"{pack.id} {pack.version} ({pack.folder})")
    for module in pack.modules:
        print(f"{module.slug}\t{module.duration_minutes}\t{module.title('en')}\t"
              f"{module.title('km')}")
    return 0


def cmd_handout(args: argparse.Namespace) -> int:
    from debc_outreach.content.handout import render_handout

    pack, module, output = _module_to_print(args)

    try:
        render_handout(module, pack, args.content_lang or args.lang or "km", output)
    except OSError as error:
        raise UserError(_("The handout could not be written: {error}").format(
            error=error)) from None
    print(_("Handout written to {path}").format(path=output))
    return 0


def _module_to_print(args: argparse.Namespace):
    from debc_outreach.content.loader import load_active_pack

    pack = load_active_pack(args.data_dir)
    module = pack.module(args.slug)
    if module is None:
        raise UserError(_("There is no module {slug}. `debc-outreach content list` shows them.")
                        .format(slug=args.slug))
    output = Path(args.output).expanduser()
    if not output.parent.is_dir():
        raise UserError(_("The folder {folder} does not exist.").format(folder=output.parent))
    return pack, module, output


def cmd_kit(args: argparse.Namespace) -> int:
    from debc_outreach.content.kit_pdf import render_kit

    pack, module, output = _module_to_print(args)
    first = args.content_lang or "km"
    languages = (first,) if args.one_language else (first, "en" if first == "km" else "km")
    try:
        render_kit(module, pack, output, languages)
    except OSError as error:
        raise UserError(_("The practice kit could not be written: {error}").format(
            error=error)) from None
    print(_("Practice kit written to {path}").format(path=output))
    return 0


def cmd_script(args: argparse.Namespace) -> int:
    from debc_outreach.content.printing import print_markdown
    from debc_outreach.content.script import script_markdown

    pack, module, output = _module_to_print(args)
    lang = args.content_lang or args.lang or "km"
    try:
        print_markdown(script_markdown(module, pack, lang), module.title(lang), output)
    except OSError as error:
        raise UserError(_("The facilitator script could not be written: {error}").format(
            error=error)) from None
    print(_("Facilitator script written to {path}").format(path=output))
    return 0


def cmd_contacts(args: argparse.Namespace) -> int:
    from debc_outreach.content.contacts import contact_sheet_markdown, load_contacts
    from debc_outreach.content.loader import load_active_pack
    from debc_outreach.content.printing import print_markdown

    pack = load_active_pack(args.data_dir)
    contacts, first_hour = load_contacts(pack.folder)
    if not contacts and first_hour is None:
        raise UserError(_("The module pack has no contact sheet."))
    output = Path(args.output).expanduser()
    if not output.parent.is_dir():
        raise UserError(_("The folder {folder} does not exist.").format(folder=output.parent))
    lang = args.content_lang or args.lang or "km"
    try:
        print_markdown(contact_sheet_markdown(pack, lang), pack.title(lang), output, 12.0)
    except OSError as error:
        raise UserError(_("The contact sheet could not be written: {error}").format(
            error=error)) from None
    print(_("Contact sheet written to {path}").format(path=output))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from debc_outreach.commands import open_store
    from debc_outreach.content.importer import PackRejected, import_pack, recorded_checklist_ids
    from debc_outreach.content.signing import trusted_signers

    source = Path(args.pack).expanduser()
    if not source.is_file():
        raise UserError(_("{path} does not exist.").format(path=source))
    with open_store(args) as store:
        recorded = recorded_checklist_ids(store.database)
        trusted = trusted_signers(store.database)
    try:
        result = import_pack(source, args.data_dir, recorded, trusted)
    except PackRejected as rejected:
        for problem in rejected.problems:
            print(problem, file=sys.stderr)
        raise
    print(ngettext("Imported content pack {id} {version} ({n} module); it replaces {old}.",
                   "Imported content pack {id} {version} ({n} modules); it replaces {old}.",
                   result.modules).format(id=result.pack_id, version=result.version,
                                          n=result.modules, old=result.previous_version))
    print(_("Signed by {signer}.").format(signer=result.signer))
    return 0


def install_received_packs(store, quiet: bool = False) -> None:
    """After a sync: install a content pack that came with it (checked like an import);
    say so unless `quiet` (machine-readable output)."""
    from debc_outreach.content.importer import install_received

    for result in install_received(store.data_dir, store.database):
        if not quiet:
            print(received_pack_line(result))


def received_pack_line(result) -> str:
    return _("Content pack {id} {version} arrived with the sync and is now in use (signed by "
             "{signer}).").format(id=result.pack_id, version=result.version,
                                  signer=result.signer)


def cmd_sign(args: argparse.Namespace) -> int:
    """Sign a pack folder: with the publisher's key file (--key), else with this computer's
    key, which must be the programme coordinator's."""
    from debc_outreach.content import signing

    folder = Path(args.path).expanduser()
    if args.key:
        key = signing.load_private_key(Path(args.key).expanduser())
        signer = signing.PUBLISHER_NAME
    else:
        key, signer = _coordinator_key(args)
    try:
        target = signing.sign_checked(folder, key, signer,
                                      Path(args.output).expanduser() if args.output else None)
    except signing.PackHasErrors as rejected:
        for problem in rejected.problems:
            print(problem, file=sys.stderr)
        raise
    if target:
        print(_("Signed the pack as {signer} and wrote {path}; trainers import it, or it "
                "reaches them with the next sync once it is imported on this computer.")
              .format(signer=signer, path=target))
    else:
        print(_("Signed the pack in {folder} as {signer}.").format(folder=folder,
                                                                   signer=signer))
    return 0


def _coordinator_key(args: argparse.Namespace):
    from debc_outreach.commands import open_store
    from debc_outreach.sync import trust

    with open_store(args) as store:
        return trust.coordinator_signing_key(store)


def register(commands) -> None:
    content = commands.add_parser("content", help=_("check, import and print awareness modules"))
    sub = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help=_("validate a content pack (default: the pack in use)"))
    check.add_argument("path", nargs="?", help=_("folder holding pack.toml"))
    check.add_argument("--json", action="store_true", help=_("machine-readable output"))
    check.set_defaults(handler=cmd_check)
    lock = sub.add_parser("lock", help=_("record published checklist ids in checklist_ids.lock"))
    lock.add_argument("path", nargs="?", help=_("folder holding pack.toml (default: shipped)"))
    lock.add_argument("--retire", action="append", default=[], metavar="ID",
                      help=_("mark a checklist id as no longer taught (kept for old results)"))
    lock.set_defaults(handler=cmd_lock)
    listing = sub.add_parser("list", help=_("list the modules of the pack in use"))
    listing.add_argument("--json", action="store_true", help=_("machine-readable output"))
    listing.set_defaults(handler=cmd_list)
    handout = sub.add_parser("handout", help=_("write a module's PDF handout"))
    handout.add_argument("slug")
    handout.add_argument("--lang", dest="content_lang", choices=("km", "en"), default=None,
                         help=_("language of the handout (default: km)"))
    handout.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    handout.set_defaults(handler=cmd_handout)
    kit = sub.add_parser("kit", help=_("write a module's printable practice kit (PDF, A4)"))
    kit.add_argument("slug")
    kit.add_argument("--lang", dest="content_lang", choices=("km", "en"), default=None,
                     help=_("language printed first and largest (default: km)"))
    kit.add_argument("--one-language", action="store_true",
                     help=_("print only that language on the cards"))
    kit.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    kit.set_defaults(handler=cmd_kit)
    script = sub.add_parser("script", help=_("write a module's facilitator script with "
                                             "timings (PDF, A4)"))
    script.add_argument("slug")
    script.add_argument("--lang", dest="content_lang", choices=("km", "en"), default=None,
                        help=_("language of the script (default: km)"))
    script.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    script.set_defaults(handler=cmd_script)
    contacts = sub.add_parser("contacts", help=_("write the dated local contact sheet with "
                                                 "the first-hour card (PDF, A4)"))
    contacts.add_argument("--lang", dest="content_lang", choices=("km", "en"), default=None,
                          help=_("language of the sheet (default: km)"))
    contacts.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    contacts.set_defaults(handler=cmd_contacts)
    imp = sub.add_parser("import", help=_("install a newer content pack from a .zip"))
    imp.add_argument("pack", metavar="PACK.zip")
    imp.set_defaults(handler=cmd_import)
    sign = sub.add_parser("sign", help=_("sign a content pack (coordinator) so devices "
                                         "accept it"))
    sign.add_argument("path", metavar="FOLDER", help=_("folder holding pack.toml"))
    sign.add_argument("-o", "--output", metavar="PACK.zip",
                      help=_("also write the signed pack as a .zip to hand out"))
    sign.add_argument("--key", metavar="KEY.pem",
                      help=_("the publisher's signing key (default: this computer's "
                             "coordinator key)"))
    sign.set_defaults(handler=cmd_sign)
