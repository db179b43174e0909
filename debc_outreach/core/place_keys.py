"""Search keys for place names, so a village is found however people spell it.

Khmer: the name key (core.names) without spaces. Khmer writes no spaces
between words, so the gazetteer's ព្រែកលៀប and a trainer's ព្រែក លៀប are the
same name (ZWSPs are already dropped by the name key).

Latin: the gazetteer romanises with the UNGEGN system (Kampong, Phnum Penh,
Siem Reab, Preaek Lieb); people write the common romanisation (Kompong,
Phnom Penh, Siem Reap, Prek Leap). The two differ in a few regular ways,
listed in LATIN_VARIANTS; both the names and the query are folded with it,
word by word, and then lose their spaces, hyphens and accents. The table
folds letters, never whole names, so it also helps with names nobody listed.
"""

from __future__ import annotations

import re
import unicodedata

from debc_outreach.core.names import name_key

# (pattern, replacement), applied in order to each lower-case word. Each row is a
# letter-level difference between UNGEGN (left, as the gazetteer spells) and the
# common romanisation, folded to one form.
LATIN_VARIANTS: tuple[tuple[str, str], ...] = (
    (r"eae", "e"),      # vowel ែ: Preaek / Prek
    (r"ie", "ea"),      # vowel ៀ: Lieb / Leap, Siem / Seam
    (r"uo", "ou"),      # vowel ួ: Tuol / Toul
    (r"[ou]m", "am"),   # vowel with nikahit ំ: Phnum / Phnom, Kampong / Kompong / Kumpong
    (r"chh", "ch"),     # consonant ឆ: Chhnang / Chnang
    (r"b$", "p"),       # final ប: Reab / Reap, Lieb / Leap
)
_VARIANTS = tuple((re.compile(pattern), replacement) for pattern, replacement in LATIN_VARIANTS)
_WORD_BREAKS = re.compile(r"[\s\-'’.,]+")


def khmer_key(text: str) -> str:
    """The Khmer name key with spaces dropped (Khmer words are written together)."""
    return name_key(text).replace(" ", "")


def latin_key(text: str) -> str:
    """Lower case, no accents, spelling variants folded (LATIN_VARIANTS), no spaces."""
    plain = "".join(char for char in unicodedata.normalize("NFKD", text.casefold())
                    if not unicodedata.combining(char))
    words = []
    for word in _WORD_BREAKS.split(plain):
        for pattern, replacement in _VARIANTS:
            word = pattern.sub(replacement, word)
        words.append(word)
    return "".join(words)
