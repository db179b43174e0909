"""Participants: stored as typed, Khmer order, search by key, bad input refused."""

import pytest

from debc_outreach.core.name_search import roman_key, roman_keys
from debc_outreach.core.names import name_key
from debc_outreach.errors import UserError
from debc_outreach.storage import events as event_log
from debc_outreach.storage import participants, registry

VILLAGE = "12010101"


def test_registry_lists_names_in_khmer_alphabetical_order(store, khmer_cases):
    sorting = khmer_cases["sorting"]
    for name in sorting["input"]:
        participants.add_participant(store, name)
    listed = [p.display_name for p in participants.list_all(store.database)]
    assert listed == sorting["icu_km"]
    assert listed != sorting["codepoint_order_wrong"]


def test_names_are_stored_exactly_as_typed(store, khmer_cases):
    for name in khmer_cases["search"]["names"]:
        person = participants.add_participant(store, name)
        assert person.display_name == name


@pytest.mark.parametrize("section_query", range(16))
def test_search_finds_the_same_people_as_the_key_rule(store, khmer_cases, section_query):
    search = khmer_cases["search"]
    ids = {participants.add_participant(store, n).id: n for n in search["names"]}
    case = search["queries"][section_query]
    found = [p.display_name for p in participants.search(store.database, case["query"])
             if p.id in ids]
    matches = set(case["matches"])
    # The key rule's matches first; after them only names that sound like the query
    # in the other script (romanised matching).
    assert set(found[:len(matches)]) == matches, case.get("note")
    sounds = set(roman_keys(case["query"]))
    for extra in found[len(matches):]:
        assert any(sound in roman_key(extra) for sound in sounds), extra


def test_short_and_long_queries_use_instr_and_trigram_alike(store):
    participants.add_participant(store, "ស្រី\u200bពៅ")
    participants.add_participant(store, "សុខ ដារ៉ា")
    for query in ("ព", "ពៅ", "ស្រីពៅ", "ស្រ្តី"[:0] + "ីព"):
        names = [p.display_name for p in participants.search(store.database, query)]
        assert names == ["ស្រី\u200bពៅ"], query


def test_search_by_phone_and_by_village_name(store):
    person = participants.add_participant(store, "Chea Bopha", phone="+855 12 345 678",
                                          village_code=VILLAGE)
    assert [p.id for p in participants.search(store.database, "012345")] == [person.id]
    assert [p.id for p in participants.search(store.database, "Phum Muoy")] == [person.id]


def test_names_with_invisible_characters_are_accepted_and_matched(store):
    person = participants.add_participant(store, "សុខ\u00a0\u00a0ដារ៉ា\u200b")
    assert person.display_name == "សុខ\u00a0\u00a0ដារ៉ា\u200b"
    assert [p.id for p in participants.search(store.database, "សុខ ដារ៉ា")] == [person.id]


@pytest.mark.parametrize("name", ["", "   ", "\u200b", "Sok\x07Dara"])
def test_empty_or_control_character_names_are_refused(store, name):
    with pytest.raises(UserError):
        participants.add_participant(store, name)


@pytest.mark.parametrize("year", [1850, 2999])
def test_impossible_birth_years_are_refused(store, year):
    with pytest.raises(UserError):
        participants.add_participant(store, "Sok Dara", birth_year=year)


def test_unknown_village_code_is_refused(store):
    with pytest.raises(UserError, match="99999999"):
        participants.add_participant(store, "Sok Dara", village_code="99999999")


def test_washington_group_answers_decide_disability(store):
    some = {d: 2 for d in ("seeing", "hearing", "walking", "remembering", "self_care",
                           "communicating")}
    no = participants.add_participant(store, "A", wg_answers=some)
    yes = participants.add_participant(store, "B", wg_answers={"seeing": 3})
    unknown = participants.add_participant(store, "C", wg_answers={"seeing": 2})
    assert (no.disability, yes.disability, unknown.disability) == (False, True, None)


def test_sort_key_is_a_stored_blob_not_a_collation(store):
    participants.add_participant(store, "សុខា")
    schema = store.database.scalar("SELECT sql FROM sqlite_master WHERE name='participant'")
    assert "COLLATE" not in schema.upper()
    assert isinstance(store.database.scalar("SELECT sort_key FROM participant"), bytes)


def test_registry_pages_fill_lazily_in_order(store, khmer_cases):
    for name in khmer_cases["sorting"]["input"]:
        participants.add_participant(store, name)
    first = registry.page(store.database, registry.Filter(), limit=7)
    rest = registry.page(store.database, registry.Filter(),
                         after=(first[-1].sort_key, first[-1].participant.id), limit=100)
    names = [r.participant.display_name for r in first + rest]
    assert names == khmer_cases["sorting"]["icu_km"]
    assert registry.count(store.database, registry.Filter(query="ស")) == len(
        [n for n in names if "ស" in name_key(n)])


def test_unknown_birth_year_and_disability_are_stored_without_null(store):
    """The SQLCipher driver leaks a reference to None per NULL: keep NULLs out."""
    person = participants.add_participant(store, "Sok Dara", wg_answers={"seeing": 2})
    assert person.birth_year is None and person.disability is None
    nulls = store.database.scalar("SELECT count(*) FROM participant WHERE birth_year IS NULL "
                                  "OR disability IS NULL")
    assert nulls == 0


def test_first_letters_of_each_name_part_find_the_person(store):
    wanted = participants.add_participant(store, "ស្រ៊ាង ពិសិដ្ឋ")
    participants.add_participant(store, "ស្រ៊ាង ដារ៉ា")
    participants.add_participant(store, "Sok Dara")
    assert [p.id for p in participants.search(store.database, "ស្រ ពិ")] == [wanted.id]
    assert [p.display_name for p in participants.search(store.database, "da so")] == [
        "Sok Dara"]


def test_phone_search_accepts_the_country_code(store):
    person = participants.add_participant(store, "Chea Bopha", phone="012 345 678")
    assert [p.id for p in participants.search(store.database, "+855 12 345")] == [person.id]


def test_editing_records_only_what_changed(qtbot, app_context):
    from debc_outreach.gui.participants.participant_dialog import ParticipantDialog
    from tests.conftest import close_and_delete

    store = app_context.store
    person = participants.add_participant(store, "Sok Dara", wg_answers={"seeing": 2},
                                          consent="yes", birth_year=1990)
    events = store.database.scalar("SELECT count(*) FROM event")
    dialog = ParticipantDialog(store, existing=person)
    dialog.phone.setText("097 111 2222")
    dialog.accept()
    assert store.database.scalar("SELECT count(*) FROM event") == events + 1
    fields = list(event_log.rows(store.database.conn, order="hlc DESC"))[0][event_log.FIELDS]
    assert '"phone"' in fields and '"wg"' not in fields and '"display_name"' not in fields
    close_and_delete(dialog)
