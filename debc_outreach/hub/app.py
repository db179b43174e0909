"""The hub's HTTP API (Starlette). Versioned under /v1; documented in README "Running a hub".

    GET  /v1/health                      liveness and counts (no authentication)
    GET  /v1/info                        the hub's id, programme and certificate
    POST /v1/bundles/{bundle_id}         push a sealed bundle, in chunks (X-Debc-Offset,
                                         X-Debc-Total); idempotent; 200 with the hub's vector
    GET  /v1/bundles/{bundle_id}         how much of an interrupted upload arrived
    POST /v1/delta                       {"vector": {...}, "acknowledge": bool} -> the next
                                         delta bundle sealed for the device (204: nothing
                                         lacks; X-Debc-More: 1: ask again; "acknowledge": a
                                         bundle without events carrying the hub's vector)
    GET  /v1/delta                       the same, from the vector the device reported last
    POST /v1/ack                         the coordinator's signed acknowledgement (what it
                                         holds), relayed in every delta (coordinator)
    POST /v1/enrolments                  a device's signed enrolment request (no authentication)
    GET  /v1/enrolments/{device_id}      the certificate once the coordinator approved it
    GET  /v1/admin/enrolments            pending requests (coordinator)
    PUT  /v1/admin/enrolments/{device_id}  the coordinator's answer (an enrolment document)
    GET  /v1/admin/devices               devices, last sync, pending, revocation (coordinator)

Every request except health, info and the enrolment hand-over is signed by the
device's key (sync/hub_protocol.py). Revoked or expired devices get 403.

What a client may cost the hub is bounded before the hub reads its body: the
signature is checked from the headers alone (they carry the body's SHA-256),
so an unknown client is answered and disconnected without a byte of its body
being read; bodies are read a limited number at a time, per device and in
total, each within a deadline (hub/server.py puts one on the headers too).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from debc_outreach.errors import UserError
from debc_outreach.hub import admin, delta, ingest
from debc_outreach.hub.service import Hub, Refused, signed_body
from debc_outreach.i18n import _
from debc_outreach.storage.events import dumps
from debc_outreach.sync import hub_protocol as protocol
from debc_outreach.sync import trust

log = logging.getLogger(__name__)
UPLOAD_DAYS = 7                   # an interrupted upload may resume within this time
MAX_PENDING_ENROLMENTS = 1000
BUNDLE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DEVICE_KEY = re.compile(r"[0-9A-Za-z_-]{1,64}")


@dataclass(frozen=True)
class Limits:
    max_request: int = 4 << 20           # one request body (an upload chunk)
    max_bundle: int = 512 << 20          # one pushed bundle
    max_small: int = 256 << 10           # JSON bodies (delta request, enrolment)
    device_rate: float = 20.0            # requests per second per device…
    device_burst: int = 60               # …with this burst
    address_rate: float = 5.0            # unauthenticated requests per second per address
    address_burst: int = 30
    delta_events: int = delta.MAX_EVENTS
    uploads_total: int = 16              # request bodies read at once from enrolled devices…
    uploads_per_device: int = 2          # …and from any one of them
    anonymous_bodies: int = 8            # enrolment requests read at once (no device yet)…
    anonymous_per_address: int = 2       # …and from any one address
    header_seconds: float = 10.0         # a request's headers must arrive within this time
    keep_alive_seconds: float = 5.0      # an idle kept-alive connection is closed after this
    body_idle_seconds: float = 20.0      # a body may pause at most this long…
    body_min_rate: int = 4 << 10         # …and must arrive at this many bytes per second
    connections: int = 4096              # open connections at most (then 503)

    def body_deadline(self, size: int) -> float:
        """Seconds a body of `size` bytes may take to arrive."""
        return self.body_idle_seconds + size / self.body_min_rate

    def as_json(self) -> dict:
        return {"max_request": self.max_request, "max_bundle": self.max_bundle,
                "upload_chunk": protocol.UPLOAD_CHUNK}


class RateLimiter:
    """Token buckets per key; `allow` answers 0 or the seconds to wait."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> float:
        now = time.monotonic()
        tokens, stamp = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - stamp) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > 100000:
            self._buckets.clear()
        return 0.0


class Slots:
    """How many request bodies are being read, per key and in total (one event loop, so
    plain counters suffice). A request over either bound is answered 429 at once."""

    def __init__(self, total: int, per_key: int):
        self.total, self.per_key = total, per_key
        self._busy: dict[str, int] = {}
        self._count = 0

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        if self._count >= self.total or self._busy.get(key, 0) >= self.per_key:
            raise _Limited(1.0)
        self._count += 1
        self._busy[key] = self._busy.get(key, 0) + 1
        try:
            yield
        finally:
            self._count -= 1
            if self._busy[key] <= 1:
                del self._busy[key]
            else:
                self._busy[key] -= 1


def _error(message: str, status: int, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _too_many(wait: float) -> JSONResponse:
    return JSONResponse({"error": _("Too many requests; try again shortly.")}, status_code=429,
                        headers={"Retry-After": str(max(1, int(wait + 0.999)))})


async def _body(request: Request, limit: int, limits: Limits,
                digest: str | None = None) -> bytes:
    """The request body, at most `limit` bytes, arriving within its deadline; if `digest`
    is given (the signed SHA-256 from the headers), the body must match it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Refused(_("The request is too large."), 413)
    expected = int(declared) if declared is not None and declared.isdigit() else limit
    parts, size, hasher = [], 0, hashlib.sha256()
    stream = request.stream()
    try:
        async with asyncio.timeout(limits.body_deadline(expected)):
            while True:
                try:
                    chunk = await asyncio.wait_for(anext(stream), limits.body_idle_seconds)
                except StopAsyncIteration:
                    break
                size += len(chunk)
                if size > limit:
                    raise Refused(_("The request is too large."), 413)
                hasher.update(chunk)
                parts.append(chunk)
    except TimeoutError:
        raise Refused(_("The request arrived too slowly; try again on a better "
                        "connection."), 408) from None
    finally:
        await stream.aclose()
    if digest is not None and hasher.hexdigest() != digest:
        raise Refused(_("The request's body does not match its signature."), 400)
    return b"".join(parts)


def delta_request(body: bytes) -> tuple[dict[str, int], bool, str | None]:
    """The vector, the acknowledge flag and the device's content pack digest of a delta
    request; Refused (400) with the reason when the request is not one."""
    try:
        asked = json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(_("The delta request is not valid JSON."), 400) from None
    if not isinstance(asked, dict) or not isinstance(asked.get("vector"), dict):
        raise Refused(_("The delta request has no vector."), 400)
    vector = {}
    for device, seq in asked["vector"].items():
        if not _DEVICE_KEY.fullmatch(device):
            raise Refused(_("The delta request names a device wrongly: {device}").format(
                device=ascii(device)[:80]), 400)
        if type(seq) is not int or not 0 <= seq < 1 << 63:
            raise Refused(_("The delta request's count for device {device} is not a whole "
                            "number: {value}").format(device=device,
                                                      value=ascii(seq)[:40]), 400)
        vector[device] = seq
    content_pack = asked.get("content_pack")
    return (vector, bool(asked.get("acknowledge", False)),
            content_pack if isinstance(content_pack, str) else None)


def _now() -> str:
    return trust.iso(trust.now_utc())


def create_app(hub: Hub, limits: Limits | None = None) -> Starlette:
    """The ASGI application serving `hub`."""
    limits = limits or Limits()
    per_device = RateLimiter(limits.device_rate, limits.device_burst)
    per_address = RateLimiter(limits.address_rate, limits.address_burst)
    device_bodies = Slots(limits.uploads_total, limits.uploads_per_device)
    anonymous_bodies = Slots(limits.anonymous_bodies, limits.anonymous_per_address)
    deltas = hub.folder / "deltas"
    deltas.mkdir(exist_ok=True)

    async def authenticate(request: Request) -> trust.Certificate:
        """The device that signed the request, from its headers alone (the body, if any,
        is read afterwards by `device_body` and must match the signed digest)."""
        digest = protocol.declared_body_digest(request.headers)
        if digest is None:
            raise Refused(_("The request's body fingerprint is malformed."), 400)
        document = protocol.decode_certificate(request.headers.get(protocol.CERTIFICATE, ""))
        cert = hub.verify_device(document)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get(protocol.DEVICE) != cert.device_id or not \
                protocol.check_signature(cert.sign, request.headers, request.method, target,
                                         digest):
            raise Refused(_("The request's signature is not valid (check this computer's "
                            "clock, and that DEBC Outreach is up to date)."), 401)
        wait = per_device.allow(cert.device_id)
        if wait:
            raise _Limited(wait)
        return cert

    async def device_body(request: Request, cert: trust.Certificate, limit: int) -> bytes:
        with device_bodies.hold(cert.device_id):
            return await _body(request, limit, limits,
                               protocol.declared_body_digest(request.headers))

    async def anonymous_body(request: Request, limit: int) -> bytes:
        with anonymous_bodies.hold(request.client.host if request.client else ""):
            return await _body(request, limit, limits)

    def anonymous(request: Request) -> None:
        wait = per_address.allow(request.client.host if request.client else "")
        if wait:
            raise _Limited(wait)

    async def health(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(hub.health))

    async def info(request: Request) -> Response:
        anonymous(request)
        prog = hub.require_programme()
        return JSONResponse({"api": 1, "hub": hub.device_id, "programme": prog.as_json(),
                             "certificate": hub.certificate(), "limits": limits.as_json()})

    async def upload_state(request: Request) -> Response:
        bundle_id = _bundle_id(request)
        cert = await authenticate(request)
        if await run_in_threadpool(ingest.seen, hub, bundle_id):
            return JSONResponse({"bundle_id": bundle_id, "status": "stored",
                                 "vector": await run_in_threadpool(hub.vector)})
        part = _part(cert, bundle_id)
        return JSONResponse({"bundle_id": bundle_id, "status": "partial",
                             "received": part.stat().st_size if part.exists() else 0})

    def _part(cert: trust.Certificate, bundle_id: str) -> Path:
        return hub.uploads / f"{cert.device_id}-{bundle_id}.part"

    async def upload(request: Request) -> Response:
        bundle_id = _bundle_id(request)
        cert = await authenticate(request)
        body = await device_body(request, cert, limits.max_request)
        try:
            offset = int(request.headers.get(protocol.OFFSET, "0"))
            total = int(request.headers.get(protocol.TOTAL, str(len(body))))
        except ValueError:
            return _error(_("Bad upload position."), 400)
        if total > limits.max_bundle:
            return _error(_("The bundle is larger than this hub accepts."), 413)
        if offset < 0 or offset + len(body) > total:
            return _error(_("Bad upload position."), 400)
        if offset == 0:
            await run_in_threadpool(_sweep, hub.uploads, UPLOAD_DAYS * 86400)
        if await run_in_threadpool(ingest.seen, hub, bundle_id):
            # A replay: the answer is the same as the first time.
            return JSONResponse({"bundle_id": bundle_id, "status": "replayed",
                                 "vector": await run_in_threadpool(hub.vector)})
        status, answer = await run_in_threadpool(_receive, cert, bundle_id, offset, total,
                                                 body)
        return JSONResponse(answer, status_code=status)

    def _receive(cert: trust.Certificate, bundle_id: str, offset: int, total: int,
                 body: bytes) -> tuple[int, dict]:
        """Append one chunk; store the bundle when complete. One writer per upload, also
        across several hub processes sharing the folder (a lock file)."""
        part = _part(cert, bundle_id)
        lock_file = part.with_name(part.name + ".lock")
        with _upload_lock(lock_file):
            if ingest.seen(hub, bundle_id):
                return 200, {"bundle_id": bundle_id, "status": "replayed",
                             "vector": hub.vector()}
            received = part.stat().st_size if part.exists() else 0
            if offset != received:
                return 409, {"bundle_id": bundle_id, "status": "partial",
                             "received": received}
            with open(part, "ab") as handle:
                handle.write(body)
            received += len(body)
            if received < total:
                return 202, {"bundle_id": bundle_id, "status": "partial",
                             "received": received}
            try:
                stored = ingest.ingest(hub, part, cert, _now()).as_json()
            finally:
                part.unlink(missing_ok=True)
            # Stored: whoever holds or takes this lock from now on only reads (a replay),
            # so the lock file can go.
            lock_file.unlink(missing_ok=True)
            return 200, stored

    async def pull(request: Request) -> Response:
        cert = await authenticate(request)
        vector, acknowledge, content_pack = delta_request(
            await device_body(request, cert, limits.max_small))
        return await _delta(cert, vector, acknowledge, content_pack)

    async def pull_known(request: Request) -> Response:
        """GET: the delta from the vector the device reported last (push or delta)."""
        cert = await authenticate(request)
        rows = await run_in_threadpool(hub.db.query, "SELECT vector FROM hub_device WHERE "
                                       "device_id = ?", (cert.device_id,))
        vector = {str(k): int(v) for k, v in json.loads(rows[0][0] if rows else "{}").items()}
        return await _delta(cert, vector, False)

    async def _delta(cert: trust.Certificate, vector: dict[str, int], acknowledge: bool,
                     content_pack: str | None = None) -> Response:
        def work():
            _sweep(deltas, 3600)       # deltas whose download was cut off
            found = delta.build(hub, cert, vector, deltas, limits.delta_events, acknowledge,
                                content_pack)
            with hub.db.transaction():
                hub.note_device(cert, _now(), pull=True, vector=vector)
            return found

        found = await run_in_threadpool(work)
        if found is None:
            return Response(status_code=204)
        return FileResponse(found.path, media_type="application/octet-stream",
                            headers={protocol.MORE: "1" if found.more else "0",
                                     "x-debc-bundle": found.bundle_id},
                            background=BackgroundTask(found.path.unlink, missing_ok=True))

    async def enrol_submit(request: Request) -> Response:
        anonymous(request)
        body = await anonymous_body(request, limits.max_small)
        try:
            document = json.loads(body)
            inner = document["body"]
            assert inner["type"] == trust.REQUEST_TYPE and isinstance(inner["device_id"], str)
            assert isinstance(inner["sign"], str)
        except (ValueError, KeyError, TypeError, AssertionError):
            return _error(_("This is not an enrolment request."), 400)
        if signed_body(document, inner["sign"]) is None:
            return _error(_("The enrolment request is damaged (its signature does not "
                            "match)."), 400)

        def work():
            with hub.db.transaction() as db:
                waiting = db.scalar("SELECT count(*) FROM hub_enrolment WHERE document = ''")
                if waiting >= MAX_PENDING_ENROLMENTS:
                    raise Refused(_("Too many enrolment requests are waiting; ask the "
                                    "coordinator to answer them first."), 503)
                db.execute("INSERT INTO hub_enrolment (device_id, request, received_at) "
                           "VALUES (?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                           "request = excluded.request, received_at = excluded.received_at "
                           "WHERE hub_enrolment.document = ''",
                           (inner["device_id"], dumps(document), _now()))

        await run_in_threadpool(work)
        return JSONResponse({"status": "pending"}, status_code=202)

    async def enrol_fetch(request: Request) -> Response:
        anonymous(request)
        rows = await run_in_threadpool(hub.db.query, "SELECT document FROM hub_enrolment "
                                       "WHERE device_id = ?", (request.path_params["device"],))
        if not rows:
            return _error(_("No enrolment request from this device."), 404)
        if not rows[0][0]:
            return JSONResponse({"status": "pending"}, status_code=202)
        return JSONResponse(json.loads(rows[0][0]))

    async def coordinator(request: Request) -> trust.Certificate:
        cert = await authenticate(request)
        if cert.role != trust.COORDINATOR:
            raise Refused(_("Only the programme's coordinator can do this."))
        return cert

    async def enrol_pending(request: Request) -> Response:
        await coordinator(request)
        rows = await run_in_threadpool(hub.db.query, "SELECT request, received_at FROM "
                                       "hub_enrolment WHERE document = '' ORDER BY received_at")
        return JSONResponse({"pending": [{"request": json.loads(request_text),
                                          "received_at": received}
                                         for request_text, received in rows]})

    async def enrol_answer(request: Request) -> Response:
        cert = await coordinator(request)
        body = await device_body(request, cert, limits.max_small)
        device = request.path_params["device"]
        try:
            document = json.loads(body)
            cert = trust.verify_certificate(hub.require_programme(), document["certificate"])
        except (ValueError, KeyError, TypeError, UserError):
            return _error(_("This is not an enrolment certificate for this programme."), 400)
        if cert.device_id != device:
            return _error(_("This certificate was made for another computer."), 400)

        def work() -> int:
            with hub.db.transaction() as db:
                return db.execute("UPDATE hub_enrolment SET document = ? WHERE device_id = ?",
                                  (dumps(document), device)).rowcount

        if not await run_in_threadpool(work):
            return _error(_("No enrolment request from this device."), 404)
        return JSONResponse({"status": "approved"})

    async def acknowledge(request: Request) -> Response:
        cert = await coordinator(request)
        body = await device_body(request, cert, limits.max_small)
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            document = None

        def work() -> bool:
            with hub.db.transaction():
                return hub.take_coordinator_ack(document)

        if not await run_in_threadpool(work):
            return _error(_("This is not a current acknowledgement signed by the "
                            "coordinator."), 400)
        return JSONResponse({"status": "stored"})

    async def admin_devices(request: Request) -> Response:
        await coordinator(request)
        rows = await run_in_threadpool(admin.devices, hub)
        return JSONResponse({"hub": hub.device_id, "vector": await run_in_threadpool(hub.vector),
                             "devices": [row.as_json() for row in rows]})

    def guarded(handler):
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except _Limited as limited:
                return _closing(_too_many(limited.wait))
            except Refused as error:
                return _closing(_error(str(error), error.status))
            except ClientDisconnect:
                return Response(status_code=499)
            except UserError as error:          # a refused bundle (BundleError) and the like
                return _closing(_error(str(error), 400))
        return endpoint

    routes = [
        Route("/v1/health", guarded(health), methods=["GET"]),
        Route("/v1/info", guarded(info), methods=["GET"]),
        Route("/v1/bundles/{bundle_id}", guarded(upload), methods=["POST"]),
        Route("/v1/bundles/{bundle_id}", guarded(upload_state), methods=["GET"]),
        Route("/v1/delta", guarded(pull), methods=["POST"]),
        Route("/v1/delta", guarded(pull_known), methods=["GET"]),
        Route("/v1/ack", guarded(acknowledge), methods=["POST"]),
        Route("/v1/enrolments", guarded(enrol_submit), methods=["POST"]),
        Route("/v1/enrolments/{device}", guarded(enrol_fetch), methods=["GET"]),
        Route("/v1/admin/enrolments", guarded(enrol_pending), methods=["GET"]),
        Route("/v1/admin/enrolments/{device}", guarded(enrol_answer), methods=["PUT"]),
        Route("/v1/admin/devices", guarded(admin_devices), methods=["GET"]),
    ]
    return Starlette(routes=routes)


class _Limited(Exception):
    def __init__(self, wait: float):
        super().__init__("rate limited")
        self.wait = wait


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@contextmanager
def _upload_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (fcntl where available; else within this process).

    Lock files stay (removing one while another process waits on it would split the
    lock); the sweep removes them with the abandoned uploads.
    """
    try:
        import fcntl
    except ImportError:          # Windows: one hub process per upload folder
        with _thread_locks_guard:
            lock = _thread_locks.setdefault(str(path), threading.Lock())
        with lock:
            yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _closing(response: Response) -> Response:
    """`response`, ending the connection: a refused request's body may still be on its way,
    and the hub does not wait for it."""
    response.headers["connection"] = "close"
    return response


def _sweep(folder: Path, age_seconds: float) -> None:
    """Remove files left by transfers abandoned long ago."""
    limit = time.time() - age_seconds
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def _bundle_id(request: Request) -> str:
    bundle_id = request.path_params["bundle_id"]
    if not BUNDLE_ID.fullmatch(bundle_id):
        raise Refused(_("Bad bundle id."), 400)
    return bundle_id
