"""Is an event fit to apply? One entry point, for local writes, imports and the hub.

`event_problems(event)` answers with a list of `Problem`s (empty: valid), from
the schema declared beside the event type's applier (projection.SCHEMAS).
Importers and the hub, which move events as rows, use `row_problems`; its
fast path answers in a few type tests per event and only explains a refusal.

What is not an error: an event of a newer schema version, or of an entity
this version does not know (a newer app wrote it; it is stored unapplied
until an upgrade), and a "redacted" stand-in (only its hash travelled).
"""

from __future__ import annotations

from functools import cache

from debc_outreach.i18n import _
from debc_outreach.storage.events import (
    ENTITY,
    ENTITY_ID,
    EVENT_SCHEMA_VERSION,
    FIELDS,
    OP,
    SCHEMA_VERSION,
    Event,
    dumps,
)
from debc_outreach.storage.projection import CUSTOM, ENTITIES, SCHEMAS
from debc_outreach.storage.projection.schema import (
    MAX_FIELDS_BYTES,
    Compiled,
    Problem,
    compile_schema,
)

__all__ = ["Problem", "event_problems", "row_problems", "row_is_valid"]

REDACTED = "redacted"
# Record ids are UUIDs; a few are keys built from other ids (a conflict resolution's
# names the record, field, stamp and device of the value it decides on).
MAX_ENTITY_ID = 300


@cache
def _compiled(entity: str, op: str, version: int) -> Compiled | None:
    schema = SCHEMAS.get((entity, op, version))
    return compile_schema(schema) if schema is not None else None


def _known(entity: str) -> bool:
    return entity in ENTITIES or entity in CUSTOM


def _envelope_problems(entity: str, op: str, entity_id: object, version: object,
                       fields_size: int) -> list[Problem] | None:
    """Problems of the event around its fields; None when its fields need no check."""
    if version.__class__ is not int or version < 1:
        return [Problem("schema_version", "schema_version",
                        _("The record's format version is not valid."))]
    if version > EVENT_SCHEMA_VERSION or op == REDACTED or not _known(entity):
        return None
    if entity_id.__class__ is not str or not 0 < len(entity_id) <= MAX_ENTITY_ID:
        return [Problem("id", "entity_id", _("The record has no valid id."))]
    if fields_size > MAX_FIELDS_BYTES:
        return [Problem("too_large", "fields", _("The record is too large ({size} bytes).")
                        .format(size=fields_size))]
    if _compiled(entity, op, version) is None:
        return [Problem("op", "op", _("A {entity} record cannot be “{op}”.")
                        .format(entity=entity, op=op))]
    return []


def _validators() -> dict[tuple[str, str, int], object]:
    """(entity, op, version) -> the compiled yes/no check of every declared schema."""
    return {kind: _compiled(*kind).valid for kind in SCHEMAS}


_VALID: dict = {}


def row_is_valid(row: tuple, fields: dict) -> bool:
    """Fast yes/no for an event row (events.EVENT_COLUMNS order) and its parsed fields."""
    valid = (_VALID or _VALID.update(_validators()) or _VALID).get(
        (row[ENTITY], row[OP], row[SCHEMA_VERSION]))
    if valid is not None:
        entity_id = row[ENTITY_ID]
        return entity_id.__class__ is str and 0 < len(entity_id) <= MAX_ENTITY_ID \
            and len(row[FIELDS]) <= MAX_FIELDS_BYTES and valid(fields)
    return not row_problems(row, fields)


def row_problems(row: tuple, fields: dict) -> list[Problem]:
    """What is wrong with an event row; empty when it may be applied (or stored unapplied)."""
    return _problems(row[ENTITY], row[OP], row[ENTITY_ID], row[SCHEMA_VERSION], fields,
                     len(row[FIELDS]))


def event_problems(event: Event) -> list[Problem]:
    """What is wrong with `event`; empty when it may be applied (or stored unapplied)."""
    return _problems(event.entity, event.op, event.entity_id, event.schema_version,
                     event.fields, len(dumps(event.fields)))


def _problems(entity: str, op: str, entity_id: object, version: object, fields: object,
              fields_size: int) -> list[Problem]:
    found = _envelope_problems(entity, op, entity_id, version, fields_size)
    if found is None or found:
        return found or []
    if not isinstance(fields, dict):
        return [Problem("type", "fields", _("The record's fields are not an object."))]
    compiled = _compiled(entity, op, version)
    return [] if compiled.valid(fields) else compiled.problems(fields)


def describe(problems: list[Problem]) -> str:
    """One line for people: the first problem, and how many more there are."""
    if not problems:
        return ""
    if len(problems) == 1:
        return problems[0].message
    return _("{problem} (and {count} more problems)").format(
        problem=problems[0].message, count=len(problems) - 1)
