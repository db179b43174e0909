"""Which place each kind of record belongs to, and so which laptops may receive it.

A device's certificate names provinces or districts; `AreaIndex.area()` ties every
event to one village (or to no place). These tables write each kind of record the
way the app does — participant, session, attendance, checklist tick, merge, distinct
pair, certificate statement — with the people and the sessions in different
provinces, and check the village and the laptops that may receive it.
"""

from __future__ import annotations

import pytest

from debc_outreach.storage import (
    attendance,
    checklist,
    events,
    participants,
    sessions,
    trainers,
)
from debc_outreach.storage.events import Event
from debc_outreach.storage.store import Store
from debc_outreach.sync import statements
from debc_outreach.sync.scope import VILLAGE_FIELD, AreaIndex
from debc_outreach.sync.trust import ALL_AREAS, Certificate

ANGKOR_CHEY = "07010101"         # Kampot province, Angkor Chey district
BANTEAY_MEAS = "07020101"        # Kampot province, Banteay Meas district
PHNOM_PENH = "12010101"          # Phnom Penh


def laptop(*scope: str) -> Certificate:
    return Certificate(device_id="laptop", name="laptop", role="trainer", scope=scope,
                       sign="", enc="", expires="2099-01-01T00:00:00+00:00", signed={})


KAMPOT_LAPTOP = laptop("07")
ANGKOR_CHEY_LAPTOP = laptop("0701")
PHNOM_PENH_LAPTOP = laptop("12")
COORDINATOR = laptop(ALL_AREAS)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path) as opened:
        yield opened


def area(store: Store, event: Event) -> str | None:
    return AreaIndex(store.database.conn).area(event)


def receivers(village: str | None) -> set[str]:
    named = {"kampot": KAMPOT_LAPTOP, "angkor chey": ANGKOR_CHEY_LAPTOP,
             "phnom penh": PHNOM_PENH_LAPTOP, "coordinator": COORDINATOR}
    return {name for name, cert in named.items() if cert.covers(village)}


def person(store: Store, village: str, name: str = "សុខ ដារា") -> str:
    return participants.add_participant(store, name, village_code=village).id


def session(store: Store, village: str) -> str:
    return sessions.create(store, "2026-03-08", village).id


def last_event(store: Store) -> Event:

    row = next(events.rows(store.database.conn, order="seq DESC"))
    return events.from_row(row)


# --- the table: one row per kind of record ---------------------------------------------

def participant_registered(store):
    person(store, ANGKOR_CHEY)
    return last_event(store), ANGKOR_CHEY


def participant_edited_without_a_village(store):
    pid = person(store, ANGKOR_CHEY)
    participants.update_participant(store, pid, phone="012345678")
    return last_event(store), ANGKOR_CHEY


def session_planned(store):
    session(store, PHNOM_PENH)
    return last_event(store), PHNOM_PENH


def session_edited_without_a_village(store):
    sid = session(store, PHNOM_PENH)
    sessions.start_if_planned(store, sid)
    return last_event(store), PHNOM_PENH


def check_in_of_a_kampot_person_at_a_phnom_penh_session(store):
    sid, pid = session(store, PHNOM_PENH), person(store, ANGKOR_CHEY)
    event = store.record("attendance", sid, {"participant_id": pid, "at": "x"}, op="add")
    attendance.check_in(store, sid, person(store, BANTEAY_MEAS))
    return event, ANGKOR_CHEY


def check_in_through_the_app(store):
    sid, pid = session(store, PHNOM_PENH), person(store, BANTEAY_MEAS)
    attendance.check_in(store, sid, pid)
    events = store.database.conn.execute(
        "SELECT seq FROM event WHERE entity = 'attendance'").fetchall()
    assert len(events) == 1
    return _event(store, events[0][0]), BANTEAY_MEAS


def check_out_of_a_kampot_person_at_a_phnom_penh_session(store):
    sid, pid = session(store, PHNOM_PENH), person(store, ANGKOR_CHEY)
    attendance.check_in(store, sid, pid)
    attendance.remove(store, sid, pid)
    return last_event(store), ANGKOR_CHEY


def merge_of_a_phnom_penh_duplicate_into_a_kampot_record(store):
    keep, duplicate = person(store, ANGKOR_CHEY), person(store, PHNOM_PENH)
    participants.merge(store, duplicate, keep)
    return last_event(store), ANGKOR_CHEY       # the merge follows the kept record


def distinct_pair_across_provinces(store):
    first, second = sorted((person(store, ANGKOR_CHEY), person(store, PHNOM_PENH)))
    villages = {pid: village for pid, village in
                store.database.conn.execute("SELECT id, village_code FROM participant")}
    participants.mark_distinct(store, first, second)
    return last_event(store), villages[first]   # follows the first record of the pair


def certificate_statement_for_a_kampot_person_from_a_phnom_penh_laptop(store):
    sid, pid = session(store, PHNOM_PENH), person(store, ANGKOR_CHEY)
    attendance.check_in(store, sid, pid)
    # The fields `statements.issue` records (it needs an enrolled laptop to sign).
    event = store.record(statements.ENTITY, "C0FFEE",
                         {"participant_id": pid, "code": "DEBC1-x", "issued": "2026-03-08"})
    return event, ANGKOR_CHEY


def trainer_added(store):
    trainers.add_trainer(store, "ដារា")
    return last_event(store), None                # trainers go to every laptop


def _event(store: Store, seq: int) -> Event:

    row = next(events.rows(store.database.conn, "seq = ?", (seq,)))
    return events.from_row(row)


CASES = [participant_registered, participant_edited_without_a_village, session_planned,
         session_edited_without_a_village, check_in_of_a_kampot_person_at_a_phnom_penh_session,
         check_in_through_the_app, check_out_of_a_kampot_person_at_a_phnom_penh_session,
         merge_of_a_phnom_penh_duplicate_into_a_kampot_record, distinct_pair_across_provinces,
         certificate_statement_for_a_kampot_person_from_a_phnom_penh_laptop, trainer_added]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_each_kind_of_record_belongs_to_one_place(store, case):
    event, village = case(store)
    assert area(store, event) == village


@pytest.mark.parametrize(("case", "laptops"), [
    (participant_registered, {"kampot", "angkor chey", "coordinator"}),
    (session_planned, {"phnom penh", "coordinator"}),
    (check_in_of_a_kampot_person_at_a_phnom_penh_session,
     {"kampot", "angkor chey", "coordinator"}),
    (check_in_through_the_app, {"kampot", "coordinator"}),
    (merge_of_a_phnom_penh_duplicate_into_a_kampot_record,
     {"kampot", "angkor chey", "coordinator"}),
    (certificate_statement_for_a_kampot_person_from_a_phnom_penh_laptop,
     {"kampot", "angkor chey", "coordinator"}),
    (trainer_added, {"kampot", "angkor chey", "phnom penh", "coordinator"}),
], ids=lambda value: getattr(value, "__name__", ""))
def test_personal_records_reach_only_the_laptops_of_the_persons_place(store, case, laptops):
    event, _village = case(store)
    assert receivers(area(store, event)) == laptops


def test_a_checklist_tick_follows_its_participant_not_the_session(store):
    sid, pid = session(store, PHNOM_PENH), person(store, ANGKOR_CHEY)
    attendance.check_in(store, sid, pid)
    checklist.set_result(store, sid, [pid], "item-1", checklist.ACHIEVED)
    assert area(store, last_event(store)) == ANGKOR_CHEY


def test_a_tick_for_several_people_belongs_to_each_of_their_villages(store):
    sid = session(store, PHNOM_PENH)
    first, second = person(store, ANGKOR_CHEY), person(store, BANTEAY_MEAS)
    checklist.set_result(store, sid, [first, second], "item-1", checklist.ACHIEVED)
    assert AreaIndex(store.database.conn).places(last_event(store)) == [
        ANGKOR_CHEY, BANTEAY_MEAS, PHNOM_PENH]


def test_an_unmerge_goes_where_its_merge_went(store):
    keep, duplicate = person(store, ANGKOR_CHEY), person(store, PHNOM_PENH)
    participants.merge(store, duplicate, keep)
    merged = area(store, last_event(store))
    participants.unmerge(store, duplicate)
    assert area(store, last_event(store)) == merged


# --- the generic rule, field by field ---------------------------------------------------

def synthetic(entity_id: str, **fields) -> Event:
    return Event("other-laptop", 1, 1, "anything", entity_id, "set", fields)


def test_a_participant_reference_wins_over_a_session_reference(store):
    sid, pid = session(store, PHNOM_PENH), person(store, ANGKOR_CHEY)
    for fields in ({"session_id": sid, "participant_id": pid},
                   {"participant_id": pid, "session_id": sid},
                   {"a_session_id": sid, "participant_id": pid},
                   {"zz_session_id": sid, "participant_id": pid}):
        assert area(store, synthetic("x", **fields)) == ANGKOR_CHEY, fields


def test_any_participant_prefixed_reference_wins(store):
    sid, pid = session(store, PHNOM_PENH), person(store, ANGKOR_CHEY)
    event = synthetic(sid, session_id=sid, participant_kept_id=pid)
    assert area(store, event) == ANGKOR_CHEY


def test_a_reference_to_an_unplaced_or_unknown_record_is_skipped(store):
    sid, pid = session(store, PHNOM_PENH), person(store, ANGKOR_CHEY)
    trainer = trainers.add_trainer(store, "ដារា")
    trainer_id = getattr(trainer, "id", trainer)
    assert area(store, synthetic(sid, participant_id="unknown", other_id=pid)) == ANGKOR_CHEY
    assert area(store, synthetic(sid, participant_id="unknown")) == PHNOM_PENH
    assert area(store, synthetic(sid, participant_id=trainer_id)) == PHNOM_PENH
    assert area(store, synthetic("nowhere", participant_id="unknown")) is None


def test_only_id_fields_and_merged_into_are_references(store):
    pid = person(store, ANGKOR_CHEY)
    sid = session(store, PHNOM_PENH)
    assert area(store, synthetic(sid, note=pid)) == PHNOM_PENH
    assert area(store, synthetic(sid, participant=pid)) == PHNOM_PENH
    assert area(store, synthetic(sid, id_of_participant=pid)) == PHNOM_PENH
    assert area(store, synthetic(sid, merged_into=pid)) == ANGKOR_CHEY
    assert area(store, synthetic(sid, kept_id=pid)) == ANGKOR_CHEY


def test_a_reference_must_be_a_text_id(store):
    sid = session(store, PHNOM_PENH)
    assert area(store, synthetic(sid, participant_id=None)) == PHNOM_PENH
    assert area(store, synthetic(sid, participant_id=7)) == PHNOM_PENH
    assert area(store, synthetic(sid, participant_id=[sid])) == PHNOM_PENH


def test_a_record_setting_its_own_village_is_placed_there(store):
    pid = person(store, ANGKOR_CHEY)
    assert area(store, synthetic(pid, **{VILLAGE_FIELD: PHNOM_PENH})) == PHNOM_PENH
    assert area(store, synthetic("new", **{VILLAGE_FIELD: BANTEAY_MEAS})) == BANTEAY_MEAS
    assert area(store, synthetic("new", **{VILLAGE_FIELD: ""})) is None
    assert area(store, synthetic("new", **{VILLAGE_FIELD: 7010101})) is None
    assert area(store, synthetic(pid, **{VILLAGE_FIELD: None})) == ANGKOR_CHEY


def test_a_record_without_references_or_village_follows_its_own_entity(store):
    pid = person(store, ANGKOR_CHEY)
    assert area(store, synthetic(pid, phone="012")) == ANGKOR_CHEY
    assert area(store, synthetic("unplaced", phone="012")) is None


def test_the_latest_village_of_a_person_places_all_their_records(store):
    pid = person(store, ANGKOR_CHEY)
    sid = session(store, ANGKOR_CHEY)
    first = store.record("attendance", sid, {"participant_id": pid, "at": "x"}, op="add")
    participants.update_participant(store, pid, village_code=PHNOM_PENH)
    assert area(store, first) == PHNOM_PENH
    assert receivers(area(store, first)) == {"phnom penh", "coordinator"}


def test_the_index_keeps_the_newest_village_by_stamp_not_by_arrival(store):
    pid = person(store, ANGKOR_CHEY)
    conn = store.database.conn
    newest = conn.execute("SELECT max(hlc) FROM event").fetchone()[0]
    with store.database.transaction():
        for device, hlc, village in (("b-laptop", newest + 20, PHNOM_PENH),
                                     ("a-laptop", newest + 10, BANTEAY_MEAS)):
            events.insert_rows(conn, [(device, 1, hlc, "participant", pid, "set",
                                       f'{{"village_code": "{village}"}}', "{}", 1, "", "",
                                       0)])
    assert area(store, synthetic(pid)) == PHNOM_PENH


def test_a_stand_in_for_a_record_outside_the_scope_places_nothing(store):
    pid = person(store, ANGKOR_CHEY)
    conn = store.database.conn
    with store.database.transaction():
        events.insert_rows(conn, [("b-laptop", 1, 10**15, "participant", pid, "redacted",
                                   f'{{"village_code": "{PHNOM_PENH}"}}', "{}", 1, "", "",
                                   1)])
    assert area(store, synthetic(pid)) == ANGKOR_CHEY
