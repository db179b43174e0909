"""Who may write each kind of event, and where: the one table of write authority.

Every event type (entity) names its allowed writer:

====================  ===========  ==================================================
entity                writer       why
====================  ===========  ==================================================
programme_setting     coordinator  programme rules: named exports, retention days
target                coordinator  the numbers the ministry and donors hold us to
conflict_resolution   scoped       closes a conflict on a record of the writer's area
participant           scoped       a person of a village (moved: both villages)
session               scoped       a session held in a village
attendance            scoped       follows its participant (else its session)
checklist             scoped       follows each of its participants (else its session)
distinct_pair         scoped       follows both people of the pair
issued_certificate    scoped       follows its participant
quiz_answer           scoped       its participant's village (PLACED_BY)
follow_up             scoped       its participant's village (PLACED_BY)
quiz_count            scoped       its session's village (PLACED_BY)
scam_tally            scoped       its session's village (PLACED_BY)
trainer               anyone       a trainer's name and phone: tied to no place
====================  ===========  ==================================================

`coordinator`: only the programme coordinator's computer. `scoped`: the
coordinator, or a trainer whose certificate scope (provinces or districts)
covers *every* place the event belongs to (`places()`: the villages of the
people and sessions it refers to, the village it sets, the record's own
village; for the outcome records, only the one record named in `PLACED_BY`).
An event tied to no place is in every scope. `anyone`: any enrolled
computer. An entity missing here (a newer version's) is `scoped`.

Device revocations and the withdrawal of issued certificates are not events:
they travel in the revocation list, which only the coordinator's key signs
(sync/trust.py, sync/statements.py).

The same rule is checked where an event is written (`Store.record`, for a
trainer's own computer) and where it arrives (sync/admission.py, the importer
and the hub).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from debc_outreach.errors import UserError
from debc_outreach.i18n import N_, _
from debc_outreach.storage import gazetteer

COORDINATOR, SCOPED, ANYONE = "coordinator", "scoped", "anyone"
ALL_AREAS = "*"
VILLAGE_FIELD = "village_code"
MERGED_INTO = "merged_into"

WRITERS: dict[str, str] = {
    "programme_setting": COORDINATOR,
    "target": COORDINATOR,
    "conflict_resolution": SCOPED,
    "participant": SCOPED,
    "session": SCOPED,
    "attendance": SCOPED,
    "checklist": SCOPED,
    "distinct_pair": SCOPED,
    "issued_certificate": SCOPED,
    "quiz_answer": SCOPED,
    "follow_up": SCOPED,
    "quiz_count": SCOPED,
    "scam_tally": SCOPED,
    "trainer": ANYONE,
}

# Outcome records (storage/projection/outcomes.py) belong to the village of one record
# they name: a person's answers and follow-ups to the person's, a class count and the
# scam tally (no names) to the session's.
PLACED_BY: dict[str, str] = {
    "quiz_answer": "participant_id",
    "follow_up": "participant_id",
    "quiz_count": "session_id",
    "scam_tally": "session_id",
}

# What a refused event tried, in words a coordinator reads on the Sync page.
WHAT: dict[str, str] = {
    "programme_setting": N_("a programme rule"),
    "target": N_("a target"),
    "conflict_resolution": N_("a conflict decision"),
    "participant": N_("a participant"),
    "session": N_("a session"),
    "attendance": N_("an attendance"),
    "checklist": N_("a skills tick"),
    "distinct_pair": N_("a 'not the same person' mark"),
    "issued_certificate": N_("a certificate"),
    "quiz_answer": N_("a quick-check answer"),
    "follow_up": N_("a follow-up"),
    "quiz_count": N_("a quick-check count"),
    "scam_tally": N_("a scam tally"),
    "trainer": N_("a trainer"),
}


def writer(entity: str) -> str:
    return WRITERS.get(entity, SCOPED)


def what(entity: str) -> str:
    """The kind of record, translated (for refusal messages)."""
    return _(WHAT[entity]) if entity in WHAT else entity


def referenced_ids(key: str, value: object) -> Iterable[str]:
    """The record ids a field holds: one id, or a list of ids in a `..._ids` field."""
    if isinstance(value, str):
        return (value,) if value else ()
    if key.endswith("_ids") and isinstance(value, list):
        return [item for item in value if isinstance(item, str) and item]
    return ()


def places(entity_id: str, fields: dict, village_of: Callable[[str], str | None],
           merged_into: Callable[[str], str | None]) -> list[str]:
    """Every village an event belongs to, most telling first ([]: no place).

    References to participants come first, then other references (a session),
    then the village the event sets, then the record's own village. An unmerge
    (`merged_into` emptied) refers to the record it was merged into.
    """
    # Runs for every event a trainer sends: one pass over the keys, sorting only when
    # an event refers to several records.
    people: list[str] = []
    others: list[str] = []
    for key in fields:
        if key[-3:] == "_id" or key[-4:] == "_ids" or key == MERGED_INTO:
            (people if key[:11] == "participant" else others).append(key)
    found: list[str] = []
    for group in (people, others):
        if len(group) > 1:
            group.sort()
        for key in group:
            value = fields[key]
            if key == MERGED_INTO and value == "":
                value = merged_into(entity_id) or ""
            if type(value) is str:
                village = village_of(value) if value else None
                if village and village not in found:
                    found.append(village)
            else:
                for referenced in referenced_ids(key, value):
                    village = village_of(referenced)
                    if village and village not in found:
                        found.append(village)
    village = fields.get(VILLAGE_FIELD)
    if type(village) is str and village and village not in found:
        found.append(village)
    village = village_of(entity_id)
    if village and village not in found:
        found.append(village)
    return found


def event_places(entity: str, entity_id: str, fields: dict,
                 village_of: Callable[[str], str | None],
                 merged_into: Callable[[str], str | None]) -> list[str]:
    """The villages the scope rule checks for an event of `entity` (see `places`; an
    outcome record: the village of the record `PLACED_BY` names, else, when that record
    is unknown here, every place the event refers to, so it cannot be slipped into
    another area's session under a made-up person)."""
    key = PLACED_BY.get(entity)
    if key is None:
        return places(entity_id, fields, village_of, merged_into)
    value = fields.get(key)
    village = village_of(value) if type(value) is str and value else None
    return [village] if village else places(entity_id, fields, village_of, merged_into)


def covered(scope: Iterable[str], village: str) -> bool:
    """Whether a certificate scope (province / district codes, or "*") covers a village."""
    return any(code == ALL_AREAS or village.startswith(code) for code in scope)


@dataclass(frozen=True)
class Denial:
    """Why a writer may not write an event: a stable code and a translated sentence."""

    code: str            # "coordinator_only" | "out_of_scope"
    message: str


def denial(role: str, scope: Iterable[str], entity: str, event_places: list[str],
           device: str) -> Denial | None:
    """None when a device of `role` and `scope` may write this event, else why not.

    `device` names the writer in the message (its label, or its id)."""
    if role == COORDINATOR:
        return None
    rule = writer(entity)
    if rule == ANYONE:
        return None
    if rule == COORDINATOR:
        return Denial("coordinator_only",
                      _("{device} tried to change {what}, which only the coordinator's "
                        "computer may do.").format(device=device, what=what(entity)))
    scope = tuple(scope)
    outside = [place for place in event_places if not covered(scope, place)]
    if outside:
        return Denial("out_of_scope",
                      _("{device} tried to write {what} in village {village}, outside the "
                        "area it was enrolled for.").format(device=device, what=what(entity),
                                                             village=_place(outside[0])))
    return None


def _place(code: str) -> str:
    """A village as a coordinator recognises it: its name, with the code to look it up."""
    label = gazetteer.village_label(code)
    return f"{label} ({code})" if label and label != code else code


# --- this computer's own writes ------------------------------------------------------------

def _projected_village(conn: sqlite3.Connection, entity_id: str) -> str | None:
    row = conn.execute("SELECT village_code FROM participant WHERE id = ? UNION ALL "
                       "SELECT village_code FROM session WHERE id = ? UNION ALL "
                       "SELECT p.village_code FROM issued_certificate c JOIN participant p "
                       "ON p.id = c.participant_id WHERE c.id = ? LIMIT 1",
                       (entity_id, entity_id, entity_id)).fetchone()
    return row[0] if row and row[0] else None


def _projected_merge(conn: sqlite3.Connection, entity_id: str) -> str | None:
    row = conn.execute("SELECT merged_into FROM participant WHERE id = ?",
                       (entity_id,)).fetchone()
    return row[0] if row and row[0] else None


def own_role(conn: sqlite3.Connection, device_id: str) -> tuple[str, tuple[str, ...]] | None:
    """(role, scope) of this computer in its programme; None before it joins one."""
    row = conn.execute("SELECT coordinator_id, json_extract(certificate, '$.body.role'), "
                       "json_extract(certificate, '$.body.scope') FROM sync_programme "
                       "LIMIT 1").fetchone()
    if row is None:
        return None
    coordinator, role, scope = row
    if coordinator == device_id:
        return COORDINATOR, (ALL_AREAS,)
    try:
        codes = tuple(str(code) for code in json.loads(scope or "[]"))
    except ValueError:
        codes = ()
    return str(role or "trainer"), codes


def check_own_write(conn: sqlite3.Connection, device_id: str, entity: str, entity_id: str,
                    fields: dict) -> None:
    """Refuse (UserError) a local write this computer's role or scope does not allow: what
    its peers would refuse on arrival is never recorded."""
    role = own_role(conn, device_id)
    if role is None or role[0] == COORDINATOR or writer(entity) == ANYONE:
        return
    where = event_places(entity, entity_id, fields,
                         lambda found: _projected_village(conn, found),
                         lambda found: _projected_merge(conn, found))
    refused = denial(role[0], role[1], entity, where, _("This computer"))
    if refused is not None:
        raise UserError(refused.message)
