"""Stamp a certificate with a signed statement before it is drawn, so it can be
checked offline and cannot be forged or altered unnoticed.

The statement (sync/statements.py) is signed with this device's key and
recorded, so the short code printed under the QR can be looked up later.
A device that is not part of a programme has no trusted key: its
certificates are printed without a QR code.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from debc_outreach.reports.pdf.certificate import CertificateData
from debc_outreach.storage.database import Database
from debc_outreach.storage.store import Store
from debc_outreach.sync import statements


def store_on(database: Database, data_dir: Path) -> Store:
    """A Store over an already open database (the export's own connection)."""
    device_id = database.scalar("SELECT id FROM device LIMIT 1")
    return Store(data_dir, database, device_id)


def with_signed_code(database: Database, data_dir: Path | None,
                     data: CertificateData) -> CertificateData:
    """`data` plus the signed code and short code, or unchanged outside a programme."""
    if data_dir is None:
        return data
    store = store_on(database, Path(data_dir))
    if not statements.can_issue(store):
        return data
    issued = statements.issue(store, data.participant_id, data.name,
                              data.extra.get("module_slugs", ()),
                              data.extra.get("skill_ids", ()), data.date,
                              data.extra.get("village_code", ""), data.issued or None)
    return replace(data, extra={**data.extra, "signed_code": issued.code,
                                "short_code": issued.short,
                                "certificate_id": issued.statement.certificate_id})


def details(verdict: statements.Verdict, data_dir: Path | None,
            lang: str) -> list[tuple[str, str]]:
    """The signed details of a checked code as (label, value) rows, names in `lang`.

    Module and skill names come from the content pack on this device; a slug
    the pack does not know is shown as it was signed.
    """
    import datetime as dt

    from debc_outreach.i18n import _, format_date
    from debc_outreach.reports import lookup

    statement = verdict.statement
    if statement is None:
        return []
    catalog = lookup.catalog(data_dir)

    def day(iso_date: str) -> str:
        return format_date(dt.date.fromisoformat(iso_date))

    where = lookup.place(statement.place, lang) if statement.place else None
    place = ", ".join(p for p in (where.village, where.district, where.province) if p) \
        if where else ""
    return [
        (_("Name"), statement.name),
        (_("Date"), day(statement.date)),
        (_("Place"), f"{place} ({statement.place})"
         if place else statement.place),
        (_("Modules"), "\n".join(catalog.title(m, lang) for m in statement.modules) or "—"),
        (_("Skills"), "\n".join(catalog.item_text(s, lang) for s in statement.skills) or "—"),
        (_("Issued"), day(statement.issued)),
        (_("Issued by"), verdict.device_name or statement.device_id),
        (_("Programme"), verdict.programme_name or statement.programme_id),
        (_("Certificate"), statements.codec.short_code(statement.certificate_id)),
    ]
