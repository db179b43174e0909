"""Participants (a plain entity with derived search and sort columns) and the
"not the same person" pairs the duplicate finder no longer offers."""

from __future__ import annotations

import sqlite3
from functools import cache

from debc_outreach.core import people, wg
from debc_outreach.core.name_search import compact_key, roman_key
from debc_outreach.i18n import N_
from debc_outreach.storage.events import Event
from debc_outreach.storage.projection import schema as s
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
    """The columns derived from a display name (sorting, searching)."""
    return {"sort_key": sort_key(name),
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
    return {"wg": wg.pack(answers),
            "disability": UNKNOWN_DISABILITY if found is None else int(found)}


# A participant edit carries only the fields that changed (none is required).
# | field                    | rule                                              |
# |--------------------------|---------------------------------------------------|
# | display_name             | text, 1-200 characters, not blank                 |
# | sex                      | one of F, M, O, X                                 |
# | birth_year               | year in the last 120 years, or null / 0 (unknown) |
# | age_band                 | "" or one of people.AGE_BANDS                     |
# | village_code             | "" or a village of the gazetteer                  |
# | phone                    | text, at most 40 characters                       |
# | wg                       | object: WG domain -> level 1-4                    |
# | consent                  | "", "yes" or "no"                                 |
# | consent_date             | "" or an ISO date                                 |
# | consent_by, merged_into  | text / "" or a record id                          |
# | contact_consent          | 0 / 1 (agrees to be contacted for a follow-up)    |
# | contact_consent_date, _by| "" or an ISO date / text                          |
# | deleted                  | 0 / 1                                             |
SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema((), {
    "display_name": s.text(s.MAX_NAME, min_len=1), "sex": s.choice(people.SEXES),
    "birth_year": s.birth_year(people.OLDEST_AGE),
    "age_band": s.choice(("", *people.AGE_BANDS)), "village_code": s.village(),
    "phone": s.text(40), "wg": s.mapping(wg.DOMAINS, wg.LEVELS, N_("Washington Group answers")),
    "consent": s.choice(("", "yes", "no")), "consent_date": s.date(),
    "consent_by": s.text(), "contact_consent": s.flag(), "contact_consent_date": s.date(),
    "contact_consent_by": s.text(), "merged_into": s.text(s.MAX_ID), "deleted": s.flag()})}

PARTICIPANT = Entity("participant", FIELDS,
                     {"display_name": _derive_name, "phone": _derive_phone, "wg": _derive_wg,
                      "birth_year": _derive_year})

# "Not the same person": a pair the duplicate finder no longer offers. Events "add"
# (mark) and "remove" (unmark) of one entity per pair (the same id on every device);
# the newest wins, so two people marking the same pair agree instead of conflicting.
DISTINCT_PAIR = "distinct_pair"
# | op           | field                 | rule                               |
# |--------------|-----------------------|------------------------------------|
# | add / remove | first_id, second_id   | required record ids                |
# | set (old)    | first_id, second_id   | required record ids                |
# | set (old)    | distinct_people       | 0 / 1                              |
_PAIR = s.Schema(("first_id", "second_id"), {"first_id": s.ident(), "second_id": s.ident(),
                                             "distinct_people": s.flag()})
DISTINCT_SCHEMAS: dict[tuple[str, int], s.Schema] = {
    ("add", 1): _PAIR, ("remove", 1): _PAIR, ("set", 1): _PAIR}


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
