"""Identifiers: random UUIDs everywhere, never autoincrement ids in synced data."""

import uuid


def new_id() -> str:
    return str(uuid.uuid4())


def is_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
