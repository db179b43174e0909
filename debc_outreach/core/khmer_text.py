"""Khmer text for display: line-break hints, grapheme-safe truncation, typing faults,
Khmer digits for printed material.

Khmer has no spaces between words and Qt does not find Khmer line-break
opportunities, so for DISPLAY ONLY `with_line_breaks()` inserts ZERO WIDTH
SPACE (U+200B) at ICU's Khmer dictionary break positions. The result must
never be stored. ICU reports UTF-16 offsets; they are converted to Python
(code point) indices here, once.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["ZWSP", "line_break_positions", "with_line_breaks", "strip_line_breaks",
           "grapheme_clusters", "truncate_graphemes", "khmer_problems", "with_khmer_digits"]

ZWSP = "\u200b"
COENG = "\u17d2"
_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def with_khmer_digits(text: str) -> str:
    """`text` with its digits written as Khmer digits (១២៣), as printed Khmer
    material writes numbers. Only for text people read, never for codes or ids."""
    return text.translate(_KHMER_DIGITS)


def _utf16_to_index(text: str) -> dict[int, int]:
    """Map every UTF-16 offset that starts a code point to its Python index."""
    mapping: dict[int, int] = {}
    offset = 0
    for index, char in enumerate(text):
        mapping[offset] = index
        offset += 2 if ord(char) > 0xFFFF else 1
    mapping[offset] = len(text)
    return mapping


@cache
def _line_iterator():
    import icu

    return icu.BreakIterator.createLineInstance(icu.Locale("km"))


def line_break_positions(text: str) -> list[int]:
    """Code point indices where a line may break (0 and len(text) excluded)."""
    if not text:
        return []
    iterator = _line_iterator()
    iterator.setText(text)
    mapping = _utf16_to_index(text)
    positions = []
    for offset in iterator:
        index = mapping.get(offset)
        if index is not None and 0 < index < len(text):
            positions.append(index)
    return positions


_KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")


def with_line_breaks(text: str) -> str:
    """`text` with U+200B at each ICU break position not already after whitespace.

    Only text containing Khmer is changed (Latin text already breaks at spaces).
    """
    if not _KHMER.search(text):
        return text
    parts = []
    last = 0
    for position in line_break_positions(text):
        if text[position - 1].isspace() or text[position - 1] == ZWSP or text[position] == ZWSP:
            continue
        parts.append(text[last:position])
        last = position
    parts.append(text[last:])
    return ZWSP.join(parts)


def strip_line_breaks(text: str) -> str:
    return text.replace(ZWSP, "")


@cache
def _character_iterator():
    import icu

    return icu.BreakIterator.createCharacterInstance(icu.Locale("km"))


def grapheme_clusters(text: str) -> list[str]:
    """User-perceived characters; a COENG stack stays whole (as in Qt and ICU 78)."""
    if not text:
        return []
    iterator = _character_iterator()
    iterator.setText(text)
    mapping = _utf16_to_index(text)
    clusters: list[str] = []
    last = 0
    for offset in iterator:
        index = mapping.get(offset, last)
        if index <= last:
            continue
        piece = text[last:index]
        if clusters and clusters[-1].endswith(COENG):
            clusters[-1] += piece          # ICU 77 splits after COENG; a stack is one cluster
        else:
            clusters.append(piece)
        last = index
    return clusters


def truncate_graphemes(text: str, n: int) -> str:
    """The first `n` grapheme clusters of `text` (never cuts inside a cluster)."""
    return "".join(grapheme_clusters(text)[:n])


_COMBINING_KHMER = frozenset(range(0x17B6, 0x17D4)) | {0x17DD}
_BASE_KHMER = frozenset(range(0x1780, 0x17B4))


# Anything that might be a fault; lines without a match (nearly all) skip the slow walk.
_SUSPECT = re.compile("\u200b|\u17d2(?![\u1780-\u17b3])"
                      "|(?<![\u1780-\u17d3\u17dd])[\u17b6-\u17d3\u17dd]")


def khmer_problems(line: str) -> list[tuple[int, str]]:
    """Typing faults in one line: (column, kind) with kind in
    "double-coeng", "zwsp", "dotted-circle" (a combining mark with no base).

    Columns are 1-based code point positions, for messages that name a place.
    """
    if not _SUSPECT.search(line):
        return []
    problems: list[tuple[int, str]] = []
    previous = ""
    for index, char in enumerate(line):
        code = ord(char)
        if char == ZWSP:
            problems.append((index + 1, "zwsp"))
        elif char == COENG and previous == COENG:
            problems.append((index + 1, "double-coeng"))
        elif previous == COENG and code not in _BASE_KHMER:
            problems.append((index + 1, "dotted-circle"))     # COENG needs a consonant
        elif code in _COMBINING_KHMER and not (
                previous and (ord(previous) in _BASE_KHMER or ord(previous) in _COMBINING_KHMER)):
            problems.append((index + 1, "dotted-circle"))     # a mark with no base
        previous = char
    if previous == COENG:
        problems.append((len(line), "dotted-circle"))
    return problems
