"""The export service: one entry point for the CLI and the GUI.

    result = run_export(database, request, who, progress)

Writes the file atomically (temporary file, then rename), refuses an empty
selection, records the export in the audit log, and stops cleanly when the
user cancels (nothing is left behind). `progress` is any object with
`report(done, total)` and a `cancelled` flag (gui/tasks.Progress fits).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from debc_outreach.content.labels import label
from debc_outreach.errors import UserError
from debc_outreach.i18n import N_, _, format_number, printed_digits, printing
from debc_outreach.reports import aggregates, audit, columns, lookup, rows
from debc_outreach.reports.atomic import atomic_path
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage.database import Database

KINDS = ("attendance", "sessions", "participants", "summary", "outcomes")
FORMATS = ("csv", "xlsx", "pdf")
PDF_SESSION_LIMIT = 300
# Sheet tabs are in the export's language, like the headers under them.
SHEET_NAMES = {"attendance": N_("Attendance"), "sessions": N_("Sessions"),
               "participants": N_("Participants"), "skills": N_("Skills"),
               "disaggregation": N_("Disaggregation"), "targets": N_("Targets"),
               "summary": N_("Summary"), "knowledge": N_("Knowledge"),
               "follow-up": N_("Follow-up"), "scams": N_("Scams")}


def sheet_name(kind: str, lang: str) -> str:
    """The translated name of a workbook tab."""
    return label(SHEET_NAMES[kind], lang)


class Cancelled(Exception):
    """The user pressed Cancel; the half-made file is removed."""


@dataclass(frozen=True)
class Who:
    """Who makes the export (for the audit log)."""

    device_id: str
    trainer_id: str = ""
    trainer_name: str = ""


@dataclass(frozen=True)
class ExportRequest:
    kind: str            # KINDS, or attendance-sheet / sign-in-sheet / certificate
    fmt: str             # FORMATS
    path: Path
    filt: ReportFilter = ReportFilter()
    lang: str = "km"
    target_id: str = ""  # session or participant id of a single-document export
    data_dir: Path | None = None
    column_keys: bool = False   # CSV: stable English keys as headers (for scripts)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    named: int
    unnamed: int
    cancelled: bool = False


class _Ticker:
    def __init__(self, progress, total: int = 0):
        self.progress, self.total = progress, total

    def __call__(self, done: int) -> None:
        if self.progress is None:
            return
        if self.progress.cancelled:
            raise Cancelled()
        self.progress.report(done, self.total)
        if self.progress.cancelled:
            raise Cancelled()


def _nothing(kind: str) -> UserError:
    if kind == "sessions":
        return UserError(_("No session matches these filters; nothing was written. Widen the "
                           "dates or choose another province."))
    return UserError(_("No attendance matches these filters; nothing was written. Widen the "
                       "dates or choose another province."))


def run_export(database: Database, request: ExportRequest, who: Who,
               progress=None) -> ExportResult:
    """Make the file, then log it. Raises UserError on bad input or a failed write."""
    if request.fmt not in FORMATS:
        raise UserError(_("Unknown format {fmt}. Use csv, xlsx or pdf.").format(fmt=request.fmt))
    catalog = lookup.catalog(request.data_dir)
    ticker = _Ticker(progress)
    try:
        if request.kind in ("attendance-sheet", "sign-in-sheet", "certificate"):
            with printing(request.lang):
                result = _single_document(database, request, catalog)
        elif request.kind not in KINDS:
            raise UserError(_("Unknown export {kind}.").format(kind=request.kind))
        elif request.kind == "outcomes":
            result = _outcomes(database, request, catalog)
        elif request.fmt == "csv":
            result = _csv(database, request, catalog, ticker)
        elif request.fmt == "xlsx":
            result = _xlsx(database, request, catalog, ticker)
        else:
            with printing(request.lang):
                result = _pdf(database, request, catalog, ticker)
    except Cancelled:
        return ExportResult(Path(request.path), 0, 0, 0, cancelled=True)
    filters = request.filt.as_dict()
    if request.target_id:
        filters["id"] = request.target_id
    filters["lang"] = request.lang
    audit.record_export(database, device_id=who.device_id, trainer_id=who.trainer_id,
                        trainer_name=who.trainer_name, kind=request.kind, fmt=request.fmt,
                        path=str(Path(result.path).resolve()), filters=filters,
                        rows=result.rows, named=result.named, unnamed=result.unnamed)
    return result


# --- outcomes ------------------------------------------------------------------------

def _outcomes(database: Database, request: ExportRequest, catalog) -> ExportResult:
    """Knowledge, follow-up and scam tables: counts only, no names."""
    from debc_outreach.reports import outcome_exports
    from debc_outreach.reports.xlsx_export import Workbook

    lang, filt, path = request.lang, request.filt, Path(request.path)
    if request.fmt == "csv":
        path, count = outcome_exports.write_csv_zip(database, filt, catalog, lang, path,
                                                    request.column_keys)
    elif request.fmt == "xlsx":
        found = outcome_exports.found_outcomes(database, filt)
        with atomic_path(path) as temp:
            book = Workbook(temp)
            try:
                count = outcome_exports.add_sheets(book, found, catalog, lang, sheet_name)
            except BaseException:
                book.discard()
                raise
            book.close()
    else:
        with printing(lang):
            count = outcome_exports.write_pdf(database, filt, catalog, lang, path)
    return ExportResult(path, count, 0, 0)


# --- CSV ----------------------------------------------------------------------------

def _csv(database: Database, request: ExportRequest, catalog, ticker) -> ExportResult:
    from debc_outreach.reports.csv_export import write_csv, write_csv_lines

    privacy = rows.Privacy()
    lang, filt = request.lang, request.filt
    if request.kind == "attendance":
        if ticker.progress is not None:
            ticker.total = rows.count_attendance(database, filt)
        table = columns.ATTENDANCE
        chunks = rows.attendance_csv_lines(database, filt, lang, catalog, privacy)
    elif request.kind == "sessions":
        table = columns.SESSIONS
        chunks = [rows.session_rows(database, filt, lang, catalog)]
    elif request.kind == "participants":
        table = columns.PARTICIPANTS
        chunks = _batches(rows.participant_rows(database, filt, lang, privacy,
                                                item_ids=list(catalog.items)))
    else:
        table = columns.DISAGGREGATION
        chunks = [_disaggregation_rows(database, filt, lang)]
    header = columns.keys(table) if request.column_keys else columns.headers(table, lang)
    write = write_csv_lines if request.kind == "attendance" else write_csv
    with atomic_path(Path(request.path)) as temp:
        count = write(temp, header, chunks, tick=ticker)
        if count == 0 and not privacy.unnamed:
            raise _nothing(request.kind)
    return ExportResult(Path(request.path), count, privacy.named, privacy.unnamed)


def _batches(items: Iterator[tuple], size: int = 5000) -> Iterator[list[tuple]]:
    """Lists of up to `size` items, so long row sources stream to the CSV writer."""
    while batch := list(islice(items, size)):
        yield batch


def _disaggregation_rows(database: Database, filt: ReportFilter, lang: str) -> list[tuple]:
    out = []
    for cell in aggregates.disaggregation(database, filt):
        out.append((cell.province, lookup.province_name(cell.province, lang), cell.district,
                    lookup.district_name(cell.district, lang), cell.sex, cell.age_band,
                    cell.disability, cell.attendances, cell.people))
    return out


# --- XLSX ---------------------------------------------------------------------------

def _xlsx(database: Database, request: ExportRequest, catalog, ticker) -> ExportResult:
    from debc_outreach.reports import summary
    from debc_outreach.reports.xlsx_export import Workbook

    lang, filt, kind = request.lang, request.filt, request.kind
    privacy = rows.Privacy()
    count = 0
    if ticker.progress is not None and kind == "attendance":
        ticker.total = rows.count_attendance(database, filt)
    with atomic_path(Path(request.path)) as temp:
        book = Workbook(temp)
        try:
            if kind == "summary":
                figures = aggregates.figures(database, filt)
                if not figures.headline.attendances:
                    raise _nothing(kind)
                pairs = summary.filter_pairs(filt, lang, catalog, database) + [
                    ("", "")] + summary.headline_pairs(figures, lang)
                book.figures_sheet(sheet_name("summary", lang),
                                   label(N_("Programme summary"), lang), pairs)
            if kind == "attendance":
                count = book.sheet(sheet_name("attendance", lang),
                                   columns.headers(columns.ATTENDANCE, lang),
                                   rows.attendance_rows(database, filt, lang, catalog, None,
                                                        dates=True), tick=ticker)
                if count == 0:
                    raise _nothing(kind)
            if kind in ("attendance", "sessions"):
                session_rows = rows.session_rows(database, filt, lang, catalog, dates=True)
                if kind == "sessions" and not session_rows:
                    raise _nothing(kind)
                written = book.sheet(sheet_name("sessions", lang),
                                     columns.headers(columns.SESSIONS, lang), session_rows)
                count = count or written
            if kind in ("attendance", "participants"):
                listed = rows.Privacy()
                written = book.sheet(
                    sheet_name("participants", lang), columns.headers(columns.PARTICIPANTS, lang),
                    rows.participant_rows(database, filt, lang, listed, dates=True,
                                          item_ids=list(catalog.items)),
                    notes=lambda: [_privacy_line(listed.unnamed, lang)]
                    if listed.unnamed else [])
                # The list meets the same people as the attendance sheet, once each.
                privacy = listed
                if kind == "participants":
                    if not written and not listed.unnamed:
                        raise _nothing(kind)
                    count = written
            if kind in ("attendance", "summary"):
                ticker(count)
                book.sheet(sheet_name("skills", lang), columns.headers(columns.SKILLS, lang),
                           _skill_rows(database, filt, catalog, lang), percent_columns=(6,))
                cells = _disaggregation_rows(database, filt, lang)
                total_people = aggregates.unique_people(database, filt)
                notes = [label(N_("Attendances in total: {attendances}. Unique people: "
                                  "{people}. A person is counted once in each row, so people "
                                  "in several rows (another district or age band) add up to "
                                  "more than the total."), lang).format(
                    attendances=sum(c[7] for c in cells), people=total_people)]
                book.sheet(sheet_name("disaggregation", lang),
                           columns.headers(columns.DISAGGREGATION, lang),
                           [_named_cell(c, lang) for c in cells], notes=notes)
                if kind == "summary":
                    count = len(cells)
                book.sheet(sheet_name("targets", lang), columns.headers(columns.TARGETS, lang),
                           summary.target_rows(database, filt, catalog, lang),
                           percent_columns=(8,))
                if kind == "summary":
                    _outcome_sheets(book, database, filt, catalog, lang)
        except BaseException:
            book.discard()           # the file is thrown away: no need to zip the sheets
            raise
        book.close()
    return ExportResult(Path(request.path), count, privacy.named, privacy.unnamed)


def _outcome_sheets(book, database: Database, filt: ReportFilter, catalog, lang: str) -> None:
    """The summary workbook carries the outcome sheets when there are outcomes."""
    from debc_outreach.reports import outcome_exports, outcomes

    found = outcomes.outcomes(database, filt)
    if not found.is_empty():
        outcome_exports.add_sheets(book, found, catalog, lang, sheet_name)


def _privacy_line(unnamed: int, lang: str) -> str:
    return label(N_("Participants without consent (counted, not named): {n}"), lang).format(
        n=unnamed)


def _named_cell(row: tuple, lang: str) -> tuple:
    """Disaggregation row with sex, age band and disability as words of `lang`."""
    return (*row[:4], label(columns.SEX_NAMES.get(row[4], row[4]), lang),
            label(columns.AGE_BAND_NAMES.get(row[5], row[5]), lang),
            label(columns.DISABILITY_NAMES.get(row[6], row[6]), lang), row[7], row[8])


def _skill_rows(database: Database, filt: ReportFilter, catalog, lang: str) -> list[tuple]:
    counts = aggregates.skills_by_item(database, filt, list(catalog.items))
    order = {slug: i for i, slug in enumerate(catalog.order)}
    items = sorted(counts, key=lambda item: (order.get(item.split(".")[0], 999), item))
    out = []
    for item in items:
        _results, achieved, assessed = counts[item]
        slug = catalog.items.get(item, (item.split(".")[0],))[0]
        out.append((slug, catalog.title(slug, lang), item, catalog.item_text(item, lang),
                    assessed, achieved, achieved / assessed if assessed else 0.0))
    return out


# --- PDF ----------------------------------------------------------------------------

def _pdf(database: Database, request: ExportRequest, catalog, ticker) -> ExportResult:
    from debc_outreach.reports import sheets, summary
    from debc_outreach.reports.pdf.documents import Table, meta_html, page, privacy_note, table_html
    from debc_outreach.reports.pdf.render import render_pdf

    lang, filt, kind, path = request.lang, request.filt, request.kind, Path(request.path)
    if kind == "summary":
        figures = summary.write_summary_pdf(database, filt, catalog, lang, path) \
            if aggregates.unique_people(database, filt) else None
        if figures is None:
            raise _nothing(kind)
        return ExportResult(path, figures.headline.attendances, 0,
                            figures.headline.without_consent)
    if kind == "attendance":
        where, params = filt.session_where()
        ids = [row[0] for row in database.conn.execute(
            f"SELECT s.id FROM session s WHERE {where} AND EXISTS (SELECT 1 FROM attendance a "
            "WHERE a.session_id = s.id AND a.present = 1) ORDER BY s.date, s.start_time, s.id",
            params)]
        if not ids:
            raise _nothing(kind)
        if len(ids) > PDF_SESSION_LIMIT:
            raise UserError(_("These filters cover {n} sessions; a PDF of attendance sheets "
                              "holds at most {limit}. Narrow the dates or the place, or export "
                              "XLSX or CSV.").format(n=format_number(len(ids)),
                                                     limit=format_number(PDF_SESSION_LIMIT)))
        ticker.total = len(ids)
        done = sheets.write_attendance_sheets(database, ids, catalog, lang, path, tick=ticker)
        return ExportResult(path, done.sessions, done.named, done.unnamed)
    privacy = rows.Privacy()
    if kind == "sessions":
        data = rows.session_rows(database, filt, lang, catalog)
        if not data:
            raise _nothing(kind)
        picked = (0, 5, 9, 10, 11, 12, 14, 15, 16)
        table = Table([columns.headers(columns.SESSIONS, lang)[i] for i in picked],
                      [[_cell(r[i], lang) for i in picked] for r in data],
                      [9, 10, 12, 10, 19, 12, 7, 7, 7], (6, 7, 8))
        title = label(N_("Sessions"), lang)
        count = len(data)
    else:
        data = list(rows.participant_rows(database, filt, lang, privacy,
                                          item_ids=list(catalog.items)))
        if not data and not privacy.unnamed:
            raise _nothing(kind)
        picked = (1, 2, 4, 5, 6, 9, 10, 13)
        table = Table([columns.headers(columns.PARTICIPANTS, lang)[i] for i in picked],
                      [[_cell(r[i], lang) for i in picked] for r in data],
                      [22, 8, 12, 10, 14, 14, 10, 10], (6, 7))
        title = label(N_("Participants"), lang)
        count = len(data)
    body = (meta_html(summary.filter_pairs(filt, lang, catalog, database)) + "<br/>"
            + table_html(table) + privacy_note(privacy.unnamed, lang))
    render_pdf(page(title, body), path, title=title, landscape=True, body_points=9.0)
    return ExportResult(path, count, privacy.named, privacy.unnamed)


def _cell(value, lang: str) -> str:
    from debc_outreach.reports.formatting import date, number

    if isinstance(value, int):
        return number(value, lang)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        return date(value, lang, "medium")
    if value in columns.SEX_NAMES:
        return label(columns.SEX_NAMES[value], lang)
    if value in columns.DISABILITY_NAMES:
        return label(columns.DISABILITY_NAMES[value], lang)
    if value in columns.AGE_BAND_NAMES and value:
        return printed_digits(label(columns.AGE_BAND_NAMES[value], lang))
    return str(value)


# --- single documents ----------------------------------------------------------------

def _single_document(database: Database, request: ExportRequest, catalog) -> ExportResult:
    from debc_outreach.reports import certificates, sheets
    from debc_outreach.reports.pdf.certificate import render_certificate
    from debc_outreach.reports.signed_certificate import with_signed_code
    from debc_outreach.storage import sessions

    path, lang = Path(request.path), request.lang
    if request.kind == "certificate":
        data = certificates.certificate_data(database, request.target_id, catalog, lang,
                                             request.filt.date_from, request.filt.date_to)
        # Signed so anyone can check the certificate offline from its QR code.
        data = with_signed_code(database, request.data_dir, data)
        render_certificate(data, path)
        return ExportResult(path, 1, 1, 0)
    sessions.require(database, request.target_id)
    if request.kind == "sign-in-sheet":
        sheets.write_sign_in_sheet(database, request.target_id, catalog, lang, path)
        return ExportResult(path, 0, 0, 0)
    done = sheets.write_attendance_sheets(database, [request.target_id], catalog, lang, path)
    return ExportResult(path, done.check_ins, done.named, done.unnamed)
