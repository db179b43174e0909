"""The hub from the command line: enrol it, serve it, `sync hub URL`, `hub status`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import cli_in as _cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_a_hub_is_enrolled_served_and_synced_from_the_command_line(tmp_path, capsys):
    coordinator, hub_dir = tmp_path / "coordinator", tmp_path / "hubdata"
    assert _cli(capsys, coordinator, "sync", "programme", "create", "Kampot 2026")[0] == 0
    request, cert = tmp_path / "hub-request.json", tmp_path / "hub-cert.json"
    assert _cli(capsys, hub_dir, "hub", "enrol-request", "-o", str(request))[0] == 0
    # A hub request is not a trainer request: the coordinator certifies it as a hub.
    assert _cli(capsys, coordinator, "hub", "approve", str(request), "-o", str(cert))[0] == 0
    code, out, _err = _cli(capsys, hub_dir, "hub", "enrol-accept", str(cert))
    assert code == 0 and "Kampot 2026" in out
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "debc_outreach", "--data-dir", str(hub_dir), "hub", "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ,
                                                               "NO_PROXY": "127.0.0.1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "hub did not start"
            time.sleep(0.1)
        assert _cli(capsys, coordinator, "participants", "add", "--name", "សុខ ដារា",
                    "--village", "07010101", "--consent", "yes")[0] == 0
        code, out, _err = _cli(capsys, coordinator, "sync", "hub", url, "--json")
        assert code == 0
        assert json.loads(out)["pushed"] >= 1
        # The address is remembered: `sync hub` alone syncs again.
        code, out, _err = _cli(capsys, coordinator, "sync", "hub")
        assert code == 0 and "0 event(s) sent" in out
        code, out, _err = _cli(capsys, hub_dir, "hub", "status", "--json")
        status = json.loads(out)
        assert status["events"] >= 1 and status["devices"][0]["role"] == "coordinator"
        code, _out, err = _cli(capsys, coordinator, "sync", "hub", "ftp://nowhere")
        assert code == 1 and "hub address" in err
    finally:
        server.terminate()
        server.wait(20)


def test_a_hub_refuses_a_trainer_certificate_and_says_how_to_approve_it(tmp_path, capsys):
    coordinator, hub_dir = tmp_path / "coordinator", tmp_path / "hubdata"
    assert _cli(capsys, coordinator, "sync", "programme", "create", "Kampot 2026")[0] == 0
    request, cert = tmp_path / "hub-request.json", tmp_path / "cert.json"
    assert _cli(capsys, hub_dir, "hub", "enrol-request", "-o", str(request))[0] == 0
    assert _cli(capsys, coordinator, "sync", "enrol-approve", str(request), "--scope", "07",
                "-o", str(cert))[0] == 0
    code, _out, err = _cli(capsys, hub_dir, "hub", "enrol-accept", str(cert))
    assert code == 1 and "hub approve" in err
    code, _out, err = _cli(capsys, hub_dir, "hub", "serve", "--port", "1")
    assert code == 1 and "not enrolled" in err
