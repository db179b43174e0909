"""Small plain entities: trainers, coordinator targets and issued certificates."""

from __future__ import annotations

from debc_outreach.core.names import name_key
from debc_outreach.storage.projection import schema as s
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

# Trainer, target and certificate edits carry only the fields that changed.
# | entity             | field                     | rule                              |
# |--------------------|---------------------------|-----------------------------------|
# | trainer            | display_name              | text, 1-200 characters            |
# | trainer            | phone                     | text, at most 40 characters       |
# | target             | province_code             | "" or two digits                  |
# | target             | period_start, period_end  | "" or an ISO date                 |
# | target             | policy_area, measure      | text / a name                     |
# | target             | value                     | a number 0 - 10^9                 |
# | target             | note                      | text                              |
# | issued_certificate | participant_id            | "" or a record id                 |
# | issued_certificate | code                      | text, at most 4000 characters     |
# | issued_certificate | issued                    | an ISO date                       |
# | (each)             | deleted                   | 0 / 1                             |
TRAINER_SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema((), {
    "display_name": s.text(s.MAX_NAME, min_len=1), "phone": s.text(40), "deleted": s.flag()})}
TARGET_SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema((), {
    "province_code": s.choice(("", *(f"{n:02d}" for n in range(100)))),
    "period_start": s.date(), "period_end": s.date(), "policy_area": s.text(),
    "measure": s.slug(), "value": s.number(0, 10 ** 9), "note": s.text(s.MAX_NOTE),
    "deleted": s.flag()})}
CERTIFICATE_SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema((), {
    "participant_id": s.text(s.MAX_ID), "code": s.text(4000), "issued": s.date()})}
