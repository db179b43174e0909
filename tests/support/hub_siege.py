"""A hub under a cheap denial-of-service while honest devices sync (loopback only).

Shared by tests/test_hub_siege.py (small) and bench/bench_hub_siege.py (full size).
The hub runs as `debc-outreach hub serve` in its own process so its memory can be
measured alone. The attack, all from 127.0.0.1:

- half-open connections: a request line and one header, then silence;
- slow bodies: complete headers announcing a body, then one byte at a time:
  most unsigned uploads (the hub must answer without reading them), some
  enrolment requests (no signature by nature), and some uploads signed by a
  real enrolled device (bounded per device, then cut off at the body deadline).

Meanwhile honest simulated devices push their events and pull their deltas.
Every loop is bounded in count and in time.
"""

from __future__ import annotations

import resource
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from debc_outreach.core.ids import new_id
from debc_outreach.storage.store import Store
from debc_outreach.sync import hub_protocol, trust
from support.hub_server import HubProcess, enrolled_hub
from support.hub_sim import SimDevice


@dataclass
class Siege:
    half_open: int = 1500
    slow_bodies: int = 50
    honest: int = 10
    events: int = 200
    header_timeout: float = 10.0
    body_timeout: float = 20.0
    min_upload_rate_kb: float = 4.0
    signed_body_size: int = 2048          # what the enrolled attacker announces
    trickle_every: float = 0.5            # one byte per slow connection this often
    grace: float = 10.0                   # how long after its deadline a connection is awaited


@dataclass
class SiegeResult:
    baseline_rss: int = 0
    peak_rss: int = 0
    honest_ok: int = 0
    honest_seconds: float = 0.0
    honest_failures: list[str] = field(default_factory=list)
    closed: int = 0
    left_open: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    slowest_close: dict[str, float] = field(default_factory=dict)
    deadline: dict[str, float] = field(default_factory=dict)


def rss_bytes(pid: int) -> int:
    """Resident memory of process `pid` (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def open_files_allow(count: int) -> bool:
    """Raise this process's open-file limit to hold `count` sockets, if the system allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = count + 256
    if soft >= needed:
        return True
    if hard != resource.RLIM_INFINITY and hard < needed:
        return False
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return True


@dataclass
class _Attack:
    sock: socket.socket
    kind: str
    opened: float
    deadline: float
    trickle: bool
    answer: bytes = b""
    closed_at: float | None = None


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setblocking(False)
    return sock


def _half_open(port: int, deadline: float) -> _Attack:
    sock = _connect(port)
    sock.send(b"POST /v1/bundles/" + new_id().encode() + b" HTTP/1.1\r\nHost: hub\r\n")
    return _Attack(sock, "half-open", time.monotonic(), deadline, trickle=False)


def _slow_body(port: int, kind: str, head: bytes, deadline: float) -> _Attack:
    sock = _connect(port)
    sock.sendall(head)
    return _Attack(sock, kind, time.monotonic(), deadline, trickle=True)


def _request_head(method: str, target: str, length: int, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: hub", f"Content-Length: {length}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _slow_attacks(siege: Siege, port: int, rogue: SimDevice) -> list[_Attack]:
    """The slow bodies: 80 % unsigned uploads, 10 % enrolment requests, 10 % signed uploads
    from an enrolled device."""
    attacks = []
    body_deadline = siege.body_timeout + siege.signed_body_size / (
        siege.min_upload_rate_kb * 1024)
    for number in range(siege.slow_bodies):
        share = number % 10
        if share < 8:
            target = f"/v1/bundles/{new_id()}"
            head = _request_head("POST", target, 4 << 20, {
                hub_protocol.DEVICE: rogue.device_id, hub_protocol.TIME: str(int(time.time())),
                hub_protocol.SIGNATURE: "bm90IGEgc2lnbmF0dXJl",
                hub_protocol.CERTIFICATE: "e30="})
            attacks.append(_slow_body(port, "unsigned upload", head, siege.grace))
        elif share == 8:
            head = _request_head("POST", "/v1/enrolments", siege.signed_body_size, {})
            attacks.append(_slow_body(port, "enrolment request", head,
                                      body_deadline + siege.grace))
        else:
            target = f"/v1/bundles/{new_id()}"
            body = b"x" * siege.signed_body_size
            signed = hub_protocol.sign_request(rogue.keys, rogue.device_id, rogue.certificate,
                                               "POST", target, body)
            head = _request_head("POST", target, len(body), {
                **signed, hub_protocol.OFFSET: "0", hub_protocol.TOTAL: str(len(body))})
            attacks.append(_slow_body(port, "signed upload", head,
                                      body_deadline + siege.grace))
    return attacks


def _watch(attacks: list[_Attack], siege: Siege, stop: threading.Event) -> None:
    """Trickle the slow bodies and note when the hub closes each connection; returns once
    every connection is closed or its deadline (plus grace) has passed."""
    selector = selectors.DefaultSelector()
    for attack in attacks:
        selector.register(attack.sock, selectors.EVENT_READ, attack)
    open_ones = {id(a): a for a in attacks}
    last_trickle = 0.0
    limit = time.monotonic() + max((a.deadline for a in attacks), default=0) + 5
    while open_ones and time.monotonic() < limit and not stop.is_set():
        for key, _mask in selector.select(timeout=0.1):
            attack = key.data
            try:
                data = attack.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                attack.answer += data[:200] if len(attack.answer) < 200 else b""
                continue
            attack.closed_at = time.monotonic()
            selector.unregister(attack.sock)
            open_ones.pop(id(attack), None)
        now = time.monotonic()
        if now - last_trickle >= siege.trickle_every:
            last_trickle = now
            for attack in list(open_ones.values()):
                if attack.trickle:
                    try:
                        attack.sock.send(b"x")
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        attack.trickle = False
        for attack in list(open_ones.values()):
            if now - attack.opened > attack.deadline:
                selector.unregister(attack.sock)
                open_ones.pop(id(attack))       # still open after its deadline: a failure
    selector.close()


def _status(answer: bytes) -> str:
    parts = answer.split(b" ", 2)
    return parts[1].decode("ascii", "replace") if len(parts) > 1 else "none"


def run_siege(tmp: Path, siege: Siege) -> SiegeResult:
    """Enrol a hub and devices in `tmp`, serve the hub, attack it while the honest devices
    sync, and report what happened."""
    coordinator = Store.open(tmp / "coordinator", device_name="coordinator")
    trust.create_programme(coordinator, "Siege 2026")
    hub = enrolled_hub(tmp / "hub", coordinator)
    hub_id, hub_enc = hub.device_id, hub.keys.enc_public
    hub.close()
    honest = [SimDevice(coordinator, "12", f"honest {n}") for n in range(siege.honest)]
    rogue = SimDevice(coordinator, "01", "rogue")
    coordinator.close()
    for device in honest:
        device.record(siege.events)
    spool = tmp / "spool"
    spool.mkdir()
    result = SiegeResult()
    with HubProcess(tmp / "hub-data", tmp / "hub", "--rate", "1000",
                    "--header-timeout", str(siege.header_timeout),
                    "--body-timeout", str(siege.body_timeout),
                    "--min-upload-rate", str(siege.min_upload_rate_kb)) as running:
        assert running.process is not None
        pid = running.process.pid
        result.baseline_rss = rss_bytes(pid)
        attacks = [_half_open(running.port, siege.header_timeout + siege.grace)
                   for _ in range(siege.half_open)]
        attacks += _slow_attacks(siege, running.port, rogue)
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_rss, args=(pid, result, stop), daemon=True)
        sampler.start()
        watcher = threading.Thread(target=_watch, args=(attacks, siege, stop), daemon=True)
        watcher.start()

        def sync(device: SimDevice) -> None:
            try:
                with httpx.Client(base_url=running.url, timeout=60) as http:
                    answer = device.push(http, device.seal(spool, hub_id, hub_enc))
                    assert answer is not None and answer["status"] in ("stored", "replayed")
                    device.pull(http, spool, {device.device_id: len(device.rows)})
                result.honest_ok += 1
            except (AssertionError, httpx.HTTPError) as error:
                result.honest_failures.append(f"{device.device_id[:8]}: {error!r}")

        started = time.perf_counter()
        with ThreadPoolExecutor(siege.honest) as pool:
            list(pool.map(sync, honest))
        result.honest_seconds = time.perf_counter() - started
        watcher.join(max((a.deadline for a in attacks), default=0) + 30)
        stop.set()
        sampler.join(5)
        result.peak_rss = max(result.peak_rss, rss_bytes(pid))
    for attack in attacks:
        attack.sock.close()
        if attack.closed_at is None:
            result.left_open += 1
            continue
        result.closed += 1
        took = attack.closed_at - attack.opened
        result.slowest_close[attack.kind] = max(result.slowest_close.get(attack.kind, 0), took)
        result.deadline[attack.kind] = attack.deadline - siege.grace
        label = f"{attack.kind} {_status(attack.answer)}"
        result.answers[label] = result.answers.get(label, 0) + 1
    return result


def _sample_rss(pid: int, result: SiegeResult, stop: threading.Event) -> None:
    while not stop.wait(0.1):
        try:
            result.peak_rss = max(result.peak_rss, rss_bytes(pid))
        except OSError:
            return
