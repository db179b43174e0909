"""The hub on a real PostgreSQL server (a throwaway cluster): same migrations, same results."""

from __future__ import annotations

import os

import pytest
from support.hub_server import RunningHub, ThrowawayPostgres, enrolled_hub, postgres_bin
from support.sync_devices import VILLAGE_IN, VILLAGE_OUT, make_programme

from debc_outreach.hub.db import MIGRATIONS, HubDB
from debc_outreach.storage import participants
from debc_outreach.sync import hub_client

BIN = postgres_bin()
if BIN is None and os.environ.get("DEBC_REQUIRE_POSTGRES"):
    raise RuntimeError("DEBC_REQUIRE_POSTGRES is set (CI) but no PostgreSQL server binary "
                       "(initdb) was found: install the Debian 'postgresql' package")
pytestmark = pytest.mark.skipif(
    BIN is None, reason="no PostgreSQL server binary (initdb) on this machine; .ci/run "
                        "installs the Debian 'postgresql' package so CI runs these tests")


@pytest.fixture(scope="module")
def postgres():
    server = ThrowawayPostgres(BIN).start()
    yield server
    server.stop()


def test_migrations_run_once_on_postgresql(postgres):
    url = postgres.fresh_database("migrations")
    first = HubDB(url)
    first.close()
    again = HubDB(url)
    assert again.scalar("SELECT count(*) FROM hub_migrations") == len(MIGRATIONS)
    assert again.scalar("SELECT count(*) FROM hub_event") == 0
    again.close()


def test_an_upgraded_hub_on_postgresql_learns_where_its_certificates_are(postgres):
    """The migration that remembers each certificate's person reads stored events."""
    url = postgres.fresh_database("certificate_people")
    db = HubDB(url)
    rows = [("c1", 1, '{"participant_id":"p1","code":"x"}'),
            ("c1", 2, '{"participant_id":""}'),
            ("c2", 3, '{"participant_id":"p2"}'),
            ("c3", 4, "{}")]
    db.executemany("INSERT INTO hub_event VALUES (?, ?, ?, 'issued_certificate', ?, 'set', "
                   "?, '{}', 1, '', '', 'b')",
                   [("d", seq, seq, entity_id, fields) for entity_id, seq, fields in rows])
    db.execute("DROP TABLE hub_certificate")
    db.execute("DELETE FROM hub_migrations WHERE name = '0003_certificate_people'")
    db.close()
    again = HubDB(url)
    assert again.query("SELECT entity_id, participant_id FROM hub_certificate "
                       "ORDER BY entity_id") == [("c1", ""), ("c2", "p2")]
    again.close()


def test_devices_sync_through_a_hub_on_postgresql(postgres, tmp_path):
    coordinator, (kampot, phnom_penh) = make_programme(tmp_path, trainers=2,
                                                       scopes=[["07"], ["12"]])
    hub = enrolled_hub(tmp_path / "hub", coordinator, postgres.fresh_database("sync"))
    try:
        with RunningHub(hub) as running:
            inside = participants.add_participant(coordinator, "សុខ ដារា",
                                                  village_code=VILLAGE_IN)
            outside = participants.add_participant(coordinator, "ចាន់ ធីតា",
                                                   village_code=VILLAGE_OUT)
            mine = participants.add_participant(kampot, "ស្រី នាង", village_code=VILLAGE_IN)
            hub_client.sync_with_hub(coordinator, running.url)
            hub_client.sync_with_hub(kampot, running.url)
            hub_client.sync_with_hub(phnom_penh, running.url)
            hub_client.sync_with_hub(coordinator, running.url)
            assert participants.get(kampot.database, inside.id) is not None
            assert participants.get(kampot.database, outside.id) is None
            assert participants.get(phnom_penh.database, inside.id) is None
            assert participants.get(phnom_penh.database, outside.id) is not None
            assert participants.get(coordinator.database, mine.id) is not None
            assert hub.health()["database"] == "postgresql"
            events = hub.db.scalar("SELECT count(*) FROM hub_event")
            hub_client.sync_with_hub(kampot, running.url)
            assert hub.db.scalar("SELECT count(*) FROM hub_event") == events
    finally:
        hub.close()
        for store in (coordinator, kampot, phnom_penh):
            store.close()


def test_concurrent_pushes_on_postgresql_store_every_event_once(postgres, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from support.hub_sim import SimDevice

    from debc_outreach.hub.app import Limits
    from debc_outreach.storage.store import Store
    from debc_outreach.sync import trust

    coordinator = Store.open(tmp_path / "coordinator", device_name="coordinator")
    trust.create_programme(coordinator, "National")
    hub = enrolled_hub(tmp_path / "hub", coordinator, postgres.fresh_database("load"))
    devices = [SimDevice(coordinator, ["07", "12"][n % 2], f"d{n}") for n in range(12)]
    for device in devices:
        device.record(300)
    try:
        with RunningHub(hub, Limits(device_rate=1000, device_burst=1000)) as running:
            def push(number: int) -> None:
                device = devices[number]
                path = device.seal(tmp_path, hub.device_id, hub.keys.enc_public)
                with httpx.Client(base_url=running.url, timeout=60) as http:
                    if number % 3 == 0:
                        device.push(http, path, chunk=2048, stop_after=2)
                    device.push(http, path, chunk=2048)
                    if number % 2 == 0:   # the same events again, in a new bundle
                        device.push(http, device.seal(tmp_path, hub.device_id,
                                                      hub.keys.enc_public))

            with ThreadPoolExecutor(12) as pool:
                list(pool.map(push, range(12)))
            # One bundle pushed by two connections at the same moment is stored once.
            twin = devices[0]
            twin.record(10)
            path = twin.seal(tmp_path, hub.device_id, hub.keys.enc_public, first=301)

            def push_twin(_n: int) -> dict:
                with httpx.Client(base_url=running.url, timeout=60) as http:
                    return twin.push(http, path)

            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(push_twin, range(2)))
        assert sorted(a["status"] for a in answers) in (["replayed", "stored"],
                                                        ["stored", "stored"])
        assert hub.db.scalar("SELECT count(*) FROM hub_event") == 12 * 300 + 10
        assert hub.vector() == {d.device_id: (310 if d is twin else 300) for d in devices}
    finally:
        hub.close()
        coordinator.close()
