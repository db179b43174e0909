"""`debc-outreach cert ...`: check a certificate's signed code; withdraw a certificate."""

from __future__ import annotations

import argparse
from pathlib import Path

from debc_outreach import i18n
from debc_outreach.commands import open_store
from debc_outreach.commands.output import print_json
from debc_outreach.i18n import _


def _texts(source: str) -> list[str]:
    """The codes to check: the QR codes in a picture file, or the text itself."""
    from debc_outreach.reports.pdf.qr import IMAGE_SUFFIXES, read_codes

    path = Path(source).expanduser()
    if path.suffix.lower() in (*IMAGE_SUFFIXES, ".pdf") and path.is_file():
        return read_codes(path)
    return [source]


def cmd_verify(args: argparse.Namespace) -> int:
    from debc_outreach.reports.signed_certificate import details
    from debc_outreach.sync import statements

    texts = _texts(args.code)
    with open_store(args) as store:
        if not texts:
            verdicts = [statements.Verdict(statements.NOT_CERTIFICATE,
                                           _("No QR code was found in this picture. Take the "
                                             "photo closer, straight on and in good light."))]
        else:
            verdicts = [statements.verify(store, text) for text in texts]
    if args.json:
        print_json([{"verdict": v.kind, "reason": v.reason,
                           "statement": v.statement.__dict__ if v.statement else None,
                           "device_name": v.device_name, "programme": v.programme_name}
                          for v in verdicts])
    else:
        for verdict in verdicts:
            print(f"{verdict.title}: {verdict.reason}")
            for label, value in details(verdict, args.data_dir, i18n.language()):
                value = value.replace("\n", "; ")
                print(f"  {label}: {value}")
    return 0 if verdicts and all(v.genuine for v in verdicts) else 1


def cmd_revoke(args: argparse.Namespace) -> int:
    from debc_outreach.sync import statements

    with open_store(args) as store:
        cert_id = statements.revoke(store, args.code)
    print(_("Certificate {id} is withdrawn. Devices learn it with the next sync.")
          .format(id=cert_id))
    return 0


def register(commands) -> None:
    cert = commands.add_parser("cert", help=_("check or withdraw a participation certificate"))
    actions = cert.add_subparsers(dest="cert_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help=_("check a certificate's code or a photo of its QR code (exit 0: "
                         "genuine)"))
    verify.add_argument("code", metavar="CODE|IMAGE",
                        help=_("the code under the QR, the scanned text, or a picture file"))
    verify.add_argument("--json", action="store_true", help=_("machine-readable output"))
    verify.set_defaults(handler=cmd_verify)
    revoke = actions.add_parser("revoke", help=_("coordinator: withdraw a certificate issued "
                                                 "in error"))
    revoke.add_argument("code", metavar="CERT_ID", help=_("the short code or certificate id"))
    revoke.set_defaults(handler=cmd_revoke)
