"""The event log's bytes and hash chains: what every device must compute identically.

A hash covers the canonical JSON of the event, so these tests pin the exact bytes
(an older device must compute the same hash), the row round trip, and every
problem `verify_chains` reports: a missing, unlinked or altered event, per device.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from debc_outreach.storage import events
from debc_outreach.storage.events import (
    EVENT_COLUMNS,
    EVENT_SCHEMA_VERSION,
    GENESIS_HASH,
    Event,
    chain_head,
    dumps,
    event_hash,
    from_row,
    insert,
    verify_chains,
)
from debc_outreach.storage.store import Store


@pytest.fixture
def conn(tmp_path):
    with Store.open(tmp_path) as store:
        conn = store.database.conn
        for device, in conn.execute("SELECT DISTINCT device_id FROM event").fetchall():
            events.delete_from(conn, device, 1)
        yield conn


def make_chain(device: str, count: int, start_hlc: int = 1000) -> list[Event]:
    chain, prev = [], GENESIS_HASH
    for seq in range(1, count + 1):
        draft = Event(device, seq, start_hlc + seq, "participant", f"p{seq}", "set",
                      {"display_name": f"សុខ {seq}", "village_code": "07010101"},
                      base={"display_name": 0}, prev_hash=prev)
        event = replace(draft, hash=draft.computed_hash())
        chain.append(event)
        prev = event.hash
    return chain


def store_events(conn, *chains: list[Event]) -> None:
    for chain in chains:
        for event in chain:
            insert(conn, event)


# --- the bytes a hash covers ---------------------------------------------------------------

def test_canonical_json_sorts_keys_has_no_spaces_and_keeps_khmer_as_is():
    assert dumps({"b": 1, "a": [1, 2], "ក": "សុខ"}) == '{"a":[1,2],"b":1,"ក":"សុខ"}'
    assert dumps({"z": {"y": 1, "x": 2}}) == '{"z":{"x":2,"y":1}}'
    assert dumps([]) == "[]"


def test_an_event_hash_is_sha256_of_this_exact_payload():
    payload = ('["dev",3,196608,"participant","p1","set",{"a":1,"ក":"ដ"},{"a":0},1,'
               f'"{GENESIS_HASH}"]')
    want = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    assert event_hash("dev", 3, 196608, "participant", "p1", "set", {"ក": "ដ", "a": 1},
                      {"a": 0}, 1, GENESIS_HASH) == want
    event = Event("dev", 3, 196608, "participant", "p1", "set", {"ក": "ដ", "a": 1},
                  base={"a": 0})
    assert event.computed_hash() == want


def test_every_part_of_an_event_changes_its_hash():
    event = make_chain("dev", 1)[0]
    variants = [replace(event, device_id="dev2"), replace(event, seq=2),
                replace(event, hlc=event.hlc + 1), replace(event, entity="session"),
                replace(event, entity_id="p9"), replace(event, op="add"),
                replace(event, fields={"display_name": "x"}), replace(event, base={}),
                replace(event, schema_version=2), replace(event, prev_hash="f" * 64)]
    hashes = {variant.computed_hash() for variant in variants}
    assert event.computed_hash() not in hashes
    assert len(hashes) == len(variants)


def test_new_events_have_schema_one_and_start_from_the_genesis_hash():
    event = Event("dev", 1, 1, "trainer", "t1", "set", {})
    assert EVENT_SCHEMA_VERSION == 1
    assert event.schema_version == 1 and event.base == {} and event.hash == ""
    assert GENESIS_HASH == "0" * 64 and event.prev_hash == GENESIS_HASH
    assert Event("dev", 1, 1, "t", "t1", "set", {}).base is not event.base   # not shared


def test_events_are_frozen():
    event = make_chain("dev", 1)[0]
    with pytest.raises(AttributeError):
        event.seq = 5


# --- rows ---------------------------------------------------------------------------------

def test_an_event_survives_the_row_round_trip(conn):
    event = make_chain("dev", 1)[0]
    assert event.as_row() == ("dev", 1, 1001, "participant", "p1", "set",
                              dumps(event.fields), '{"display_name":0}', 1, GENESIS_HASH,
                              event.hash)
    insert(conn, event)
    row = events.row_at(conn, "dev", 1)
    assert from_row(row) == event
    assert from_row(tuple(row)).fields == {"display_name": "សុខ 1", "village_code": "07010101"}


def test_insert_records_whether_the_event_was_applied(conn):
    applied, held = make_chain("dev", 2)
    insert(conn, applied)
    insert(conn, held, applied=False)
    assert conn.execute("SELECT seq, applied FROM event ORDER BY seq").fetchall() == \
        [(1, 1), (2, 0)]


def test_chain_head_is_the_last_seq_and_hash_of_that_device(conn):
    assert chain_head(conn, "dev") == (0, GENESIS_HASH)
    mine, theirs = make_chain("dev", 3), make_chain("other", 5)
    store_events(conn, [mine[2], mine[0], mine[1]], theirs)
    assert chain_head(conn, "dev") == (3, mine[2].hash)
    assert chain_head(conn, "other") == (5, theirs[4].hash)
    assert chain_head(conn, "nobody") == (0, GENESIS_HASH)


def test_the_log_counts_every_devices_events(conn):
    assert events.count(conn) == 0
    store_events(conn, make_chain("a", 3), make_chain("b", 2))
    assert events.count(conn) == 5


def test_the_newest_applied_stamp_ignores_held_back_events(conn):
    assert events.newest_applied_hlc(conn) == 0
    applied, held = make_chain("a", 2, start_hlc=5000)
    insert(conn, applied)
    insert(conn, held, applied=False)
    assert events.newest_applied_hlc(conn) == applied.hlc == 5001


# --- verify_chains ------------------------------------------------------------------------

def test_intact_chains_of_several_devices_have_no_problems(conn):
    store_events(conn, make_chain("a", 4), make_chain("b", 2), make_chain("c", 1))
    assert verify_chains(conn) == []


def test_a_long_intact_chain_has_no_problems(conn):
    store_events(conn, make_chain("a", 300))
    assert verify_chains(conn) == []


def test_an_event_numbered_below_one_is_reported(conn):
    first = make_chain("a", 1)[0]
    zero = replace(first, seq=0)
    store_events(conn, [replace(zero, hash=zero.computed_hash())])
    assert verify_chains(conn) == ["device a: event 1 is missing (found 0)"]


def test_an_empty_log_has_no_problems(conn):
    assert verify_chains(conn) == []


def test_a_missing_first_event_is_reported(conn):
    store_events(conn, make_chain("a", 3)[1:])
    assert verify_chains(conn) == ["device a: event 1 is missing (found 2)"]


def test_a_missing_middle_event_is_reported_once(conn):
    chain = make_chain("a", 5)
    store_events(conn, chain[:2] + chain[3:])
    assert verify_chains(conn) == ["device a: event 3 is missing (found 4)"]


def test_a_first_event_not_linked_to_the_genesis_is_reported(conn):
    first = make_chain("a", 1)[0]
    forged = replace(first, prev_hash="1" * 64)
    forged = replace(forged, hash=forged.computed_hash())
    store_events(conn, [forged])
    assert verify_chains(conn) == ["device a: event 1 does not link to event 0"]


def test_an_event_that_does_not_link_to_its_predecessor_is_reported(conn):
    chain = make_chain("a", 3)
    relinked = replace(chain[2], prev_hash=chain[0].hash)
    relinked = replace(relinked, hash=relinked.computed_hash())
    store_events(conn, [chain[0], chain[1], relinked])
    assert verify_chains(conn) == ["device a: event 3 does not link to event 2"]


def test_an_altered_event_is_reported_and_its_successor_still_links(conn):
    chain = make_chain("a", 3)
    edited = replace(chain[1], fields={"display_name": "someone else"})
    store_events(conn, [chain[0], edited, chain[2]])
    assert verify_chains(conn) == ["device a: event 2 was altered (hash mismatch)"]


def test_an_altered_first_event_is_reported(conn):
    chain = make_chain("a", 2)
    store_events(conn, [replace(chain[0], hlc=5), chain[1]])
    assert verify_chains(conn) == ["device a: event 1 was altered (hash mismatch)"]


def test_a_hash_only_stand_in_is_linked_but_its_content_is_not_checked(conn):
    chain = make_chain("a", 3)
    stand_in = replace(chain[1], op="redacted", fields={}, base={})
    store_events(conn, [chain[0], stand_in, chain[2]])
    assert verify_chains(conn) == []


def test_a_stand_in_is_still_checked_for_its_link(conn):
    chain = make_chain("a", 3)
    stand_in = replace(chain[1], op="redacted", fields={}, prev_hash="2" * 64)
    store_events(conn, [chain[0], stand_in, chain[2]])
    assert verify_chains(conn) == ["device a: event 2 does not link to event 1"]


def test_problems_of_each_device_are_reported_separately(conn):
    a, b = make_chain("a", 3), make_chain("b", 3)
    store_events(conn, [a[0], a[2]], [b[0], replace(b[1], op="add"), b[2]])
    assert verify_chains(conn) == ["device a: event 2 is missing (found 3)",
                                   "device b: event 2 was altered (hash mismatch)"]


def test_a_missing_event_and_an_alteration_in_one_chain_are_both_reported(conn):
    chain = make_chain("a", 4)
    store_events(conn, [chain[0], chain[2], replace(chain[3], entity_id="zz")])
    assert verify_chains(conn) == ["device a: event 2 is missing (found 3)",
                                   "device a: event 4 was altered (hash mismatch)"]


def test_the_module_names_its_columns_in_row_order():
    assert EVENT_COLUMNS.split(", ") == [
        "device_id", "seq", "hlc", "entity", "entity_id", "op", "fields", "base",
        "schema_version", "prev_hash", "hash"]
    assert events.EVENT_COLUMNS is EVENT_COLUMNS
