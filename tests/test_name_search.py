"""Finding people however their names are typed: spaces and invisible characters,
digits of either script, and Latin letters for Khmer-script names (and the reverse)."""

from pathlib import Path

import pytest

from debc_outreach.core.name_search import compact_key, roman_key, roman_keys, romanise
from debc_outreach.storage import migrations, participants, registry
from debc_outreach.storage.store import Store

NAMES = Path(__file__).parent / "data" / "khmer_names" / "names.tsv"


def _name_list() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in NAMES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            khmer, kind, latin = line.split("\t")
            rows.append((khmer, kind, latin.split("|")))
    return rows


def _names(store: Store, query: str) -> list[str]:
    return [p.display_name for p in participants.search(store.database, query)]


@pytest.mark.parametrize("typed", ["ចាន់ សុខ ជា", "ចាន់សុខជា", "ចាន់\u200bសុខ\u200bជា",
                                   "ចាន់\u200cសុខជា", "ចាន់\u00a0សុខ  ជា", " ចាន់ សុខជា "])
def test_spaces_and_invisible_characters_do_not_count(typed):
    assert compact_key(typed) == compact_key("ចាន់ សុខ ជា")


def test_search_ignores_spaces_zwsp_zwnj_and_no_break_spaces(store):
    participants.add_participant(store, "ចាន់ សុខ ជា")
    participants.add_participant(store, "ចាន់ សុខា")
    for query in ("សុខជា", "សុខ\u200bជា", "សុខ\u00a0ជា", "ចាន់សុខ ជា"):
        assert _names(store, query)[0] == "ចាន់ សុខ ជា", query
    for query in ("ចាន់\u200bសុខា", "ចាន់\u200cសុខា", "ចាន់សុខា"):
        assert _names(store, query)[0] == "ចាន់ សុខា", query


def test_digits_of_either_script_match_both(store):
    participants.add_participant(store, "សុខា ២")
    participants.add_participant(store, "Dara 3")
    assert _names(store, "សុខា 2") == ["សុខា ២"]
    assert _names(store, "dara ៣") == ["Dara 3"]


def test_latin_typing_finds_khmer_names_and_the_script_typed_ranks_first(store):
    participants.add_participant(store, "សុខា")
    participants.add_participant(store, "Sokha")
    participants.add_participant(store, "សុដា")
    participants.add_participant(store, "ដារ៉ា")
    assert _names(store, "sokha") == ["Sokha", "សុខា"]
    assert _names(store, "សុខា") == ["សុខា", "Sokha"]
    assert "សុដា" in _names(store, "so da")
    assert _names(store, "sokh") == ["Sokha", "សុខា"]        # sok / sokh


def test_the_registry_filter_matches_the_same_way(store):
    participants.add_participant(store, "ចាន់ សុខ ជា")
    participants.add_participant(store, "Chann Sokhea")
    for query, expected in (("សុខជា", {"ចាន់ សុខ ជា"}),
                            ("chan sok", {"ចាន់ សុខ ជា", "Chann Sokhea"})):
        rows = registry.page(store.database, registry.Filter(query=query), limit=20)
        assert {row.participant.display_name for row in rows} == expected, query


def test_romanisation_follows_the_usual_cambodian_spelling():
    assert romanise("សុខ") == "sokh"                  # a final consonant
    assert romanise("វណ្ណា") == "vanna"                # the inherent vowel
    assert romanise("ពេជ្រ") == "pech"                 # final subscript not written
    assert romanise("ចាន់ សុខា") == "chansokha"
    assert roman_key("Chann") == roman_key("Chan") == roman_key("ចាន់")
    assert roman_key("Sophea") == roman_key("Sopha") == roman_key("សុភា")


def test_hit_rate_on_common_khmer_names(store):
    """Each usual Latin spelling finds the Khmer-script name, and each Khmer name finds
    a record written in that spelling (the rate is reported by bench/bench_name_search.py)."""
    rows = _name_list()
    for khmer, _kind, _latin in rows:
        participants.add_participant(store, khmer)
    pairs = [(khmer, spelling) for khmer, _kind, latin in rows for spelling in latin]
    found = sum(khmer in _names(store, spelling) for khmer, spelling in pairs)
    assert len(rows) >= 100 and found / len(pairs) >= 0.95
    reverse = sum(any(sound in roman_key(spelling) for sound in roman_keys(khmer))
                  for khmer, spelling in pairs)
    assert reverse / len(pairs) >= 0.95


def test_folders_from_before_the_search_keys_keep_working(tmp_path, monkeypatch):
    folder = tmp_path / "old"
    before = tuple(m for m in migrations.MIGRATIONS
                   if m.name < "0011_participant_search_keys")
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    with Store.open(folder) as store:
        store.database.conn.execute(
            "INSERT INTO participant (id, display_name, name_key) VALUES "
            "('p1', 'ចាន់ សុខ ជា', 'ចាន់ សុខ ជា')")
        store.database.conn.execute("INSERT INTO participant_fts (participant_fts) "
                                    "VALUES ('rebuild')")
    monkeypatch.undo()
    with Store.open(folder) as store:
        assert "0011_participant_search_keys" in migrations.applied_migrations(store.database)
        assert _names(store, "សុខជា") == ["ចាន់ សុខ ជា"]
        assert _names(store, "chan sok") == ["ចាន់ សុខ ជា"]
        participants.add_participant(store, "Sokha")
        assert _names(store, "sokha") == ["Sokha"]


def test_check_in_ranks_names_in_the_script_typed_first(store):
    khmer = participants.add_participant(store, "សុខា")
    latin = participants.add_participant(store, "Sokha")
    rank = participants.rank_for_check_in
    assert rank([khmer, latin], "sokha", set(), "") == [latin, khmer]
    assert rank([latin, khmer], "សុ\u200bខា", set(), "") == [khmer, latin]
    assert rank([latin, khmer], "sokha", {latin.id}, "") == [khmer, latin]   # present last


def test_the_same_name_typed_with_or_without_spaces_is_a_likely_duplicate(store):
    first = participants.add_participant(store, "ចាន់ សុខ ជា", village_code="12010101")
    second = participants.add_participant(store, "ចាន់សុខជា", village_code="12010101")
    found = registry.find_duplicates(store.database)
    assert [(d.reason, {d.first.id, d.second.id}) for d in found] == \
        [("same_name_village", {first.id, second.id})]
