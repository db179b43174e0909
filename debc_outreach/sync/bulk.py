"""A large import into a small database: some secondary indexes are built once at the end.

Inserting a million check-ins one by one into indexes keyed by random ids
touches pages all over each index; building the same index afterwards from
the finished table is a sort, several times cheaper. The index is dropped
and created again inside the import's one transaction, with the exact SQL it
was defined with, so readers (and a power cut, or an error that rolls the
import back) only ever see the database with all its indexes.

Used only when nothing in the import looks an event up by those indexes
while it runs: every event belongs to an entity with a batch applier (whose
upserts go through primary keys), no earlier events are waiting, and the
bundle is at least as large as the event log already here (else rebuilding
would cost more than it saves).
"""

from __future__ import annotations

from debc_outreach.storage import events as event_log
from debc_outreach.storage import projection

BULK_EVENTS = 50000                      # smaller imports keep every index as they go
DEFERRABLE = ("event_entity", "attendance_participant", "checklist_row_session")


def deferrable_indexes(conn, events: int, entities: set[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes to build at the end; [] for a normal import.

    `entities`: the entities of the bundle's events ("" for stand-ins of events
    outside the receiver's scope, which are never applied).
    """
    if events < BULK_EVENTS:
        return []
    if any(entity and projection.batch_applier(entity) is None for entity in entities):
        return []
    if conn.execute("SELECT 1 FROM sync_waiting LIMIT 1").fetchone():
        return []
    if event_log.count(conn) > events:
        return []
    marks = ", ".join("?" * len(DEFERRABLE))
    rows = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                        f"name IN ({marks}) ORDER BY name", DEFERRABLE).fetchall()
    return [(name, sql) for name, sql in rows if sql and "UNIQUE" not in sql.upper()]


def drop(conn, indexes: list[tuple[str, str]]) -> None:
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')


def rebuild(conn, indexes: list[tuple[str, str]]) -> None:
    for _name, sql in indexes:
        conn.execute(sql)
