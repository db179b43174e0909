"""Washington Group answers are stored packed (six digits) and read back unchanged; the
JSON object older versions stored reads the same."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from debc_outreach.core import wg

answers = st.dictionaries(st.sampled_from(wg.DOMAINS), st.sampled_from(wg.LEVELS))


@given(answers)
def test_packed_answers_read_back_unchanged(given_answers):
    packed = wg.pack(given_answers)
    assert len(packed) in (0, len(wg.DOMAINS))
    assert wg.unpack(packed) == given_answers
    assert wg.unpack(json.dumps(given_answers)) == given_answers


def test_skipped_and_unknown_answers_are_left_out():
    assert wg.pack({}) == "" and wg.unpack("") == {} and wg.unpack(None) == {}
    assert wg.pack({"seeing": 3, "hearing": 9, "flying": 1}) == "300000"
    assert wg.unpack("{not json") == {}


def test_the_migration_packs_stored_json(tmp_path, monkeypatch):
    from debc_outreach.storage import migrations, participants
    from debc_outreach.storage.store import Store

    before = tuple(m for m in migrations.MIGRATIONS if m.name < "0025")
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    with Store.open(tmp_path) as store:
        person = participants.add_participant(store, "សុខា", wg_answers={"walking": 4})
        store.database.conn.execute("UPDATE participant SET wg = ?",
                                    (json.dumps({"walking": 4, "seeing": 1}),))
    monkeypatch.undo()
    with Store.open(tmp_path) as store:
        assert store.database.scalar("SELECT wg FROM participant") == "104000"
        assert participants.wg_answers(store.database, person.id) == {"walking": 4,
                                                                      "seeing": 1}
