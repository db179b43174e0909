"""What a participation certificate says, read from the records (no Qt).

The person's own records and any records merged into them count: sessions
attended, modules of those sessions, and skills marked achieved.
"""

from __future__ import annotations

import datetime as dt

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.reports import lookup
from debc_outreach.reports.pdf.certificate import CertificateData
from debc_outreach.storage import participants
from debc_outreach.storage.database import Database
from debc_outreach.storage.projection import checklist_rows


def _latin_part(name: str) -> str:
    """The Latin-script words of a name typed in both scripts ("សុខ ដារ៉ា Sok Dara")."""
    words = [w for w in name.split() if w.isascii() and any(c.isalpha() for c in w)]
    return " ".join(words) if words and len(words) < len(name.split()) else ""


def programme_name(database: Database) -> str:
    has_table = database.scalar(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='sync_programme'")
    name = database.scalar("SELECT name FROM sync_programme LIMIT 1") if has_table else ""
    return name or "DEBC Outreach"


def certificate_data(database: Database, participant_id: str, catalog: lookup.Catalog,
                     lang: str, date_from: str = "", date_to: str = "") -> CertificateData:
    """Certificate content for a participant, or a UserError if they attended nothing."""
    person = participants.require(database, participant_id)
    kept = participants.resolve(database, person.id)
    if kept != person.id:
        person = participants.require(database, kept)
    clauses = ["a.present = 1", "s.deleted = 0",
               "(m.id = ? OR (m.merged_into = ? AND m.merged_into != ''))"]
    params = [person.id, person.id]
    if date_from:
        clauses.append("s.date >= ?")
        params.append(date_from)
    if date_to:
        clauses.append("s.date <= ?")
        params.append(date_to)
    where = " AND ".join(clauses)
    rows = database.conn.execute(
        "SELECT DISTINCT s.id, s.date, s.village_code, s.modules, s.trainer_ids FROM attendance a "
        "JOIN session s ON s.id = a.session_id JOIN participant m ON m.id = a.participant_id "
        f"WHERE {where} ORDER BY s.date, s.id", params).fetchall()
    if not rows:
        raise UserError(_("{name} has not attended any session in this period, so there is "
                          "nothing to certify.").format(name=person.display_name))
    modules: list[str] = []
    trainer_ids: list[str] = []
    for _id, _day, _village, module_json, trainer_json in rows:
        modules += [m for m in lookup.json_list(module_json) if m not in modules]
        trainer_ids += [t for t in lookup.json_list(trainer_json) if t not in trainer_ids]
    session_ids = [row[0] for row in rows]
    people = [person.id, *participants.merged_records(database, person.id)]
    achieved = sorted(checklist_rows.achieved_items(database.conn, people, session_ids))
    order = {slug: i for i, slug in enumerate(catalog.order)}
    achieved.sort(key=lambda item: (order.get(item.split(".")[0], 999), item))
    last = rows[-1]
    where = lookup.place(last[2], lang)
    trainers = lookup.trainer_names(database)
    return CertificateData(
        participant_id=person.id, name=person.display_name,
        name_latin=_latin_part(person.display_name),
        modules=tuple(catalog.title(m, lang) for m in modules),
        skills=tuple(catalog.item_text(i, lang) for i in achieved),
        date=last[1], place=", ".join(p for p in (where.village, where.district, where.province)
                                      if p),
        programme=programme_name(database),
        trainers=tuple(trainers.get(t, t) for t in trainer_ids), sessions=len(rows), lang=lang,
        issued=dt.date.today().isoformat(),
        extra={"module_slugs": tuple(modules), "skill_ids": tuple(achieved),
               "village_code": last[2] or ""})   # what a signed QR code states
