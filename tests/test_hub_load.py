"""50 devices push 1,000 events each at once, some twice, some cut off mid-upload.

Afterwards the hub holds every event exactly once, and every device pulls
exactly its scope: full events of its own province only, hash-only
stand-ins for the rest. Loopback only; bounded in count and time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from support.hub_server import RunningHub, enrolled_hub
from support.hub_sim import SimDevice

from debc_outreach.hub.app import Limits
from debc_outreach.storage.store import Store
from debc_outreach.sync import codec, trust

DEVICES = 50
EVENTS = 1000
PROVINCES = ["01", "02", "03", "07", "12"]


@pytest.mark.slow
def test_fifty_devices_push_concurrently_without_loss_or_duplicates(tmp_path):
    coordinator = Store.open(tmp_path / "coordinator", device_name="coordinator")
    trust.create_programme(coordinator, "National 2026")
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    devices = [SimDevice(coordinator, PROVINCES[n % len(PROVINCES)], f"device {n}")
               for n in range(DEVICES)]
    for device in devices:
        device.record(EVENTS)
    hub_enc = hub.keys.enc_public
    spool = tmp_path / "spool"
    spool.mkdir()

    def push(number: int) -> None:
        device = devices[number]
        with httpx.Client(base_url=running.url, timeout=60) as http:
            path = device.seal(spool, hub.device_id, hub_enc)
            if number % 5 == 1:          # cut off after two chunks, then resumed
                assert device.push(http, path, chunk=4096, stop_after=2) is None
                assert list(hub.uploads.iterdir())
            answer = device.push(http, path, chunk=4096 if number % 5 == 1 else 16 << 10)
            assert answer["status"] in ("stored", "replayed")
            if number % 4 == 2:          # the same bundle again, and the same events anew
                assert device.push(http, path)["status"] in ("stored", "replayed")
                again = device.push(http, device.seal(spool, hub.device_id, hub_enc))
                assert again["new"] == 0 and again["duplicates"] == EVENTS

    with RunningHub(hub, Limits(device_rate=1000, device_burst=1000)) as running:
        with ThreadPoolExecutor(DEVICES) as pool:
            list(pool.map(push, range(DEVICES)))
        db = hub.db
        assert db.scalar("SELECT count(*) FROM hub_event") == DEVICES * EVENTS
        assert db.scalar("SELECT count(*) FROM (SELECT DISTINCT hash FROM hub_event) h") \
            == DEVICES * EVENTS
        assert hub.vector() == {device.device_id: EVENTS for device in devices}
        assert list(hub.uploads.iterdir()) == []

        def pull(device: SimDevice) -> None:
            with httpx.Client(base_url=running.url, timeout=60) as http:
                rows = device.pull(http, spool, {device.device_id: EVENTS})
            same = [other for other in devices
                    if other.province == device.province and other is not device]
            # Exactly its scope: every event of its province, in full; nothing else,
            # not even hash-only stand-ins of other provinces' chains.
            assert all(row[5] != codec.REDACTED for row in rows)
            assert sorted(row[10] for row in rows) == sorted(row[10] for other in same
                                                             for row in other.rows)
            assert all(f'"village_code":"{device.province}' in row[6] for row in rows)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(pull, devices))
    hub.close()
    coordinator.close()
