"""The summary report: headline figures, charts, disaggregation, skills, targets.

Used by the summary PDF (monthly or any period) and the XLSX summary sheet,
so both say the same numbers the dashboard shows.
"""

from __future__ import annotations

from pathlib import Path

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_, printed_digits
from debc_outreach.reports import (
    aggregates,
    chartdata,
    lookup,
    outcome_report,
    outcomes,
    targets,
)
from debc_outreach.reports.columns import AGE_BAND_NAMES, SEX_NAMES
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.reports.formatting import date, number, percent
from debc_outreach.reports.pdf.documents import (
    Table,
    heading,
    meta_html,
    page,
    privacy_note,
    table_html,
)
from debc_outreach.storage.database import Database


def headline_pairs(figures: aggregates.Figures, lang: str) -> list[tuple[str, object]]:
    """(label, value) of the headline figures; shares are floats."""
    h = figures.headline
    return [
        (label(N_("Sessions held"), lang), h.sessions),
        (label(N_("Unique participants"), lang), h.people),
        (label(N_("Attendances"), lang), h.attendances),
        (label(N_("Women"), lang), h.women),
        (label(N_("Women (share)"), lang), h.share(h.women)),
        (label(N_("People with disabilities"), lang), h.disability),
        (label(N_("People with disabilities (share)"), lang), h.share(h.disability)),
        (label(N_("Youth (15–24)"), lang), h.youth),
        (label(N_("Elders (60+)"), lang), h.elders),
        (label(N_("Participants without consent (counted, not named)"), lang),
         h.without_consent),
    ]


def period_text(filt: ReportFilter, lang: str) -> str:
    if filt.date_from and filt.date_to:
        return f"{date(filt.date_from, lang)} – {date(filt.date_to, lang)}"
    if filt.date_from:
        return label(N_("from {date}"), lang).format(date=date(filt.date_from, lang))
    if filt.date_to:
        return label(N_("until {date}"), lang).format(date=date(filt.date_to, lang))
    return label(N_("all dates"), lang)


def filter_pairs(filt: ReportFilter, lang: str, catalog: lookup.Catalog,
                 database: Database) -> list[tuple[str, str]]:
    from debc_outreach.content.labels import TAG_LABELS

    pairs = [(label(N_("Period"), lang), period_text(filt, lang))]
    if filt.province:
        pairs.append((label(N_("Province"), lang), lookup.province_name(filt.province, lang)))
    if filt.district:
        pairs.append((label(N_("District"), lang), lookup.district_name(filt.district, lang)))
    if filt.module:
        pairs.append((label(N_("Module"), lang), catalog.title(filt.module, lang)))
    if filt.policy_area:
        pairs.append((label(N_("Policy area"), lang),
                      label(TAG_LABELS.get(filt.policy_area, filt.policy_area), lang)))
    if filt.trainer_id:
        pairs.append((label(N_("Trainer"), lang),
                      lookup.trainer_names(database).get(filt.trainer_id, filt.trainer_id)))
    if filt.device_id:
        pairs.append((label(N_("Device"), lang),
                      lookup.device_names(database).get(filt.device_id, "") or filt.device_id))
    return pairs


def target_rows(database: Database, filt: ReportFilter, catalog: lookup.Catalog,
                lang: str) -> list[tuple]:
    """Rows of `columns.TARGETS` (progress as a share)."""
    from debc_outreach.content.labels import TAG_LABELS

    out = []
    for item in targets.progress(database, catalog.policy_modules(), filt):
        t = item.target
        out.append((t.province_code, lookup.province_name(t.province_code, lang)
                    if t.province_code else label(N_("All provinces"), lang),
                    t.period_start, t.period_end,
                    label(TAG_LABELS.get(t.policy_area, t.policy_area), lang)
                    if t.policy_area else label(N_("All policy areas"), lang),
                    label(targets.MEASURES[t.measure], lang), t.value, item.actual,
                    item.share))
    return out


def summary_html(database: Database, filt: ReportFilter, catalog: lookup.Catalog,
                 lang: str, figures: aggregates.Figures) -> tuple[str, dict]:
    """Body and chart images of the summary PDF."""
    from debc_outreach.reports.pdf.charts import chart_image
    from debc_outreach.reports.pdf.render import page_width_px

    def num(value):
        return number(value, lang)

    width = int(page_width_px())
    images = {}
    charts_html = ""
    for name, chart in (("chart-month", chartdata.by_month(figures, lang, num)),
                        ("chart-province", chartdata.by_province(figures, lang, num)),
                        ("chart-sex-age", chartdata.by_sex_age(figures, lang, num))):
        chart = chartdata.with_digits(chart, printed_digits)
        rows = max(1, len(chart.labels))
        height = max(120, 56 + rows * (17 * max(1, len(chart.series)) + 8))
        images[name] = chart_image(chart, width, height)
        charts_html += (f'<p><img src="{name}" width="{width}" height="{height}"/></p>')
    figures_rows = [[printed_digits(k), percent(v, lang) if isinstance(v, float) else num(v)]
                    for k, v in headline_pairs(figures, lang)]
    body = [meta_html(filter_pairs(filt, lang, catalog, database)),
            heading(label(N_("Key figures"), lang)),
            table_html(Table([label(N_("Figure"), lang), label(N_("Value"), lang)],
                             figures_rows, [70, 30], (1,))),
            heading(label(N_("Charts"), lang)), charts_html]
    sexes = ("F", "M", "O", "X")
    by_province_sex: dict[str, list[int]] = {}
    for cell in aggregates.disaggregation(database, filt):
        counts = by_province_sex.setdefault(cell.province, [0] * 6)
        counts[sexes.index(cell.sex) if cell.sex in sexes else 3] += cell.attendances
        counts[4] += cell.attendances if cell.disability == "yes" else 0
        counts[5] += cell.attendances
    dis_rows = [[lookup.province_name(p, lang)] + [num(v) for v in counts]
                for p, counts in sorted(by_province_sex.items(), key=lambda kv: -kv[1][5])]
    body += [heading(label(N_("Attendances by province"), lang)),
             table_html(Table([label(N_("Province"), lang)]
                              + [label(SEX_NAMES[s], lang) for s in sexes]
                              + [label(N_("With disability"), lang), label(N_("Total"), lang)],
                              dis_rows, [25, 12, 12, 12, 13, 13, 13], (1, 2, 3, 4, 5, 6)))]
    age_rows = [[printed_digits(label(AGE_BAND_NAMES[b], lang))]
                + [num(figures.by_sex_age.get((s, b), 0)) for s in ("F", "M", "O", "X")]
                for b in aggregates.AGE_BANDS if any(figures.by_sex_age.get((s, b))
                                                     for s in ("F", "M", "O", "X"))]
    body += [heading(label(N_("Unique people by age band and sex"), lang)),
             table_html(Table([label(N_("Age band"), lang)] + [label(SEX_NAMES[s], lang)
                                                              for s in ("F", "M", "O", "X")],
                              age_rows, [32, 17, 17, 17, 17], (1, 2, 3, 4)))]
    skill_rows = [[catalog.title(m.slug, lang), num(m.people), num(m.achieved), num(m.assessed)]
                  for m in figures.skills]
    body += [heading(label(N_("Skills achieved per module"), lang)),
             table_html(Table([label(N_("Module"), lang),
                               label(N_("People with at least one skill"), lang),
                               label(N_("Skills achieved"), lang),
                               label(N_("People assessed"), lang)], skill_rows,
                              [46, 18, 18, 18], (1, 2, 3)))]
    target_table = [[r[1], f"{date(r[2], lang, 'short')} – {date(r[3], lang, 'short')}", r[4],
                     r[5], num(r[6]), num(r[7]), percent(r[8], lang)]
                    for r in target_rows(database, filt, catalog, lang)]
    if target_table:
        body += [heading(label(N_("Targets and actual"), lang)),
                 table_html(Table([label(N_("Province"), lang), label(N_("Period"), lang),
                                   label(N_("Policy area"), lang), label(N_("Measure"), lang),
                                   label(N_("Target"), lang), label(N_("Actual"), lang),
                                   label(N_("Progress"), lang)], target_table,
                                  [16, 20, 16, 18, 10, 10, 10], (4, 5, 6)))]
    found = outcomes.outcomes(database, filt)
    if not found.is_empty():
        section, outcome_images, _rows = outcome_report.section_html(found, catalog, lang,
                                                                     groups=False)
        body += [heading(label(N_("Outcomes"), lang)), section]
        images.update(outcome_images)
    body.append(privacy_note(figures.headline.without_consent, lang))
    return "".join(body), images


def write_summary_pdf(database: Database, filt: ReportFilter, catalog: lookup.Catalog,
                      lang: str, path: Path) -> aggregates.Figures:
    from debc_outreach.reports.pdf.render import render_pdf

    figures = aggregates.figures(database, filt, item_ids=list(catalog.items))
    body, images = summary_html(database, filt, catalog, lang, figures)
    title = label(N_("Programme summary"), lang)
    render_pdf(page(title, body), path, title=title, images=images)
    return figures
