"""Every village of the gazetteer can be picked by typing its name.

A trainer types the village's exact name; where the list of villages so named
is longer than the picker shows, the name of its district or province after
it. This checks every one of the 14,500+ villages, in Khmer and in English,
with the same call the picker makes.
"""

from collections import defaultdict

import pytest

from debc_outreach.gui.widgets.village_picker import SHOWN
from debc_outreach.storage import gazetteer


def _unreachable(script: str) -> list[str]:
    def name(place, part: str) -> str:
        return getattr(place, f"{part}_{script}")

    by_name: dict[str, list] = defaultdict(list)
    for place in gazetteer.all_villages():
        by_name[place.name("km" if script == "kh" else "en")].append(place)
    missing: list[str] = []
    for typed, places in by_name.items():
        shown = {p.code for p in gazetteer.search_villages(typed, limit=SHOWN)}
        narrowed: dict[str, set[str]] = {}
        for place in places:
            if place.code in shown:
                continue
            for area in (name(place, "district"), name(place, "province")):
                query = f"{typed} {area}"
                if query not in narrowed:
                    narrowed[query] = {p.code for p in
                                       gazetteer.search_villages(query, limit=SHOWN)}
                if place.code in narrowed[query]:
                    break
            else:
                missing.append(f"{place.code} {typed}")
    return missing


@pytest.mark.parametrize("script", ["kh", "en"])
def test_every_village_is_reachable_by_its_name_and_at_most_its_area(script):
    assert _unreachable(script) == []


def test_exact_names_come_before_longer_ones():
    exact = [p for p in gazetteer.all_villages() if p.name_kh == "ក្រាំង"]
    shown = gazetteer.search_villages("ក្រាំង", limit=SHOWN)
    assert [p.code for p in shown[:len(exact)]] == [p.code for p in exact]


def test_a_district_or_province_after_the_name_narrows():
    for query in ("ថ្មី កំពត", "thmei kampot", "Thmei  Kampot"):
        found = gazetteer.search_villages(query)
        assert found and all(p.province_en == "Kampot" and "ថ្មី" in p.name_kh
                             for p in found), query
        exact = [p.name_kh == "ថ្មី" for p in found]
        assert exact[0] and exact == sorted(exact, reverse=True), query


def test_digits_of_either_script_match_both():
    latin = {p.code for p in gazetteer.search_villages("ភូមិ 2", limit=500)}
    khmer = {p.code for p in gazetteer.search_villages("ភូមិ ២", limit=500)}
    assert latin and latin == khmer


def test_a_province_filter_keeps_only_its_villages():
    found = gazetteer.search_villages("ថ្មី", limit=500, province="07")
    assert found and {p.province_code for p in found} == {"07"}
