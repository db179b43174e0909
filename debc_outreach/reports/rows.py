"""Row sources of the exports: attendance (streamed), sessions, participants.

Rows are produced by one SQL join and read from the cursor as they come, so
a million attendance rows never sit in memory. Names appear only for people
who gave consent (`consent = 'yes'`); `Privacy` counts who was left unnamed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from debc_outreach.reports import lookup
from debc_outreach.reports.filters import AGE_BAND_SQL, ATTENDANCE_FROM, ReportFilter
from debc_outreach.storage.database import Database

DISABILITY_CODES = {1: "yes", 0: "no", None: "unknown"}


@dataclass
class Privacy:
    """People named in an export and people shown only as counts."""

    named: set[str] = field(default_factory=set)
    unnamed: set[str] = field(default_factory=set)

    def see(self, participant_id: str, consented: bool) -> None:
        (self.named if consented else self.unnamed).add(participant_id)


def attendance_sql(filt: ReportFilter) -> tuple[str, list]:
    """The attendance join (codes only). Also what the benchmark gives `sqlite3 -csv`."""
    where, params = filt.attendance_where()
    sql = (
        "SELECT s.date, s.id, s.village_code, s.venue, s.modules, s.trainer_ids, p.id, "
        "p.display_name, p.consent, p.sex, " + AGE_BAND_SQL + ", p.disability, "
        "p.village_code, strftime('%Y-%m-%dT%H:%M:%SZ', (a.added_hlc >> 16) / 1000, "
        "'unixepoch'), a.added_device " + ATTENDANCE_FROM + " WHERE " + where +
        " ORDER BY s.date, s.start_time, s.id, a.added_hlc, a.added_device")
    return sql, params


class SessionText:
    """Module and trainer text of a session, computed once per session."""

    def __init__(self, catalog: lookup.Catalog, trainers: dict[str, str], lang: str):
        self.catalog, self.trainers, self.lang = catalog, trainers, lang
        self._key: tuple[str, str] | None = None
        self._value = ("", "")

    def __call__(self, modules_json: str, trainers_json: str) -> tuple[str, str]:
        key = (modules_json, trainers_json)
        if key != self._key:
            modules = "; ".join(self.catalog.title(slug, self.lang)
                                for slug in lookup.json_list(modules_json))
            trainers = "; ".join(self.trainers.get(t, t) for t in lookup.json_list(trainers_json))
            self._key, self._value = key, (modules, trainers)
        return self._value


def attendance_rows(database: Database, filt: ReportFilter, lang: str,
                    catalog: lookup.Catalog, privacy: Privacy,
                    dates: bool = False) -> Iterator[tuple]:
    """One tuple per attendance, in `columns.ATTENDANCE` order.

    With `dates=True` the session date is a `datetime.date` (XLSX date cells);
    otherwise the ISO string.
    """
    sql, params = attendance_sql(filt)
    texts = SessionText(catalog, lookup.trainer_names(database), lang)
    place = lookup.place
    named, unnamed = privacy.named, privacy.unnamed
    disability = DISABILITY_CODES
    fromiso = dt.date.fromisoformat
    for (day, session_id, village, venue, modules, trainer_ids, person, name, consent, sex,
         band, disabled, home, at, device) in database.conn.execute(sql, params):
        where = place(village, lang)
        modules_text, trainers_text = texts(modules, trainer_ids)
        if consent == "yes":
            named.add(person)
        else:
            unnamed.add(person)
            name = ""
        yield (fromiso(day) if dates else day, session_id, where.province_code, where.province,
               where.district_code, where.district, where.commune_code, where.commune,
               village, where.village, venue, modules_text, trainers_text, person, name,
               "yes" if consent == "yes" else "no", sex, band, disability[disabled], home,
               place(home, lang).village if home else "", at, device)


def count_attendance(database: Database, filt: ReportFilter) -> int:
    where, params = filt.attendance_where()
    return database.conn.execute(f"SELECT count(*) {ATTENDANCE_FROM} WHERE {where}",
                                 params).fetchone()[0]


# --- sessions ---------------------------------------------------------------------

def session_rows(database: Database, filt: ReportFilter, lang: str,
                 catalog: lookup.Catalog, dates: bool = False) -> list[tuple]:
    """One tuple per session in `columns.SESSIONS` order, with its live counters."""
    from debc_outreach.content.labels import label
    from debc_outreach.storage.sessions import STATE_NAMES

    where, params = filt.session_where()
    att_where, att_params = filt.attendance_where()
    counts = {row[0]: row[1:] for row in database.conn.execute(
        f"SELECT s.id, count(*), sum(p.sex = 'F'), sum(p.disability = 1), "
        f"sum({AGE_BAND_SQL} = '15-24'), sum({AGE_BAND_SQL} = '60+'), "
        f"sum(p.consent != 'yes') {ATTENDANCE_FROM} WHERE {att_where} GROUP BY s.id",
        att_params)}
    texts = SessionText(catalog, lookup.trainer_names(database), lang)
    out = []
    for (session_id, day, start, state, village, venue, modules, trainer_ids,
         partner) in database.conn.execute(
            "SELECT s.id, s.date, s.start_time, s.state, s.village_code, s.venue, s.modules, "
            f"s.trainer_ids, s.partner FROM session s WHERE {where} "
            "ORDER BY s.date, s.start_time, s.id", params):
        where_ = lookup.place(village, lang)
        modules_text, trainers_text = texts(modules, trainer_ids)
        total, women, disabled, youth, elders, no_consent = counts.get(session_id,
                                                                       (0, 0, 0, 0, 0, 0))
        out.append((dt.date.fromisoformat(day) if dates and day else day, session_id, start,
                    label(STATE_NAMES.get(state, state), lang) if state in STATE_NAMES
                    else state, where_.province_code, where_.province, where_.district_code,
                    where_.district, village, where_.village, venue, modules_text,
                    trainers_text, partner, total, women or 0, disabled or 0, youth or 0,
                    elders or 0, no_consent or 0))
    return out


# --- participants -------------------------------------------------------------------

def participant_rows(database: Database, filt: ReportFilter, lang: str,
                     privacy: Privacy, dates: bool = False) -> Iterator[tuple]:
    """People who attended in the selection, in Khmer alphabetical order.

    Only people who consented are listed; the others are counted in `privacy`.
    Age band is taken at the person's last session in the selection.
    """
    where, params = filt.attendance_where()
    skills = {row[0]: row[1] for row in database.conn.execute(
        "SELECT p.id, count(DISTINCT c.item_id) FROM checklist_result c "
        "JOIN attendance a ON a.session_id = c.session_id AND a.participant_id = "
        "c.participant_id JOIN session s ON s.id = a.session_id "
        "JOIN participant m ON m.id = a.participant_id JOIN participant p ON p.id = "
        "(CASE WHEN m.merged_into != '' THEN m.merged_into ELSE m.id END) "
        f"WHERE c.state = 'achieved' AND {where} GROUP BY p.id", params)}
    cursor = database.conn.execute(
        "SELECT p.id, p.display_name, p.consent, p.sex, p.birth_year, p.age_band, "
        "p.disability, p.village_code, count(*), min(s.date), max(s.date) "
        f"{ATTENDANCE_FROM} WHERE {where} GROUP BY p.id ORDER BY p.sort_key, p.id", params)
    from debc_outreach.core import people

    for (person, name, consent, sex, birth_year, band, disabled, home, sessions, first,
         last) in cursor:
        if consent != "yes":
            privacy.unnamed.add(person)
            continue
        privacy.named.add(person)
        where_ = lookup.place(home, lang)
        age = people.age_band(birth_year, band, dt.date.fromisoformat(last))
        yield (person, name, sex, birth_year or "", age, DISABILITY_CODES[disabled],
               where_.province, where_.district, home, where_.village, sessions,
               dt.date.fromisoformat(first) if dates else first,
               dt.date.fromisoformat(last) if dates else last, skills.get(person, 0))
