"""Visible sync state of a record: not yet sent, sent in bundle X, acknowledged."""

from __future__ import annotations

from dataclasses import dataclass

from debc_outreach.i18n import _, format_datetime
from debc_outreach.storage import events
from debc_outreach.storage.store import Store
from debc_outreach.sync.peers import parse_acked

NOT_SENT, SENT, ACKNOWLEDGED, NOTHING_LOCAL = "not_sent", "sent", "acknowledged", "none"


@dataclass(frozen=True)
class SyncState:
    status: str
    bundle_id: str = ""
    sent_at: str = ""

    def text(self) -> str:
        """One line for a list or a detail pane."""
        if self.status == ACKNOWLEDGED:
            return _("Acknowledged by the coordinator")
        if self.status == SENT:
            import datetime as dt

            when = format_datetime(dt.datetime.fromisoformat(self.sent_at))
            return _("Sent in bundle {bundle} on {when}").format(bundle=self.bundle_id[:8],
                                                                  when=when)
        if self.status == NOT_SENT:
            return _("Not yet sent")
        return ""


def sync_state(store: Store, records: list[tuple[str, str]]) -> SyncState:
    """State of this device's edits of the given (entity, entity_id) records."""
    database = store.database
    last = 0
    for entity, entity_id in records:
        last = max([last, *(row[events.SEQ] for row in events.of_record(
            database.conn, (entity,), entity_id, "device_id = ?", (store.device_id,)))])
    if not last:
        return SyncState(NOTHING_LOCAL)
    programme = database.query("SELECT coordinator_id FROM sync_programme")
    if programme and programme[0][0] == store.device_id:
        return SyncState(ACKNOWLEDGED)
    if programme:
        acked = database.scalar("SELECT acked FROM sync_peer WHERE device_id = ?",
                                (programme[0][0],))
        if parse_acked(acked)[0].get(store.device_id, 0) >= last:
            return SyncState(ACKNOWLEDGED)
    rows = database.query(
        "SELECT o.bundle_id, o.created_at FROM sync_bundle_range r JOIN sync_bundle_out o "
        "ON o.bundle_id = r.bundle_id WHERE r.device_id = ? AND r.from_seq <= ? "
        "AND r.to_seq >= ? ORDER BY o.created_at LIMIT 1", (store.device_id, last, last))
    if rows:
        return SyncState(SENT, rows[0]["bundle_id"], rows[0]["created_at"])
    return SyncState(NOT_SENT)


def session_sync_state(store: Store, session_id: str) -> SyncState:
    """For the sessions screen: the session, its attendance, checklist ticks, quick-check
    answers and counts, and scam tally."""
    return sync_state(store, [(entity, session_id) for entity in (
        "session", "attendance", "checklist", "quiz_answer", "quiz_count", "scam_tally")])


def participant_sync_state(store: Store, participant_id: str) -> SyncState:
    """For the participants screen."""
    return sync_state(store, [("participant", participant_id)])


def pending_count(store: Store) -> int:
    """This device's own events the coordinator has not acknowledged."""
    database = store.database
    head = database.scalar("SELECT max(seq) FROM event WHERE device_id = ?",
                           (store.device_id,)) or 0
    programme = database.query("SELECT coordinator_id FROM sync_programme")
    if not programme or programme[0][0] == store.device_id:
        return 0 if programme else head
    acked = database.scalar("SELECT acked FROM sync_peer WHERE device_id = ?",
                            (programme[0][0],))
    return max(0, head - parse_acked(acked)[0].get(store.device_id, 0))
