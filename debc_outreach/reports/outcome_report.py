"""The outcome section of a PDF (the summary's and the outcomes export's): charts and
tables of learning, follow-up and scams, small cells suppressed as in every file."""

from __future__ import annotations

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_, printed_digits
from debc_outreach.reports import lookup, outcome_charts
from debc_outreach.reports.chartdata import month_label
from debc_outreach.reports.columns import BREAKDOWN_NAMES
from debc_outreach.reports.formatting import number, percent, text
from debc_outreach.reports.outcome_tables import (
    MIN_PEOPLE,
    SUPPRESSED,
    SUPPRESSION_NOTE,
    follow_up_rows,
    knowledge_rows,
    scam_rows,
)
from debc_outreach.reports.outcomes import Outcomes, ScamCell, scam_totals
from debc_outreach.reports.pdf.documents import Table, heading, table_html


def _figure(value, lang: str, share: bool = False) -> str:
    if value == "" or value == SUPPRESSED:
        return value
    if share:
        return percent(value, lang)
    return number(value, lang)


def _change(value, lang: str) -> str:
    if value == "":
        return ""
    return ("+" if value > 0 else "") + percent(value, lang)


def _group(breakdown: str, group: str, lang: str) -> str:
    if breakdown == label(BREAKDOWN_NAMES["all"], lang):
        return group
    return f"{breakdown}: {group}"


def _note(message: str) -> str:
    return f'<p class="note">{text(message)}</p>'


def _charts(found: Outcomes, catalog: lookup.Catalog, lang: str, width: int
            ) -> tuple[str, dict]:
    from debc_outreach.reports.chartdata import with_digits
    from debc_outreach.reports.pdf.charts import chart_image

    def num(value):
        return number(value, lang)

    charts = {"chart-knowledge": outcome_charts.knowledge_by_module(
        found, catalog, lang, lambda share: percent(share, lang))}
    if found.scams:
        charts["chart-scam-kind"] = outcome_charts.scams_by_kind(found, catalog, lang, num)
        charts["chart-scam-month"] = outcome_charts.scams_by_month(found, lang, num)
    html, images = "", {}
    for name, chart in charts.items():
        chart = with_digits(chart, printed_digits)
        rows = max(1, len(chart.labels))
        height = max(120, 56 + rows * (17 * max(1, len(chart.series)) + 8))
        images[name] = chart_image(chart, width, height)
        html += f'<p><img src="{name}" width="{width}" height="{height}"/></p>'
    return html, images


def _scam_place_rows(cells: list[ScamCell], lang: str) -> list[list[str]]:
    """Per district and month, every kind together (fewer than five asked: hidden)."""
    out = []
    for total in sorted(scam_totals(cells, lambda c: f"{c.district} {c.month}"),
                        key=lambda t: t.key):
        if total.kind:
            continue
        district, month = total.key.split(" ")
        hidden = 0 < total.asked < MIN_PEOPLE
        figures = [SUPPRESSED] * 3 + [""] if hidden else [
            number(total.sessions, lang), number(total.asked, lang), number(total.met, lang),
            number(round(total.per_100, 1), lang)]
        out.append([lookup.province_name(district[:2], lang),
                    lookup.district_name(district, lang),
                    printed_digits(month_label(month, lang)), *figures])
    return out


def section_html(found: Outcomes, catalog: lookup.Catalog, lang: str, *,
                 groups: bool = True) -> tuple[str, dict, int]:
    """(HTML, chart images, table rows). `groups=False` keeps the whole-group rows only
    (the summary); the outcomes PDF breaks every figure down."""
    from debc_outreach.reports.pdf.render import page_width_px

    charts, images = _charts(found, catalog, lang, int(page_width_px()))
    # The whole-group rows never depend on the groups' suppression: leaving the groups
    # out first hides nothing more.
    knowledge = knowledge_rows([k for k in found.knowledge if groups or k.breakdown == "all"],
                               catalog, lang, words=True)
    follow = follow_up_rows([f for f in found.follow_ups if groups or f.breakdown == "all"],
                            catalog, lang, words=True)
    body = [heading(label(N_("Quick checks: what people learned"), lang)), charts]
    body.append(table_html(Table(
        [label(N_("Module"), lang), label(N_("How answers were taken"), lang),
         label(N_("Group"), lang), label(N_("People before"), lang),
         label(N_("Correct before"), lang), label(N_("People after"), lang),
         label(N_("Correct after"), lang), label(N_("Change"), lang)],
        [[r[1], r[2], printed_digits(_group(r[3], r[4], lang)), _figure(r[5], lang),
          _figure(r[6], lang, True), _figure(r[7], lang), _figure(r[8], lang, True),
          _change(r[9], lang)] for r in knowledge],
        [22, 12, 18, 9, 10, 9, 10, 10], (3, 4, 5, 6, 7))))
    body.append(heading(label(N_("Follow-up a month later"), lang)))
    body.append(table_html(Table(
        [label(N_("Module"), lang), label(N_("Question"), lang), label(N_("Group"), lang),
         label(N_("People asked"), lang), label(N_("Safe answers"), lang),
         label(N_("Safe (share)"), lang)],
        [[r[1], r[3], printed_digits(_group(r[4], r[5], lang)), _figure(r[6], lang),
          _figure(r[7], lang), _figure(r[8], lang, True)] for r in follow],
        [18, 34, 18, 10, 10, 10], (3, 4, 5))) if follow else
        _note(label(N_("No follow-ups in this selection."), lang)))
    body.append(heading(label(N_("Scams people met in the last month"), lang)))
    place_rows = _scam_place_rows(found.scams, lang)
    body.append(table_html(Table(
        [label(N_("Province"), lang), label(N_("District"), lang), label(N_("Month"), lang),
         label(N_("Sessions with a tally"), lang), label(N_("People asked"), lang),
         label(N_("Scam encounters"), lang),
         printed_digits(label(N_("Per 100 people asked"), lang))],
        place_rows, [18, 20, 10, 13, 13, 13, 13], (3, 4, 5, 6))) if place_rows else
        _note(label(outcome_charts.NO_TALLY, lang)))
    body.append(_note(label(SUPPRESSION_NOTE, lang)))
    rows = len(knowledge) + len(follow) + len(scam_rows(found.scams, catalog, lang))
    return "".join(body), images, rows
