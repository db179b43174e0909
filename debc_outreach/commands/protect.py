"""`debc-outreach protect ...`: PINs, encryption at rest, programme privacy rules.

On a protected data folder every command needs a trainer's PIN: `--pin PIN`,
the DEBC_OUTREACH_PIN environment variable, or (on a terminal) a prompt. New
PINs come from `--new-pin`, DEBC_OUTREACH_NEW_PIN or a prompt (typed twice).
Prefer the prompt or the variable: a PIN on the command line is visible to
other users of the computer in the process list.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from debc_outreach.commands import open_store, unlock_if_protected
from debc_outreach.commands.output import print_json
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import privacy, protection, retention, trainers, vault

NEW_PIN_ENV = "DEBC_OUTREACH_NEW_PIN"
RECOVERY_ENV = "DEBC_OUTREACH_RECOVERY_CODE"


def _new_pin(args: argparse.Namespace) -> str:
    pin = args.new_pin or os.environ.get(NEW_PIN_ENV, "")
    if pin:
        return vault.check_new_pin(pin)
    if not sys.stdin.isatty():
        raise UserError(_("Give the new PIN with --new-pin or the {variable} variable.")
                        .format(variable=NEW_PIN_ENV))
    pin = vault.check_new_pin(getpass.getpass(_("New PIN: ")))
    if getpass.getpass(_("Type the new PIN again: ")) != pin:
        raise UserError(_("The two PINs are not the same. Nothing was changed."))
    return pin


def _trainer(store, wanted: str) -> trainers.Trainer:
    """A trainer profile by id or by name (exact, ignoring case)."""
    found = trainers.get_trainer(store, wanted)
    if found:
        return found
    matches = [t for t in trainers.list_trainers(store)
               if t.display_name.casefold() == wanted.strip().casefold()]
    if len(matches) == 1:
        return matches[0]
    raise UserError(_("There is no single trainer profile named {name}. Use the profile's id "
                      "or add it first.").format(name=wanted))


def cmd_status(args: argparse.Namespace) -> int:
    protected = vault.is_protected(args.data_dir)
    status = {"protected": protected, "profiles": [], "failed_attempts": 0, "wait_seconds": 0}
    if protected:
        status["profiles"] = [{"trainer_id": p.trainer_id, "name": p.label}
                              for p in vault.profiles(args.data_dir)]
        status["failed_attempts"] = vault.failed_attempts(args.data_dir)
        status["wait_seconds"] = vault.seconds_to_wait(args.data_dir)
    with open_store(args) as store:
        status["role"] = ("coordinator" if privacy.is_coordinator_device(store) else
                          "trainer" if privacy.is_trainer_device(store) else "standalone")
        status["retention_days"] = privacy.get_rule(store, privacy.RETENTION_DAYS)
        status["named_exports"] = privacy.get_rule(store, privacy.NAMED_EXPORTS)
        status["named_exports_allowed_here"] = privacy.named_exports_allowed(store)
        status["names_removed"] = retention.purged_count(store)
    if args.json:
        print_json(status)
        return 0
    print(_("Protected with PINs: {answer}").format(
        answer=_("yes (database and device keys encrypted)") if protected else _("no")))
    for profile in status["profiles"]:
        print("  " + _("PIN for {name}").format(name=profile["name"]))
    print(_("Names kept on trainer computers after acknowledgement: {days}").format(
        days=_("always") if not status["retention_days"]
        else ngettext("{n} day", "{n} days", status["retention_days"]).format(
            n=status["retention_days"])))
    print(_("Exports with names on this computer: {answer}").format(
        answer=_("allowed (with a warning)") if status["named_exports_allowed_here"]
        else _("forbidden by the coordinator")))
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    if vault.is_protected(args.data_dir):
        if protection.interrupted_set_up(args.data_dir):
            unlock_if_protected(args)     # signs in, finishes the set-up, shows a new code
            return 0
        raise UserError(_("This computer is already protected with PINs."))
    with open_store(args) as store:
        trainer = _trainer(store, args.trainer)
    pin = args.pin or os.environ.get("DEBC_OUTREACH_PIN", "")
    pin = vault.check_new_pin(pin) if pin else _new_pin(args)
    done = protection.set_up(args.data_dir, trainer.id, trainer.display_name, pin)
    from debc_outreach.sync.keys import seal_key_file

    seal_key_file(args.data_dir)
    print(_("This computer is now protected: the database and the device keys are "
            "encrypted."))
    if done.encryption:
        print(_("A backup of the database from before the encryption (encrypted too) is in "
                "{path}").format(path=done.encryption.backup))
    print(_("Recovery code (write it down and keep it locked away; it is shown only "
            "once):"))
    print(done.recovery_code, flush=True)
    protection.finish_set_up(args.data_dir)
    return 0


def cmd_add_pin(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        trainer = _trainer(store, args.trainer)
    protection.add_profile(args.data_dir, trainer.id, trainer.display_name, _new_pin(args))
    print(_("{name} can now sign in on this computer.").format(name=trainer.display_name))
    return 0


def _profile(args: argparse.Namespace) -> vault.Profile:
    """A PIN profile of this computer by trainer id or name (no database needed)."""
    if not vault.is_protected(args.data_dir):
        raise UserError(_("This computer is not protected with PINs."))
    wanted = args.trainer.strip()
    matches = [p for p in vault.profiles(args.data_dir)
               if wanted in (p.trainer_id, p.label) or p.label.casefold() == wanted.casefold()]
    if len(matches) != 1:
        raise UserError(_("No trainer named {name} has a PIN on this computer.")
                        .format(name=wanted))
    return matches[0]


def cmd_change_pin(args: argparse.Namespace) -> int:
    profile = _profile(args)
    old = args.pin or os.environ.get("DEBC_OUTREACH_PIN", "")
    if not old and sys.stdin.isatty():
        old = getpass.getpass(_("Current PIN: "))
    protection.change_pin(args.data_dir, profile.trainer_id, profile.label, old, _new_pin(args))
    print(_("The PIN of {name} was changed.").format(name=profile.label))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    profile = _profile(args)
    code = args.recovery_code or os.environ.get(RECOVERY_ENV, "")
    if not code and sys.stdin.isatty():
        code = getpass.getpass(_("Recovery code: "))
    if not code:
        raise UserError(_("Give the recovery code with --recovery-code or the {variable} "
                          "variable.").format(variable=RECOVERY_ENV))
    new_code = protection.recover(args.data_dir, code, profile.trainer_id, profile.label,
                                  _new_pin(args))
    print(_("The PIN of {name} was set. The old recovery code no longer works; the new "
            "one (shown only once):").format(name=profile.label))
    print(new_code)
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.retention_days is not None:
            privacy.set_rule(store, privacy.RETENTION_DAYS, args.retention_days)
        if args.named_exports is not None:
            privacy.set_rule(store, privacy.NAMED_EXPORTS, args.named_exports)
        rules = {name: privacy.get_rule(store, name) for name in privacy.DEFAULTS}
    print_json(rules)
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        result = retention.apply_retention(store)
    if args.json:
        print_json({"days": result.days, "names_removed": result.eligible,
                          "events_redacted": result.events_redacted,
                          "removed_before": result.already_purged,
                          "skipped": result.reason})
    elif result.reason:
        print(_("Nothing to do: this computer keeps names (no retention rule, or it is the "
                "coordinator's computer)."))
    else:
        print(ngettext("Removed the name of {n} participant acknowledged more than {days} "
                       "days ago; counts are kept.",
                       "Removed the names of {n} participants acknowledged more than {days} "
                       "days ago; counts are kept.", result.eligible).format(
            n=result.eligible, days=result.days))
    return 0


def register(commands) -> None:
    protect = commands.add_parser("protect", help=_("PINs, encryption and privacy rules"))
    actions = protect.add_subparsers(dest="protect_command", metavar="ACTION", required=True)
    status = actions.add_parser("status", help=_("is this computer protected; the rules"))
    status.add_argument("--json", action="store_true", help=_("machine-readable output"))
    status.set_defaults(handler=cmd_status)
    setup = actions.add_parser("setup", help=_("protect this computer with PINs and encrypt "
                                               "the database"))
    setup.add_argument("--trainer", required=True, help=_("trainer profile (id or name)"))
    setup.add_argument("--new-pin", default=None, help=_("the PIN (prefer the prompt)"))
    setup.set_defaults(handler=cmd_setup)
    add = actions.add_parser("add-pin", help=_("let another trainer sign in here"))
    add.add_argument("--trainer", required=True, help=_("trainer profile (id or name)"))
    add.add_argument("--new-pin", default=None, help=_("the new PIN (prefer the prompt)"))
    add.set_defaults(handler=cmd_add_pin)
    change = actions.add_parser("change-pin", help=_("change a trainer's PIN"))
    change.add_argument("--trainer", required=True, help=_("trainer profile (id or name)"))
    change.add_argument("--new-pin", default=None, help=_("the new PIN (prefer the prompt)"))
    change.set_defaults(handler=cmd_change_pin)
    recover = actions.add_parser("recover", help=_("forgotten PIN: set a new one with the "
                                                   "recovery code"))
    recover.add_argument("--trainer", required=True, help=_("trainer profile (id or name)"))
    recover.add_argument("--recovery-code", default=None, help=_("the recovery code"))
    recover.add_argument("--new-pin", default=None, help=_("the new PIN (prefer the prompt)"))
    recover.set_defaults(handler=cmd_recover)
    rules = actions.add_parser("rules", help=_("coordinator: programme privacy rules"))
    rules.add_argument("--retention-days", type=int, default=None,
                       help=_("days names stay on trainer computers after acknowledgement "
                              "(0 = keep)"))
    rules.add_argument("--named-exports", choices=privacy.NAMED_EXPORT_CHOICES, default=None,
                       help=_("allow or forbid exports with names on trainer computers"))
    rules.set_defaults(handler=cmd_rules)
    purge = actions.add_parser("retention", help=_("remove names past the retention period "
                                                   "now"))
    purge.add_argument("--json", action="store_true", help=_("machine-readable output"))
    purge.set_defaults(handler=cmd_retention)

