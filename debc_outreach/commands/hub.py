"""`debc-outreach hub ...`: run a sync hub, enrol it, see its devices."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from debc_outreach import i18n
from debc_outreach.commands import open_store
from debc_outreach.commands.output import print_json
from debc_outreach.errors import UserError
from debc_outreach.i18n import _

DB_ENV = "DEBC_OUTREACH_HUB_DB"


def _open_hub(args: argparse.Namespace):
    try:
        from debc_outreach.hub.service import Hub
    except ImportError as error:      # starlette/uvicorn not installed
        raise UserError(_("The hub needs the hub extra: pip install 'debc-outreach[hub]'.")) \
            from error
    folder = Path(args.hub_dir).expanduser() if args.hub_dir else args.data_dir / "hub"
    return Hub(folder, args.db or os.environ.get(DB_ENV) or None)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise UserError(_("The hub needs the hub extra: pip install 'debc-outreach[hub]'.")) \
            from error
    from debc_outreach.hub.app import Limits
    from debc_outreach.hub.server import serve

    hub = _open_hub(args)
    try:
        hub.require_programme()
        print(_("Hub {device} serving on http://{host}:{port} (put a TLS reverse proxy in "
                "front of it).").format(device=hub.device_id, host=args.host, port=args.port),
              flush=True)
        serve(hub, args.host, args.port,
              Limits(max_bundle=args.max_bundle_mb << 20, device_rate=args.rate,
                     uploads_total=args.uploads, header_seconds=args.header_timeout,
                     body_idle_seconds=args.body_timeout,
                     body_min_rate=max(1, int(args.min_upload_rate * 1024))))
    finally:
        hub.close()
    return 0


def cmd_enrol_request(args: argparse.Namespace) -> int:
    from debc_outreach.sync import trust

    hub = _open_hub(args)
    try:
        target = trust.write_json_file(args.output, hub.enrol_request(args.name))
    finally:
        hub.close()
    print(_("Hub enrolment request written to {path}. The coordinator approves it with "
            "'hub approve'.").format(path=target))
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from debc_outreach.hub.service import approve_hub
    from debc_outreach.sync import trust

    request = trust.read_json_file(Path(args.request).expanduser(), _("enrolment request"))
    with open_store(args) as store:
        document = approve_hub(store, request)
    target = trust.write_json_file(args.output, document)
    print(_("Certificate for hub {device} written to {path}.")
          .format(device=document["certificate"]["body"]["device_id"], path=target))
    return 0


def cmd_enrol_accept(args: argparse.Namespace) -> int:
    from debc_outreach.sync import trust

    document = trust.read_json_file(Path(args.certificate).expanduser(), _("certificate"))
    hub = _open_hub(args)
    try:
        hub.accept_enrolment(document)
        name = hub.require_programme().name
    finally:
        hub.close()
    print(_("The hub joined the programme {name}.").format(name=name))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from debc_outreach.hub import admin

    hub = _open_hub(args)
    try:
        health = hub.health()
        devices = admin.devices(hub)
    finally:
        hub.close()
    if args.json:
        print_json({**health, "devices": [d.as_json() for d in devices]})
        return 0
    print(_("Hub {device}: {events} event(s) from {bundles} bundle(s) ({database}).").format(
        device=health["device_id"], events=i18n.format_number(health["events"]),
        bundles=i18n.format_number(health["bundles"]), database=health["database"]))
    for device in devices:
        state = _("revoked") if device.revoked else _("active")
        print(_("{name} {device} ({role}, scope {scope}, {state}): last push {push}, last "
                "pull {pull}, {pending} event(s) pending").format(
            name=device.name or "-", device=device.device_id, role=device.role,
            scope=", ".join(device.scope), state=state, push=device.last_push or "-",
            pull=device.last_pull or "-", pending=i18n.format_number(device.pending)))
    return 0


def _positive(kind):
    """An argparse type: a number of `kind` above zero."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            raise argparse.ArgumentTypeError(_("expected a number above zero: {value}")
                                             .format(value=text))
        return value
    return parse


def register(commands) -> None:
    hub = commands.add_parser("hub", help=_("run a sync hub server"))
    actions = hub.add_subparsers(dest="hub_command", metavar="ACTION", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--hub-dir", default="", metavar="DIR",
                            help=_("the hub's folder (keys, uploads; default: DATA_DIR/hub)"))
        parser.add_argument("--db", default="", metavar="URL",
                            help=_("database: a SQLite file (default) or postgresql://…; "
                                   "or set {variable}").format(variable=DB_ENV))

    serve = actions.add_parser("serve", help=_("serve devices over HTTP"))
    common(serve)
    serve.add_argument("--host", default="127.0.0.1", metavar="H")
    serve.add_argument("--port", type=int, default=8470, metavar="P")
    serve.add_argument("--max-bundle-mb", type=int, default=512, metavar="MB",
                       help=_("largest bundle a device may push"))
    serve.add_argument("--rate", type=float, default=20.0, metavar="N",
                       help=_("requests per second allowed per device"))
    serve.add_argument("--uploads", type=_positive(int), default=16, metavar="N",
                       help=_("uploads read at once (each device: 2 at most)"))
    serve.add_argument("--header-timeout", type=_positive(float), default=10.0,
                       metavar="SECONDS", help=_("time a request has to send its headers"))
    serve.add_argument("--body-timeout", type=_positive(float), default=20.0,
                       metavar="SECONDS",
                       help=_("longest pause allowed while a request sends its body"))
    serve.add_argument("--min-upload-rate", type=_positive(float), default=4.0,
                       metavar="KB/S",
                       help=_("slowest average upload speed accepted (kilobytes per second)"))
    serve.set_defaults(handler=cmd_serve)
    request = actions.add_parser("enrol-request", help=_("write the hub's enrolment request"))
    common(request)
    request.add_argument("--name", default="", help=_("a name for the hub"))
    request.add_argument("-o", "--output", required=True, metavar="REQUEST")
    request.set_defaults(handler=cmd_enrol_request)
    approve = actions.add_parser("approve", help=_("certify a hub (on the coordinator's "
                                                   "computer)"))
    approve.add_argument("request", metavar="REQUEST")
    approve.add_argument("-o", "--output", required=True, metavar="CERT")
    approve.set_defaults(handler=cmd_approve)
    accept = actions.add_parser("enrol-accept", help=_("install the hub's certificate"))
    common(accept)
    accept.add_argument("certificate", metavar="CERT")
    accept.set_defaults(handler=cmd_enrol_accept)
    status = actions.add_parser("status", help=_("devices, last sync, pending, revocation"))
    common(status)
    status.add_argument("--json", action="store_true", help=_("machine-readable output"))
    status.set_defaults(handler=cmd_status)
