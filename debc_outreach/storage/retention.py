"""Retention on trainer devices: names leave the laptop N days after the coordinator has them.

The coordinator sets `retention_days` (storage/privacy.py). On a trainer device,
a participant is **eligible** when every record about them on this device
(their own events, and attendance and skill ticks naming them) was
acknowledged by the coordinator, and the latest acknowledgement is more than
N days old. Any newer record (a check-in last week) restarts the clock, so a
trainer never loses the name of someone they still work with.

The purge is local and never travels:
- the projection row keeps sex, age, village, disability, consent and every
  attendance and tick, so all counts stay the same; the name becomes a neutral
  label (`#` and the first 8 characters of the id) and the phone is emptied;
- the person's own quick-check and follow-up answers are removed with the name
  (rows and events); class counts and scam tallies, which name nobody, stay;
- the events that carried the name or phone become hash-only stand-ins
  (op "redacted", exactly what a device outside a record's scope holds; the
  hash chain still verifies and the coordinator, who already has the full
  events, ignores them as duplicates);
- conflict copies of the old name are dropped; `retention_purged` records what
  was done and when; the pages freed are zeroed (`secure_delete`).
Nothing is recorded as an event, so nothing is sent back to the coordinator.

When an acknowledgement happened is not kept by the sync log, so this module
notes the coordinator's acknowledgement vector whenever it runs (`ack_seen`):
the time used is when this device first saw the acknowledgement, which is never
earlier than the real one (names are kept a little longer, never shorter).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from debc_outreach.core.hlc import wall_ms
from debc_outreach.storage import events, privacy
from debc_outreach.storage.projection.participants import name_columns
from debc_outreach.storage.store import Store

log = logging.getLogger(__name__)

NAME_FIELDS = ("display_name", "phone")


@dataclass(frozen=True)
class RetentionResult:
    days: int
    eligible: int             # participants whose names were removed now
    events_redacted: int
    already_purged: int
    reason: str = ""          # why nothing was done ("" when the rule ran)


def placeholder_name(participant_id: str) -> str:
    """The neutral label that replaces a removed name (not personal data)."""
    return "#" + participant_id[:8]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def coordinator_holds(store: Store) -> dict[str, int]:
    """What the coordinator said it holds of each device's chain (its acknowledgement).

    Read from `sync_peer.acked` ({"vector": {...}, "created": ...}, or an older plain
    vector); sync/peers.py writes it, storage may not import sync.
    """
    coordinator = privacy.coordinator_id(store)
    raw = store.database.scalar("SELECT acked FROM sync_peer WHERE device_id = ?",
                                (coordinator,)) if coordinator else None
    data = json.loads(raw) if raw else {}
    vector = data.get("vector", data) if isinstance(data, dict) else {}
    return {device: int(seq) for device, seq in vector.items()}


def note_acknowledgements(store: Store, now: dt.datetime | None = None) -> None:
    """Remember when this device first saw each step of the coordinator's acknowledgements.

    A coordinator restored from an older backup acknowledges less than before: what it
    no longer holds is forgotten here too, so those names are not removed until the
    coordinator has them again (and the clock starts again then).
    """
    coordinator = privacy.coordinator_id(store)
    if not coordinator or coordinator == store.device_id:
        return
    holds = coordinator_holds(store)
    stamp = (now or _now()).isoformat()
    with store.database.transaction() as conn:
        for device, seq in conn.execute("SELECT device_id, max(seq) FROM ack_seen "
                                        "GROUP BY device_id").fetchall():
            if seq > holds.get(device, 0):
                conn.execute("DELETE FROM ack_seen WHERE device_id = ? AND seq > ?",
                             (device, holds.get(device, 0)))
        for device, seq in holds.items():
            seen = conn.execute("SELECT max(seq) FROM ack_seen WHERE device_id = ?",
                                (device,)).fetchone()[0] or 0
            if seq > seen:
                conn.execute("INSERT INTO ack_seen VALUES (?, ?, ?)", (device, seq, stamp))


def _ack_times(store: Store) -> dict[str, list[tuple[int, dt.datetime]]]:
    """device -> [(acknowledged up to seq, first seen at)] in seq order."""
    times: dict[str, list[tuple[int, dt.datetime]]] = {}
    for device, seq, seen in store.database.conn.execute(
            "SELECT device_id, seq, seen_at FROM ack_seen ORDER BY device_id, seq"):
        times.setdefault(device, []).append((seq, dt.datetime.fromisoformat(seen)))
    return times


def _acknowledged_at(times, holds: dict[str, int], coordinator: str, device: str, seq: int,
                     hlc: int):
    """When the coordinator had event (device, seq); None when it does not hold it now."""
    if holds.get(device, 0) < seq:
        return None
    if device == coordinator:           # its own record: it had it when it made it
        return dt.datetime.fromtimestamp(wall_ms(hlc) / 1000, dt.UTC)
    for upto, seen in times.get(device, ()):
        if upto >= seq:
            return seen
    return None


def eligible(store: Store, days: int, now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """participant id -> latest acknowledgement, for those whose names may be removed now."""
    coordinator = privacy.coordinator_id(store)
    limit = (now or _now()) - dt.timedelta(days=days)
    times = _ack_times(store)
    holds = coordinator_holds(store)
    latest: dict[str, dt.datetime | None] = {}
    for device, seq, hlc, pid in _person_events(store.database.conn):
        if not isinstance(pid, str) or (pid in latest and latest[pid] is None):
            continue
        when = _acknowledged_at(times, holds, coordinator, device, seq, hlc)
        previous = latest.get(pid, when)
        latest[pid] = None if when is None else max(when, previous or when)
    purged = {row[0] for row in store.database.conn.execute(
        "SELECT p.id FROM participant p JOIN retention_purged r ON r.participant_id = p.id "
        "WHERE p.display_name = '#' || substr(p.id, 1, 8) AND p.phone = ''")}
    return {pid: when for pid, when in latest.items()
            if when is not None and when <= limit and pid not in purged}


def _person_events(conn) -> Iterator[tuple[str, int, int, object]]:
    """(device, seq, stamp, participant id) of every event about a person: their record,
    and anything that names them in `participant_id`."""
    for row in events.rows(conn, "op != 'redacted'"):
        if row[events.ENTITY] == "participant":
            yield row[events.DEVICE_ID], row[events.SEQ], row[events.HLC], row[events.ENTITY_ID]
        elif '"participant_id"' in row[events.FIELDS]:
            pid = json.loads(row[events.FIELDS]).get("participant_id")
            if pid is not None:
                yield row[events.DEVICE_ID], row[events.SEQ], row[events.HLC], pid


def _naming_record(conn, pid: str) -> list[tuple[str, int]]:
    """(device, seq) of the unredacted events of a person's record that hold their name
    or phone."""
    return [(row[events.DEVICE_ID], row[events.SEQ])
            for row in events.of_record(conn, ("participant",), pid, "op != 'redacted'")
            if any(json.loads(row[events.FIELDS]).get(name) is not None
                   for name in ("display_name", "phone"))]


def _naming(conn, entities: tuple[str, ...], pid: str, names: tuple[str, ...]) -> list:
    """(device, seq) of the unredacted events of `entities` whose fields hold `pid` as
    their participant and name one of `names`."""
    return [(row[events.DEVICE_ID], row[events.SEQ])
            for row in events.rows(conn, f"op != 'redacted' AND entity IN "
                                         f"({', '.join('?' * len(entities))})", entities)
            if _names_person(json.loads(row[events.FIELDS]), pid, names)]


def _names_person(fields: object, pid: str, names: tuple[str, ...]) -> bool:
    return isinstance(fields, dict) and fields.get("participant_id") == pid \
        and any(fields.get(name) is not None for name in names)


def apply_retention(store: Store, now: dt.datetime | None = None) -> RetentionResult:
    """Remove eligible names on a trainer device (no-op on the coordinator's computer)."""
    if not privacy.is_trainer_device(store):
        return RetentionResult(0, 0, 0, 0, "not a trainer device")
    # Noted even without a rule, so a rule set later counts from the real acknowledgement.
    note_acknowledgements(store, now)
    days = privacy.get_rule(store, privacy.RETENTION_DAYS)
    already = store.database.scalar("SELECT count(*) FROM retention_purged") or 0
    if days <= 0:
        return RetentionResult(0, 0, 0, already, "no retention rule")
    targets = eligible(store, days, now)
    if not targets:
        return RetentionResult(days, 0, 0, already)
    redacted = 0
    stamp = (now or _now()).isoformat()
    conn = store.database.conn
    conn.execute("PRAGMA secure_delete = ON")        # zero the freed pages, too
    try:
        with store.database.transaction():
            for pid, acknowledged in targets.items():
                label = placeholder_name(pid)
                # Local-only change of the projection: deliberately not an event.
                names = name_columns(label)
                conn.execute(
                    "UPDATE participant SET display_name = ?, sort_key = ?, "
                    "search_key = ?, roman_key = ?, phone = '', phone_key = '' WHERE id = ?",
                    (label, names["sort_key"], names["search_key"],
                     names["roman_key"], pid))
                count = events.redact(conn, _naming_record(conn, pid))
                count += events.redact(        # signed certificate codes hold the name too
                    conn, _naming(conn, ("issued_certificate",), pid, ("participant_id",)))
                conn.execute("DELETE FROM issued_certificate WHERE participant_id = ?", (pid,))
                count += _remove_personal_answers(conn, pid)
                conn.execute("DELETE FROM conflict WHERE entity = 'participant' "
                             "AND entity_id = ? AND field IN ('display_name', 'phone')", (pid,))
                conn.execute(
                    "INSERT INTO retention_purged VALUES (?, ?, ?, ?) ON CONFLICT "
                    "(participant_id) DO UPDATE SET purged_at = excluded.purged_at, "
                    "events_redacted = events_redacted + excluded.events_redacted",
                    (pid, stamp, acknowledged.isoformat(), count))
                redacted += count
        # The search index keeps old terms until its segments merge: rebuild it.
        conn.execute("INSERT INTO participant_fts (participant_fts) VALUES ('rebuild')")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.execute("PRAGMA secure_delete = OFF")
    _replace_backups(store, now)
    log.info("retention (%d days): removed %d names, redacted %d events",
             days, len(targets), redacted)
    return RetentionResult(days, len(targets), redacted, already)


def _remove_personal_answers(conn, participant_id: str) -> int:
    """A person's own quick-check and follow-up answers leave with their name; the
    class counts and scam tallies (no names) stay. Returns the events redacted."""
    conn.execute("DELETE FROM quiz_answer WHERE participant_id = ?", (participant_id,))
    conn.execute("DELETE FROM follow_up WHERE participant_id = ?", (participant_id,))
    return events.redact(conn, _naming(conn, ("quiz_answer", "follow_up"), participant_id,
                                       ("participant_id",)))


def _replace_backups(store: Store, now: dt.datetime | None) -> None:
    """Older backups still hold the removed names: write a fresh one, then delete them.

    The coordinator already has every removed record (that is the rule), so an old
    backup is not needed to get them back; records not yet acknowledged are in the
    fresh backup. If the fresh backup cannot be written, the old ones stay.
    """
    import shutil

    from debc_outreach.storage.backup import LOG_BACKUP_SUFFIX, RESTORE_KEPT_PREFIX, backup_database

    folder = store.backup_dir
    older = sorted([*folder.glob("*.sqlite"), *folder.glob(f"*{LOG_BACKUP_SUFFIX}"),
                    *folder.glob(f"{RESTORE_KEPT_PREFIX}*")]) if folder.exists() else []
    stamp = (now or _now()).strftime("%Y%m%d-%H%M%S")
    fresh = backup_database(store.database, folder / f"after-retention-{stamp}.sqlite")
    for old in older:
        if old == fresh:
            continue
        if old.is_dir():                 # the data kept from before a restore
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    log.info("retention: replaced %d older backups by %s", len(older), fresh.name)


def purged_count(store: Store) -> int:
    return store.database.scalar("SELECT count(*) FROM retention_purged") or 0
