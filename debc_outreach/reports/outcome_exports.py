"""`export outcomes`: knowledge, follow-up and scam tables as CSV, XLSX or PDF.

- CSV: one table per file, the three files in one ZIP (`knowledge.csv`,
  `follow-up.csv`, `scams.csv`), as ODK Central exports a form with repeat
  groups: a name without `.zip` gets it added.
- XLSX: sheets "Knowledge", "Follow-up", "Scams" (tab names in the file's
  language).
- PDF: the outcome section of the summary, on its own.

Small cells are suppressed in every file (outcome_tables.py).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from debc_outreach.content.labels import label
from debc_outreach.errors import UserError
from debc_outreach.i18n import N_, _
from debc_outreach.reports import columns, lookup, outcome_tables, outcomes
from debc_outreach.reports.atomic import atomic_path
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage.database import Database

TABLES = {"knowledge": columns.KNOWLEDGE, "follow-up": columns.FOLLOW_UP,
          "scams": columns.SCAMS}
PERCENT_COLUMNS = {"knowledge": (6, 8, 9), "follow-up": (8,), "scams": ()}


def nothing_to_export() -> UserError:
    return UserError(_("No quick checks, follow-ups or scam tallies match these filters; "
                       "nothing was written. Widen the dates or choose another province."))


def found_outcomes(database: Database, filt: ReportFilter) -> outcomes.Outcomes:
    """The figures of `filt`, or a UserError when there are none."""
    found = outcomes.outcomes(database, filt)
    if found.is_empty():
        raise nothing_to_export()
    return found


def zip_path(path: Path) -> Path:
    """Where the ZIP of CSV tables goes: `path`, ending in .zip."""
    return path if path.suffix.lower() == ".zip" else path.with_name(path.name + ".zip")


def write_csv_zip(database: Database, filt: ReportFilter, catalog: lookup.Catalog,
                  lang: str, path: Path, column_keys: bool) -> tuple[Path, int]:
    """(the ZIP written, rows in its tables)."""
    from debc_outreach.reports.csv_export import csv_bytes

    tables = outcome_tables.all_rows(found_outcomes(database, filt), catalog, lang,
                                     words=False)
    path = zip_path(path)
    with atomic_path(path) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as out:
        for name, rows in tables.items():
            table = TABLES[name]
            header = columns.keys(table) if column_keys else columns.headers(table, lang)
            out.writestr(f"{name}.csv", csv_bytes(header, rows))
    return path, sum(len(rows) for rows in tables.values())


def add_sheets(book, found: outcomes.Outcomes, catalog: lookup.Catalog, lang: str,
               sheet_name) -> int:
    """The three outcome sheets of a workbook; the rows written."""
    tables = outcome_tables.all_rows(found, catalog, lang, words=True)
    note = [label(outcome_tables.SUPPRESSION_NOTE, lang)]
    for name, rows in tables.items():
        book.sheet(sheet_name(name, lang), columns.headers(TABLES[name], lang), rows,
                   percent_columns=PERCENT_COLUMNS[name], notes=note)
    return sum(len(rows) for rows in tables.values())


def write_pdf(database: Database, filt: ReportFilter, catalog: lookup.Catalog, lang: str,
              path: Path) -> int:
    """The outcomes PDF; the rows of its tables."""
    from debc_outreach.reports import outcome_report, summary
    from debc_outreach.reports.pdf.documents import meta_html, page
    from debc_outreach.reports.pdf.render import render_pdf

    found = found_outcomes(database, filt)
    body, images, rows = outcome_report.section_html(found, catalog, lang)
    title = label(N_("Outcomes: learning, follow-up and scams"), lang)
    render_pdf(page(title, meta_html(summary.filter_pairs(filt, lang, catalog, database))
                    + body), path, title=title, images=images)
    return rows
