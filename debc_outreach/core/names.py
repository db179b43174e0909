"""Khmer-aware name keys.

Names are stored exactly as typed; comparing and searching use `name_key()`.
NFC alone fixes nothing for Khmer: the same visible name can be typed with
its marks in several orders (COENG RO before or after another subscript,
COENG DA vs COENG TA, a split vowel typed as two parts, vowel U plus an upper
vowel instead of a shifter), and keyboards and copy-paste add invisible
characters (ZWSP, ZWNJ, BOM, U+17B4/U+17B5, NBSP, doubled spaces).

The key: NFC; drop format (Cf) characters and the inherent vowels U+17B4 and
U+17B5; map the deprecated independent vowels U+17A3/U+17A4; fold whitespace
runs to one space; casefold; then put every Khmer syllable's marks into one
canonical order following SIL's `khnormal` (Unicode Technical Note #61),
with the published re.X bug fixed (its U + upper vowel -> shifter rule).
It agrees with tests/data/khmer/reference_key.py on every case.
"""

from __future__ import annotations

import unicodedata

__all__ = ["name_key", "matches", "validate_name", "has_legacy_font_text"]

_BASE = frozenset(range(0x1780, 0x17A3)) | frozenset(range(0x17A5, 0x17B4))
_COENG, _RO, _DA, _TA, _BA = 0x17D2, 0x179A, 0x178A, 0x178F, 0x1794
_U = 0x17BB

# Mark classes, in the canonical order they are sorted into.
_ROBAT, _SUBSCRIPT, _SHIFTER, _VPRE, _VBELOW, _VABOVE, _VPOST, _SIGN, _FINAL = range(2, 11)
_CLASS: dict[int, int] = {0x17CC: _ROBAT, 0x17C9: _SHIFTER, 0x17CA: _SHIFTER,
                          0x17B6: _VPOST, 0x17C7: _FINAL, 0x17C8: _FINAL}
_CLASS.update(dict.fromkeys(range(0x17BE, 0x17C6), _VPRE))
_CLASS.update(dict.fromkeys(range(0x17BB, 0x17BE), _VBELOW))
_CLASS.update(dict.fromkeys(range(0x17B7, 0x17BB), _VABOVE))
_CLASS.update(dict.fromkeys((0x17C6, 0x17CB, 0x17CD, 0x17CE, 0x17CF, 0x17D0, 0x17D1,
                             0x17D3, 0x17DD), _SIGN))

# Consonant series used by khnormal's shifter rule.
_SERIES1 = (frozenset(range(0x1780, 0x1784)) | frozenset(range(0x1785, 0x1789))
            | frozenset(range(0x178A, 0x178E)) | frozenset(range(0x178F, 0x1793))
            | {0x1795, 0x1796, 0x1797, 0x179E, 0x179F, 0x17A0, 0x17A2})
_SERIES2 = (frozenset({0x1784, 0x1780, 0x178E, 0x1793, 0x1794, 0x1798, 0x1799, 0x179A,
                       0x179B, 0x179C, 0x179D, 0x17A1}) | frozenset(range(0x17A3, 0x17B4)))
_UPPER_VOWELS = frozenset({0x17B7, 0x17B8, 0x17B9, 0x17BA, 0x17BE, 0x17D0, 0x17DD})
_INVISIBLE_KHMER = frozenset({0x17B4, 0x17B5})
_DEPRECATED = {"\u17A3": "\u17A2", "\u17A4": "\u17A2\u17B6"}
_VOWEL_FIXES = (
    ("\u17BE\u17B6", "\u17C4\u17B8"),        # OE + AA looks like OO + II
    ("\u17C1\u17B8", "\u17BE"),              # split vowels typed in two parts
    ("\u17C1\u17BB\u17B8", "\u17BE\u17BB"),
    ("\u17C1\u17B6", "\u17C4"),
    ("\u17C1\u17BB\u17B6", "\u17C4\u17BB"),
    ("\u17BE\u17BB", "\u17BB\u17BE"),        # vowel U is kept before OE
)


def _strong(stack: list[int]) -> bool:
    return len(stack) <= 3 and _BA not in stack and any(c in _SERIES1 for c in stack)


def _not_strong(stack: list[int]) -> bool:
    return ((len(stack) <= 3 and all(c in _SERIES2 for c in stack))
            or (stack[0] == _BA and len(stack) <= 5)
            or (len(stack) == 3 and (stack[1] == _BA or (stack[1] != _RO and stack[2] == _BA))))


def _reorder_syllable(base: int, marks: list[int]) -> list[int]:
    units: list[tuple[int, tuple[int, ...]]] = []
    i = 0
    while i < len(marks):
        mark = marks[i]
        if mark == _COENG:
            j = i + 1
            while j < len(marks) and marks[j] == _COENG:
                j += 1                               # a doubled COENG counts once
            if j < len(marks) and marks[j] in _BASE:
                sub = _TA if marks[j] == _DA else marks[j]
                units.append((_SUBSCRIPT, (_COENG, sub)))
                i = j + 1
            else:
                units.append((_SUBSCRIPT, (_COENG,)))
                i = j
            continue
        units.append((_CLASS.get(mark, _SIGN), (mark,)))
        i += 1
    units.sort(key=lambda unit: (unit[0], unit[1] == (_COENG, _RO)))   # COENG RO last
    text = chr(base) + "".join(chr(c) for _, seq in units for c in seq)
    for old, new in _VOWEL_FIXES:
        text = text.replace(old, new)
    cps = [ord(c) for c in text]
    if _U in cps:
        k = cps.index(_U)
        after = cps[k + 1:k + 3]
        follows_stack = cps[k - 1] in _BASE or cps[k - 1] == 0x17CC
        if follows_stack and after and (after[0] in _UPPER_VOWELS or after == [0x17B6, 0x17C6]):
            stack = [base] + [cps[n + 1] for n in range(len(cps) - 1)
                              if cps[n] == _COENG and cps[n + 1] in _BASE]
            tails = [stack[n:] for n in range(len(stack))]
            if any(map(_strong, tails)):
                cps[k] = 0x17CA                      # TRIISAP
            elif any(map(_not_strong, tails)):
                cps[k] = 0x17C9                      # MUUSIKATOAN
    return cps


def _reorder(text: str) -> str:
    out: list[int] = []
    cps = [ord(c) for c in text]
    i = 0
    while i < len(cps):
        if cps[i] not in _BASE:
            out.append(cps[i])
            i += 1
            continue
        j = i + 1
        while j < len(cps) and (cps[j] in _CLASS or cps[j] == _COENG
                                or (cps[j] in _BASE and cps[j - 1] == _COENG)):
            j += 1
        out.extend(_reorder_syllable(cps[i], cps[i + 1:j]))
        i = j
    return "".join(map(chr, out))


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join(_DEPRECATED.get(c, c) for c in text
                   if unicodedata.category(c) != "Cf" and ord(c) not in _INVISIBLE_KHMER)
    text = " ".join(text.split()).casefold()
    return unicodedata.normalize("NFC", text)


def name_key(text: str) -> str:
    """The key two spellings of the same name share (for matching, not display)."""
    return _reorder(_clean(text))


def matches(query: str, name: str) -> bool:
    """Search rule: the query's key is a substring of the name's key."""
    return name_key(query) in name_key(name)


def validate_name(text: str) -> str | None:
    """Return None if `text` is acceptable as a name, else the reason (untranslated id).

    Khmer marks are not "alphabetic" to `str.isalpha()`, so names are never
    checked with it: only control characters and an empty key are refused.
    """
    if any(unicodedata.category(c) == "Cc" for c in text):
        return "control"
    if not name_key(text):
        return "empty"
    return None


def has_legacy_font_text(text: str) -> bool:
    """Heuristic flag for text typed with a legacy (Limon-style) font or stray signs.

    Such names are accepted and stored; the GUI shows a small warning so a
    trainer can retype them in Khmer Unicode.
    """
    if any(0x17FB <= ord(c) <= 0x17FF for c in text):
        return True
    latin = [c for c in text if c.isascii() and not c.isspace()]
    # Limon-font text shows up as ASCII punctuation mixed into "words".
    return bool(latin) and sum(not c.isalnum() for c in latin) >= max(2, len(latin) // 3)
