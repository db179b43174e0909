"""`Sync now` goes through an HTTP proxy when one is set (setting or HTTP(S)_PROXY)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from support.hub_server import RunningHub, enrolled_hub
from support.sync_devices import VILLAGE_IN, make_programme

from debc_outreach.storage import participants
from debc_outreach.sync import hub_client

HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "transfer-encoding", "te",
              "trailer", "upgrade", "proxy-authorization", "content-length", "host"}


class _Forward(BaseHTTPRequestHandler):
    """A minimal forward proxy for http:// URLs (absolute-form requests)."""

    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        self.server.seen.append(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        answer = httpx.request(self.command, self.path, content=body, headers=headers,
                               trust_env=False, timeout=60)
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-encoding":
                self.send_header(key, value)
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = _forward

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forward)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_sync_goes_through_the_proxy_setting_and_the_environment(tmp_path, proxy,
                                                                  monkeypatch):
    coordinator, (kampot,) = make_programme(tmp_path, trainers=1)
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    address = f"http://127.0.0.1:{proxy.server_address[1]}"
    try:
        participants.add_participant(kampot, "ស្រី នាង", village_code=VILLAGE_IN)
        with RunningHub(hub) as running:
            result = hub_client.sync_with_hub(kampot, running.url, proxy=address)
            assert result.pushed >= 1
            assert proxy.seen and all(seen.startswith(running.url) for seen in proxy.seen)
            proxy.seen.clear()
            for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
                monkeypatch.delenv(name, raising=False)
            monkeypatch.setenv("HTTP_PROXY", address)
            hub_client.sync_with_hub(coordinator, running.url)
            assert proxy.seen
    finally:
        hub.close()
        coordinator.close()
        kampot.close()
