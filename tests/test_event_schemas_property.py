"""Property: whatever a field of a valid record is changed into, the record is either
refused with a Problem (nothing written) or accepted and applied without error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debc_outreach.errors import UserError
from debc_outreach.storage import events
from debc_outreach.storage.events import Event
from debc_outreach.storage.projection.validate import event_problems

PERSON = "6f1c1d2e-8f0a-4e57-9f44-0d7b6a3c2b11"
SESSION = "0b8f6c1e-52a4-4f9e-b1a7-3c2d1e0f9a88"

VALID = [
    ("participant", PERSON, "set", {
        "display_name": "សុខ ដារា", "sex": "F", "birth_year": 1990, "age_band": "",
        "village_code": "07010101", "phone": "012 345 678", "wg": {"seeing": 1},
        "consent": "yes", "consent_date": "2026-03-08", "consent_by": "t1", "merged_into": "",
        "deleted": 0}),
    ("session", SESSION, "set", {
        "date": "2026-03-08", "start_time": "08:30", "venue": "Pagoda", "village_code":
        "07010101", "modules": ["check-before-sharing"], "trainer_ids": [PERSON],
        "partner": "", "audience": "", "language": "km", "state": "planned", "closed_at": "",
        "amendment": "", "deleted": 0}),
    ("attendance", SESSION, "add", {"participant_id": PERSON, "at": "2026-03-08T08:30:00"}),
    ("attendance", SESSION, "remove", {"participant_id": PERSON}),
    ("checklist", SESSION, "set", {"participant_ids": [PERSON], "item_id": "a.b",
                                   "state": "achieved"}),
    ("distinct_pair", "pair", "add", {"first_id": PERSON, "second_id": SESSION}),
    ("programme_setting", "retention_days", "set", {"value": 30}),
    ("conflict_resolution", "key", "set", {
        "entity": "participant", "entity_id": PERSON, "field": "phone", "loser_hlc": 5,
        "loser_device": "d", "choice": "other"}),
    ("trainer", PERSON, "set", {"display_name": "Sokha", "phone": "", "deleted": 0}),
    ("target", SESSION, "set", {"province_code": "07", "period_start": "2026-01-01",
                                "period_end": "2026-12-31", "policy_area": "",
                                "measure": "women", "value": 100, "note": "", "deleted": 0}),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 63, 2 ** 63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=8)


@st.composite
def mutated(draw):
    entity, entity_id, op, fields = draw(st.sampled_from(VALID))
    fields = dict(fields)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace" and fields:
            fields[draw(st.sampled_from(sorted(fields)))] = draw(json_values)
        elif action == "drop" and fields:
            fields.pop(draw(st.sampled_from(sorted(fields))))
        else:
            fields[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    return entity, entity_id, op, fields


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_a_mutated_record_is_refused_with_a_problem_or_applied_cleanly(store, case):
    entity, entity_id, op, fields = case
    problems = event_problems(Event(store.device_id, 1, 1, entity, entity_id, op, fields))
    head = events.chain_head(store.database.conn, store.device_id)
    try:
        store.record(entity, entity_id, fields, op=op)
    except UserError:
        assert problems, "refused without a problem"
        assert events.chain_head(store.database.conn, store.device_id) == head
        return
    assert not problems


@pytest.mark.parametrize(("entity", "entity_id", "op", "fields"), VALID)
def test_every_valid_example_is_valid(entity, entity_id, op, fields):
    assert event_problems(Event("d", 1, 1, entity, entity_id, op, fields)) == []
