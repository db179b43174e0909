"""Identifiers: random UUIDs everywhere, never autoincrement ids in synced data.

`uuid` is imported on first use: it pulls in `platform`, and the GUI's start-up
path needs no new id (bench/bench_startup.py).
"""


def new_id() -> str:
    import uuid

    return str(uuid.uuid4())


def pair_id(first: str, second: str) -> str:
    """The same id for a pair of records on every device, whatever the order given
    (a name-based UUID, so two devices that mark the same pair agree)."""
    import uuid

    low, high = sorted((first, second))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"debc-outreach:pair:{low}|{high}"))


def is_id(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
