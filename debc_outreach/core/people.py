"""Rules about participants: sex codes, birth years, age bands, phone numbers.

Pure functions (no I/O): the CLI, the GUI and the demo generator all check
input through these, so a bad birth year is refused the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import re

from debc_outreach.i18n import N_

# Stored codes. "X" is "prefer not to say".
SEXES: tuple[str, ...] = ("F", "M", "O", "X")
SEX_NAMES: dict[str, str] = {"F": N_("Female"), "M": N_("Male"), "O": N_("Other"),
                             "X": N_("Prefer not to say")}

# Age bands a trainer can pick when a participant does not know the birth year.
AGE_BANDS: tuple[str, ...] = ("0-14", "15-24", "25-59", "60+")
AGE_BAND_NAMES: dict[str, str] = {"0-14": N_("Under 15"), "15-24": N_("15–24 (youth)"),
                                  "25-59": N_("25–59"), "60+": N_("60 and over (elder)")}

OLDEST_AGE = 120
YOUTH = (15, 24)
ELDER_FROM = 60


def birth_year_problem(year: int | None, today: dt.date | None = None) -> str | None:
    """None if `year` is a possible birth year (or empty), else a reason id."""
    if year is None:
        return None
    this_year = (today or dt.date.today()).year
    if year > this_year:
        return "future"
    if year < this_year - OLDEST_AGE:
        return "too_old"
    return None


def age_band_of_year(birth_year: int, on: dt.date) -> str:
    """Band of a person born in `birth_year` on date `on` (age = year difference)."""
    age = on.year - birth_year
    if age < YOUTH[0]:
        return "0-14"
    if age <= YOUTH[1]:
        return "15-24"
    if age < ELDER_FROM:
        return "25-59"
    return "60+"


def known_birth_year(value: object) -> int | None:
    """The stored birth year when it is one; None when unknown or not a year at all
    (a record written by an older version may hold text there)."""
    return value if type(value) is int and value > 0 else None


def age_band(birth_year: int | None, band: str, on: dt.date) -> str:
    """The age band to count: from the birth year when known, else the recorded band."""
    year = known_birth_year(birth_year)
    if year:
        return age_band_of_year(year, on)
    return band if band in AGE_BANDS else ""


_PHONE_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def phone_key(phone: str) -> str:
    """Digits only (Khmer digits mapped), with +855 folded to a leading 0."""
    digits = re.sub(r"\D", "", phone.translate(_PHONE_DIGITS))
    if digits.startswith("855"):
        digits = "0" + digits[3:]
    return digits


def normal_sex(value: str) -> str | None:
    """Accept F/M/O/X in any case (and common words); None if unknown."""
    text = (value or "").strip().casefold()
    aliases = {"f": "F", "female": "F", "w": "F", "woman": "F", "ស្រី": "F",
               "m": "M", "male": "M", "man": "M", "ប្រុស": "M",
               "o": "O", "other": "O", "x": "X", "": "X"}
    return aliases.get(text)
