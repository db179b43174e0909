"""A programme made by the release before signed chain heads keeps working after the
upgrade, without enrolling anyone again.

The folders are made in the test with the previous release's schema: a programme
syncs as usual, then every folder loses what migrations 0015 and 0017 added (their
tables and their entries in `_migrations`), exactly the state the previous release
left. Opening them again runs the migrations, as the first start after the upgrade
does.
"""

from __future__ import annotations

from pathlib import Path

from support.sync_devices import VILLAGE_IN, make_programme, send

from debc_outreach.storage import participants
from debc_outreach.storage.store import Store
from debc_outreach.sync import heads, trust

NEW_MIGRATIONS = ("0015_signed_heads", "0017_quarantine")


def as_previous_release(store: Store) -> Path:
    """Drop what the upgrade adds; close the folder; return it."""
    with store.database.transaction() as tx:
        for table in ("sync_head", "sync_head_before_signing", "sync_held"):
            tx.execute(f"DROP TABLE {table}")
        tx.executemany("DELETE FROM _migrations WHERE name = ?",
                       [(name,) for name in NEW_MIGRATIONS])
    folder = store.data_dir
    store.close()
    return folder


def test_a_programme_from_the_previous_release_keeps_syncing_after_the_upgrade(tmp_path):
    coordinator, (first, second) = make_programme(tmp_path, trainers=2)
    early = participants.add_participant(first, "សុខ ដារា", village_code=VILLAGE_IN).id
    send(first, coordinator, tmp_path / "1")
    folders = [as_previous_release(store) for store in (coordinator, first, second)]

    coordinator, first, second = (Store.open(folder) for folder in folders)
    try:
        # What each computer held before the upgrade stays trusted where it is.
        assert heads.before_signing(coordinator.database.conn, first.device_id) == 1
        assert coordinator.database.scalar("SELECT count(*) FROM sync_head") == 0
        # The coordinator's copy is the reference: it vouches for the older chain when it
        # passes it on, and the second trainer applies it.
        report = send(coordinator, second, tmp_path / "2")
        assert report.new == 1 and report.waiting == 0
        assert participants.get(second.database, early) is not None
        [vouched] = [heads.verify(trust.require_programme(second), document, {})
                     for document in [heads.stored_at(second.database.conn, first.device_id, 1)]]
        assert vouched.before_signing and vouched.signer.device_id == coordinator.device_id
        # The first trainer signs its existing head with its next bundle; no re-enrolment.
        later = participants.add_participant(first, "កែវ សុភា", village_code=VILLAGE_IN).id
        assert send(first, coordinator, tmp_path / "3").new == 1
        assert participants.get(coordinator.database, later) is not None
        assert send(coordinator, second, tmp_path / "4").new == 1
        assert participants.get(second.database, later) is not None
        assert heads.stored_at(coordinator.database.conn, first.device_id, 2)["body"]["by"] \
            == first.device_id
    finally:
        for store in (coordinator, first, second):
            store.close()
