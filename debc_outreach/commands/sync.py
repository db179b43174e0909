"""`debc-outreach sync ...`: identity, programme, enrolment, bundles, sync folder, hub."""

from __future__ import annotations

import argparse
from pathlib import Path

from debc_outreach import i18n
from debc_outreach.commands import open_store
from debc_outreach.commands.content import install_received_packs
from debc_outreach.commands.output import print_json
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, ngettext


def cmd_identity(args: argparse.Namespace) -> int:
    from debc_outreach.sync import trust
    from debc_outreach.sync.keys import device_keys

    with open_store(args) as store:
        keys = device_keys(store.data_dir)
        prog = trust.programme(store)
        info = {"device_id": store.device_id,
                "name": store.database.scalar("SELECT name FROM device") or "",
                "sign_public_key": keys.sign_public, "enc_public_key": keys.enc_public,
                "programme": prog.as_json() if prog else None}
        if prog:
            cert = trust.own_certificate(store)
            info.update(role=cert.role, scope=list(cert.scope), expires=cert.expires)
    if args.json:
        print_json(info)
        return 0
    print(_("Device: {device}").format(device=info["device_id"]))
    print(_("Signing key: {key}").format(key=info["sign_public_key"]))
    print(_("Encryption key: {key}").format(key=info["enc_public_key"]))
    if prog:
        print(_("Programme: {name} ({role}, scope {scope}, valid until {expires})").format(
            name=prog.name, role=info["role"], scope=", ".join(info["scope"]),
            expires=info["expires"]))
    else:
        print(_("Not enrolled in a programme yet."))
    return 0


def cmd_programme_create(args: argparse.Namespace) -> int:
    from debc_outreach.sync import trust

    with open_store(args) as store:
        prog = trust.create_programme(store, args.name)
    print(_("Programme {name} created; this computer is its coordinator ({id}).")
          .format(name=prog.name, id=prog.id))
    return 0


def cmd_enrol_request(args: argparse.Namespace) -> int:
    from debc_outreach.settings import load_settings
    from debc_outreach.sync import trust

    with open_store(args) as store:
        label = args.name if args.name is not None else trust.default_device_label(
            store, load_settings(args.data_dir).current_trainer_id)
        request = trust.enrol_request(store, label)
        target = trust.write_json_file(args.output, request)
    print(_("Enrolment request for {name} written to {path}. Give it to your coordinator.")
          .format(name=request["body"]["name"], path=target))
    return 0


def cmd_enrol_approve(args: argparse.Namespace) -> int:
    from debc_outreach.sync import trust

    request = trust.read_json_file(Path(args.request).expanduser(), _("enrolment request"))
    with open_store(args) as store:
        document = trust.approve_enrolment(store, request, args.scope)
    target = trust.write_json_file(args.output, document)
    body = document["certificate"]["body"]
    print(_("Certificate for device {device} (scope {scope}) written to {path}.")
          .format(device=body["device_id"], scope=", ".join(body["scope"]), path=target))
    if args.qr:
        _write_qr(document, args.qr)
    return 0


def cmd_enrol_show(args: argparse.Namespace) -> int:
    from debc_outreach.sync import trust

    if not (args.output or args.qr):
        raise UserError(_("Say where to write the enrolment: -o CERT for the certificate file, "
                          "--qr FILE.png for the QR code picture, or both."))
    with open_store(args) as store:
        document = trust.enrolment_document(store, args.device)
    body = document["certificate"]["body"]
    if args.output:
        target = trust.write_json_file(args.output, document)
        print(_("Certificate for device {device} (scope {scope}) written to {path}.")
              .format(device=body["device_id"], scope=", ".join(body["scope"]), path=target))
    if args.qr:
        _write_qr(document, args.qr)
    return 0


def _write_qr(document: dict, path: str) -> None:
    from debc_outreach.reports.pdf.qr import save_qr_png
    from debc_outreach.sync import enrolment_codec

    picture = save_qr_png(enrolment_codec.encode(document), Path(path).expanduser())
    print(_("QR code written to {path}: show it on a screen (or send the picture); the "
            "trainer's computer joins with 'sync enrol-accept PICTURE' or with Sync → "
            "Join with a QR code….").format(path=picture))


def _enrolment(args: argparse.Namespace) -> dict:
    """The enrolment given to enrol-accept: --code, a picture of the QR code, or a file."""
    from debc_outreach.sync import trust

    if args.code is not None:
        return trust.enrolment_from_code(args.code)
    from debc_outreach.reports.pdf.qr import IMAGE_SUFFIXES, read_codes

    path = Path(args.certificate).expanduser()
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return trust.enrolment_from_codes(read_codes(path))
    return trust.read_json_file(path, _("certificate"))


def cmd_enrol_accept(args: argparse.Namespace) -> int:
    from debc_outreach.sync import trust

    document = _enrolment(args)
    with open_store(args) as store:
        cert = trust.accept_enrolment(store, document)
        prog = trust.require_programme(store)
    print(_("This computer joined the programme {name} (scope {scope}).")
          .format(name=prog.name, scope=", ".join(cert.scope)))
    return 0


def cmd_export_bundle(args: argparse.Namespace) -> int:
    from debc_outreach.content.loader import active_pack_identity
    from debc_outreach.sync import export, peers

    with open_store(args) as store:
        recipient = peers.coordinator_id(store) if args.to == "coordinator" else args.to
        result = export.export_bundle(store, recipient, Path(args.output).expanduser(),
                                      held_pack=active_pack_identity(store.data_dir))
    print(_("Bundle {bundle} written to {path}: {events} event(s) for {device}.")
          .format(bundle=result.bundle_id, path=result.path,
                  events=i18n.format_number(result.events), device=result.recipient))
    return 0


def _report_line(report) -> str:
    if report.already_imported:
        return _("Bundle {bundle} was already imported; nothing changed.").format(
            bundle=report.bundle_id)
    line = _("Imported bundle {bundle} from {sender}: {new} new, {duplicates} duplicate(s), "
             "{conflicts} conflict(s), {waiting} waiting, {quarantined} quarantined, "
             "{unapplied} kept for a newer version.").format(
        bundle=report.bundle_id, sender=report.sender, new=report.new,
        duplicates=report.duplicates, conflicts=report.conflicts, waiting=report.waiting,
        quarantined=report.quarantined, unapplied=report.unapplied)
    if report.held:
        line += "\n" + ngettext("{n} record refused and held for the coordinator:",
                                "{n} records refused and held for the coordinator:",
                                report.held).format(n=i18n.format_number(report.held))
    # Each refusal names the device and what it tried (sync/admission.py).
    return "\n".join([line, *(refusal["reason"] for refusal in report.refusals)])


def _print_held(store) -> None:
    """One line per device whose records are held here, with what to do."""
    from debc_outreach.storage import quarantine
    from debc_outreach.sync import importer, peers

    names = peers.device_names(store)
    for held in quarantine.held_devices(store.database.conn):
        print(ngettext(
            "Held: {n} record of {device} from record {seq} on ({entity}): {reason} Check "
            "it, then run 'sync quarantine --retry {id}' or '--discard {id}'.",
            "Held: {n} records of {device} from record {seq} on ({entity}): {reason} Check "
            "them, then run 'sync quarantine --retry {id}' or '--discard {id}'.",
            held.events).format(n=i18n.format_number(held.events),
                                device=names.get(held.device_id, held.device_id),
                                seq=held.from_seq, entity=held.entity or "?",
                                reason=importer.held_reason(store, held),
                                id=held.device_id))


def cmd_quarantine(args: argparse.Namespace) -> int:
    """`sync quarantine [--retry DEVICE | --discard DEVICE]`: held records (coordinator)."""
    from debc_outreach.storage import quarantine
    from debc_outreach.sync import importer

    with open_store(args) as store:
        device = args.retry or args.discard
        if device and quarantine.first_held_seq(store.database.conn, device) is None:
            raise UserError(_("No records of device {device} are held.").format(device=device))
        if args.retry:
            applied = importer.retry_held(store, device)
            still = quarantine.first_held_seq(store.database.conn, device)
            if not args.json:
                print(ngettext("{n} held record of {device} applied.",
                               "{n} held records of {device} applied.", applied).format(
                    n=i18n.format_number(applied), device=device))
                if still is not None:
                    print(_("The others still break the rules and stay held."))
        elif args.discard:
            count = importer.discard_held(store, device)
            if not args.json:
                print(ngettext("{n} held record of {device} set aside; its later records "
                               "will be applied.",
                               "{n} held records of {device} set aside; its later records "
                               "will be applied.", count).format(
                    n=i18n.format_number(count), device=device))
        if args.json:
            print_json({"held": [held.as_json()
                                 for held in quarantine.held_devices(store.database.conn)]})
        elif not device:
            if not quarantine.held_devices(store.database.conn):
                print(_("No records are held."))
            _print_held(store)
    return 0


def cmd_import_bundle(args: argparse.Namespace) -> int:
    from debc_outreach.sync import importer

    with open_store(args) as store:
        report = importer.import_bundle(store, Path(args.bundle).expanduser())
        if args.json:
            print_json(report.as_json())
        else:
            print(_report_line(report))
            _print_held(store)
        install_received_packs(store, quiet=args.json)
    return 0


def cmd_folder(args: argparse.Namespace) -> int:
    from debc_outreach.content.loader import active_pack_identity
    from debc_outreach.sync import folder

    with open_store(args) as store:
        result = folder.sync_folder(store, Path(args.path).expanduser(),
                                    held_pack=active_pack_identity(store.data_dir))
        install_received_packs(store, quiet=args.json)
        if not args.json:
            _print_text_folder(result)
            _print_held(store)
    if args.json:
        print_json({"imported": [r.as_json() for r in result.imported],
                          "refused": [{"file": n, "reason": r} for n, r in result.refused],
                          "written": [{"bundle_id": w.bundle_id, "path": str(w.path),
                                       "to": w.recipient, "events": w.events}
                                      for w in result.written]})
    if result.refused:
        raise UserError(_("{n} bundle(s) in the folder were refused; the others were "
                          "handled.").format(n=len(result.refused)))
    return 0


def _print_text_folder(result) -> None:
    for report in result.imported:
        print(_report_line(report))
    for name, reason in result.refused:
        print(_("Refused {name}: {reason}").format(name=name, reason=reason))
    for written in result.written:
        print(_("Wrote {path} for {device} ({events} event(s)).").format(
            path=written.path.name, device=written.recipient,
            events=i18n.format_number(written.events)))


def cmd_revoke(args: argparse.Namespace) -> int:
    from debc_outreach.sync import trust

    with open_store(args) as store:
        trust.revoke_device(store, args.device)
    print(_("Device {device} is revoked; its new bundles will be refused.")
          .format(device=args.device))
    return 0


def cmd_sync_hub(args: argparse.Namespace) -> int:
    """`sync hub URL`: push then pull with a hub (the same as "Sync now" in the app)."""
    from debc_outreach.content.loader import active_pack_identity
    from debc_outreach.sync import hub_client

    with open_store(args) as store:
        remembered = hub_client.hub_settings(store.data_dir)
        url = args.url or remembered["url"]
        if not url:
            raise UserError(_("Give the hub's address, for example "
                              "https://hub.example.org."))
        proxy = args.proxy if args.proxy is not None else remembered["proxy"]
        result = hub_client.sync_with_hub(store, url, proxy=proxy,
                                          held_pack=active_pack_identity(store.data_dir))
        hub_client.save_hub_settings(store.data_dir, hub_client.check_url(url), proxy)
        install_received_packs(store, quiet=args.json)
        if args.json:
            from debc_outreach.storage import quarantine

            print_json({**result.as_json(), "held": [
                held.as_json() for held in quarantine.held_devices(store.database.conn)]})
        else:
            print(_("Synced with the hub: {sent} event(s) sent, {received} received.").format(
                sent=i18n.format_number(result.pushed),
                received=i18n.format_number(result.received)))
            _print_held(store)
    return 0


def _add_sync_hub(actions) -> None:
    hub = actions.add_parser("hub", help=_("push and pull records with a sync hub"))
    hub.add_argument("url", nargs="?", default="", metavar="URL",
                     help=_("the hub's address (remembered for next time)"))
    hub.add_argument("--proxy", default=None, metavar="URL",
                     help=_("HTTP proxy (default: the environment's HTTPS_PROXY)"))
    hub.add_argument("--json", action="store_true", help=_("machine-readable output"))
    hub.set_defaults(handler=cmd_sync_hub)


def register(commands) -> None:
    sync = commands.add_parser("sync", help=_("exchange records with other devices"))
    actions = sync.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    identity = actions.add_parser("identity", help=_("this device's id and public keys"))
    identity.add_argument("--json", action="store_true", help=_("machine-readable output"))
    identity.set_defaults(handler=cmd_identity)
    programme = actions.add_parser("programme", help=_("create a programme (coordinator)"))
    programme_actions = programme.add_subparsers(dest="programme_command", metavar="ACTION",
                                                 required=True)
    create = programme_actions.add_parser("create", help=_("create a programme"))
    create.add_argument("name")
    create.set_defaults(handler=cmd_programme_create)
    request = actions.add_parser("enrol-request", help=_("write an enrolment request"))
    request.add_argument("-o", "--output", required=True, metavar="REQUEST")
    request.add_argument("--name", metavar="NAME",
                         help=_("the name the coordinator sees for this computer (default: the "
                                "current trainer's name and the computer's name)"))
    request.set_defaults(handler=cmd_enrol_request)
    approve = actions.add_parser("enrol-approve", help=_("sign a device certificate"))
    approve.add_argument("request", metavar="REQUEST")
    approve.add_argument("--scope", action="append", required=True, metavar="CODE",
                         help=_("province or district code (repeat for several)"))
    approve.add_argument("-o", "--output", required=True, metavar="CERT")
    approve.add_argument("--qr", metavar="FILE.png",
                         help=_("also write the certificate as a QR code picture"))
    approve.set_defaults(handler=cmd_enrol_approve)
    show = actions.add_parser("enrol-show", help=_("write an approved device's enrolment "
                                                   "again (coordinator)"))
    show.add_argument("device", metavar="DEVICE_ID")
    show.add_argument("-o", "--output", metavar="CERT")
    show.add_argument("--qr", metavar="FILE.png",
                      help=_("write the certificate as a QR code picture"))
    show.set_defaults(handler=cmd_enrol_show)
    accept = actions.add_parser("enrol-accept", help=_("join with a device certificate"))
    given = accept.add_mutually_exclusive_group(required=True)
    given.add_argument("certificate", metavar="CERT", nargs="?",
                       help=_("the certificate file, or a photo or screenshot of its QR code"))
    given.add_argument("--code", metavar="TEXT",
                       help=_("the enrolment code (the text of the QR code)"))
    accept.set_defaults(handler=cmd_enrol_accept)
    export = actions.add_parser("export-bundle", help=_("write a bundle for a device"))
    export.add_argument("--to", required=True, metavar="DEVICE_ID",
                        help=_("device id, or 'coordinator'"))
    export.add_argument("-o", "--output", required=True, metavar="BUNDLE")
    export.set_defaults(handler=cmd_export_bundle)
    imp = actions.add_parser("import-bundle", help=_("verify and import a bundle"))
    imp.add_argument("bundle", metavar="BUNDLE")
    imp.add_argument("--json", action="store_true", help=_("machine-readable output"))
    imp.set_defaults(handler=cmd_import_bundle)
    held = actions.add_parser("quarantine", help=_("list held records; try them again or set "
                                                   "them aside (coordinator)"))
    choice = held.add_mutually_exclusive_group()
    choice.add_argument("--retry", metavar="DEVICE_ID",
                        help=_("check the device's held records again and apply them"))
    choice.add_argument("--discard", metavar="DEVICE_ID",
                        help=_("set the device's held records aside for good"))
    held.add_argument("--json", action="store_true", help=_("machine-readable output"))
    held.set_defaults(handler=cmd_quarantine)
    folder = actions.add_parser("folder", help=_("import and write bundles in a sync folder"))
    folder.add_argument("path", metavar="PATH")
    folder.add_argument("--json", action="store_true", help=_("machine-readable output"))
    folder.set_defaults(handler=cmd_folder)
    revoke = actions.add_parser("revoke", help=_("revoke a device (coordinator)"))
    revoke.add_argument("device", metavar="DEVICE_ID")
    revoke.set_defaults(handler=cmd_revoke)
    _add_sync_hub(actions)
