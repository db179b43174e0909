"""A flaky connection, a cancelled sync, limits and refusals: nothing lost, nothing twice."""

from __future__ import annotations

import httpx
import pytest
from support.hub_server import RunningHub, enrolled_hub
from support.hub_sim import SimDevice
from support.sync_devices import VILLAGE_IN, make_programme

from debc_outreach.hub.app import Limits
from debc_outreach.storage import participants
from debc_outreach.sync import hub_client, hub_protocol
from debc_outreach.sync.bundle import read_header


class Flaky(httpx.BaseTransport):
    """Every third request reaches the hub but its answer is lost; the next one finds no
    signal at all."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.count = 0
        self.failures = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.count % 3 == 0:
            response = self.inner.handle_request(request)
            response.read()
            response.close()
            self.failures += 1
            raise httpx.ReadError("connection lost", request=request)
        if self.count % 3 == 1 and self.count > 1:
            self.failures += 1
            raise httpx.ConnectError("no signal", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def setup(tmp_path):
    coordinator, devices = make_programme(tmp_path, trainers=1)
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    yield coordinator, devices[0], hub
    hub.close()
    coordinator.close()
    devices[0].close()


def _event_count(store) -> int:
    return store.database.scalar("SELECT count(*) FROM event WHERE device_id = ?",
                                 (store.device_id,))


def test_a_flaky_connection_delivers_everything_exactly_once(setup, monkeypatch):
    coordinator, kampot, hub = setup
    monkeypatch.setattr(hub_protocol, "UPLOAD_CHUNK", 2048)
    with kampot.database.transaction():
        for number in range(150):
            participants.add_participant(kampot, f"ស្រី នាង {number}", village_code=VILLAGE_IN)
    flaky = Flaky()
    with RunningHub(hub) as running:
        result = hub_client.sync_with_hub(kampot, running.url, transport=flaky, backoff=0.001)
        assert flaky.failures >= 3 and result.pushed == _event_count(kampot)
        assert hub.db.scalar("SELECT count(*) FROM hub_event WHERE device_id = ?",
                             (kampot.device_id,)) == _event_count(kampot)
        assert hub.db.scalar("SELECT count(*) FROM hub_bundle WHERE sender = ?",
                             (kampot.device_id,)) == 1
        assert list(hub.uploads.iterdir()) == []
        assert list((kampot.data_dir / hub_client.OUTBOX).iterdir()) == []
        hub_client.sync_with_hub(coordinator, running.url, transport=Flaky(), backoff=0.001)
    assert coordinator.database.scalar("SELECT count(*) FROM participant") == 150


def test_a_cancelled_upload_resumes_the_same_bundle(setup, monkeypatch):
    _coordinator, kampot, hub = setup
    monkeypatch.setattr(hub_protocol, "UPLOAD_CHUNK", 1024)
    with kampot.database.transaction():
        for number in range(80):
            participants.add_participant(kampot, f"សុខ {number}", village_code=VILLAGE_IN)
    reports = []
    with RunningHub(hub) as running:
        first = hub_client.sync_with_hub(
            kampot, running.url, report=lambda done, total, text: reports.append(done),
            cancelled=lambda: len(reports) >= 2)
        assert first.cancelled
        waiting = list((kampot.data_dir / hub_client.OUTBOX).iterdir())
        assert len(waiting) == 1 and list(hub.uploads.iterdir())
        bundle_id = read_header(waiting[0]).bundle_id
        second = hub_client.sync_with_hub(kampot, running.url)
        assert not second.cancelled
    stored = [row[0] for row in hub.db.query("SELECT bundle_id FROM hub_bundle")]
    assert stored == [bundle_id]          # the interrupted bundle itself, once
    assert hub.db.scalar("SELECT count(*) FROM hub_event") == _event_count(kampot)
    assert list(hub.uploads.iterdir()) == []


def test_limits_expiry_and_rate_are_enforced(setup, tmp_path):
    coordinator, _kampot, hub = setup
    expired = SimDevice(coordinator, "07", "old laptop", days=0)
    device = SimDevice(coordinator, "07", "laptop")
    limits = Limits(max_request=4096, device_rate=1.0, device_burst=3)
    with RunningHub(hub, limits) as running, httpx.Client(base_url=running.url) as http:
        body = b'{"vector": {}}'
        assert expired.request(http, "POST", "/v1/delta", body).status_code == 403
        big = device.request(http, "POST", "/v1/bundles/" + "0" * 8 + "-0000-4000-8000-"
                             + "0" * 12, b"x" * 5000)
        assert big.status_code == 413
        answers = [device.request(http, "POST", "/v1/delta", body) for _ in range(4)]
        limited = [a for a in answers if a.status_code == 429]
        assert limited and int(limited[0].headers["retry-after"]) >= 1


def test_a_laptop_with_a_wrong_clock_still_syncs(setup, monkeypatch):
    import time as real_time
    from types import SimpleNamespace

    _coordinator, kampot, hub = setup
    participants.add_participant(kampot, "សុខ ដារា", village_code=VILLAGE_IN)
    skewed = SimpleNamespace(time=lambda: real_time.time() + 3 * 3600,
                             monotonic=real_time.monotonic, sleep=real_time.sleep)
    monkeypatch.setattr(hub_client, "time", skewed)
    with RunningHub(hub) as running:
        result = hub_client.sync_with_hub(kampot, running.url, retries=1, backoff=0.001)
    assert result.pushed == _event_count(kampot)


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"vector": {"a1": 1e400}}', "not a whole number"),
    (b'{"vector": {"a1": 2.5}}', "not a whole number"),
    (b'{"vector": {"a1": -1}}', "not a whole number"),
    (b'{"vector": {"a1": true}}', "not a whole number"),
    (b'{"vector": {"\\ud800": 1}}', "names a device wrongly"),
    (b'{"vector": []}', "has no vector"),
    (b'[' * 100000 + b']' * 100000, "not valid JSON"),
])
def test_a_malformed_delta_vector_is_refused_with_its_reason(setup, body, reason):
    coordinator, _kampot, hub = setup
    device = SimDevice(coordinator, "07", "laptop")
    with RunningHub(hub, Limits(max_small=512 << 10)) as running, \
            httpx.Client(base_url=running.url) as http:
        answer = device.request(http, "POST", "/v1/delta", body)
    assert answer.status_code == 400
    assert reason in answer.json()["error"]


def test_an_unsigned_upload_is_refused_before_its_body_is_read(setup):
    import socket

    coordinator, _kampot, hub = setup
    device = SimDevice(coordinator, "07", "laptop")
    target = "/v1/bundles/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12
    signed = hub_protocol.sign_request(device.keys, device.device_id, device.certificate,
                                       "POST", target, b"the body that was signed")
    with RunningHub(hub) as running:
        port = int(running.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            head = [f"POST {target} HTTP/1.1", "Host: hub", f"Content-Length: {4 << 20}",
                    *(f"{name}: {value}" for name, value in signed.items())]
            # A signature over another body: refused at once, not one byte of body sent.
            head[-1] = f"{hub_protocol.SIGNATURE}: " + "A" * 86 + "=="
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("ascii"))
            answer = b""
            while chunk := sock.recv(4096):     # the hub closes the connection after it
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 401")
        assert b"connection: close" in answer.lower()
        # Signed with the right digest but a different body: refused after reading it.
        forged = httpx.post(running.url + target, content=b"another body!",
                            headers={**signed, hub_protocol.OFFSET: "0",
                                     hub_protocol.TOTAL: "13"})
        assert forged.status_code == 400 and "does not match" in forged.json()["error"]
    assert list(hub.uploads.iterdir()) == []
