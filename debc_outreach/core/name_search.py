"""Search keys for names typed by people: across spaces, digits and scripts.

Two keys are derived from every name (and from every query):

`compact_key` is the name key (core.names) without spaces, with Khmer digits
read as Latin ones. Khmer writes no spaces between words, keyboards type a
ZWSP for the space bar, and people put spaces between family and given names
or not: "ចាន់ សុខ ជា", "ចាន់សុខជា" and "ចាន់\u200bសុខជា" all give one key.

`roman_key` is what the name sounds like, reduced to a skeleton that the
usual Latin spellings of a Khmer name share. A Khmer-script name is first
romanised with the common Cambodian spellings (the consonant table of the
Documentation Center of Cambodia's transliteration table, which is also what
ID cards and school lists use: ខ kh, ច ch, ញ nh, ព p, ភ ph ...; a consonant
without a vowel sign carries the inherent vowel at the start of a syllable
and is a final consonant after one). The Latin text, typed or romanised, is
then folded (ROMAN_FOLDS) so the spelling differences people make do not
count: aspiration (sok/sokh, ph/p, th/t), doubled letters (chan/chann,
vanna/vana), voicing (b/p, d/t, j/ch), the nasal spellings (ng, nh, gn, ny)
and every vowel spelling (sophea/sopha, srey/srei, pov/pao, ea/ia/ie) fold to
one form. A skeleton is coarse by design: searches rank names that match in
the script typed first and romanised matches after them.
"""

from __future__ import annotations

import re
import unicodedata

from debc_outreach.core.names import name_key

__all__ = ["compact_key", "roman_key", "roman_keys", "sound_patterns", "romanise",
           "romanisations", "fold_digits", "ROMAN_FOLDS"]

_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def fold_digits(text: str) -> str:
    """Khmer digits as Latin digits (both scripts' digits then match)."""
    return text.translate(_DIGITS)


def compact_key(text: str) -> str:
    """The name key without spaces and with Latin digits: how typed names are compared."""
    return fold_digits(name_key(text)).replace(" ", "")


# --- Khmer script to common Cambodian spelling ----------------------------------------

_CONSONANTS = {
    "ក": "k", "ខ": "kh", "គ": "k", "ឃ": "kh", "ង": "ng",
    "ច": "ch", "ឆ": "chh", "ជ": "ch", "ឈ": "chh", "ញ": "nh",
    "ដ": "d", "ឋ": "th", "ឌ": "d", "ឍ": "th", "ណ": "n",
    "ត": "t", "ថ": "th", "ទ": "t", "ធ": "th", "ន": "n",
    "ប": "b", "ផ": "ph", "ព": "p", "ភ": "ph", "ម": "m",
    "យ": "y", "រ": "r", "ល": "l", "វ": "v", "ឝ": "s", "ឞ": "s",
    "ស": "s", "ហ": "h", "ឡ": "l", "អ": "",
}
# Dependent vowels and signs that sound. The vowel spelling hardly matters (every
# vowel folds to one letter), only whether a syllable has a vowel of its own.
_VOWELS = {
    "ា": "a", "ិ": "e", "ី": "ei", "ឹ": "oe", "ឺ": "eu", "ុ": "o", "ូ": "ou", "ួ": "uo",
    "ើ": "ae", "ឿ": "oeu", "ៀ": "ie", "េ": "e", "ែ": "ae", "ៃ": "ai", "ោ": "ao",
    "ៅ": "au", "ំ": "am", "ះ": "ah", "ៈ": "ak", "ៗ": "",
}
_SIGNS = {"ំ": "m", "ះ": "h"}      # after a vowel they add only their consonant
_INDEPENDENT = {
    "ឥ": "e", "ឦ": "ei", "ឧ": "o", "ឩ": "ou", "ឪ": "au", "ឫ": "rue", "ឬ": "rue",
    "ឭ": "lue", "ឮ": "lue", "ឯ": "ae", "ឰ": "ai", "ឱ": "ao", "ឲ": "ao", "ឳ": "au",
    "ឣ": "a", "ឤ": "a",
}
_INHERENT = "a"
_COENG = "\u17d2"
_BANTOC = "\u17cb"


def _syllables(text: str) -> list[tuple[str, list[str], str]]:
    """Split Khmer text into (base consonant, subscripts, vowels and signs) clusters.

    Anything else (Latin letters, digits, spaces) is returned as a cluster with
    an empty base and the text as its "vowel" part, so it passes through.
    """
    clusters: list[tuple[str, list[str], str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in _CONSONANTS:
            subs: list[str] = []
            marks = ""
            i += 1
            while i < len(text):
                if text[i] == _COENG and i + 1 < len(text) and text[i + 1] in _CONSONANTS:
                    subs.append(text[i + 1])
                    i += 2
                elif text[i] in _VOWELS or "\u17b6" <= text[i] <= "\u17dd":
                    marks += text[i]
                    i += 1
                else:
                    break
            clusters.append((char, subs, marks))
        else:
            clusters.append(("", [], _INDEPENDENT.get(char, char)))
            i += 1
    return clusters


def _romanise_word(clusters: list[tuple[str, list[str], str]], every_inherent: bool) -> str:
    """One word. A bare consonant after a vowel closes the syllable (សុខ is sokh),
    unless a bare consonant follows it (សុវណ្ណ is sovann); with `every_inherent`
    each bare consonant but the last carries the inherent vowel (រតនា is rotana).
    A closing consonant is written without its subscripts (ពេជ្រ is pech), and a
    word-final short i or u after a syllable is silent (សុជាតិ is socheat)."""
    out: list[str] = []
    open_syllable = False
    for index, (base, subs, marks) in enumerate(clusters):
        if not base:
            out.append(marks)
            open_syllable = bool(marks) and marks[-1].isalpha()
            continue
        following = clusters[index + 1] if index + 1 < len(clusters) else None
        next_is_bare = (following is not None and following[0] != ""
                        and not any(m in _VOWELS for m in following[2]))
        vowel = "".join(_VOWELS.get(mark, "") for mark in marks if mark not in _SIGNS)
        signs = "".join(_SIGNS[mark] for mark in marks if mark in _SIGNS)
        if signs == "m" and next_is_bare and following is not None and following[0] == "ង":
            signs = ""                      # ាំង is written aing or ang: តាំង Taing
        consonants = _CONSONANTS[base] + "".join(_CONSONANTS[sub] for sub in subs)
        closing = _CONSONANTS[base]
        silent_vowel = (following is None and index > 0 and marks in ("ិ", "ុ")
                        and not every_inherent)
        if silent_vowel:
            out.append(closing)
            open_syllable = False
        elif vowel:
            out.append(consonants + vowel + signs)
            open_syllable = not signs
        elif signs:
            out.append(consonants + _INHERENT + signs)
            open_syllable = False
        elif _BANTOC in marks or (following is None and index > 0):
            out.append(closing)
            open_syllable = False
        elif open_syllable and not next_is_bare and not every_inherent:
            # Closes this syllable; a subscript starts the next one (សម្បត្តិ: sam-bat).
            out.append(closing + (consonants[len(closing):] + _INHERENT if subs else ""))
            open_syllable = bool(subs)
        else:
            out.append(consonants + _INHERENT)
            open_syllable = True
    return "".join(out)


def romanisations(text: str) -> list[str]:
    """Khmer script in the common Cambodian spelling, words run together (other text
    unchanged, lower case): the usual reading first, then every consonant voiced."""
    words = [_syllables(word) for word in name_key(text).split(" ")]
    readings = ["".join(_romanise_word(word, every) for word in words) for every in (False, True)]
    return list(dict.fromkeys(readings))


def romanise(text: str) -> str:
    """The usual reading of `romanisations`."""
    return romanisations(text)[0]


# --- Latin spelling to a skeleton ------------------------------------------------------

# (pattern, replacement), applied in order to lower-case Latin letters without spaces.
ROMAN_FOLDS: tuple[tuple[str, str], ...] = (
    (r"chh|ch|j|c", "c"),                     # ឆ ជ ច: Chhay / Chay / Jay
    (r"ng|nh|gn|ny(?=[aeiou])", "n"),         # ង ញ: Samnang, Kanha / Kagna / Kanya
    (r"(?<=[bcdfgjklmnpqrstvxz])h", ""),      # aspiration: Sokh / Sok, Phalla / Palla
    (r"b", "p"), (r"d", "t"), (r"[gq]", "k"), (r"w", "v"), (r"[xz]", "s"), (r"f", "p"),
    (r"(?<=[aeiou])[vy]", "a"),               # v, y after a vowel: Pov / Pao, Srey / Srei
    (r"(?<=[aeiou])[rh](?![aeiouy])", "a"),   # r, h lengthening a vowel: Chear, Darah
    (r"y(?![aeiou])", "a"),                   # y as a vowel: Ly / Li, Rithy / Rithi
    (r"[aeiou]+", "a"),                       # every vowel spelling: Sophea / Sopha
    (r"(.)\1+", r"\1"),                       # doubled letters: Chann / Chan, Vanna / Vana
)
_FOLDS = tuple((re.compile(pattern), replacement) for pattern, replacement in ROMAN_FOLDS)
_NOT_LETTER = re.compile(r"[^a-z0-9]+")


def _fold(latin: str) -> str:
    plain = "".join(char for char in unicodedata.normalize("NFKD", latin.casefold())
                    if not unicodedata.combining(char))
    text = _NOT_LETTER.sub("", plain)
    for pattern, replacement in _FOLDS:
        text = pattern.sub(replacement, text)
    return text


def roman_keys(text: str) -> list[str]:
    """The sound skeletons of a name in either script (see the module docstring)."""
    return list(dict.fromkeys(key for key in (_fold(fold_digits(reading))
                                              for reading in romanisations(text)) if key))


def roman_key(text: str) -> str:
    """`roman_keys` between spaces, as stored: a substring search finds any reading,
    " " + a short key the readings starting with it, " key " the readings equal to it."""
    keys = roman_keys(text)
    return " " + " ".join(keys) + " " if keys else ""


def sound_patterns(query: str) -> list[str]:
    """What to look for in stored `roman_key`s for a typed query: its sound keys of
    three letters or more anywhere, two-letter ones at the start ("Ly" is not every
    name holding "la"); nothing for a single letter."""
    return [key if len(key) >= 3 else " " + key for key in roman_keys(query) if len(key) >= 2]
