"""Simulated devices for hub load tests and bench/bench_hub.py.

A simulated device has real keys and a real certificate from the coordinator,
writes hash-chained participant events like the app does, seals them in the
real bundle format and talks to the hub with the real signed requests, but
keeps its events in memory (no data folder), so 50 of them are cheap.
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import httpx

from debc_outreach.core.hlc import pack
from debc_outreach.core.ids import new_id
from debc_outreach.storage import events, gazetteer
from debc_outreach.storage.events import GENESIS_HASH, dumps
from debc_outreach.storage.store import Store
from debc_outreach.sync import bundle, codec, heads, hub_protocol, trust
from debc_outreach.sync.keys import DeviceKeys


@cache
def _first_village(province: str) -> str:
    """A real village of the province (the hub checks codes against the gazetteer)."""
    return min(place.code for place in gazetteer.all_villages()
               if place.code.startswith(province))


class SimDevice:
    def __init__(self, coordinator: Store, province: str, name: str, days: int = 730):
        self.keys = DeviceKeys.generate()
        self.device_id = new_id()
        self.province = province
        request = trust.signed(self.keys, {
            "type": trust.REQUEST_TYPE, "version": 1, "device_id": self.device_id,
            "name": name, "sign": self.keys.sign_public, "enc": self.keys.enc_public,
            "created": trust.iso(trust.now_utc())})
        document = trust.approve_enrolment(coordinator, request, [province], days)
        self.certificate = document["certificate"]
        self.programme = document["programme"]["id"]
        self.rows: list[tuple] = []
        self.latency: list[float] = []

    def record(self, count: int) -> None:
        """Append `count` participant events in the device's province."""
        prev = self.rows[-1][10] if self.rows else GENESIS_HASH
        now = int(time.time() * 1000) - 86400_000
        for _ in range(count):
            seq = len(self.rows) + 1
            fields = {"display_name": f"Person {seq} {self.device_id[:6]}",
                      "village_code": _first_village(self.province)}
            event = events.Event(self.device_id, seq, pack(now + seq, 0), "participant",
                                 new_id(), "set", fields, prev_hash=prev)
            digest = event.computed_hash()
            self.rows.append((self.device_id, seq, event.hlc, "participant", event.entity_id,
                              "set", dumps(fields), "{}", events.EVENT_SCHEMA_VERSION, prev,
                              digest))
            prev = digest

    def seal(self, folder: Path, hub_id: str, hub_enc: str, first: int = 1) -> Path:
        """A bundle of this device's events from seq `first` on, addressed to the hub."""
        rows = self.rows[first - 1:]
        bundle_id = new_id()

        def lines():
            writer = codec.BlockWriter()
            yield from writer.start_run(self.device_id, first, rows[0][9])
            for row in rows:
                yield from writer.add(row)
            yield from writer.flush()

        header = {"bundle_id": bundle_id, "programme": self.programme,
                  "created": trust.iso(trust.now_utc()), "sender": self.device_id,
                  "sender_certificate": self.certificate, "revocations": {},
                  "recipients": [hub_id], "ranges": {self.device_id: [first, len(self.rows)]},
                  "heads": {self.device_id: self.rows[-1][10]},
                  "signed_heads": [heads.sign(self.keys, self.programme, self.certificate,
                                              self.device_id, len(self.rows),
                                              self.rows[-1][10])],
                  "vector": {self.device_id: len(self.rows)}, "peer_view": {},
                  "events": len(rows), "encoding": "debc-ndjson-1"}
        path = folder / f"{bundle_id}{bundle.SUFFIX}"
        bundle.seal(path, self.keys, header, {hub_id: hub_enc}, lines(), level=3)
        return path

    # --- talking to the hub --------------------------------------------------------------

    def request(self, http: httpx.Client, method: str, target: str, body: bytes = b"",
                headers: dict | None = None, patient: bool = False) -> httpx.Response:
        """One signed request; `patient`: asked to wait (429), wait and ask again."""
        signed = hub_protocol.sign_request(self.keys, self.device_id, self.certificate,
                                           method, target, body)
        started = time.perf_counter()
        for _attempt in range(30):
            response = http.request(method, target, content=body,
                                    headers={**(headers or {}), **signed})
            if response.status_code != 429 or not patient:   # busy: wait as asked, like the app
                break
            time.sleep(float(response.headers.get("retry-after", "1")))
            signed = hub_protocol.sign_request(self.keys, self.device_id, self.certificate,
                                               method, target, body)
        self.latency.append(time.perf_counter() - started)
        return response

    def push(self, http: httpx.Client, path: Path, chunk: int = 16 << 10,
             stop_after: int | None = None) -> dict | None:
        """Upload in chunks, resuming from what the hub has; stop early to simulate a cut."""
        bundle_id = path.name.removesuffix(bundle.SUFFIX)
        target = f"/v1/bundles/{bundle_id}"
        state = self.request(http, "GET", target, patient=True).json()
        if state["status"] == "stored":
            return state
        data = path.read_bytes()
        offset = state["received"]
        sent = 0
        while True:
            if stop_after is not None and sent >= stop_after:
                return None
            piece = data[offset:offset + chunk]
            response = self.request(http, "POST", target, piece, {
                hub_protocol.OFFSET: str(offset), hub_protocol.TOTAL: str(len(data))},
                patient=True)
            sent += 1
            if response.status_code == 200:
                return response.json()
            assert response.status_code in (202, 409), response.text
            offset = response.json()["received"]

    def pull(self, http: httpx.Client, folder: Path, vector: dict[str, int]) -> list[tuple]:
        """The delta's decoded event rows (in order), checked like an import checks them."""
        body = dumps({"vector": vector}).encode("utf-8")
        response = self.request(http, "POST", "/v1/delta", body, patient=True)
        if response.status_code == 204:
            return []
        assert response.status_code == 200, response.text
        path = folder / f"pull-{self.device_id}{bundle.SUFFIX}"
        path.write_bytes(response.content)
        sealed = bundle.read_header(path)
        key = sealed.content_key(self.device_id, self.keys)
        rows = [decoded[0] for decoded in codec.decode(sealed.lines(key))]
        path.unlink()
        return rows
