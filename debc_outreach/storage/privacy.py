"""Programme privacy rules set by the coordinator: named exports and retention.

They travel as events of entity `programme_setting` (id = the rule's name,
field `value`), like any record, so every enrolled device receives them. A
rule counts only when the programme's coordinator set it: a trainer device
cannot loosen it by recording its own event (the applier keeps each device's
latest value; the reader takes the coordinator's).
"""

from __future__ import annotations

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage.projection.settings import PROGRAMME_SETTING
from debc_outreach.storage.store import Store

ENTITY = PROGRAMME_SETTING
NAMED_EXPORTS = "named_exports"          # "allowed" | "forbidden_on_trainer_devices"
RETENTION_DAYS = "retention_days"        # int; 0 = keep names on trainer devices
NAMED_EXPORT_CHOICES = ("allowed", "forbidden_on_trainer_devices")
DEFAULTS = {NAMED_EXPORTS: "allowed", RETENTION_DAYS: 0}
MAX_RETENTION_DAYS = 3650


def coordinator_id(store: Store) -> str:
    row = store.database.query("SELECT coordinator_id FROM sync_programme LIMIT 1")
    return row[0][0] if row else ""


def is_trainer_device(store: Store) -> bool:
    """Enrolled in a programme whose coordinator is another device."""
    coordinator = coordinator_id(store)
    return bool(coordinator) and coordinator != store.device_id


def is_coordinator_device(store: Store) -> bool:
    return coordinator_id(store) == store.device_id


def get_rule(store: Store, name: str):
    coordinator = coordinator_id(store)
    value = store.database.scalar(
        "SELECT value FROM programme_setting WHERE name = ? AND device_id = ?",
        (name, coordinator)) if coordinator else None
    if value is None:
        return DEFAULTS[name]
    return int(value) if isinstance(DEFAULTS[name], int) else value


def set_rule(store: Store, name: str, value) -> None:
    """Coordinator only: record a programme rule (it reaches devices with the next sync)."""
    if not is_coordinator_device(store):
        raise UserError(_("Only the coordinator's computer can change the programme's "
                          "privacy rules."))
    if name == RETENTION_DAYS:
        value = int(value)
        if not 0 <= value <= MAX_RETENTION_DAYS:
            raise UserError(_("The number of days must be between 0 (keep) and {most}.")
                            .format(most=MAX_RETENTION_DAYS))
    elif name == NAMED_EXPORTS:
        if value not in NAMED_EXPORT_CHOICES:
            raise UserError(_("Named exports must be 'allowed' or "
                              "'forbidden_on_trainer_devices'."))
    else:
        raise ValueError(f"unknown programme rule {name!r}")
    store.record(ENTITY, name, {"value": value})


# Export kinds of reports/exports.py whose files list participants' names.
NAMED_EXPORT_KINDS = frozenset({"attendance", "participants", "attendance-sheet",
                                "certificate"})


def export_has_names(kind: str) -> bool:
    return kind in NAMED_EXPORT_KINDS


def named_exports_allowed(store: Store) -> bool:
    """May this device write an export that lists participants' names?"""
    return not (is_trainer_device(store)
                and get_rule(store, NAMED_EXPORTS) == "forbidden_on_trainer_devices")


def require_named_exports_allowed(store: Store, kind: str = "participants") -> None:
    """Raise the user-facing refusal when this export lists names and they are forbidden."""
    if export_has_names(kind) and not named_exports_allowed(store):
        raise UserError(_("Your coordinator does not allow exports with participants' names "
                          "on trainer computers. Export without names (aggregate figures), "
                          "or ask the coordinator."))


def named_export_warning() -> str:
    """The text shown before an export with names is saved."""
    return _("This export contains participants' names. Anyone who gets the file can read "
             "them: save it only on this computer or an encrypted drive, do not send it by "
             "messaging apps, and delete it when it is no longer needed.")
