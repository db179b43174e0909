"""Participants (a plain entity with derived search and sort columns) and the
"not the same person" pairs the duplicate finder no longer offers."""

from __future__ import annotations

import json
import sqlite3
from functools import cache

from debc_outreach.core import people, wg
from debc_outreach.core.name_search import compact_key, roman_key
from debc_outreach.core.names import name_key
from debc_outreach.storage.events import Event
from debc_outreach.storage.projection.spec import Entity

# Unknown values are stored as 0 (birth year) and -1 (disability), not NULL: the
# SQLCipher driver (sqlcipher3-wheels 0.5.7) loses a reference to None for every
# NULL it reads or binds, which crashes Python after a few thousand NULLs.
UNKNOWN_YEAR, UNKNOWN_DISABILITY = 0, -1

FIELDS = frozenset({"display_name", "sex", "birth_year", "age_band", "village_code", "phone",
                    "wg", "consent", "consent_date", "consent_by", "contact_consent",
                    "contact_consent_date", "contact_consent_by", "merged_into", "deleted"})


@cache
def _collator():
    import icu  # loaded on the first sort key, not at start-up

    return icu.Collator.createInstance(icu.Locale("km"))


def sort_key(display_name: str) -> bytes:
    """ICU km collation key of the name (Khmer before Latin, dictionary order)."""
    return bytes(_collator().getSortKey(display_name))


def name_columns(name: str) -> dict:
    """The columns derived from a display name (matching, sorting, searching)."""
    return {"name_key": name_key(name), "sort_key": sort_key(name),
            "search_key": compact_key(name), "roman_key": roman_key(name)}


def _derive_name(fields: dict) -> dict:
    return name_columns(fields["display_name"])


def _derive_phone(fields: dict) -> dict:
    return {"phone_key": people.phone_key(fields["phone"] or "")}


def _derive_year(fields: dict) -> dict:
    return {"birth_year": fields["birth_year"] or UNKNOWN_YEAR}


def _derive_wg(fields: dict) -> dict:
    answers = wg.clean_answers(fields["wg"])
    found = wg.has_disability(answers)
    return {"wg": json.dumps(answers, sort_keys=True),
            "disability": UNKNOWN_DISABILITY if found is None else int(found)}


PARTICIPANT = Entity("participant", FIELDS,
                     {"display_name": _derive_name, "phone": _derive_phone, "wg": _derive_wg,
                      "birth_year": _derive_year})

# "Not the same person": a pair the duplicate finder no longer offers. Events "add"
# (mark) and "remove" (unmark) of one entity per pair (the same id on every device);
# the newest wins, so two people marking the same pair agree instead of conflicting.
DISTINCT_PAIR = "distinct_pair"


def apply_distinct(conn: sqlite3.Connection, event: Event) -> None:
    if event.op in ("add", "remove"):
        distinct = event.op == "add"
    elif event.op == "set":     # the first form (never released): distinct_people 1 / 0
        distinct = bool(event.fields.get("distinct_people", 1))
    else:
        raise ValueError(f"unknown op {event.op!r} for {DISTINCT_PAIR}")
    conn.execute(
        "INSERT INTO distinct_pair VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (first_id, second_id) DO UPDATE SET "
        "distinct_people = excluded.distinct_people, hlc = excluded.hlc, "
        "device_id = excluded.device_id "
        "WHERE (excluded.hlc, excluded.device_id) > (distinct_pair.hlc, distinct_pair.device_id)",
        (event.fields["first_id"], event.fields["second_id"], int(distinct), event.hlc,
         event.device_id))
