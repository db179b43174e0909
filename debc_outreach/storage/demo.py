"""Demo data: a realistic year of a programme, written as real events.

Khmer names (some romanised, a few typed twice with another encoding so the
duplicates view has work), real villages of several provinces, several
trainers on several devices (each with its own hash chain), sessions with
attendance and checklist results, quick checks before and after (per person,
or hands in some large groups), scam tallies and follow-ups a month later for
people who agreed to be contacted. Everything is an event plus its projection,
exactly as the app writes them; the bulk path only batches the writes
(`executemany`, one transaction per chunk) so 100,000 participants and
1,000,000 attendance rows take minutes, not hours.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from debc_outreach.core import people, wg
from debc_outreach.core.hlc import pack
from debc_outreach.storage import catalogue, checklist, gazetteer, projection, sessions
from debc_outreach.storage.events import (
    Event,
    chain_head,
    event_hash,
    insert_rows,
    last_seqs,
    newest_hlc,
)
from debc_outreach.storage.field_versions import Codes as VersionCodes
from debc_outreach.storage.field_versions import insert as insert_versions
from debc_outreach.storage.projection import checklist_rows
from debc_outreach.storage.projection import outcomes as outcome_records
from debc_outreach.storage.store import Store

FAMILY = ("សុខ", "ចាន់", "លី", "ហេង", "គឹម", "ស៊ុន", "ឈឹម", "ប៊ុន", "ស៊ាង", "ញឹក", "ម៉ៅ", "អ៊ុំ",
          "សេង", "ពៅ", "ខៀវ", "យ៉ាន", "ជា", "ទេព", "ភី", "អ៊ូ", "វង្ស", "ស្រ៊ាង", "នួន", "សួន")
GIVEN_F = ("ស្រីពៅ", "សុភា", "ចន្ថា", "បុប្ផា", "សុខា", "ស្រីនាង", "ដាវី", "រតនា", "ចាន់ធា",
           "សុធារី", "ស៊ីណា", "វណ្ណា", "សំណាង", "ម៉ាលី", "ស្រីល័ក្ខ", "គន្ធា", "ធីតា", "ស្រីមុំ")
GIVEN_M = ("ដារ៉ា", "វិចិត្រ", "សុផល", "បូរ៉ា", "សំអាត", "ចន្ទ្រា", "វណ្ណៈ", "រិទ្ធី", "សុភ័ក្ត្រ",
           "ពិសិដ្ឋ", "សុវណ្ណ", "ណារិន", "ពេជ្រ", "មករា", "ឧត្តម", "វាសនា", "សុខុម", "កុសល")
ROMAN_FAMILY = ("Sok", "Chan", "Ly", "Heng", "Kim", "Sun", "Chhim", "Bun", "Seang", "Chea")
ROMAN_GIVEN = ("Dara", "Sophea", "Bopha", "Vanna", "Sokha", "Pisey", "Rithy", "Sreymom",
               "Channa", "Visal")
TRAINERS = ("សុខ សុភា", "ចាន់ ដារ៉ា", "លី ម៉ាលី", "ហេង វិចិត្រ", "Kim Sreymom", "ទេព ធីតា")
PROVINCES = ("12", "17", "02", "03", "21", "11")      # Phnom Penh, Siem Reap, Battambang, ...
VENUES = ("សាលាឃុំ", "វត្ត", "សាលារៀនបឋមសិក្សា", "មណ្ឌលសហគមន៍", "ផ្ទះមេភូមិ")
PARTNERS = ("", "DEBC", "Community Learning Centre", "អង្គការយុវជន")


@dataclass
class Result:
    participants: int = 0
    sessions: int = 0
    attendance: int = 0
    checklist_results: int = 0
    quiz_answers: int = 0
    follow_ups: int = 0
    events: int = 0
    devices: int = 0


class _Writer:
    """Builds events for several devices and writes them with their projections in bulk.

    Like a real device's clock, each device's stamps only go forward and never past
    `now`: a stamp asked for earlier than the device's last one (a session planned a
    week ahead, two sessions on one day) is moved just after it, and one in the future
    (a session not held yet) is moved to now.
    """

    def __init__(self, store: Store, now: int):
        self.store = store
        self.conn = store.database.conn
        self.now = now
        self.heads: dict[str, tuple[int, str]] = {}
        self.last_hlc: dict[str, int] = {}
        self.events: list[tuple] = []
        self.entity_events: dict[str, list[Event]] = defaultdict(list)
        self.later: list[Event] = []
        self.attendance: list[tuple] = []
        self.results: list[tuple] = []
        self.outcomes: list[Event] = []         # applied by their batch applier
        self.contactable: set[str] = set()      # people who agreed to be contacted
        self.follow_ups: list[tuple] = []       # written last, in date order
        self.versions: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        self.count = 0

    def stamp(self, device: str, wanted: int) -> int:
        """The stamp the device's next event gets when `wanted` is asked for."""
        if device not in self.last_hlc:
            self.last_hlc[device] = self.conn.execute(
                "SELECT coalesce(max(hlc), 0) FROM event WHERE device_id = ?",
                (device,)).fetchone()[0]
        return max(min(wanted, self.now), self.last_hlc[device] + 1)

    def event(self, device: str, hlc: int, entity: str, entity_id: str, fields: dict,
              op: str = "set") -> Event:
        """Append an event stamped `stamp(device, hlc)` (see its `hlc` for the stamp used)."""
        hlc = self.stamp(device, hlc)
        self.last_hlc[device] = hlc
        if device not in self.heads:
            self.heads[device] = chain_head(self.conn, device)
        seq, prev = self.heads[device]
        base = {}
        if op == "set":
            # Like Store.record: each edit names the versions it overwrote, so a later
            # edit of the same session is not taken for a concurrent one (a conflict).
            seen = self.versions[(entity, entity_id)]
            base = {name: seen.get(name, 0) for name in fields}
            seen.update(dict.fromkeys(fields, hlc))
        digest = event_hash(device, seq + 1, hlc, entity, entity_id, op, fields, base, 1, prev)
        event = Event(device, seq + 1, hlc, entity, entity_id, op, fields, 1, base, prev, digest)
        self.heads[device] = (seq + 1, digest)
        self.events.append((*event.as_row(), 1))
        self.count += 1
        return event

    def flush(self) -> None:
        """Write the batch: events, then projections (fresh rows in bulk)."""
        with self.store.database.transaction() as conn:
            insert_rows(conn, self.events)
            for entity, batch in self.entity_events.items():
                _insert_fresh(conn, entity, batch)
            for event in self.later:
                projection.apply(conn, event)
            conn.executemany(
                "INSERT INTO attendance (session_id, participant_id, present, added_hlc, "
                "added_device) VALUES (?, ?, 1, ?, ?)", self.attendance)
            checklist_rows.write(conn, self.results)
            if self.outcomes:
                outcome_records.apply_batch(conn, [(e.as_row(), e.fields, e.base)
                                                   for e in self.outcomes])
            # In the same transaction: a demo folder on a nearly full disk still fits.
            _trust_demo_devices(conn, self.store.device_id)
        self.outcomes.clear()
        self.events.clear()
        self.entity_events.clear()
        self.later.clear()
        self.attendance.clear()
        self.results.clear()


def _insert_fresh(conn, entity: str, batch: list[Event]) -> None:
    """What the generic applier does for a first `set` event, for many rows at once."""
    spec = projection.ENTITIES[entity]
    rows_by_columns: dict[tuple, list[tuple]] = defaultdict(list)
    codes = VersionCodes(conn)
    versions = []
    for event in batch:
        won = {k: v for k, v in event.fields.items() if k in spec.fields}
        columns = dict(won)
        for name, derive in spec.derive.items():
            if name in won:
                columns.update(derive(won))
        rows_by_columns[tuple(columns)].append((event.entity_id, event.hlc,
                                                *columns.values()))
        if won:
            versions.append(codes.fresh(entity, event.entity_id, won, event.hlc,
                                        event.device_id))
    for names, rows in rows_by_columns.items():
        marks = ",".join("?" * (len(names) + 2))
        conn.executemany(f"INSERT INTO {spec.table} (id, created_hlc, {', '.join(names)}) "
                         f"VALUES ({marks})", rows)
    insert_versions(conn, versions)


# --- people ------------------------------------------------------------------------

def _name(rng: random.Random, sex: str) -> str:
    if rng.random() < 0.1:
        return f"{rng.choice(ROMAN_FAMILY)} {rng.choice(ROMAN_GIVEN)}"
    given = GIVEN_F if sex == "F" else GIVEN_M if sex == "M" else GIVEN_F + GIVEN_M
    return f"{rng.choice(FAMILY)} {rng.choice(given)}"


def _variant(name: str, rng: random.Random) -> str:
    """The same name typed another way (ZWSP from the space bar, doubled space, COENG DA)."""
    choices = [name.replace(" ", "\u200b"), name.replace(" ", "  "), name + " ",
               name.replace("\u17d2\u178f", "\u17d2\u178a")]
    return rng.choice(choices)


def _wg_answers(rng: random.Random, age: int) -> dict:
    if rng.random() < 0.12:
        return {}
    risk = 0.02 + (0.1 if age >= 60 else 0)
    answers = {}
    for domain in wg.DOMAINS:
        roll = rng.random()
        answers[domain] = (wg.CANNOT if roll < risk / 3 else wg.A_LOT if roll < risk
                           else wg.SOME if roll < risk + 0.12 else wg.NO_DIFFICULTY)
    return answers


def _person_fields(rng: random.Random, village: str, when: dt.date, trainer: str) -> dict:
    roll = rng.random()
    sex = "F" if roll < 0.56 else "M" if roll < 0.98 else rng.choice("OX")
    age = int(min(85, max(15, rng.gauss(34, 15))))
    birth_year = when.year - age
    fields = {"display_name": _name(rng, sex), "sex": sex, "village_code": village,
              "birth_year": birth_year, "age_band": "",
              "phone": "0" + str(rng.choice((10, 12, 15, 16, 17, 69, 77, 78, 89, 92, 97)))
                       + str(rng.randrange(1000000, 9999999)) if rng.random() < 0.6 else "",
              "wg": _wg_answers(rng, age), "consent": "yes" if rng.random() < 0.93 else "no",
              "consent_date": when.isoformat(), "consent_by": trainer,
              "merged_into": "", "deleted": 0}
    if rng.random() < 0.08:
        fields["birth_year"] = None
        fields["age_band"] = people.age_band_of_year(birth_year, when)
    return fields


# --- the programme -----------------------------------------------------------------

def generate(store: Store, n_participants: int = 600, n_sessions: int = 40, *,
             seed: int = 2026, today: dt.date | None = None,
             progress: Callable[[int, int], None] | None = None) -> Result:
    """Write a demo programme into `store` (adds to what is there)."""
    # The same seed gives the same programme in a fresh folder; a second run into
    # the same folder adds new people and sessions instead of clashing ids.
    existing = store.database.scalar("SELECT count(*) FROM participant") or 0
    rng = random.Random(f"{seed}:{existing}" if existing else seed)
    today = today or dt.date.today()
    # Outcomes draw from their own stream, so the rest of a seed's programme stays the same.
    outcome_rng = random.Random(f"{seed}:{existing}:outcomes")
    now = pack(int(dt.datetime.now(dt.UTC).timestamp() * 1000), 0)
    writer = _Writer(store, now)
    n_sessions = max(1, n_sessions)
    modules = list(catalogue.modules()) or []
    items = {slug: [i.id for i in catalogue.checklist_items([slug])] for slug in modules}

    devices = [store.device_id] + [str(_uuid(rng)) for _ in range(3)]
    start = today - dt.timedelta(days=365)

    def stamp(day: dt.date, minute: int) -> int:
        moment = dt.datetime.combine(day, dt.time(8, 0), dt.UTC) + dt.timedelta(minutes=minute)
        return pack(int(moment.timestamp() * 1000), 0)

    known = {row[0]: row[1] for row in store.database.conn.execute(
        "SELECT display_name, id FROM trainer WHERE deleted = 0")}
    trainer_ids: list[str] = []
    for k, name in enumerate(TRAINERS):
        if name in known:               # a second run reuses the demo trainers
            trainer_ids.append(known[name])
            continue
        trainer_id = str(_uuid(rng))
        trainer_ids.append(trainer_id)
        event = writer.event(devices[k % len(devices)], stamp(start, k), "trainer", trainer_id,
                             {"display_name": name, "phone": "", "deleted": 0})
        writer.entity_events["trainer"].append(event)

    pool = [p for code in PROVINCES for p in _province_villages(code)]
    n_villages = min(len(pool), max(8, n_participants // 60))
    villages = rng.sample(pool, n_villages)
    by_province: dict[str, list[str]] = defaultdict(list)
    for place in villages:
        by_province[place.province_code].append(place.code)

    days = sorted(start + dt.timedelta(days=rng.randrange(0, 396)) for _ in range(n_sessions))
    registered: dict[str, list[str]] = defaultdict(list)     # province -> participant ids
    result = Result(devices=len(devices))
    new_per_session = n_participants / n_sessions
    owed = 0.0
    for index, day in enumerate(days):
        place = rng.choice(villages)
        future = day > today
        device = store.device_id if future else rng.choice(devices)
        trainer = trainer_ids[devices.index(device) % len(trainer_ids)]
        session_id = str(_uuid(rng))
        chosen = rng.sample(modules, k=min(len(modules), rng.choice((1, 1, 2)))) \
            if modules else []
        t0 = stamp(day, 0)
        fields = {"date": day.isoformat(), "start_time": rng.choice(("08:00", "08:30", "14:00")),
                  "venue": rng.choice(VENUES), "village_code": place.code, "modules": chosen,
                  "trainer_ids": [trainer], "partner": rng.choice(PARTNERS),
                  "audience": rng.choice(("youth", "rural-adults", "elders", "")),
                  "language": "km", "state": sessions.PLANNED, "closed_at": "",
                  "amendment": "", "deleted": 0}
        writer.entity_events["session"].append(
            writer.event(device, t0 - (7 * 86_400_000 << 16), "session", session_id, fields))
        result.sessions += 1
        # New people registered at this session.
        owed += new_per_session
        remaining_sessions = n_sessions - index
        fresh = int(owed) if remaining_sessions > 1 else n_participants - result.participants
        fresh = max(0, min(fresh, n_participants - result.participants))
        owed -= fresh
        if future:
            registered_now: list[str] = []
            for k in range(fresh):
                registered_now.append(_register(writer, rng, place.code, day, trainer,
                                                device, t0 + k + 1,
                                                contact=outcome_rng.random() < 0.5))
            result.participants += fresh
            registered[place.province_code] += registered_now
            continue
        minute = 1
        present: list[str] = []
        for _ in range(fresh):
            home = place.code if rng.random() < 0.7 else rng.choice(
                by_province[place.province_code])
            person = _register(writer, rng, home, day, trainer, device, stamp(day, minute),
                               contact=outcome_rng.random() < 0.5)
            minute += 1
            present.append(person)
            if rng.random() < 0.01 and result.participants + fresh < n_participants:
                # the same person typed again later with another encoding
                twin = _register(writer, rng, home, day, trainer, device, stamp(day, minute),
                                 copy_of=writer.entity_events["participant"][-1].fields)
                registered[place.province_code].append(twin)
                result.participants += 1        # twins count towards the number asked for
                owed -= 1
        result.participants += fresh
        wanted = max(len(present), int(rng.uniform(20, 60)))
        returning = registered[place.province_code]
        extra = min(len(returning), wanted - len(present))
        if extra > 0:
            present += rng.sample(returning, extra)
        registered[place.province_code] += present[:fresh]
        running = stamp(day, minute)
        writer.later.append(writer.event(device, running, "session", session_id,
                                         {"state": sessions.RUNNING}))
        for k, person in enumerate(present):
            at = writer.stamp(device, stamp(day, minute + 1 + k))
            writer.event(device, at, "attendance", session_id,
                         {"participant_id": person, "at": _iso(at)}, op="add")
            writer.attendance.append((session_id, person, at, device))
        result.attendance += len(present)
        moment = stamp(day, 180)
        for slug in chosen:
            for item in items.get(slug, []):
                achieved = [p for p in present if rng.random() < 0.72]
                not_yet = [p for p in present if p not in achieved and rng.random() < 0.6]
                for state, group in ((checklist.ACHIEVED, achieved),
                                     (checklist.NOT_YET, not_yet)):
                    if not group:
                        continue
                    moment = writer.event(device, moment + 1, "checklist", session_id,
                                          {"participant_ids": group, "item_id": item,
                                           "state": state}).hlc
                    writer.results += [(session_id, p, item, state, moment, device)
                                       for p in group]
                    result.checklist_results += len(group)
        _outcomes(writer, outcome_rng, result, Held(session_id, day, tuple(chosen), device),
                  present, today, stamp(day, 200))
        if day < today:
            closed = writer.stamp(device, stamp(day, 240))
            writer.later.append(writer.event(
                device, closed, "session", session_id,
                {"state": sessions.CLOSED, "closed_at": _iso(closed)}))
        if len(writer.events) >= 50_000:
            writer.flush()
            if progress:
                progress(index + 1, n_sessions)
    _write_follow_ups(writer, result)
    writer.flush()
    if progress:
        progress(n_sessions, n_sessions)
    result.events = writer.count
    store.clock.observe(newest_hlc(store.database.conn))
    return result


@dataclass(frozen=True)
class Held:
    """A session that took place (what its outcome records need)."""

    id: str
    day: dt.date
    modules: tuple[str, ...]
    device: str


def _outcomes(writer: _Writer, rng: random.Random, result: Result, held: Held,
              present: list[str], today: dt.date, moment: int) -> None:
    """Quick checks, the scam tally and follow-ups of one session that took place.

    Most groups answer one by one, a few large ones by hands; about half know the
    right answer before a module and most after it; a few people leave early (no
    "after"). Newcomers agree to be contacted about half the time, and about two
    in three of those due were followed up by now.
    """
    catalogue_modules = catalogue.modules()
    for slug in held.modules:
        module = catalogue_modules.get(slug)
        if module is None or not module.quick_checks:
            continue
        if len(present) > 45 and rng.random() < 0.5:
            moment = _class_counts(writer, rng, held, slug, module.quick_checks, len(present),
                                   moment)
            continue
        for phase, knows in (("before", 0.45), ("after", 0.8)):
            for person in present:
                if phase == "after" and rng.random() < 0.06:
                    continue                            # left early
                answers, correct = {}, {}
                for question in module.quick_checks:
                    right = min(question.good, default=0)
                    wrong = [i for i in range(len(question.answers)) if i != right] or [right]
                    answers[question.id] = right if rng.random() < knows else rng.choice(wrong)
                    correct[question.id] = int(answers[question.id] in question.good)
                moment = writer.stamp(held.device, moment + 1)
                writer.outcomes.append(writer.event(
                    held.device, moment, outcome_records.QUIZ_ANSWER, held.id,
                    {"session_id": held.id, "participant_id": person, "module": slug,
                     "phase": phase, "answers": answers, "correct": correct}))
                result.quiz_answers += len(answers)
    if present and rng.random() < 0.8:
        counts = {kind.id: min(len(present), int(rng.expovariate(1 / 3) * len(present) / 30))
                  for kind in catalogue.scam_kinds()}
        moment = writer.stamp(held.device, moment + 1)
        writer.outcomes.append(writer.event(
            held.device, moment, outcome_records.SCAM_TALLY, held.id,
            {"session_id": held.id, "counts": counts}))
    _follow_ups(writer, rng, held, present, today)


def _class_counts(writer: _Writer, rng: random.Random, held: Held, slug: str,
                  questions: tuple[catalogue.Question, ...], hands: int, moment: int) -> int:
    """Hands per answer, before and after, for a group too large to ask one by one."""
    for phase, knows in (("before", 0.45), ("after", 0.8)):
        for question in questions:
            right = min(question.good, default=0)
            counts = [0] * len(question.answers)
            for _ in range(hands):
                counts[right if rng.random() < knows
                       else rng.randrange(len(question.answers))] += 1
            moment = writer.stamp(held.device, moment + 1)
            writer.outcomes.append(writer.event(
                held.device, moment, outcome_records.QUIZ_COUNT, held.id,
                {"session_id": held.id, "module": slug, "phase": phase,
                 "question_id": question.id, "counts": counts, "correct": right}))
    return moment


def _follow_ups(writer: _Writer, rng: random.Random, held: Held, present: list[str],
                today: dt.date) -> None:
    """Follow-ups 28-42 days after the session, for sessions long enough ago; kept aside
    and written after every session, so no device's clock jumps ahead of its sessions."""
    if (today - held.day).days < 28:
        return
    catalogue_modules = catalogue.modules()
    for person in present:
        if person not in writer.contactable or rng.random() < 0.35:
            continue
        day = min(today, held.day + dt.timedelta(days=rng.randint(28, 42)))
        for slug in held.modules:
            module = catalogue_modules.get(slug)
            if module is None or not module.follow_ups:
                continue
            answers, safe = {}, {}
            for question in module.follow_ups:
                good = sorted(question.good) or [0]
                others = [i for i in range(len(question.answers)) if i not in good] or good
                answers[question.id] = rng.choice(good) if rng.random() < 0.7 \
                    else rng.choice(others)
                safe[question.id] = int(answers[question.id] in question.good)
            writer.follow_ups.append((day, held.device, person, {
                "participant_id": person, "module": slug, "session_id": held.id,
                "method": rng.choice(("phone", "phone", "visit")), "date": day.isoformat(),
                "answers": answers, "safe": safe}))


def _write_follow_ups(writer: _Writer, result: Result) -> None:
    for day, device, person, fields in sorted(writer.follow_ups, key=lambda f: f[0]):
        writer.outcomes.append(writer.event(device, _noon(day), outcome_records.FOLLOW_UP,
                                            person, fields))
        result.follow_ups += 1
    writer.follow_ups.clear()


def _noon(day: dt.date) -> int:
    moment = dt.datetime.combine(day, dt.time(12, 0), dt.UTC)
    return pack(int(moment.timestamp() * 1000), 0)


def _trust_demo_devices(conn, own_device: str) -> None:
    """The other demo "devices" have no keys to sign their records with: this folder
    holds their chains as a folder from before signed heads holds its peers' (trusted
    here; a coordinator's folder vouches for them when it passes them on, sync/heads.py).
    """
    conn.executemany("INSERT OR REPLACE INTO sync_head_before_signing (device_id, seq) "
                     "VALUES (?, ?)", [(device, seq) for device, seq
                                       in last_seqs(conn).items() if device != own_device])


def _register(writer: _Writer, rng: random.Random, village: str, day: dt.date, trainer: str,
              device: str, hlc: int, copy_of: dict | None = None,
              contact: bool = False) -> str:
    fields = _person_fields(rng, village, day, trainer)
    if contact:                 # agreed to be contacted for a follow-up
        fields.update(contact_consent=True, contact_consent_date=day.isoformat(),
                      contact_consent_by=trainer)
    if copy_of is not None:
        fields.update({k: copy_of[k] for k in ("sex", "birth_year", "age_band", "village_code")})
        fields["display_name"] = _variant(copy_of["display_name"], rng)
    person = str(_uuid(rng))
    writer.entity_events["participant"].append(
        writer.event(device, hlc, "participant", person, fields))
    if contact:
        writer.contactable.add(person)
    return person


def _province_villages(code: str) -> list[gazetteer.Place]:
    return [p for p in gazetteer.all_villages() if p.province_code == code]


def _uuid(rng: random.Random):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _iso(hlc: int) -> str:
    return dt.datetime.fromtimestamp((hlc >> 16) / 1000, dt.UTC).isoformat(timespec="seconds")

