"""A real hub on 127.0.0.1 (uvicorn in a thread, random port), and a throwaway PostgreSQL."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from debc_outreach.hub import server
from debc_outreach.hub.app import Limits
from debc_outreach.hub.service import Hub, approve_hub
from debc_outreach.storage.store import Store
from support.sync_devices import make_programme


def enrolled_hub(folder: Path, coordinator: Store, db_url: str | None = None) -> Hub:
    hub = Hub(folder, db_url)
    hub.accept_enrolment(approve_hub(coordinator, hub.enrol_request()))
    return hub


class RunningHub:
    """`with RunningHub(hub) as running:` serves the hub at running.url until the block ends."""

    def __init__(self, hub: Hub, limits: Limits | None = None):
        self.hub = hub
        config = server.config(hub, "127.0.0.1", 0, limits, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def __enter__(self) -> RunningHub:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the hub did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(20)


# --- PostgreSQL -------------------------------------------------------------------------

def postgres_bin() -> Path | None:
    """The folder with initdb/pg_ctl/postgres (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    """A cluster in a temporary folder on 127.0.0.1:random, stopped and removed at exit.

    PostgreSQL refuses to run as root: then the server runs as the `postgres`
    user (or `nobody`) through setpriv.
    """

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="debc-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            import pwd

            user = next((name for name in ("postgres", "nobody")
                         if _has_user(name)), "nobody")
            entry = pwd.getpwnam(user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            os.chmod(self.root, 0o700)
            self.prefix = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
                           "--clear-groups", "--"]
        self.url = f"postgresql://debc@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, timeout=120,
                       env={**os.environ, "LC_ALL": "C"})

    def start(self) -> ThrowawayPostgres:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "debc",
                  "--auth=trust", "-E", "UTF8", "--no-sync")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.root / "log"), "-w", "-t", "60", "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.root} -F -c max_connections=200",
                  "start")
        return self

    def fresh_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://debc@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class HubProcess:
    """`debc-outreach hub serve` in its own process (so clients do not share the server's
    interpreter), on 127.0.0.1 and a free port; `options` are more `hub serve` options."""

    def __init__(self, data_dir: Path, hub_folder: Path, *options: str):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "debc_outreach", "--data-dir", str(data_dir),
                        "hub", "serve", "--hub-dir", str(hub_folder), "--port", str(self.port),
                        *options]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> HubProcess:
        self.process = subprocess.Popen(self.command, cwd=Path(__file__).resolve().parents[1],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.process.kill()
                raise RuntimeError("the hub did not start")
            time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@contextmanager
def programme_with_hub(root: Path, **programme) -> Iterator[tuple]:
    """(coordinator, trainers, hub, running hub): a programme (make_programme's options)
    and its enrolled hub serving on 127.0.0.1; every store is closed afterwards."""
    coordinator, devices = make_programme(root, **programme)
    hub = enrolled_hub(root / "hub", coordinator)
    try:
        with RunningHub(hub) as running:
            yield coordinator, devices, hub, running
    finally:
        hub.close()
        for store in (coordinator, *devices):
            store.close()
