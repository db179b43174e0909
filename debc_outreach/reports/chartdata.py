"""What the charts show (labels, values, texts), built from the figures; no Qt here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_
from debc_outreach.reports import lookup
from debc_outreach.reports.aggregates import Figures
from debc_outreach.reports.columns import AGE_BAND_NAMES, SEX_NAMES

NO_DATA = N_("No attendance in this selection")


@dataclass(frozen=True)
class BarChart:
    title: str
    series: tuple[str, ...]
    labels: tuple[str, ...]
    values: tuple[tuple[int, ...], ...]
    value_texts: tuple[tuple[str, ...], ...]
    empty_text: str = ""


def with_digits(chart: BarChart, digits: Callable[[str], str]) -> BarChart:
    """The chart with the digits of its title ("per 100 people"), bar labels ("15–24
    (youth)", "Jan 2026") and legend written by `digits` (the Khmer-digits option);
    values come formatted."""
    return replace(chart, title=digits(chart.title),
                   labels=tuple(digits(text) for text in chart.labels),
                   series=tuple(digits(text) for text in chart.series))


def month_label(month: str, lang: str) -> str:
    from babel.dates import format_date

    year, number = (int(part) for part in month.split("-"))
    return format_date(dt.date(year, number, 1), "MMM y", locale=lang)


def by_month(figures: Figures, lang: str, number, month=None) -> BarChart:
    """`month(date)` names a month on screen (Khmer digits); files use Babel's text."""
    rows = figures.by_month
    name = month or (lambda day: month_label(day, lang))
    return BarChart(label(N_("Participants by month"), lang),
                    (label(N_("Attendances"), lang), label(N_("Unique people"), lang)),
                    tuple(name(m) for m, _a, _p in rows),
                    tuple((a, p) for _m, a, p in rows),
                    tuple((number(a), number(p)) for _m, a, p in rows),
                    label(NO_DATA, lang))


def by_province(figures: Figures, lang: str, number) -> BarChart:
    rows = figures.by_province
    return BarChart(label(N_("Participants by province"), lang),
                    (label(N_("Attendances"), lang), label(N_("Unique people"), lang)),
                    tuple(lookup.province_name(code, lang) for code, _a, _p in rows),
                    tuple((a, p) for _c, a, p in rows),
                    tuple((number(a), number(p)) for _c, a, p in rows),
                    label(NO_DATA, lang))


def by_sex_age(figures: Figures, lang: str, number) -> BarChart:
    bands = [b for b in ("0-14", "15-24", "25-59", "60+", "")
             if any(figures.by_sex_age.get((s, b)) for s in ("F", "M", "O", "X"))]
    sexes = [s for s in ("F", "M", "O", "X")
             if any(figures.by_sex_age.get((s, b)) for b in bands)]
    values = tuple(tuple(figures.by_sex_age.get((s, b), 0) for s in sexes) for b in bands)
    return BarChart(label(N_("People by sex and age band"), lang),
                    tuple(label(SEX_NAMES[s], lang) for s in sexes),
                    tuple(label(AGE_BAND_NAMES[b], lang) for b in bands), values,
                    tuple(tuple(number(v) for v in row) for row in values),
                    label(NO_DATA, lang))
