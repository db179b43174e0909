"""`db check`: integrity, foreign keys and every device's hash chain."""

from __future__ import annotations

from debc_outreach.storage.database import Database
from debc_outreach.storage.events import verify_chains


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
