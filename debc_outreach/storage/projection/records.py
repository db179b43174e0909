"""Small plain entities: trainers, coordinator targets and issued certificates."""

from __future__ import annotations

from debc_outreach.core.names import name_key
from debc_outreach.storage.projection.spec import Entity


def _trainer_name(fields: dict) -> dict:
    return {"name_key": name_key(fields["display_name"])}


TRAINER = Entity("trainer", frozenset({"display_name", "phone", "deleted"}),
                 {"display_name": _trainer_name})
# Coordinator targets (reports/targets.py): applied by every device that receives them.
TARGET = Entity("target", frozenset({"province_code", "period_start", "period_end",
                                     "policy_area", "measure", "value", "note", "deleted"}))
# Signed certificate statements (sync/statements.py): looked up by their short code.
ISSUED_CERTIFICATE = "issued_certificate"
CERTIFICATE = Entity(ISSUED_CERTIFICATE, frozenset({"participant_id", "code", "issued"}))
