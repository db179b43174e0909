"""What the projection knows about an entity: the shapes appliers are written to."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from debc_outreach.storage.events import Event

Derive = Callable[[dict], dict]


@dataclass(frozen=True)
class Entity:
    """How an entity's `set` events map onto its table (merged field by field)."""

    table: str
    fields: frozenset[str]
    derive: dict[str, Derive] = field(default_factory=dict)   # field -> extra columns


# An entity with set semantics (attendance, checklist ticks, ...) applies its own events.
CustomApplier = Callable[[sqlite3.Connection, Event], None]
# One item of a batch: (event row in events.EVENT_COLUMNS order, fields, base).
BatchItem = tuple[tuple, dict, dict]
# Many events of one entity at once (sync imports). It must leave the tables exactly
# as applying the same events one by one, in any order, would.
BatchApplier = Callable[[sqlite3.Connection, list[BatchItem]], None]
