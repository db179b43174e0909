"""Choices of the people using this computer, kept in the database but never synced
(each trainer on a shared community-centre PC has their own), e.g. the province the
village picker is limited to.

`owner` is a trainer id, or "" for the computer itself.
"""

from __future__ import annotations

from debc_outreach.storage.database import Database

VILLAGE_PROVINCE = "village_province"      # province code, or "" for every province


def get(database: Database, owner: str, name: str) -> str | None:
    """The saved value, or None if this owner never chose one."""
    return database.scalar("SELECT value FROM local_preference WHERE owner = ? AND name = ?",
                           (owner, name))


def put(database: Database, owner: str, name: str, value: str) -> None:
    with database.transaction() as conn:
        conn.execute("INSERT INTO local_preference (owner, name, value) VALUES (?, ?, ?) "
                     "ON CONFLICT (owner, name) DO UPDATE SET value = excluded.value",
                     (owner, name, value))
