"""The Khmer name key, branch by branch, against the reference in tests/data/khmer.

`reference_key.py` is the verified reference the project's Khmer test data was built
with. Each test generates every input one rule of the key can see — each reorder
rule, each deprecated and each invisible character, each consonant stack the shifter
rule weighs — and asks for exactly the reference's key. The 28 normalisation pairs
and 16 search queries in cases.json (tests/test_names.py) reach only a few of these.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
import unicodedata
from pathlib import Path

import pytest

from debc_outreach.core.names import has_legacy_font_text, matches, name_key, validate_name

DATA = Path(__file__).resolve().parent / "data" / "khmer"


def _load_reference():
    spec = importlib.util.spec_from_file_location("khmer_reference_key",
                                                  DATA / "reference_key.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


REF = _load_reference()
CASES = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))

COENG, RO, DA, TA, BA, U = "\u17d2", "\u179a", "\u178a", "\u178f", "\u1794", "\u17bb"
KA, NGO, NYO, A_QAQ = "\u1780", "\u1784", "\u1789", "\u17a2"
CONSONANTS = [chr(c) for c in range(0x1780, 0x17A3)]              # KA .. QA
INDEPENDENT_VOWELS = [chr(c) for c in range(0x17A5, 0x17B4)]      # QI .. QAU
BASES = CONSONANTS + INDEPENDENT_VOWELS
MARKS = [chr(c) for c in range(0x17B6, 0x17D4)] + ["\u17dd"]        # vowels, signs, COENG
UPPER_VOWELS = ["\u17b7", "\u17b8", "\u17b9", "\u17ba", "\u17be", "\u17d0", "\u17dd"]
# One base of each kind the rules tell apart: series 1, series 2, BA, RO, DA, QA,
# an independent vowel, and the two base code points at the ends of the Khmer block.
# NYO is in neither of the shifter rule's consonant series.
SAMPLE_BASES = [KA, NGO, NYO, BA, RO, DA, TA, A_QAQ, "\u17a5", "\u17b3", "\u1793", "\u179f"]


def assert_same_keys(texts) -> None:
    """Every text gets the reference key; the first differences are shown."""
    wrong = [(text, name_key(text), REF.key(text)) for text in texts
             if name_key(text) != REF.key(text)]
    shown = [(_codepoints(t), _codepoints(got), _codepoints(want)) for t, got, want in wrong[:5]]
    assert not wrong, f"{len(wrong)} keys differ from the reference, e.g. {shown}"


def _codepoints(text: str) -> str:
    return " ".join(f"{ord(c):04X}" for c in text)


# --- clean-up: NFC, invisible characters, deprecated vowels, spaces, case ---------------

# Every format (Cf) character is in the BMP, the Brahmi to Duployan planes or the tags block.
_PLANES_WITH_FORMAT_CHARACTERS = (range(0x10000), range(0x11000, 0x1E000),
                                  range(0xE0000, 0xE0100))


def _format_characters() -> list[str]:
    return [chr(c) for plane in _PLANES_WITH_FORMAT_CHARACTERS for c in plane
            if unicodedata.category(chr(c)) == "Cf"]


def _whitespace() -> list[str]:
    return [chr(c) for c in range(0x3000 + 1) if chr(c).isspace()]



def test_every_invisible_format_character_is_dropped_anywhere_in_a_name():
    name = "សុខ ដារា"
    texts = [name[:i] + cf + name[i:] for cf in _format_characters()
             for i in (0, 1, 2, 3, 4, len(name))]
    assert_same_keys(texts)
    for cf in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e"):
        assert name_key(f"សុ{cf}ខ") == name_key("សុខ")


def test_the_khmer_inherent_vowels_are_dropped_but_their_neighbours_are_kept():
    for invisible in ("\u17b4", "\u17b5"):
        assert name_key(f"ក{invisible}ា") == name_key("កា")
        assert name_key(invisible) == ""
    assert_same_keys(BASE + mark for BASE in SAMPLE_BASES for mark in ("\u17b3", "\u17b6"))


def test_each_deprecated_independent_vowel_becomes_its_current_spelling():
    assert name_key("\u17a3") == "\u17a2"
    assert name_key("\u17a4") == "\u17a2\u17b6"
    assert name_key("\u17a4\u17c6") == name_key("\u17a2\u17b6\u17c6")
    texts = [prefix + old + mark for old in ("\u17a3", "\u17a4")
             for prefix in ("", "សុខ ", KA + COENG)
             for mark in ["", *MARKS]]
    assert_same_keys(texts)


def test_every_whitespace_run_becomes_one_space_and_the_ends_are_trimmed():
    for space in _whitespace():
        assert name_key(f"{space}សុខ{space}{space}ដារា{space}") == "សុខ ដារា", hex(ord(space))
    assert_same_keys(f"a{space}b" for space in _whitespace())


def test_latin_letters_are_casefolded_and_composed():
    assert name_key("CHEA Bopha") == "chea bopha"
    assert name_key("STRAßE") == "strasse"
    assert name_key("Ce\u0301line") == name_key("C\u00e9line") == "c\u00e9line"
    assert_same_keys(["ÉLÈVE", "Ǆ", "ﬁ", "ΣΊΣΥΦΟΣ", "e\u0301\u0323", "K\u212a"])


@pytest.mark.parametrize("name", ["", " ", "\u200b", "\u17b4\u17b5", "\u00a0\u2003"])
def test_a_name_of_nothing_visible_has_an_empty_key(name):
    assert name_key(name) == ""


# --- reordering: every mark class against every other ----------------------------------

def test_every_single_khmer_code_point_alone_and_after_a_base():
    block = [chr(c) for c in range(0x1770, 0x1810)]
    texts = block + [base + c for base in SAMPLE_BASES for c in block] \
        + [c + base for base in (KA, BA) for c in block]
    assert_same_keys(texts)


def test_marks_after_any_code_point_near_the_khmer_block_are_reordered_only_after_a_base():
    # Marks that the key would move, join or fold if they followed a base.
    movable = ["\u17b6\u17c1", "\u17c1\u17b8", COENG + DA, U + "\u17b8", "\u17c6\u17cc",
               COENG + RO + COENG + TA]
    texts = [chr(c) + marks for c in range(0x1770, 0x1810) for marks in movable]
    assert_same_keys(texts)


def test_every_pair_of_marks_on_every_kind_of_base_is_put_in_one_order():
    texts = [base + first + second for base in SAMPLE_BASES
             for first, second in itertools.product(MARKS, repeat=2)]
    assert_same_keys(texts)


def test_two_marks_typed_in_either_order_give_one_key_when_they_are_different_classes():
    # Robat, subscript, shifter, vowels and signs are sorted by class.
    pairs = [("\u17cc", COENG + TA), (COENG + TA, "\u17c9"), ("\u17c9", "\u17c1"),
             ("\u17c1", U), (U, "\u17b7"), ("\u17b7", "\u17b6"), ("\u17b6", "\u17c6"),
             ("\u17c6", "\u17c7"), ("\u17cb", "\u17c8")]
    for first, second in pairs:
        assert name_key(KA + first + second) == name_key(KA + second + first), (first, second)


def test_every_base_as_a_subscript_and_every_mark_after_it():
    texts = [base + COENG + sub + mark for base in (KA, BA, RO, "\u179f")
             for sub in BASES for mark in ["", *MARKS]]
    assert_same_keys(texts)


def test_coeng_ro_goes_after_any_other_subscript():
    for sub in BASES:
        if sub == RO:
            continue
        want = name_key("\u179f" + COENG + (TA if sub == DA else sub) + COENG + RO)
        assert name_key("\u179f" + COENG + RO + COENG + sub) == want, hex(ord(sub))
    assert name_key("ស្រ្តី") == name_key("ស្ត្រី") == "ស្ត្រី"


def test_coeng_da_and_coeng_ta_are_one_subscript():
    assert name_key("កណ្ដាល") == name_key("កណ្តាល")
    assert name_key(KA + COENG + DA) == KA + COENG + TA
    assert name_key(DA) == DA                       # only the subscript form is folded
    assert_same_keys(base + COENG + DA + mark for base in BASES for mark in ("", U, "\u17b6"))


def test_a_doubled_coeng_counts_once_and_a_trailing_coeng_is_kept():
    assert name_key(KA + COENG + COENG + TA) == KA + COENG + TA
    assert name_key(KA + COENG + COENG + COENG + TA) == KA + COENG + TA
    assert name_key(KA + COENG) == KA + COENG
    assert name_key(KA + COENG + COENG) == KA + COENG
    texts = [KA + COENG * n + tail for n in range(1, 4)
             for tail in ["", TA, RO, "\u17b6", " ", "a", COENG + TA]]
    assert_same_keys(texts)


@pytest.mark.parametrize(("typed", "canonical"), [
    ("\u17be\u17b6", "\u17c4\u17b8"),             # OE + AA looks like OO + II
    ("\u17c1\u17b8", "\u17be"),                   # E + II is the split vowel OE
    ("\u17c1\u17bb\u17b8", "\u17be\u17bb"),
    ("\u17c1\u17b6", "\u17c4"),                   # E + AA is OO
    ("\u17c1\u17bb\u17b6", "\u17c4\u17bb"),
    ("\u17be\u17bb", "\u17bb\u17be"),             # vowel U is kept before OE
])
def test_each_split_or_confusable_vowel_spelling_is_joined(typed, canonical):
    for base in (KA, NGO, BA):
        assert name_key(base + typed) == name_key(base + canonical)
        assert name_key(base + typed) == REF.key(base + typed)
    assert_same_keys(base + COENG + sub + typed for base in (KA, BA) for sub in (TA, RO, BA))


def test_a_syllable_ends_at_any_character_that_is_not_one_of_its_marks():
    # Khmer punctuation, digits and signs after the marks' range, other scripts, emoji:
    # a vowel typed after them is not moved back into the syllable before them.
    others = [chr(c) for c in range(0x17D4, 0x1800)] + ["\u1820", "\u3042", "\U0001f600",
                                                        "a", "1", "-", "\u00e9"]
    texts = [base + other + mark for base in (KA, BA) for other in others
             for mark in ("\u17c1", "\u17b6", COENG + TA, U + "\u17b8")]
    assert_same_keys(texts)


def test_a_syllable_ends_at_the_next_base_that_is_not_a_subscript():
    texts = [first + second + mark + third for first in (KA, BA) for second in SAMPLE_BASES
             for mark in MARKS for third in ("", KA, " ", COENG)]
    # A base after a sign or vowel starts a new syllable: marks after it stay with it.
    texts += [KA + mark + base + movable for mark in MARKS for base in SAMPLE_BASES
              for movable in ("\u17c1", COENG + TA, U + "\u17b8")]
    assert_same_keys(texts)
    assert name_key("ការ\u17cb") == REF.key("ការ\u17cb")


# --- vowel U + upper vowel: the shifter rule over every consonant stack ----------------

TAILS = [[v] for v in UPPER_VOWELS] + [["\u17b6", "\u17c6"], ["\u17b6", "\u17c6", "\u17c7"],
                                       ["\u17b6"], ["\u17c6"], []]


def _u_cases(stack: list[str], robat: bool = False) -> list[str]:
    head = stack[0] + "".join(COENG + sub for sub in stack[1:]) + ("\u17cc" if robat else "")
    return [head + U + "".join(tail) for tail in TAILS]


def test_vowel_u_before_an_upper_vowel_after_every_one_consonant_stack():
    assert_same_keys(text for base in BASES for text in _u_cases([base]))
    assert name_key("\u179f\u17bb\u17b8") == "\u179f\u17ca\u17b8"    # series 1: TRIISAP
    assert name_key("\u1798\u17bb\u17b8") == "\u1798\u17c9\u17b8"    # series 2: MUUSIKATOAN
    assert name_key("\u1794\u17bb\u17b8") == "\u1794\u17c9\u17b8"    # BA: MUUSIKATOAN
    assert name_key("\u179f\u17bb") == "\u179f\u17bb"                # no upper vowel: kept


def test_vowel_u_before_an_upper_vowel_after_every_two_consonant_stack():
    texts = [text for base in BASES for sub in BASES for text in _u_cases([base, sub])]
    assert_same_keys(texts)


def test_vowel_u_before_an_upper_vowel_after_every_three_consonant_stack_kind():
    kinds = [KA, NGO, NYO, BA, RO, "\u179f", "\u1798", A_QAQ, "\u17a5"]
    stacks = itertools.product(kinds, repeat=3)
    assert_same_keys(text for stack in stacks for text in _u_cases(list(stack)))


def test_vowel_u_before_an_upper_vowel_after_stacks_of_four_to_eight():
    # Longer than any real word, but typed or pasted text can hold them.
    stacks = [stack for size in (4, 5) for stack in
              itertools.product([KA, NGO, NYO, BA, RO], repeat=size)]
    stacks += [stack for size in (6, 7, 8) for stack in itertools.product([NYO, BA], repeat=size)]
    stacks += [(base,) * size for base in (KA, NGO, NYO, BA) for size in (6, 7, 8)]
    texts = [stack[0] + "".join(COENG + sub for sub in stack[1:]) + U + tail
             for stack in stacks for tail in ("\u17b8", "\u17b6\u17c6")]
    assert_same_keys(texts)


def test_a_long_pasted_text_gets_the_reference_key():
    # Past 256 code points, where small-integer identity no longer hides a wrong comparison.
    paragraph = "ស្ត្រី ស្រ្តី កណ្ដាល " * 20
    marks = KA + "".join(MARKS) * 9
    texts = [paragraph, marks, KA + "\u17b6" * 300, paragraph.replace(" ", ""),
             KA + COENG + TA + "\u17c1" * 280 + "\u17b8", KA + "\u17b6" * 300 + COENG,
             KA + "\u17b6" * 300 + COENG + COENG]
    assert all(len(text) > 256 for text in texts)
    assert_same_keys(texts)


def test_vowel_u_after_a_robat_or_a_mark_is_weighed_like_after_the_stack():
    texts = [text for stack in ([KA], [NGO], [BA], [KA, BA], [NGO, RO])
             for text in _u_cases(stack, robat=True)]
    texts += [KA + mark + U + "\u17b8" for mark in MARKS]
    texts += [base + "\u17cc" + mark + U + "\u17b8" for base in (KA, NGO) for mark in MARKS]
    assert_same_keys(texts)


def test_a_stray_coeng_before_a_mark_is_not_counted_as_a_consonant_of_the_stack():
    # COENG + vowel is a typing error; the subscripts typed after it still count.
    texts = [KA + COENG + mark + COENG + first + COENG + second + U + "\u17b8"
             for mark in ("\u17b6", "\u17c1", "\u17c6") for first in (NYO, NGO, BA, KA)
             for second in (NYO, NGO, BA, KA)]
    texts += [base + COENG + "\u17b6" + COENG + NYO + U + "\u17b8" for base in (KA, NGO, BA)]
    assert_same_keys(texts)


def test_only_the_first_vowel_u_of_a_syllable_can_become_a_shifter():
    assert_same_keys([KA + U + U + "\u17b8", KA + U + "\u17b8" + U + "\u17b8",
                      KA + "\u17b8" + U + "\u17b8", NGO + U + "\u17b6\u17c6" + U])


# --- whole names and the search rule ----------------------------------------------------

def test_every_name_in_the_shared_test_data_gets_the_reference_key():
    names = [case[side] for case in CASES["normalisation"] for side in ("a", "b")]
    names += CASES["search"]["names"] + [q["query"] for q in CASES["search"]["queries"]]
    names += [place["name_kh"] for place in CASES["places"]["places"]]
    names += [name for name in CASES["sorting"]["names"]] if "names" in CASES["sorting"] else []
    assert_same_keys(names)


def test_search_is_a_substring_of_keys_and_an_empty_query_finds_everyone():
    assert matches("", "សុខ ដារា")
    assert matches("\u200b", "Sok Dara")
    assert matches("ដារា", "សុខ  ដារា")
    assert matches("DARA", "sok dara")
    assert matches("ស្រ្តី", "ស្ត្រី ស្រស់")
    assert not matches("ដារ៉ា", "សុខ ដារា")
    assert not matches("sok dara", "dara")
    for query in CASES["search"]["queries"]:
        for name in CASES["search"]["names"]:
            assert matches(query["query"], name) == REF.matches(query["query"], name)


# --- validation and the legacy-font warning ---------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    ("ស្រីពៅ", None), ("ស៊ីណា", None), ("Sok Dara", None), ("O'Neil", None),
    ("Sok\x07Dara", "control"), ("\x00", "control"), ("Sok\x7fDara", "control"),
    ("Sok\tDara", "control"), ("\u0085Sok", "control"),
    ("", "empty"), ("\u200b \u00a0", "empty"), ("\u17b4", "empty"),
])
def test_names_are_refused_only_for_control_characters_or_nothing_visible(text, reason):
    assert validate_name(text) == reason


@pytest.mark.parametrize(("text", "flagged"), [
    ("\u17fa", False), ("សុខ\u17fb", True), ("\u17fc", True), ("\u17ff", True),
    ("\u1800", False), ("\u17f9", False),
    ("សុខ ដារ៉ា", False), ("Sok Dara", False), ("", False),
    ("a!", False), ("ab!", False), ("a!!", True), ("!!", True), ("a ! b", False),
    ("a!!!", True), ("!!!!", True), ("abc!!!!", True),
    ("abcdefg!!!", True), ("abcdefgh!!", False), ("abcde!!", True),
    ("g;ksñ", False), ("vI;Gs", False), ("vI;G]s", True), ("សុខ ;]", True),
])
def test_legacy_font_text_is_flagged_by_its_stray_punctuation(text, flagged):
    assert has_legacy_font_text(text) is flagged


def test_the_format_characters_tried_are_all_of_them():
    assert len(_format_characters()) == sum(
        unicodedata.category(chr(c)) == "Cf" for c in range(0x110000))
