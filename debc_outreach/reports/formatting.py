"""Numbers and dates in an export's language (which may differ from the app's).

CSV and XLSX keep Latin digits (a donor's spreadsheet must compute with them);
a Khmer PDF made inside `i18n.printing(lang)` follows the Khmer-digits option,
like the dashboard (i18n.format_number). Codes and ids never change digits.
"""

from __future__ import annotations

import datetime as dt

from debc_outreach.i18n import printed_digits


def number(value: int | float, lang: str) -> str:
    from babel.numbers import format_decimal

    return printed_digits(format_decimal(value, locale=lang))


def percent(value: float, lang: str) -> str:
    from babel.numbers import format_percent

    return printed_digits(format_percent(value, locale=lang))


def date(value: dt.date | str, lang: str, fmt: str = "long") -> str:
    from babel.dates import format_date

    if isinstance(value, str):
        if not value:
            return ""
        value = dt.date.fromisoformat(value)
    return printed_digits(format_date(value, fmt, locale=lang))


def text(value: str) -> str:
    """HTML-escaped text with Khmer line-break opportunities (Qt finds none itself)."""
    import html

    from debc_outreach.core.khmer_text import with_line_breaks

    return html.escape(with_line_breaks(value or ""))
