"""Projections: tables derived from the event log.

`apply()` is the one place an event changes a table, for local edits and for
events that arrive by sync alike. Plain entities are merged field by field,
last writer wins by (HLC, device id) (projection/fields.py). Entities with
set semantics (attendance, checklist ticks, ...) have their own appliers, and
some a batch applier for sync imports.

Every entity is listed here, so whoever applies events knows them all without
importing the feature modules that record them. The appliers depend only on
the event log and core, never on the repositories above them.
"""

from __future__ import annotations

import sqlite3

from debc_outreach.storage.events import Event
from debc_outreach.storage.projection import (
    attendance,
    checklist,
    outcomes,
    participants,
    records,
    sessions,
    settings,
)
from debc_outreach.storage.projection.fields import current_base as _field_base
from debc_outreach.storage.projection.fields import merge
from debc_outreach.storage.projection.records import CERTIFICATE, TARGET, TRAINER
from debc_outreach.storage.projection.schema import Schema
from debc_outreach.storage.projection.sessions import SESSION
from debc_outreach.storage.projection.spec import (
    BatchApplier,
    BatchItem,
    CustomApplier,
    Entity,
)

__all__ = ["BATCH", "CUSTOM", "ENTITIES", "SCHEMAS", "BatchApplier", "BatchItem",
           "CustomApplier", "Entity", "apply", "batch_applier", "current_base"]

ENTITIES: dict[str, Entity] = {spec.table: spec for spec in (
    TRAINER, TARGET, participants.PARTICIPANT, SESSION, CERTIFICATE)}

CUSTOM: dict[str, CustomApplier] = {
    attendance.ENTITY: attendance.apply,
    checklist.ENTITY: checklist.apply,
    participants.DISTINCT_PAIR: participants.apply_distinct,
    settings.PROGRAMME_SETTING: settings.apply_programme_setting,
    settings.CONFLICT_RESOLUTION: settings.apply_conflict_resolution,
    **{entity: outcomes.apply for entity in (outcomes.QUIZ_ANSWER, outcomes.QUIZ_COUNT,
                                             outcomes.SCAM_TALLY, outcomes.FOLLOW_UP)},
}

BATCH: dict[str, BatchApplier] = {
    attendance.ENTITY: attendance.apply_batch,
    checklist.ENTITY: checklist.apply_batch,
    **{entity: outcomes.apply_batch for entity in (outcomes.QUIZ_ANSWER, outcomes.QUIZ_COUNT,
                                                   outcomes.SCAM_TALLY, outcomes.FOLLOW_UP)},
}


# The payload schema of every event type: (entity, op, schema version) -> Schema,
# each declared beside its applier (validate.py checks events against them).
SCHEMAS: dict[tuple[str, str, int], Schema] = {
    (entity, op, version): schema
    for entity, declared in (
        (TRAINER.table, records.TRAINER_SCHEMAS), (TARGET.table, records.TARGET_SCHEMAS),
        (CERTIFICATE.table, records.CERTIFICATE_SCHEMAS),
        (participants.PARTICIPANT.table, participants.SCHEMAS),
        (sessions.SESSION.table, sessions.SCHEMAS),
        (attendance.ENTITY, attendance.SCHEMAS), (checklist.ENTITY, checklist.SCHEMAS),
        (participants.DISTINCT_PAIR, participants.DISTINCT_SCHEMAS),
        (settings.PROGRAMME_SETTING, settings.SETTING_SCHEMAS),
        (settings.CONFLICT_RESOLUTION, settings.RESOLUTION_SCHEMAS),
        (outcomes.QUIZ_ANSWER, outcomes.QUIZ_ANSWER_SCHEMAS),
        (outcomes.QUIZ_COUNT, outcomes.QUIZ_COUNT_SCHEMAS),
        (outcomes.SCAM_TALLY, outcomes.SCAM_TALLY_SCHEMAS),
        (outcomes.FOLLOW_UP, outcomes.FOLLOW_UP_SCHEMAS))
    for (op, version), schema in declared.items()}


def current_base(conn: sqlite3.Connection, entity: str, entity_id: str, fields: dict) -> dict:
    """The version (HLC) of each field a local edit overwrites: the event's `base`."""
    if entity not in ENTITIES:
        return {}
    return _field_base(conn, entity, entity_id, fields)


def batch_applier(entity: str) -> BatchApplier | None:
    """The batch applier of `entity`, if it has one (else apply its events one by one)."""
    return BATCH.get(entity)


def apply(conn: sqlite3.Connection, event: Event) -> list[str]:
    """Apply one event; return the fields it actually changed (lost fields excluded)."""
    custom = CUSTOM.get(event.entity)
    if custom is not None:
        custom(conn, event)
        return list(event.fields)
    spec = ENTITIES.get(event.entity)
    if spec is None:
        raise ValueError(f"unknown entity {event.entity!r}")
    return merge(conn, spec, event)
