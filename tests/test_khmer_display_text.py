"""Khmer display helpers: ICU line-break hints, grapheme-safe truncation, typing faults."""

import icu
import pytest

from debc_outreach.content.display import display_markdown
from debc_outreach.core.khmer_text import (
    ZWSP,
    khmer_problems,
    line_break_positions,
    strip_line_breaks,
    truncate_graphemes,
    with_line_breaks,
)


def _line_break_texts(khmer_cases):
    section = khmer_cases["line_break"]
    if icu.ICU_VERSION.split(".")[0] != section["icu_version"].split(".")[0]:
        pytest.skip(f"line breaks were computed with ICU {section['icu_version']}, "
                    f"this is ICU {icu.ICU_VERSION}")
    return section["texts"]


def test_break_positions_are_python_indices_matching_the_test_data(khmer_cases):
    for case in _line_break_texts(khmer_cases):
        assert line_break_positions(case["text"]) == case["icu_break_positions"]


def test_zwsp_inserted_at_break_positions_not_after_spaces(khmer_cases):
    for case in _line_break_texts(khmer_cases):
        shown = with_line_breaks(case["text"])
        assert shown == case["with_zwsp"]
        assert [i for i, c in enumerate(shown) if c == ZWSP] != []
        assert strip_line_breaks(shown) == case["text"]


def test_positions_count_code_points_not_utf16_units():
    text = "👩🏽‍🏫 មនុស្សទាំងអស់"          # astral characters shift UTF-16 offsets
    positions = line_break_positions(text)
    assert all(0 < p < len(text) for p in positions)
    assert text[positions[-1]:] == "ទាំងអស់"


def test_latin_text_is_left_alone():
    assert with_line_breaks("Can open an app") == "Can open an app"


def test_truncation_keeps_coeng_stacks_and_shifters_whole(khmer_cases):
    for case in khmer_cases["grapheme_truncation"]["cases"]:
        assert truncate_graphemes(case["text"], case["n"]) == case["expected"]


@pytest.mark.parametrize(("line", "expected"), [
    ("ក្\u17d2ក", [(3, "double-coeng")]),
    ("\u17b6ក", [(1, "dotted-circle")]),
    ("ក \u17c1", [(3, "dotted-circle")]),
    ("ក្", [(2, "dotted-circle")]),
    ("ក\u200bខ", [(2, "zwsp")]),
    ("ស្ត្រី ស៊ីណា ចន្ទ្រា", []),
])
def test_khmer_typing_faults(line, expected):
    assert khmer_problems(line) == expected


def test_display_markdown_never_touches_link_targets_or_images():
    shown = display_markdown("- នោះគឺជា[ការបោកប្រាស់](glossary:scam)។ ![រូបភាព](images/a.svg)")
    assert "(glossary:scam)" in shown and "![រូបភាព](images/a.svg)" in shown
    assert ZWSP in shown
    bold = display_markdown("[ការបោកប្រាស់](glossary:scam)", glossary_links=False)
    assert strip_line_breaks(bold) == "**ការបោកប្រាស់**"
