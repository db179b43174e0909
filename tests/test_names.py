"""The Khmer name key against the verified shared test data."""

import pytest

from debc_outreach.core.names import has_legacy_font_text, matches, name_key, validate_name


def test_every_normalisation_pair_gets_the_expected_key(khmer_cases):
    for case in khmer_cases["normalisation"]:
        assert name_key(case["a"]) == case["key_a"], case["id"]
        assert name_key(case["b"]) == case["key_b"], case["id"]
        assert (name_key(case["a"]) == name_key(case["b"])) == case["same_key"], case["id"]


def test_search_rule_finds_exactly_the_expected_names(khmer_cases):
    search = khmer_cases["search"]
    for query in search["queries"]:
        found = [name for name in search["names"] if matches(query["query"], name)]
        assert found == query["matches"], query.get("note", query["query"])


def test_gazetteer_names_keep_their_reference_key(khmer_cases):
    for place in khmer_cases["places"]["places"]:
        assert name_key(place["name_kh"]) == place["name_kh_key"]


@pytest.mark.parametrize("typed", ["សុខា\u200b", "\ufeffសុខា", "  សុខា  ", "សុខា\u00a0"])
def test_invisible_characters_and_spaces_do_not_change_the_key(typed):
    assert name_key(typed) == name_key("សុខា")


def test_latin_names_match_case_insensitively():
    assert name_key("CHEA  Bopha") == name_key("chea bopha")


def test_names_are_refused_only_for_control_characters_or_emptiness():
    assert validate_name("ស្រីពៅ") is None
    assert validate_name("ស៊ីណា") is None          # marks are not "alpha", still valid
    assert validate_name("Sok\x07Dara") == "control"
    assert validate_name("\u200b \u00a0") == "empty"


def test_stray_khmer_symbols_are_flagged_but_accepted():
    odd = "សុខ\u17fb"
    assert validate_name(odd) is None
    assert has_legacy_font_text(odd)
    assert not has_legacy_font_text("សុខ ដារ៉ា")


def test_the_name_key_agrees_with_the_reference_key_of_the_test_data(khmer_cases):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent / "data" / "khmer" / "reference_key.py"
    spec = importlib.util.spec_from_file_location("khmer_reference_key", path)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    texts = [text for case in khmer_cases["normalisation"] for text in (case["a"], case["b"])]
    texts += khmer_cases["search"]["names"]
    texts += [place["name_kh"] for place in khmer_cases["places"]["places"]]
    assert [name_key(text) for text in texts] == [reference.key(text) for text in texts]
