"""Duplicate participants are found and merged reversibly (an event, never a delete)."""

import datetime as dt

import pytest

from debc_outreach.errors import UserError
from debc_outreach.storage import attendance, events, participants, projection, registry, sessions

VILLAGE = "12010101"


def test_same_name_typed_differently_in_the_same_village_is_a_duplicate(store):
    a = participants.add_participant(store, "ស្រីពៅ", village_code=VILLAGE)
    b = participants.add_participant(store, "ស្រី\u200bពៅ", village_code=VILLAGE)
    participants.add_participant(store, "ស្រីពៅ", village_code="12010102")
    pairs = registry.find_duplicates(store.database)
    assert [{d.first.id, d.second.id} for d in pairs] == [{a.id, b.id}]
    assert pairs[0].reason == "same_name_village"


def test_names_one_letter_apart_in_one_village_are_flagged(store):
    participants.add_participant(store, "Sok Dara", village_code=VILLAGE)
    participants.add_participant(store, "Sok Darra", village_code=VILLAGE)
    participants.add_participant(store, "Sok Dana", village_code="12010102")
    pairs = registry.find_duplicates(store.database)
    assert [d.reason for d in pairs] == ["similar_name"]


def test_merge_moves_attendance_and_unmerge_restores_it(store):
    keep = participants.add_participant(store, "Sok Dara", village_code=VILLAGE)
    dup = participants.add_participant(store, "SOK  Dara", village_code=VILLAGE)
    session = sessions.create(store, dt.date.today().isoformat(), VILLAGE)
    attendance.check_in(store, session.id, dup.id)
    events_before = store.database.scalar("SELECT count(*) FROM event")

    participants.merge(store, dup.id, keep.id)
    assert [p.id for p in participants.list_all(store.database)] == [keep.id]
    assert [a.session_id for a in registry.attended(store.database, keep.id)] == [session.id]
    assert [p.id for p in attendance.attendees(store.database.conn, session.id)] == [keep.id]
    assert attendance.check_in(store, session.id, keep.id).already

    participants.unmerge(store, dup.id)
    assert {p.id for p in participants.list_all(store.database)} == {keep.id, dup.id}
    assert registry.attended(store.database, keep.id) == []
    assert store.database.scalar("SELECT count(*) FROM participant") == 2
    assert store.database.scalar("SELECT count(*) FROM event") == events_before + 2


def test_merging_into_a_merged_record_is_refused(store):
    a = participants.add_participant(store, "A")
    b = participants.add_participant(store, "B")
    c = participants.add_participant(store, "C")
    participants.merge(store, a.id, b.id)
    with pytest.raises(UserError):
        participants.merge(store, c.id, a.id)
    participants.merge(store, b.id, c.id)
    assert participants.get(store.database, a.id).merged_into == c.id


def test_duplicates_dialog_merges_and_the_registry_can_unmerge(qtbot, main_window):
    from debc_outreach.gui.participants.duplicates_dialog import DuplicatesDialog
    from tests.conftest import close_and_delete

    store = main_window.context.store
    keep = participants.add_participant(store, "ស្រីពៅ", village_code=VILLAGE)
    dup = participants.add_participant(store, "ស្រី\u200bពៅ", village_code=VILLAGE)
    dialog = DuplicatesDialog(store, main_window)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    dialog.keep_first.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0)
    pointers = {participants.get(store.database, p.id).merged_into for p in (keep, dup)}
    assert pointers in ({"", keep.id}, {"", dup.id}) and dialog.merged == 1
    close_and_delete(dialog)
    main_window.context.announce_change("participant")
    page = main_window.page("participants")
    page.apply_filter()
    assert page.model.rowCount() == 1
    page.table.setCurrentIndex(page.model.index(0, 0))
    assert page.merged.count() == 1
    page.unmerge_button.click()
    assert page.model.rowCount() == 2


def test_a_pair_marked_as_different_people_is_not_offered_again_until_undone(store):
    a = participants.add_participant(store, "សុខ ដារា", village_code=VILLAGE)
    b = participants.add_participant(store, "សុខ ដារា", village_code=VILLAGE)
    participants.mark_distinct(store, b.id, a.id)
    assert registry.find_duplicates(store.database) == []
    assert {p.id for p in participants.list_all(store.database)} == {a.id, b.id}
    participants.mark_distinct(store, a.id, b.id, distinct=False)
    assert [{d.first.id, d.second.id} for d in registry.find_duplicates(store.database)] \
        == [{a.id, b.id}]
    # One record per pair, whichever order the ids were given in.
    assert store.database.scalar("SELECT count(*) FROM distinct_pair") == 1
    assert [row[0] for row in store.database.conn.execute(
        "SELECT op FROM event WHERE entity = ? ORDER BY seq",
        (participants.DISTINCT_PAIR,))] == ["add", "remove"]
    with pytest.raises(UserError, match="two different records"):
        participants.mark_distinct(store, a.id, a.id)


def test_pairs_marked_as_different_people_do_not_use_up_the_list(store):
    same = [participants.add_participant(store, "សុខ ដារា", village_code=VILLAGE)
            for _ in range(3)]
    for i, first in enumerate(same):
        for second in same[i + 1:]:
            participants.mark_distinct(store, first.id, second.id)
    near = participants.add_participant(store, "Chan Thida", village_code=VILLAGE)
    near_twin = participants.add_participant(store, "Chan Thyda", village_code=VILLAGE)
    pairs = registry.find_duplicates(store.database, limit=1)
    assert [{d.first.id, d.second.id} for d in pairs] == [{near.id, near_twin.id}]


def test_duplicates_dialog_marks_a_pair_as_different_people_and_offers_it_again(
        qtbot, main_window):
    from debc_outreach.gui.participants.duplicates_dialog import DuplicatesDialog
    from tests.conftest import close_and_delete

    store = main_window.context.store
    participants.add_participant(store, "ស្រីពៅ", village_code=VILLAGE)
    participants.add_participant(store, "ស្រី\u200bពៅ", village_code=VILLAGE)
    dialog = DuplicatesDialog(store, main_window)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    dialog.distinct.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0)
    assert dialog.merged == 0
    # Later (the dialog was closed in between): the marked pairs, and "offer again".
    close_and_delete(dialog)
    dialog = DuplicatesDialog(store, main_window)
    qtbot.waitUntil(lambda: not dialog.distinct.isEnabled())
    dialog.show_marked.setChecked(True)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    assert dialog.table.item(0, 2).text() == "Marked as different people"
    assert dialog.distinct.text() == "Offer this pair again"
    assert not dialog.keep_first.isEnabled() and not dialog.keep_second.isEnabled()
    dialog.distinct.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0)
    dialog.show_marked.setChecked(False)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    assert dialog.keep_first.isEnabled()
    assert store.database.scalar("SELECT count(*) FROM participant WHERE merged_into != ''") == 0
    close_and_delete(dialog)


def test_a_folder_with_the_first_form_of_the_marks_table_is_rebuilt_from_its_log(tmp_path):
    """0009 was first written with one row per pair id (on main for an afternoon);
    0010 gives such folders today's table, from their events, and their old events
    still apply wherever they sync to."""
    from debc_outreach.core.ids import pair_id
    from debc_outreach.storage.store import Store

    folder = tmp_path / "folder"
    with Store.open(folder) as store:
        a = participants.add_participant(store, "សុខ ដារា", village_code=VILLAGE)
        b = participants.add_participant(store, "សុខ ដារា", village_code=VILLAGE)
        with store.database.transaction() as conn:
            conn.execute("DROP TABLE distinct_pair")
            conn.execute("CREATE TABLE distinct_pair (id TEXT PRIMARY KEY, first_id TEXT, "
                         "second_id TEXT, distinct_people INTEGER, created_hlc INTEGER)")
            conn.execute("DELETE FROM _migrations WHERE name = "
                         "'0010_distinct_pairs_newest_wins'")
        low, high = sorted((a.id, b.id))
        # An event as the first form wrote it (applied by hand: today's applier would
        # write today's table).
        with store.database.transaction() as conn:
            seq, prev = events.chain_head(conn, store.device_id)
            draft = events.Event(store.device_id, seq + 1, store.clock.now(),
                                 participants.DISTINCT_PAIR, pair_id(low, high), "set",
                                 {"first_id": low, "second_id": high, "distinct_people": 1},
                                 prev_hash=prev)
            event = events.Event(**{**draft.__dict__, "hash": draft.computed_hash()})
            events.insert(conn, event)
    with Store.open(folder) as store:
        assert registry.find_duplicates(store.database) == []
        assert [p.reason for p in registry.marked_distinct(store.database)] == \
            ["marked_distinct"]
    with Store.open(tmp_path / "elsewhere") as other:
        with other.database.transaction() as conn:
            projection.apply(conn, event)
        assert other.database.scalar("SELECT distinct_people FROM distinct_pair") == 1
