"""What the outcome charts show (no Qt): learning per module, scams by kind, place, month.

Bars are drawn to the scale of their values, so shares go in as tenths of a
percent and rates per 100 as tenths; the texts beside the bars say the figure.
`number(value)` and `percent(share)` format in the screen's or the file's way.
"""

from __future__ import annotations

from collections.abc import Callable

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_
from debc_outreach.reports import lookup
from debc_outreach.reports.chartdata import BarChart, month_label
from debc_outreach.reports.outcomes import Outcomes, scam_totals

NO_CHECKS = N_("No quick checks in this selection")
NO_TALLY = N_("No scam tally in this selection")


def knowledge_by_module(found: Outcomes, catalog: lookup.Catalog, lang: str,
                        percent: Callable[[float], str]) -> BarChart:
    """Share of answers correct before and after, per module (answers per person)."""
    rows = [row for row in found.knowledge if row.mode == "person" and row.breakdown == "all"]
    order = {slug: index for index, slug in enumerate(catalog.order)}
    rows.sort(key=lambda row: (order.get(row.module, len(order)), row.module))
    return BarChart(label(N_("Quick checks: answers correct before and after"), lang),
                    (label(N_("Before"), lang), label(N_("After"), lang)),
                    tuple(catalog.title(row.module, lang) for row in rows),
                    tuple((round(row.before.share * 1000), round(row.after.share * 1000))
                          for row in rows),
                    tuple((percent(row.before.share) if row.before.answers else "–",
                           percent(row.after.share) if row.after.answers else "–")
                          for row in rows),
                    label(NO_CHECKS, lang))


def _rate_chart(title: str, names: list[tuple[str, str]], totals: dict, lang: str,
                number: Callable[[float], str]) -> BarChart:
    values = tuple((round(totals[key].per_100 * 10),) for key, _name in names)
    return BarChart(title, (label(N_("Per 100 people asked"), lang),),
                    tuple(name for _key, name in names), values,
                    tuple((number(round(totals[key].per_100, 1)),) for key, _name in names),
                    label(NO_TALLY, lang))


def scams_by_kind(found: Outcomes, catalog: lookup.Catalog, lang: str,
                  number: Callable[[float], str]) -> BarChart:
    totals = {t.kind: t for t in scam_totals(found.scams, lambda cell: "") if t.kind}
    order = list(catalog.scam_kinds)
    kinds = sorted(totals, key=lambda k: (order.index(k) if k in order else len(order), k))
    title = N_("People who met a scam in the last month, per 100 asked, by kind")
    return _rate_chart(label(title, lang), [(k, catalog.scam_kind(k, lang)) for k in kinds],
                       totals, lang, number)


def scams_by_place(found: Outcomes, lang: str, number: Callable[[float], str],
                   districts: bool = False) -> BarChart:
    """All kinds together per province (per district within one province)."""
    width = 4 if districts else 2
    totals = {t.key: t for t in scam_totals(found.scams, lambda cell: cell.district[:width])
              if not t.kind}
    name = lookup.district_name if districts else lookup.province_name
    places = sorted(totals, key=lambda key: -totals[key].per_100)
    title = N_("Scam encounters per 100 people asked, by district") if districts else \
        N_("Scam encounters per 100 people asked, by province")
    return _rate_chart(label(title, lang), [(p, name(p, lang)) for p in places], totals, lang,
                       number)


def scams_by_month(found: Outcomes, lang: str, number: Callable[[float], str],
                   month: Callable[[str], str] | None = None) -> BarChart:
    totals = {t.key: t for t in scam_totals(found.scams, lambda cell: cell.month)
              if not t.kind}
    name = month or (lambda value: month_label(value, lang))
    return _rate_chart(label(N_("Scam encounters per 100 people asked, by month"), lang),
                       [(m, name(m)) for m in sorted(totals)], totals, lang, number)
