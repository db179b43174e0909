"""Translations and locale-aware formatting (gettext catalogs, Babel).

Khmer is the first language. `_()` looks the message up in the catalog of
the *current* language at call time, so a live switch (`set_language`)
changes every text a window re-applies. Strings defined at import time are
marked with `N_()` and translated where they are shown.

Digits: CLDR km formats with Latin digits, group "," and decimal ".". The
optional "Khmer digits" setting maps the digits of that output one to one
(1,234.5 -> ១,២៣៤.៥) and keeps the separators; we chose this over CLDR's own
Khmer-digit form (១.២៣៤,៥), which swaps the separators, so a number reads the
same in both digit sets. It applies to display only: storage is ASCII.
Years and codes are never grouped (`format_year`).
"""

from __future__ import annotations

import datetime as dt
import gettext
import locale
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from debc_outreach import resources

LANGUAGES = ("km", "en")
DEFAULT_LANGUAGE = "km"
LANGUAGE_NAMES = {"km": "ខ្មែរ", "en": "English"}   # shown in their own script
DOMAIN = "messages"

_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
_ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")

_state: dict = {"language": DEFAULT_LANGUAGE, "khmer_digits": False,
                "translations": gettext.NullTranslations()}
_listeners: list[Callable[[str], None]] = []


def _load(language: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(DOMAIN, localedir=str(resources.locale_dir()),
                                   languages=[language])
    except OSError:
        return gettext.NullTranslations()


def set_language(language: str) -> None:
    """Switch the current language; listeners re-apply their texts."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    _state["language"] = language
    _state["translations"] = _load(language)
    for listener in list(_listeners):
        listener(language)


def language() -> str:
    return _state["language"]


# Where the system names the user's language, in gettext's order of precedence.
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def system_language() -> str | None:
    """"km" for a Khmer system locale, "en" for any other, None when the system names none.

    Unix shells say it in the locale variables (LANGUAGE may list several, the first
    wins); Windows has none of them, so its user locale is asked there."""
    for variable in _LOCALE_VARIABLES:
        value = os.environ.get(variable, "").split(":")[0].strip()
        if value:
            return _language_of_locale(value)
    if sys.platform == "win32":
        value = locale.getlocale()[0]
        if value:
            return _language_of_locale(value)
    return None


def _language_of_locale(name: str) -> str:
    """km_KH.UTF-8, km, Khmer_Cambodia -> "km"; anything else (C, en_GB, fr_FR) -> "en"."""
    return "km" if name.lower().startswith(("km", "khmer")) else "en"


def catalog_loaded(language: str) -> bool:
    """True when a compiled catalog exists for `language` (checked by tests and self-test)."""
    return type(_load(language)) is not gettext.NullTranslations


def on_language_changed(listener: Callable[[str], None]) -> None:
    _listeners.append(listener)


def _(message: str) -> str:
    return _state["translations"].gettext(message)


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with `_()`."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _state["translations"].ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _state["translations"].pgettext(context, message)


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark a (context, message) pair for extraction; see `pgettext`."""
    return context, message


def tr_(message: str, disambiguation: str | None = None) -> str:
    """Used by forms compiled with `pyside6-uic --tr tr_`."""
    return _(message)


# --- numbers and dates -------------------------------------------------------

def set_khmer_digits(enabled: bool) -> None:
    _state["khmer_digits"] = bool(enabled)
    for listener in list(_listeners):
        listener(_state["language"])


def khmer_digits() -> bool:
    return _state["khmer_digits"]


def _digits(text: str) -> str:
    return text.translate(_KHMER_DIGITS) if _state["khmer_digits"] else text


def localize_digits(text: str) -> str:
    """Digits of a text shown on screen (an age band "15–24", a time "08:30") in the
    chosen digit set. Never for codes or ids: those are typed and compared as written."""
    return _digits(text)


# A PDF is printed, not computed with: in Khmer it follows the Khmer-digits option too.
# Set per thread (a ContextVar) while a document is made, so the screen and the files
# for machines (CSV, XLSX) made at the same time keep their own digits.
_printing_khmer_digits: ContextVar[bool] = ContextVar("printing_khmer_digits", default=False)


@contextmanager
def printing(lang: str) -> Iterator[None]:
    """While a PDF in `lang` is made: `printed_digits` follows the Khmer-digits option."""
    token = _printing_khmer_digits.set(lang == "km" and _state["khmer_digits"])
    try:
        yield
    finally:
        _printing_khmer_digits.reset(token)


def printed_digits(text: str) -> str:
    """Digits of a number or time printed in a document (see `printing`)."""
    return text.translate(_KHMER_DIGITS) if _printing_khmer_digits.get() else text


def _locale() -> str:
    return _state["language"]


def format_number(value: float | int) -> str:
    """A grouped number: 1,234,567 (or ១,២៣៤,៥៦៧ with Khmer digits)."""
    from babel.numbers import format_decimal

    return _digits(format_decimal(value, locale=_locale()))


def format_percent(value: float) -> str:
    """0.375 -> 38%."""
    from babel.numbers import format_percent as babel_percent

    return _digits(babel_percent(value, locale=_locale()))


def format_year(year: int) -> str:
    """Years and codes are not quantities: plain digits, no grouping."""
    return _digits(str(year))


def format_date(value: dt.date, fmt: str = "medium") -> str:
    from babel.dates import format_date as babel_date

    return _digits(babel_date(value, format=fmt, locale=_locale()))


# Hours and minutes: Khmer readers expect a 24-hour clock (CLDR km's "h:mm a" keeps the
# English AM/PM); English keeps its own short time.
_TIME_PATTERNS = {"km": "HH:mm"}


def format_time(value: dt.datetime | dt.time) -> str:
    """Hours and minutes: 23:03 in Khmer, 11:03 PM in English."""
    from babel.dates import format_time as babel_time

    return _digits(babel_time(value, _TIME_PATTERNS.get(_locale(), "short"),
                              locale=_locale()))


def format_datetime(value: dt.datetime, fmt: str = "medium") -> str:
    """A moment in this computer's time zone, its date written as `format_date` writes
    dates: "25 វិច្ឆិកា 2026, 23:03" / "Nov 25, 2026, 11:03 PM".

    A naive `value` is taken as local time, an aware one is converted to it. `fmt` is
    the date's width ("short" and "medium" both give the medium date, so times read like
    the dates beside them; "long" spells the month out).
    """
    from babel.dates import get_datetime_format

    local = value.astimezone()
    day = format_date(local.date(), "long" if fmt in ("long", "full") else "medium")
    pattern = get_datetime_format("medium", locale=_locale())
    return pattern.replace("{1}", day).replace("{0}", format_time(local))


def to_ascii_digits(text: str) -> str:
    """Accept user input typed with Khmer or Latin digits."""
    return text.translate(_ASCII_DIGITS)


def parse_int(text: str) -> int | None:
    """An integer typed in either digit set, or None."""
    cleaned = to_ascii_digits(text).strip().replace(",", "")
    try:
        return int(cleaned)
    except ValueError:
        return None
