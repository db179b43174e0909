"""`db check`: integrity, foreign keys, every device's hash chain, and records to repair."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from debc_outreach.core import wg
from debc_outreach.storage.database import Database
from debc_outreach.storage.events import EVENT_SCHEMA_VERSION, verify_chains
from debc_outreach.storage.projection import SCHEMAS
from debc_outreach.storage.projection.schema import compile_schema


def check_database(database: Database) -> list[str]:
    """Return a list of problems (empty when the database is sound)."""
    problems: list[str] = []
    for (result,) in database.conn.execute("PRAGMA integrity_check"):
        if result != "ok":
            problems.append(f"integrity: {result}")
    for row in database.conn.execute("PRAGMA foreign_key_check"):
        problems.append(f"foreign key: table {row[0]} row {row[1]} -> {row[2]}")
    problems.extend(verify_chains(database.conn))
    return problems


@dataclass(frozen=True)
class RecordProblem:
    """A stored record whose field breaks today's rules (written by an older version)."""

    entity: str              # participant, session, trainer, target
    entity_id: str
    label: str               # the record's name or date, for people
    field: str
    code: str
    message: str

    def as_json(self) -> dict:
        return {"entity": self.entity, "id": self.entity_id, "label": self.label,
                "field": self.field, "code": self.code, "message": self.message}


# Tables checked: entity -> (column people recognise a record by, how columns stored in
# another form than the event's read back: JSON lists, the packed WG answers).
_CHECKED: dict[str, tuple[str, dict[str, Callable[[str], object]]]] = {
    "participant": ("display_name", {"wg": lambda text: (
        json.loads(text) if text.startswith("{") else wg.unpack(text))}),
    "session": ("date", {"modules": json.loads, "trainer_ids": json.loads}),
    "trainer": ("display_name", {}),
    "target": ("measure", {})}


def record_problems(conn: sqlite3.Connection, limit: int = 1000, *, entity: str = "",
                    entity_id: str = "") -> list[RecordProblem]:
    """Records whose stored fields break the schema of their type, at most `limit`
    (only of `entity`, or only the record `entity_id` of it, when given).

    Checked against today's values (the table), not every past edit: a record
    repaired since is not listed. Empty values are the tables' "not known".
    """
    found: list[RecordProblem] = []
    for table, (label_column, stored_forms) in _CHECKED.items():
        if entity and table != entity:
            continue
        found.extend(_table_problems(conn, table, label_column, stored_forms, entity_id))
        if len(found) >= limit:
            return found[:limit]
    return found


def _table_problems(conn: sqlite3.Connection, entity: str, label_column: str,
                    stored_forms: dict[str, Callable[[str], object]],
                    entity_id: str) -> list[RecordProblem]:
    """The problems of one table's live records (of one record when `entity_id`)."""
    found: list[RecordProblem] = []
    compiled = compile_schema(SCHEMAS[(entity, "set", EVENT_SCHEMA_VERSION)])
    columns = {row[1] for row in conn.execute(f"PRAGMA table_info({entity})")}
    names = [name for name in compiled.schema.rules if name in columns]
    alive = "deleted = 0" if "deleted" in columns else "1"
    one = "AND id = ?" if entity_id else ""
    cursor = conn.execute(f"SELECT id, {label_column}, {', '.join(names)} "
                          f"FROM {entity} WHERE {alive} {one} ORDER BY rowid",
                          (entity_id,) if entity_id else ())
    for row in cursor:
        fields = {name: value for name, value in zip(names, row[2:], strict=True)
                  if value != ""}
        for name, read in stored_forms.items():
            if name in fields:
                try:
                    fields[name] = read(fields[name])
                except (TypeError, ValueError):
                    pass          # left as text: the rule says what is wrong
        if compiled.valid(fields):
            continue
        found.extend(RecordProblem(entity, row[0], str(row[1]), problem.field,
                                   problem.code, problem.message)
                     for problem in compiled.problems(fields))
    return found
