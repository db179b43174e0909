"""The participant registry: add, edit, search, sort, merge and un-merge.

Names are stored exactly as typed. `name_key` (core/names) is used to match
and search; `sort_key` is the ICU `km` collation key (computed in
storage/projection/participants.py), so the list is in Khmer alphabetical
order without a custom COLLATE in the schema.

Search ignores spaces, invisible characters and the digits' script (the
`search_key`, core.name_search.compact_key) and finds Khmer-script names
from Latin typing and the reverse (the `roman_key`): names matching in the
script typed come first, then names matching by sound. A query key of 3+
code points uses the FTS5 trigram index over both keys; shorter keys use
`instr(search_key, ?)` on the sorted index. Phone numbers and village names
are searched too. A merge is an event on the duplicate
(`merged_into` = the kept record), never a delete; un-merge clears it.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass

from debc_outreach.core import people, wg
from debc_outreach.core.ids import is_id, new_id, pair_id
from debc_outreach.core.name_search import compact_key, sound_patterns
from debc_outreach.core.names import name_key, validate_name
from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import gazetteer
from debc_outreach.storage.database import Database
from debc_outreach.storage.projection.participants import DISTINCT_PAIR, UNKNOWN_DISABILITY
from debc_outreach.storage.store import Store


@dataclass(frozen=True)
class Participant:
    id: str
    display_name: str
    sex: str
    birth_year: int | None
    age_band: str
    village_code: str
    phone: str
    disability: bool | None
    consent: str
    merged_into: str = ""

    def as_json(self) -> dict:
        """The fields a script reads (`--json`)."""
        return {"id": self.id, "name": self.display_name, "sex": self.sex,
                "birth_year": self.birth_year, "village_code": self.village_code}


COLUMNS = ("p.id, p.display_name, p.sex, p.birth_year, p.age_band, p.village_code, p.phone, "
           "p.disability, p.consent, p.merged_into")


def from_row(row) -> Participant:
    disability = row[7]
    unknown = disability is None or disability == UNKNOWN_DISABILITY
    return Participant(row[0], row[1], row[2], people.known_birth_year(row[3]), row[4],
                       row[5], row[6],
                       None if unknown else bool(disability), row[8], row[9])


# --- input checks ------------------------------------------------------------------

def checked_name(display_name: str) -> str:
    problem = validate_name(display_name or "")
    if problem == "control":
        raise UserError(_("The name contains control characters. Type it again."))
    if problem == "empty":
        raise UserError(_("Type the participant's name."))
    return display_name


def checked_birth_year(year: int | None) -> int | None:
    problem = people.birth_year_problem(year)
    if problem == "future":
        raise UserError(_("The birth year {year} is in the future.").format(year=year))
    if problem == "too_old":
        raise UserError(_("The birth year {year} would make the participant older than "
                          "{age}. Check the year.").format(year=year, age=people.OLDEST_AGE))
    return year


def checked_sex(sex: str) -> str:
    code = people.normal_sex(sex)
    if code is None:
        raise UserError(_("Sex must be F (female), M (male), O (other) or X (prefer not to "
                          "say)."))
    return code


def _checked_fields(fields: dict) -> dict:
    out = dict(fields)
    if "display_name" in out:
        checked_name(out["display_name"])
    if "birth_year" in out:
        checked_birth_year(out["birth_year"])
    if "sex" in out:
        out["sex"] = checked_sex(out["sex"])
    if out.get("village_code"):
        gazetteer.require_village(out["village_code"])
    if "age_band" in out and out["age_band"] not in ("", *people.AGE_BANDS):
        raise UserError(_("Unknown age band {band}.").format(band=out["age_band"]))
    if "consent" in out and out["consent"] not in ("", "yes", "no"):
        raise UserError(_("Consent must be yes or no."))
    if "contact_consent" in out:
        out["contact_consent"] = bool(out["contact_consent"])
    if "wg" in out:
        out["wg"] = wg.clean_answers(out["wg"])
    return out


# --- writing -------------------------------------------------------------------------

def add_participant(store: Store, display_name: str, *, sex: str = "X",
                    birth_year: int | None = None, age_band: str = "", village_code: str = "",
                    phone: str = "", wg_answers: dict | None = None, consent: str = "",
                    contact_consent: bool = False, recorded_by: str = "",
                    participant_id: str | None = None) -> Participant:
    """Register a person (one event). Consent records today's date and who recorded it;
    so does `contact_consent` (agrees to be contacted for a follow-up)."""
    fields = _checked_fields({
        "display_name": display_name, "sex": sex, "birth_year": birth_year,
        "age_band": "" if birth_year else age_band, "village_code": village_code.strip(),
        "phone": phone.strip(), "wg": wg_answers or {}, "consent": consent,
        "merged_into": "", "deleted": 0})
    if consent:
        fields["consent_date"] = dt.date.today().isoformat()
        fields["consent_by"] = recorded_by
    if contact_consent:
        fields.update(contact_consent=True, contact_consent_date=dt.date.today().isoformat(),
                      contact_consent_by=recorded_by)
    new = participant_id or new_id()
    store.record("participant", new, fields)
    return get(store.database, new)


def update_participant(store: Store, participant_id: str, **changes) -> Participant:
    """Change some fields (only those that differ are recorded)."""
    current = require(store.database, participant_id)
    if "wg_answers" in changes:
        changes["wg"] = changes.pop("wg_answers")
    fields = _checked_fields(changes)
    if fields.get("consent") and fields["consent"] != current.consent:
        fields["consent_date"] = dt.date.today().isoformat()
        fields.setdefault("consent_by", "")
    if "contact_consent" in fields:
        if fields["contact_consent"] == has_contact_consent(store.database, participant_id):
            del fields["contact_consent"]
        else:
            fields["contact_consent_date"] = dt.date.today().isoformat()
            fields.setdefault("contact_consent_by", "")
    if fields:
        store.record("participant", participant_id, fields)
    return get(store.database, participant_id)


def merge(store: Store, duplicate_id: str, keep_id: str) -> None:
    """Merge `duplicate_id` into `keep_id`: one reversible event on the duplicate.

    Records of the duplicate (attendance, skills) count for the kept person.
    People merged into the duplicate earlier follow it to the kept record.
    """
    if duplicate_id == keep_id:
        raise UserError(_("A participant cannot be merged into itself."))
    duplicate = require(store.database, duplicate_id)
    keep = require(store.database, keep_id)
    if keep.merged_into:
        raise UserError(_("{name} was itself merged into another record; merge into that "
                          "record instead.").format(name=keep.display_name))
    if duplicate.merged_into:
        raise UserError(_("{name} is already merged.").format(name=duplicate.display_name))
    followers = merged_records(store.database, duplicate_id)
    with store.database.transaction():
        store.record("participant", duplicate_id, {"merged_into": keep_id})
        for follower in followers:
            store.record("participant", follower, {"merged_into": keep_id})


def unmerge(store: Store, duplicate_id: str) -> None:
    """Undo a merge: the record is listed again with its own attendance."""
    duplicate = require(store.database, duplicate_id)
    if not duplicate.merged_into:
        raise UserError(_("{name} is not merged.").format(name=duplicate.display_name))
    store.record("participant", duplicate_id, {"merged_into": ""})


def mark_distinct(store: Store, first_id: str, second_id: str, distinct: bool = True) -> None:
    """Record that two records are different people (or, `distinct=False`, undo that)."""
    if first_id == second_id:
        raise UserError(_("Choose two different records."))
    low, high = sorted((require(store.database, first_id).id,
                        require(store.database, second_id).id))
    store.record(DISTINCT_PAIR, pair_id(low, high), {"first_id": low, "second_id": high},
                 op="add" if distinct else "remove")


# --- reading -------------------------------------------------------------------------

def get(database: Database, participant_id: str) -> Participant | None:
    rows = database.conn.execute(f"SELECT {COLUMNS} FROM participant p WHERE p.id = ?",
                                 (participant_id,)).fetchall()
    return from_row(rows[0]) if rows else None


def has_contact_consent(database: Database, participant_id: str) -> bool:
    """Did the person agree to be contacted for a follow-up? (A merged record answers
    with the kept record's consent.)"""
    return bool(database.scalar(
        "SELECT k.contact_consent FROM participant p JOIN participant k ON k.id = "
        "CASE WHEN p.merged_into != '' THEN p.merged_into ELSE p.id END WHERE p.id = ?",
        (participant_id,)))


def require(database: Database, participant_id: str) -> Participant:
    found = get(database, participant_id) if is_id(participant_id or "") else None
    if found is None:
        raise UserError(_("There is no participant with id {id}.").format(id=participant_id))
    return found


def resolve(database: Database, participant_id: str) -> str:
    """The id that stands for this person (the kept record if it was merged)."""
    row = database.conn.execute("SELECT merged_into FROM participant WHERE id = ?",
                                (participant_id,)).fetchone()
    return row[0] if row and row[0] else participant_id


def merged_records(database: Database, participant_id: str) -> list[str]:
    """The ids of the records merged into this person (the partial index
    `participant_merged` serves the lookup: it holds merged records only)."""
    return [row[0] for row in database.conn.execute(
        "SELECT id FROM participant WHERE merged_into = ? AND merged_into != ''",
        (participant_id,))]


def wg_answers(database: Database, participant_id: str) -> dict:
    """The Washington Group answers stored for this person (cleaned; {} when none)."""
    row = database.conn.execute("SELECT wg FROM participant WHERE id = ?",
                                (participant_id,)).fetchone()
    return wg.unpack(row[0] if row else "")


ACTIVE = "p.merged_into = '' AND p.deleted = 0"


def list_all(database: Database) -> list[Participant]:
    """Everyone (not merged), in Khmer alphabetical order."""
    cursor = database.conn.execute(
        f"SELECT {COLUMNS} FROM participant p WHERE {ACTIVE} ORDER BY p.sort_key, p.id")
    return [from_row(row) for row in cursor]


def count(database: Database) -> int:
    return database.scalar(f"SELECT count(*) FROM participant p WHERE {ACTIVE}") or 0


def _fts_phrase(key: str, column: str = "search_key") -> str:
    return f'{column} : "' + key.replace('"', '""') + '"'


# A query matching more people than this is common (e.g. "ស្រី"): walk the sort
# index and stop at `limit` instead of sorting every hit.
_COMMON = 300
_LATIN = re.compile("[a-z]")


def _walk_sorted(conn: sqlite3.Connection, key: str, limit: int, where: str,
                 params: tuple) -> list[Participant]:
    """Scan the (sort key, search key) index in order, stop after `limit` hits.

    A key with a Latin letter can only be in names that have one: those have their
    own partial index, so "so" does not walk past every Khmer name first.
    """
    if _LATIN.search(key):
        index, where = "participant_latin", f"p.search_key GLOB '*[a-z]*' AND {where}"
    else:
        index = "participant_sort"
    cursor = conn.execute(
        f"SELECT {COLUMNS} FROM participant p INDEXED BY {index} "
        f"WHERE instr(p.search_key, ?) > 0 AND {where} ORDER BY p.sort_key, p.id LIMIT ?",
        (key, *params, limit))
    return [from_row(row) for row in cursor]


def _fts_matches(conn: sqlite3.Connection, match: str, limit: int, where: str,
                 params: tuple, first: tuple[str, tuple] = ("", ()), capped: bool = False
                 ) -> list[Participant] | None:
    """People whose keys match an FTS query, in Khmer order after the SQL ordering
    term `first` (with its parameters); None if too many match, or with `capped`
    the best of the first `_COMMON` found."""
    hits = conn.execute("SELECT rowid FROM participant_fts WHERE participant_fts MATCH ? "
                        "LIMIT ?", (match, _COMMON + 1)).fetchall()
    if len(hits) > _COMMON:
        if not capped:
            return None
        hits = hits[:_COMMON]
    if not hits:
        return []
    marks = ",".join("?" * len(hits))
    order, order_params = first
    cursor = conn.execute(
        f"SELECT {COLUMNS} FROM participant p WHERE p.rowid IN ({marks}) AND {where} "
        f"ORDER BY {order + ', ' if order else ''}p.sort_key, p.id LIMIT ?",
        (*[h[0] for h in hits], *params, *order_params, limit))
    return [from_row(row) for row in cursor]


def _name_matches(conn: sqlite3.Connection, key: str, limit: int, where: str,
                  params: tuple) -> list[Participant]:
    if len(key) >= 3:
        found = _fts_matches(conn, _fts_phrase(key), limit, where, params)
        if found is not None:
            return found
    return _walk_sorted(conn, key, limit, where, params)


def _sound_matches(conn: sqlite3.Connection, patterns: list[str], limit: int, where: str,
                   params: tuple) -> list[Participant]:
    """People whose name sounds like the query (core.name_search.sound_patterns)."""
    if not patterns:
        return []
    # Names that sound exactly like the query first (there are few), then the others,
    # those starting like it first. When the sound is common, ranking all of them would
    # cost more than it helps: names matching as typed are above, one more letter narrows.
    sound = patterns[0].strip()
    same = _fts_matches(conn, _fts_phrase(f" {sound} ", "roman_key"), limit, where, params,
                        capped=True) or []
    match = " OR ".join(_fts_phrase(pattern, "roman_key") for pattern in patterns)
    starting = ("CASE WHEN instr(p.roman_key, ?) > 0 THEN 0 ELSE 1 END", (f" {sound}",))
    others = _fts_matches(conn, match, limit, where, params, starting, capped=True) or []
    seen = {p.id for p in same}
    return same + [p for p in others if p.id not in seen]


def query_parts(query: str) -> list[str]:
    """The space-separated parts of a query, as search keys ("ស្រ ព" -> two parts)."""
    return [part for part in (compact_key(word) for word in name_key(query or "").split(" "))
            if part]


def name_filter(query: str) -> tuple[str, list]:
    """An SQL condition on `p` for "the name matches `query`" (in either script), with
    its parameters; ("", []) for an empty query. For filtered lists in name order."""
    key = compact_key(query or "")
    if not key:
        return "", []
    if len(key) < 3:
        return "instr(p.search_key, ?) > 0", [key]
    match = " OR ".join([_fts_phrase(key)] + [_fts_phrase(pattern, "roman_key")
                                              for pattern in sound_patterns(query)])
    return ("p.rowid IN (SELECT rowid FROM participant_fts WHERE participant_fts MATCH ?)",
            [match])


def search(database: Database, query: str, limit: int = 50) -> list[Participant]:
    """People whose name (by key), phone or village matches `query`.

    Name matches come first, in Khmer alphabetical order: the whole query in the
    script typed (spaces, ZWSP and the digits' script do not count), then names
    holding every space-separated part of it, then names that sound like it in the
    other script ("sokha" finds សុខា, សុខា finds Sokha); then phone numbers, then
    people living in a village whose name matches (3+ characters).
    """
    key = compact_key(query or "")
    conn = database.conn
    if not key:
        cursor = conn.execute(f"SELECT {COLUMNS} FROM participant p WHERE {ACTIVE} "
                              f"ORDER BY p.sort_key, p.id LIMIT ?", (limit,))
        return [from_row(row) for row in cursor]
    found = _name_matches(conn, key, limit, ACTIVE, ())
    seen = {p.id for p in found}

    def add(more: list[Participant]) -> None:
        found.extend(p for p in more if p.id not in seen)
        seen.update(p.id for p in more)

    tokens = query_parts(query)
    if len(found) < limit and len(tokens) > 1:
        # "ស្រ ព" or "sok d": every part somewhere in the name (the start of each name).
        longest = max(tokens, key=len)
        others = list(tokens)
        others.remove(longest)
        where = " AND ".join([ACTIVE] + ["instr(p.search_key, ?) > 0"] * len(others))
        add(_name_matches(conn, longest, limit, where, tuple(others)))
    if len(found) < limit:
        add(_sound_matches(conn, sound_patterns(query), limit, ACTIVE, ()))
    digits = people.phone_key(query)
    if len(found) < limit and len(digits) >= 3 and not any(c.isalpha() for c in query):
        cursor = conn.execute(
            f"SELECT {COLUMNS} FROM participant p WHERE instr(p.phone_key, ?) > 0 AND {ACTIVE} "
            f"ORDER BY p.sort_key LIMIT ?", (digits, limit))
        add(list(map(from_row, cursor)))
    if len(found) < limit and len(key) >= 3 and not key.isdigit():
        codes = gazetteer.village_codes_matching(query, limit=50)
        if codes:
            marks = ",".join("?" * len(codes))
            cursor = conn.execute(
                f"SELECT {COLUMNS} FROM participant p WHERE p.village_code IN ({marks}) "
                f"AND {ACTIVE} ORDER BY p.sort_key LIMIT ?", (*codes, limit))
            add(list(map(from_row, cursor)))
    return found[:limit]


def rank_for_check_in(found: list[Participant], query: str, present: set[str],
                      village_code: str) -> list[Participant]:
    """Order search results for check-in (stable: ties keep Khmer alphabetical order).

    Present people last; then names matching in the script typed before names that
    only sound like the query; then names starting with it; then the nearest village.
    """
    key = compact_key(query)
    tokens = query_parts(query)

    def nearness(code: str) -> int:
        # Village codes nest: province (2) + district (2) + commune (2) + village (2).
        shared = 0
        for size in (2, 4, 6, 8):
            if code[:size] and code[:size] == village_code[:size]:
                shared = size
        return -shared

    def parts_start(words: list[str]) -> bool:
        # Each typed part starts a later name part than the one before ("សុ សុធា").
        position = 0
        for token in tokens:
            while position < len(words) and not words[position].startswith(token):
                position += 1
            if position == len(words):
                return False
            position += 1
        return True

    def score(person: Participant) -> tuple:
        person_key = compact_key(person.display_name)
        words = query_parts(person.display_name)
        in_script = key in person_key or all(token in person_key for token in tokens)
        starts = person_key.startswith(key) or parts_start(words)
        return (person.id in present, not in_script, not starts,
                nearness(person.village_code))

    return sorted(found, key=score)
