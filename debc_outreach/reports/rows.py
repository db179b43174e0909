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
from debc_outreach.reports.csv_export import neutralised, neutralised_sql
from debc_outreach.reports.filters import (
    AGE_BAND_SQL,
    EXPORT_FROM,
    EXPORT_ORDER,
    ReportFilter,
)
from debc_outreach.storage import report_visits
from debc_outreach.storage.database import Database

# -1 (or NULL in databases made before 0003 changed): the WG answers cannot tell.
DISABILITY_CODES = {1: "yes", 0: "no", -1: "unknown", None: "unknown"}


@dataclass
class Privacy:
    """People named in an export and people shown only as counts.

    Walks over check-ins meet a person many times and keep their ids (`see`);
    walks that meet each person once only count them (`count`), so a list of a
    million people holds no ids.
    """

    named_ids: set[str] = field(default_factory=set)
    unnamed_ids: set[str] = field(default_factory=set)
    named_people: int = 0
    unnamed_people: int = 0

    def see(self, participant_id: str, consented: bool) -> None:
        (self.named_ids if consented else self.unnamed_ids).add(participant_id)

    def count_signed(self, people: set[int]) -> None:
        """Count people given as row ids, negated for those who did not consent."""
        unnamed = sum(1 for person in people if person < 0)
        self.named_people += len(people) - unnamed
        self.unnamed_people += unnamed

    def count(self, consented: bool) -> None:
        if consented:
            self.named_people += 1
        else:
            self.unnamed_people += 1

    @property
    def named(self) -> int:
        return len(self.named_ids) + self.named_people

    @property
    def unnamed(self) -> int:
        return len(self.unnamed_ids) + self.unnamed_people


def attendance_sql(filt: ReportFilter) -> tuple[str, list]:
    """The attendance join with codes only: what the benchmark gives `sqlite3 -csv`."""
    where, params = filt.attendance_where()
    sql = (
        "SELECT s.date, s.id, s.village_code, s.venue, s.modules, s.trainer_ids, p.id, "
        "p.display_name, p.consent, p.sex, " + AGE_BAND_SQL + ", p.disability, "
        "p.village_code, strftime('%Y-%m-%dT%H:%M:%SZ', (a.added_hlc >> 16) / 1000, "
        "'unixepoch'), a.added_device " + EXPORT_FROM + " WHERE " + where + " " + EXPORT_ORDER)
    return sql, params


class SessionText:
    """Module and trainer text of a session, computed once for each pair of lists."""

    def __init__(self, catalog: lookup.Catalog, trainers: dict[str, str], lang: str):
        self.catalog, self.trainers, self.lang = catalog, trainers, lang
        self._texts: dict[tuple[str, str], tuple[str, str]] = {}   # sessions share them

    def __call__(self, modules_json: str, trainers_json: str) -> tuple[str, str]:
        found = self._texts.get((modules_json, trainers_json))
        if found is None:
            found = self._texts[modules_json, trainers_json] = self._text(modules_json,
                                                                           trainers_json)
        return found

    def _text(self, modules_json: str, trainers_json: str) -> tuple[str, str]:
        modules = "; ".join(self.catalog.title(slug, self.lang)
                            for slug in lookup.json_list(modules_json))
        trainers = "; ".join(self.trainers.get(t, t) for t in lookup.json_list(trainers_json))
        return modules, trainers


# The TEMP tables of names the full-column attendance query joins.
_NAME_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS report_place (code TEXT PRIMARY KEY, province_code TEXT, "
    "province TEXT, district_code TEXT, district TEXT, commune_code TEXT, commune TEXT, "
    "village TEXT) WITHOUT ROWID",
    "CREATE TEMP TABLE IF NOT EXISTS report_session (id TEXT PRIMARY KEY, modules TEXT, "
    "trainers TEXT) WITHOUT ROWID",
)


def _prepare_names(database: Database, filt: ReportFilter, lang: str,
                   catalog: lookup.Catalog) -> None:
    """Fill TEMP tables with the place names and session texts the export prints, so the
    one SQL join hands out finished rows (a million rows never pass through Python code)."""
    conn = database.conn
    for table in _NAME_TABLES:
        conn.execute(table)
    conn.execute("DELETE FROM temp.report_place")
    conn.execute("DELETE FROM temp.report_session")
    codes = [row[0] for row in conn.execute(
        "SELECT village_code FROM session UNION SELECT village_code FROM participant")]
    places = []
    for code in codes:
        where = lookup.place(code or "", lang)
        places.append((code, where.province_code, where.province, where.district_code,
                       where.district, where.commune_code, where.commune, where.village))
    conn.executemany("INSERT INTO temp.report_place VALUES (?,?,?,?,?,?,?,?)", places)
    texts = SessionText(catalog, lookup.trainer_names(database), lang)
    where, params = filt.session_where()
    conn.executemany("INSERT INTO temp.report_session VALUES (?, ?, ?)", (
        (session_id, *texts(modules, trainers)) for session_id, modules, trainers in
        conn.execute(f"SELECT s.id, s.modules, s.trainer_ids FROM session s WHERE {where}",
                     params).fetchall()))


# The columns of `columns.ATTENDANCE` as SQL over EXPORT_FROM and the TEMP name tables
# (the flag: free text, which CSV may have to quote).
_ATTENDANCE_EXPRESSIONS: tuple[tuple[str, bool], ...] = (
    ("s.date", False),
    ("s.id", False),
    ("coalesce(sp.province_code, '')", False),
    ("coalesce(sp.province, '')", True),
    ("coalesce(sp.district_code, '')", False),
    ("coalesce(sp.district, '')", True),
    ("coalesce(sp.commune_code, '')", False),
    ("coalesce(sp.commune, '')", True),
    ("s.village_code", True),
    ("coalesce(sp.village, '')", True),
    ("s.venue", True),
    ("coalesce(st.modules, '')", True),
    ("coalesce(st.trainers, '')", True),
    ("p.id", False),
    ("CASE WHEN p.consent = 'yes' THEN p.display_name ELSE '' END", True),
    ("CASE WHEN p.consent = 'yes' THEN 'yes' ELSE 'no' END", False),
    ("p.sex", True),
    (AGE_BAND_SQL, False),
    ("CASE p.disability WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE 'unknown' END", False),
    ("p.village_code", True),
    ("coalesce(hp.village, '')", True),
    ("strftime('%Y-%m-%dT%H:%M:%SZ', (a.added_hlc >> 16) / 1000, 'unixepoch')", False),
    ("a.added_device", True),
)
_NAMES_JOIN = ("LEFT JOIN temp.report_place sp ON sp.code = s.village_code "
               "LEFT JOIN temp.report_session st ON st.id = s.id "
               "LEFT JOIN temp.report_place hp ON hp.code = p.village_code ")


def _attendance_select(filt: ReportFilter) -> tuple[str, list]:
    where, params = filt.attendance_where()
    select = ", ".join(e for e, _q in _ATTENDANCE_EXPRESSIONS)
    return (f"SELECT {select} {EXPORT_FROM} {_NAMES_JOIN} WHERE {where} {EXPORT_ORDER}",
            params)


def attendance_names_sql(database: Database, filt: ReportFilter, lang: str,
                         catalog: lookup.Catalog) -> tuple[str, list, tuple[str, ...]]:
    """The attendance join with every column of `columns.ATTENDANCE` (names from TEMP
    tables, filled here), its parameters and the TEMP tables' definitions: what the
    benchmark gives `sqlite3 -csv` to compare with the export of the same columns."""
    _prepare_names(database, filt, lang, catalog)
    return (*_attendance_select(filt), _NAME_TABLES)


def attendance_chunks(database: Database, filt: ReportFilter, lang: str,
                      catalog: lookup.Catalog, privacy: Privacy | None,
                      size: int = 5000) -> Iterator[list[tuple]]:
    """Lists of finished rows in `columns.ATTENDANCE` order (ISO date strings).

    `privacy` None: the caller counts the people another way (the participant list)."""
    track = privacy is not None
    privacy = privacy or Privacy()
    _prepare_names(database, filt, lang, catalog)
    cursor = database.conn.execute(*_attendance_select(filt))
    named, unnamed = privacy.named_ids, privacy.unnamed_ids
    while True:
        chunk = cursor.fetchmany(size)
        if not chunk:
            return
        if track:
            named.update(row[13] for row in chunk if row[15] == "yes")
            unnamed.update(row[13] for row in chunk if row[15] != "yes")
        yield chunk


def _quoted(text: str) -> str:
    """A CSV field (RFC 4180), neutralised, and quoted when it holds a comma, quote or
    line break."""
    text = neutralised(text)
    if text and (',' in text or '"' in text or "\n" in text or "\r" in text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_field_sql(expression: str) -> str:
    """SQL for `_quoted` of a text `expression`: neutralised, then quoted if needed."""
    field = neutralised_sql(expression)     # a leading ' never needs quoting
    return (f"(CASE WHEN instr({expression}, ',') OR instr({expression}, '\"') "
            f"OR instr({expression}, char(10)) OR instr({expression}, char(13)) "
            f"THEN '\"' || replace({field}, '\"', '\"\"') || '\"' ELSE {field} END)")


def _fill_home_fields(database: Database, lang: str) -> None:
    """TEMP table: village code -> its name as a finished CSV field (neutralised, quoted),
    for every home village in use, so SQLite puts it into the line itself."""
    conn = database.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_home (code TEXT PRIMARY KEY, "
                 "field TEXT) WITHOUT ROWID")
    conn.execute("DELETE FROM temp.report_home")
    codes = [row[0] for row in conn.execute("SELECT DISTINCT village_code FROM participant")]
    conn.executemany("INSERT INTO temp.report_home VALUES (?, ?)", (
        (code, _quoted(lookup.place(code, lang).village if code else "")) for code in codes))


# A line's parts in SQL, neutralised and quoted by the same rules as `_quoted`: the person
# before the age band (which depends on the session's date) and after it, then the
# check-in; `h` is the person's home village in `report_home`.
_PERSON_HEAD = (
    "p.id || ',' || " + _csv_field_sql("CASE WHEN p.consent = 'yes' THEN p.display_name "
                                       "ELSE '' END")
    + " || ',' || (CASE WHEN p.consent = 'yes' THEN 'yes' ELSE 'no' END) || ',' || "
    + _csv_field_sql("p.sex") + " || ','")
_PERSON_TAIL = (
    "',' || (CASE p.disability WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE 'unknown' END) "
    "|| ',' || " + _csv_field_sql("p.village_code") + " || ',' || coalesce(h.field, '') "
    "|| ','")
_CHECK_IN = ("strftime('%Y-%m-%dT%H:%M:%SZ', (a.added_hlc >> 16) / 1000, 'unixepoch') "
             "|| ',' || " + _csv_field_sql("a.added_device"))
_SIGNED_PERSON = "CASE WHEN p.consent = 'yes' THEN p.rowid ELSE -p.rowid END"

# Up to this many people in the file, each person's parts of the line are made once, in
# a TEMP table (tens of MB at most), instead of at every check-in: people who come back
# often then cost one lookup a visit. Beyond it (a national campaign, where most people
# come once) the parts are made as the rows go by, which needs no memory.
PEOPLE_FORMATTED_ONCE = 250_000


def _people_in_file(database: Database) -> int:
    """About how many participant records the file holds (the largest row id: instant)."""
    return database.scalar("SELECT max(rowid) FROM participant") or 0


def _fill_person_parts(database: Database) -> None:
    """TEMP table: participant row id -> its line parts before and after the age band."""
    conn = database.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_person (id INTEGER PRIMARY KEY, "
                 "head TEXT, tail TEXT, y15 TEXT, y25 TEXT, y60 TEXT)")
    conn.execute("DELETE FROM temp.report_person")
    known = "typeof(p.birth_year) = 'integer' AND p.birth_year BETWEEN 1 AND 9000"
    years = ", ".join(f"CASE WHEN {known} THEN printf('%04d', p.birth_year + {age}) END"
                      for age in (15, 25, 60))
    conn.execute(f"INSERT INTO temp.report_person SELECT p.rowid, {_PERSON_HEAD}, "
                 f"{_PERSON_TAIL}, {years} FROM participant p "
                 "LEFT JOIN temp.report_home h ON h.code = p.village_code")


# AGE_BAND_SQL over `report_person`, for session dates that begin with a 4-digit year:
# the age is under 15 exactly when the date sorts before the year of the 15th birthday
# (and so on), so a visit costs up to three text comparisons instead of date arithmetic.
_AGE_BAND_BY_YEARS = (
    "(CASE WHEN pp.y15 IS NULL THEN " + AGE_BAND_SQL + " WHEN s.date < pp.y15 THEN '0-14' "
    "WHEN s.date < pp.y25 THEN '15-24' WHEN s.date < pp.y60 THEN '25-59' ELSE '60+' END)")


def _session_dates_have_years(database: Database) -> bool:
    """Whether every session date begins with a 4-digit year (ISO dates always do)."""
    return not database.scalar("SELECT EXISTS (SELECT 1 FROM session "
                               "WHERE date NOT GLOB '[0-9][0-9][0-9][0-9]-*')")


def attendance_csv_lines(database: Database, filt: ReportFilter, lang: str,
                         catalog: lookup.Catalog, privacy: Privacy,
                         size: int = 10000) -> Iterator[list[bytes]]:
    """The rows of `attendance_chunks` as finished CSV lines in UTF-8, for speed.

    What is the same for a whole session (date, place, venue, modules,
    trainers) is formatted once per session; SQLite builds the rest of the line
    (the person, their home village's name from a small TEMP table, the
    check-in) as one string; text stays UTF-8 bytes from SQLite to the file (no
    decoding and encoding of a million names). People are counted for `privacy`
    from one set of row ids, negated for those without consent. That keeps a
    million rows near the speed of `sqlite3 -csv` (bench/bench_reports.py). A
    test checks the lines equal the rows.
    """
    from operator import itemgetter

    conn = database.conn
    texts = SessionText(catalog, lookup.trainer_names(database), lang)
    prefix: dict[bytes, bytes] = {}
    shared: dict[tuple[str, str, str, str], str] = {}   # place, venue and texts recur
    where, params = filt.session_where()
    for session_id, day, *where_and_what in conn.execute(
            "SELECT s.id, s.date, s.village_code, s.venue, s.modules, s.trainer_ids "
            f"FROM session s WHERE {where}", params).fetchall():
        key = tuple(where_and_what)
        part = shared.get(key)
        if part is None:
            village, venue, modules, trainer_ids = key
            place = lookup.place(village, lang)
            fields = (place.province_code, place.province, place.district_code,
                      place.district, place.commune_code, place.commune, village,
                      place.village, venue, *texts(modules, trainer_ids))
            part = shared[key] = ",".join(map(_quoted, fields))
        prefix[session_id.encode()] = f"{day},{session_id},{part},".encode()
    _fill_home_fields(database, lang)
    where, params = filt.attendance_where()
    line = f"{{head}} || {{age}} || {{tail}} || {_CHECK_IN}"
    if _people_in_file(database) <= PEOPLE_FORMATTED_ONCE:
        _fill_person_parts(database)
        age = _AGE_BAND_BY_YEARS if _session_dates_have_years(database) else AGE_BAND_SQL
        sql = (f"SELECT s.id, {_SIGNED_PERSON}, "
               + line.format(head="pp.head", age=age, tail="pp.tail") + f" {EXPORT_FROM}"
               "CROSS JOIN temp.report_person pp ON pp.id = p.rowid "
               f"WHERE {where} {EXPORT_ORDER}")
    else:
        sql = (f"SELECT s.id, {_SIGNED_PERSON}, "
               + line.format(head=_PERSON_HEAD, age=AGE_BAND_SQL, tail=_PERSON_TAIL)
               + f" {EXPORT_FROM}"
               "LEFT JOIN temp.report_home h ON h.code = p.village_code "
               f"WHERE {where} {EXPORT_ORDER}")
    signed_person = itemgetter(1)
    people: set[int] = set()
    saved = conn.text_factory
    conn.text_factory = bytes
    try:
        with database.mapped_for_reading():
            cursor = conn.execute(sql, params)
            try:
                while chunk := cursor.fetchmany(size):
                    people.update(map(signed_person, chunk))
                    yield [prefix[sid] + line for sid, _person, line in chunk]
            finally:
                cursor.close()      # a stopped export leaves no statement reading the map
    finally:
        conn.text_factory = saved
    privacy.count_signed(people)


def attendance_rows(database: Database, filt: ReportFilter, lang: str,
                    catalog: lookup.Catalog, privacy: Privacy | None,
                    dates: bool = False) -> Iterator[tuple]:
    """One tuple per attendance, in `columns.ATTENDANCE` order.

    With `dates=True` the session date is a `datetime.date` (XLSX date cells);
    otherwise the ISO string.
    """
    fromiso = dt.date.fromisoformat
    for chunk in attendance_chunks(database, filt, lang, catalog, privacy):
        if dates:
            for row in chunk:
                yield (fromiso(row[0]), *row[1:])
        else:
            yield from chunk


def count_attendance(database: Database, filt: ReportFilter) -> int:
    """Check-ins in the selection (from the counted-visit table, not a join of them all)."""
    from debc_outreach.reports import aggregates

    return aggregates.attendances(database, filt)


# --- sessions ---------------------------------------------------------------------

def session_rows(database: Database, filt: ReportFilter, lang: str,
                 catalog: lookup.Catalog, dates: bool = False) -> list[tuple]:
    """One tuple per session in `columns.SESSIONS` order, with its live counters."""
    from debc_outreach.content.labels import label
    from debc_outreach.storage.sessions import STATE_NAMES

    where, params = filt.session_where()
    att_where, att_params = filt.attendance_where()
    # Grouped in the order the session_date index walks (no sort of a million rows).
    counts = {row[0]: row[1:] for row in database.conn.execute(
        f"SELECT s.id, count(*), sum(p.sex = 'F'), sum(p.disability = 1), "
        f"sum({AGE_BAND_SQL} = '15-24'), sum({AGE_BAND_SQL} = '60+'), "
        f"sum(p.consent != 'yes') {EXPORT_FROM} WHERE {att_where} GROUP BY s.date, s.rowid",
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

def _fill_person_skills(database: Database, filt: ReportFilter, item_ids: list[str]) -> None:
    """TEMP table of distinct skills achieved per kept person (people with any)."""
    from debc_outreach.reports import scan

    conn = database.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS report_person_skill (id TEXT PRIMARY KEY, "
                 "skills INTEGER) WITHOUT ROWID")
    conn.execute("DELETE FROM temp.report_person_skill")
    codes = scan.item_codes(item_ids)
    if not codes:
        return
    found = ((person_id, len(set(done)))
             for person_id, done, _assessed in scan.skills(database, filt, codes) if done)
    batch: list[tuple[str, int]] = []
    for row in found:
        batch.append(row)
        if len(batch) == 5000:
            conn.executemany("INSERT INTO temp.report_person_skill VALUES (?, ?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO temp.report_person_skill VALUES (?, ?)", batch)


def participant_rows(database: Database, filt: ReportFilter, lang: str,
                     privacy: Privacy, dates: bool = False,
                     item_ids: list[str] | None = None) -> Iterator[tuple]:
    """People who attended in the selection, in Khmer alphabetical order.

    Only people who consented are listed; the others are counted in `privacy`.
    Age band is taken at the person's last session in the selection; skills
    achieved counts distinct checklist items (of `item_ids`, the pack's items).
    SQLite walks the people in the `participant_sort` index order and groups
    each one's counted visits (storage/report_visits) as it goes: no list of
    everyone is built or sorted in memory.
    """
    from debc_outreach.core import people
    from debc_outreach.reports import aggregates

    _fill_person_skills(database, filt, item_ids or [])
    joins, where, params = aggregates.visits_of_people(database, filt)
    cursor = database.conn.execute(
        "SELECT p.id, p.display_name, p.sex, p.birth_year, p.age_band, p.disability, "
        "p.village_code, p.consent = 'yes', count(*), min(v.date), max(v.date), "
        "coalesce(k.skills, 0) "
        f"FROM participant p INDEXED BY participant_sort {joins}"
        "LEFT JOIN temp.report_person_skill k ON k.id = p.id "
        f"WHERE {where} GROUP BY p.sort_key, p.search_key, p.rowid", params)
    for (person_id, name, sex, birth_year, band, disability, village, consented, visits,
         first, last, skills) in cursor:
        privacy.count(bool(consented))
        if not consented:
            continue
        first, last = report_visits.iso_day(first), report_visits.iso_day(last)
        where_ = lookup.place(village, lang)
        age = people.age_band(birth_year, band, dt.date.fromisoformat(last))
        yield (person_id, name, sex, people.known_birth_year(birth_year) or "", age,
               DISABILITY_CODES.get(disability, "unknown"), where_.province,
               where_.district, village, where_.village, visits,
               dt.date.fromisoformat(first) if dates else first,
               dt.date.fromisoformat(last) if dates else last, skills)
