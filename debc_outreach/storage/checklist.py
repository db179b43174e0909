"""Skills checklist results, per cell (the items come from storage/catalogue.py).

A result is (session, participant, item id) -> achieved / not yet / not
assessed. Each tick is a `checklist` event; the projection keeps the last
writer per cell (HLC, then device id), so ticks from two devices never
conflict. "Whole group" is one event listing many participants.
"""

from __future__ import annotations

import sqlite3

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import sessions
from debc_outreach.storage.projection import checklist_rows
from debc_outreach.storage.projection.checklist import (
    ACHIEVED,
    NOT_ASSESSED,
    NOT_YET,
    STATES,
)
from debc_outreach.storage.store import Store

__all__ = ["ACHIEVED", "NOT_ASSESSED", "NOT_YET", "STATES", "fill_unmarked", "results",
           "set_result"]


def set_result(store: Store, session_id: str, participant_ids: list[str], item_id: str,
               state: str, reason: str = "") -> None:
    """Tick one item for one or many participants (one event, one transaction)."""
    if state not in STATES:
        raise UserError(_("Unknown checklist state {state}.").format(state=state))
    sessions.require_editable(store.database, session_id, reason)
    fields = {"participant_ids": list(participant_ids), "item_id": item_id, "state": state}
    if reason:
        fields["reason"] = reason
    store.record("checklist", session_id, fields, op="set")


def fill_unmarked(store: Store, session_id: str, participant_ids: list[str], item_id: str,
                  state: str, reason: str = "") -> list[str]:
    """"Whole group": give `state` to those of `participant_ids` who have no mark yet for
    the item (one event); a mark someone set for one person is never overwritten.
    Returns the ids that were filled (empty when everyone already had a mark)."""
    marked = {participant_id for (participant_id, item), cell in
              results(store.database.conn, session_id).items()
              if item == item_id and cell != NOT_ASSESSED}
    unmarked = [pid for pid in dict.fromkeys(participant_ids) if pid not in marked]
    if unmarked:
        set_result(store, session_id, unmarked, item_id, state, reason)
    return unmarked


def results(conn: sqlite3.Connection, session_id: str) -> dict[tuple[str, str], str]:
    """{(participant id, item id): state} for one session."""
    return checklist_rows.session_results(conn, session_id)
