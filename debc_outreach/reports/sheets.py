"""Session paperwork as PDF: the attendance sheet (pre-filled) and a blank sign-in sheet.

Both carry the session's date, place, venue, modules and trainers, and a
signature / thumbprint column (many participants sign with a thumbprint).
Only people who consented are named; the others are counted at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_, printed_digits
from debc_outreach.reports import lookup
from debc_outreach.reports.columns import AGE_BAND_NAMES, SEX_NAMES
from debc_outreach.reports.formatting import date, number, text
from debc_outreach.reports.pdf.documents import (
    PAGE_BREAK,
    Table,
    heading,
    meta_html,
    page,
    privacy_note,
    table_html,
)
from debc_outreach.storage import attendance, sessions
from debc_outreach.storage.database import Database

SIGN_IN_ROWS = 25
SIGN_ROW_HEIGHT = 34


@dataclass(frozen=True)
class SheetResult:
    """What a PDF of sheets holds. `named` and `unnamed` count people, each once however
    many of the sheets they are on (the same figure every export and the dashboard give);
    `check_ins` counts their lines over all sheets."""

    sessions: int
    named: int
    unnamed: int
    check_ins: int = 0


def _header(database: Database, session: sessions.Session, catalog: lookup.Catalog,
            lang: str) -> str:
    trainers = lookup.trainer_names(database)
    place = lookup.place(session.village_code, lang)
    where = ", ".join(p for p in (place.village, place.commune, place.district, place.province)
                      if p)
    return meta_html([
        (label(N_("Date"), lang), date(session.date, lang) + (
            f" {printed_digits(session.start_time)}" if session.start_time else "")),
        (label(N_("Place"), lang), where + (f" ({session.village_code})"
                                            if session.village_code else "")),
        (label(N_("Venue"), lang), session.venue),
        (label(N_("Modules"), lang), "; ".join(catalog.title(s, lang) for s in session.modules)),
        (label(N_("Trainers"), lang), "; ".join(trainers.get(t, t) for t in session.trainer_ids)),
        (label(N_("Partner"), lang), session.partner),
        (label(N_("Session id"), lang), session.id),
    ])


def attendance_sheet_html(database: Database, session: sessions.Session, catalog: lookup.Catalog,
                          lang: str) -> tuple[str, set[str], set[str]]:
    """Body of one session's attendance sheet; returns (html, ids of the people named,
    ids of the people present without consent, who are only counted)."""
    present = attendance.attendees(database.conn, session.id)
    named = [p for p in present if p.consent == "yes"]
    unnamed = {p.id for p in present if p.consent != "yes"}
    day = dt.date.fromisoformat(session.date)
    rows = []
    for index, person in enumerate(named, start=1):
        from debc_outreach.core import people

        band = people.age_band(person.birth_year, person.age_band, day)
        rows.append([number(index, lang), person.display_name, label(SEX_NAMES[person.sex],
                                                                      lang)
                     if person.sex in SEX_NAMES else person.sex,
                     printed_digits(label(AGE_BAND_NAMES.get(band, ""), lang)),
                     lookup.place(person.village_code, lang).village, ""])
    table = Table([label(N_("No."), lang), label(N_("Name"), lang), label(N_("Sex"), lang),
                   label(N_("Age band"), lang), label(N_("Home village"), lang),
                   label(N_("Signature or thumbprint"), lang)], rows,
                  [5, 30, 11, 14, 18, 22], (0,), SIGN_ROW_HEIGHT)
    totals = meta_html([(label(N_("Participants present"), lang), number(len(present), lang))])
    body = (_header(database, session, catalog, lang) + "<br/>" + table_html(table) + totals
            + privacy_note(len(unnamed), lang))
    return body, {p.id for p in named}, unnamed


def write_attendance_sheets(database: Database, session_ids: list[str], catalog: lookup.Catalog,
                            lang: str, path: Path, tick=None) -> SheetResult:
    """One attendance sheet per session (each on its own page) in one PDF."""
    from debc_outreach.reports.pdf.render import render_pdf

    parts, named, unnamed, check_ins = [], set(), set(), 0
    for index, session_id in enumerate(session_ids):
        session = sessions.require(database, session_id)
        body, named_here, unnamed_here = attendance_sheet_html(database, session, catalog, lang)
        title = heading(label(N_("Attendance sheet"), lang), level=1)
        parts.append((PAGE_BREAK if index else "") + (title if index else "") + body)
        named |= named_here
        unnamed |= unnamed_here
        check_ins += len(named_here) + len(unnamed_here)
        if tick is not None:
            tick(index + 1)
    render_pdf(page(label(N_("Attendance sheet"), lang), "".join(parts)), path,
               title=label(N_("Attendance sheet"), lang))
    return SheetResult(len(session_ids), len(named), len(unnamed), check_ins)


def write_sign_in_sheet(database: Database, session_id: str, catalog: lookup.Catalog,
                        lang: str, path: Path, rows: int = SIGN_IN_ROWS) -> SheetResult:
    """A blank sign-in sheet for a planned session: numbered rows to fill in by hand."""
    from debc_outreach.reports.pdf.render import render_pdf

    session = sessions.require(database, session_id)
    blank = [[number(i, lang), "", "", "", "", ""] for i in range(1, rows + 1)]
    table = Table([label(N_("No."), lang), label(N_("Name"), lang),
                   label(N_("Sex (F/M)"), lang), label(N_("Birth year"), lang),
                   label(N_("Home village"), lang), label(N_("Signature or thumbprint"), lang)],
                  blank, [5, 31, 10, 11, 20, 23], (0,), SIGN_ROW_HEIGHT)
    consent = label(N_("By signing, I agree that my name is recorded for this programme's "
                       "reports. Leave the name empty to be counted without a name."), lang)
    body = (_header(database, session, catalog, lang) + f'<p class="note">{text(consent)}</p><br/>'
            + table_html(table))
    render_pdf(page(label(N_("Sign-in sheet"), lang), body), path,
               title=label(N_("Sign-in sheet"), lang))
    return SheetResult(1, 0, 0)
