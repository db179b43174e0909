"""Identifiers: random UUIDs everywhere, never autoincrement ids in synced data.

`uuid` is imported on first use: it pulls in `platform`, and the GUI's start-up
path needs no new id (bench/bench_startup.py).
"""


def new_id() -> str:
    import uuid

    return str(uuid.uuid4())


def is_id(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
