"""Trainer profiles (several trainers can share one community-centre PC)."""

from __future__ import annotations

from dataclasses import dataclass

from debc_outreach.core.ids import new_id
from debc_outreach.core.names import validate_name
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage.store import Store


@dataclass(frozen=True)
class Trainer:
    id: str
    display_name: str
    phone: str


def _checked_name(display_name: str) -> str:
    problem = validate_name(display_name)
    if problem == "control":
        raise UserError(_("The name contains control characters. Type it again."))
    if problem == "empty":
        raise UserError(_("Type a name."))
    return display_name.strip()


def add_trainer(store: Store, display_name: str, phone: str = "") -> Trainer:
    trainer_id = new_id()
    name = _checked_name(display_name)
    store.record("trainer", trainer_id, {"display_name": name, "phone": phone.strip(),
                                         "deleted": 0})
    return Trainer(trainer_id, name, phone.strip())


def rename_trainer(store: Store, trainer_id: str, display_name: str) -> None:
    store.record("trainer", trainer_id, {"display_name": _checked_name(display_name)})


def remove_trainer(store: Store, trainer_id: str) -> None:
    """A tombstone: the profile disappears from lists; its past records keep their name."""
    store.record("trainer", trainer_id, {"deleted": 1})


def list_trainers(store: Store) -> list[Trainer]:
    rows = store.database.query(
        "SELECT id, display_name, phone FROM trainer WHERE deleted = 0 ORDER BY name_key")
    return [Trainer(r["id"], r["display_name"], r["phone"]) for r in rows]


def get_trainer(store: Store, trainer_id: str) -> Trainer | None:
    rows = store.database.query("SELECT id, display_name, phone FROM trainer WHERE id = ?",
                                (trainer_id,))
    return Trainer(rows[0]["id"], rows[0]["display_name"], rows[0]["phone"]) if rows else None
