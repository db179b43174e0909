"""Villages come from the official gazetteer, typed in either script."""

import pytest

from debc_outreach.core.names import name_key
from debc_outreach.storage import gazetteer


def _places(khmer_cases, level):
    return [p for p in khmer_cases["places"]["places"] if p["level"] == level]


def test_villages_have_the_names_the_package_gives(khmer_cases):
    for expected in _places(khmer_cases, "village"):
        place = gazetteer.village(expected["code"])
        assert (place.name_kh, place.name_en) == (expected["name_kh"], expected["name_en"])
        assert place.province_code == expected["province_code"]
        assert name_key(place.name_kh) == expected["name_kh_key"]


@pytest.mark.parametrize("typed", ["name_kh", "name_en", "code"])
def test_type_ahead_finds_a_village_by_khmer_english_or_code(khmer_cases, typed):
    for expected in _places(khmer_cases, "village"):
        codes = [p.code for p in gazetteer.search_villages(expected[typed], limit=50)]
        assert expected["code"] in codes


def test_khmer_type_ahead_ignores_how_the_name_was_typed():
    # The gazetteer spells អណ្ដូង with COENG DA; a trainer types COENG TA, and the
    # space bar of a Khmer keyboard adds a ZWSP.
    typed = "អណ្តូង\u200bកណ្តាល"
    codes = [p.code for p in gazetteer.search_villages(typed, limit=50)]
    assert "01020117" in codes          # អូរអណ្ដូងកណ្ដាល, Banteay Meanchey


def test_unknown_codes_are_refused_and_labels_read_in_the_language():
    from debc_outreach.errors import UserError

    with pytest.raises(UserError):
        gazetteer.require_village("99999999")
    place = gazetteer.village("17100404")
    assert place.label("en").startswith("Sala Kamraeuk, ")
    assert place.label("km").startswith("សាលាកំរើក, ")
    assert "សៀមរាប" in place.label("km")


@pytest.mark.qt_log_ignore("This plugin does not support")     # the offscreen popup
def test_village_picker_types_ahead_and_stores_the_code(qtbot, qapp):
    from debc_outreach.gui.widgets.village_picker import VillagePicker

    picker = VillagePicker()
    qtbot.addWidget(picker)
    picker.textEdited.emit("សាលាកំរើក")
    completer = picker.completer()
    labels = [completer.model().index(r, 0).data() for r in range(completer.model().rowCount())]
    assert any(label.startswith("Sala Kamraeuk") for label in labels)
    completer.activated.emit(next(lb for lb in labels if lb.startswith("Sala Kamraeuk")))
    assert picker.code() == "17100404"
