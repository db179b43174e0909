"""The hub's HTTP API (Starlette). Versioned under /v1; documented in README "Running a hub".

    GET  /v1/health                      liveness and counts (no authentication)
    GET  /v1/info                        the hub's id, programme and certificate
    POST /v1/bundles/{bundle_id}         push a sealed bundle, in chunks (X-Debc-Offset,
                                         X-Debc-Total); idempotent; 200 with the hub's vector
    GET  /v1/bundles/{bundle_id}         how much of an interrupted upload arrived
    POST /v1/delta                       {"vector": {...}, "acknowledge": bool} -> the next
                                         delta bundle sealed for the device (204: nothing
                                         lacks; X-Debc-More: 1: ask again; "acknowledge": a
                                         bundle without events carrying the hub's vector;
                                         optional "content_held": {"id", "version"} of the
                                         device's content pack: the coordinator's pack comes
                                         only when newer; without it, "content_pack": the
                                         SHA-256 the device passes on, and the pack comes
                                         when it differs)
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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from debc_outreach.errors import UserError
from debc_outreach.hub import admin, delta, ingest, uploads
from debc_outreach.hub.service import Hub, Refused, signed_body
from debc_outreach.i18n import _
from debc_outreach.storage.events import dumps
from debc_outreach.sync import content_carry, trust
from debc_outreach.sync import hub_protocol as protocol

log = logging.getLogger(__name__)
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


@dataclass(frozen=True)
class DeltaRequest:
    """What a device asks for: the records it lacks, and what tells the hub whether to
    attach the coordinator's content pack."""

    vector: dict[str, int]
    acknowledge: bool
    content_pack: str | None = None                  # SHA-256 the device passes on
    content_held: tuple[str, str] | None = None      # (id, version) of the pack it uses


def delta_request(body: bytes) -> DeltaRequest:
    """The delta request in `body`; Refused (400) with the reason when it is not one.
    The content pack fields are optional (older devices send no `content_held`)."""
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
    return DeltaRequest(vector, bool(asked.get("acknowledge", False)),
                        content_pack if isinstance(content_pack, str) else None,
                        content_carry.read_held(asked.get("content_held")))


def _now() -> str:
    return trust.iso(trust.now_utc())


def create_app(hub: Hub, limits: Limits | None = None) -> Starlette:
    """The ASGI application serving `hub`."""
    return Starlette(routes=_Api(hub, limits or Limits()).routes())


class _Api:
    """The endpoints, sharing the hub, its limits and the per-client budgets."""

    def __init__(self, hub: Hub, limits: Limits):
        self.hub = hub
        self.limits = limits
        self.per_device = RateLimiter(limits.device_rate, limits.device_burst)
        self.per_address = RateLimiter(limits.address_rate, limits.address_burst)
        self.device_bodies = Slots(limits.uploads_total, limits.uploads_per_device)
        self.anonymous_bodies = Slots(limits.anonymous_bodies, limits.anonymous_per_address)
        self.deltas = hub.folder / "deltas"
        self.deltas.mkdir(exist_ok=True)

    async def authenticate(self, request: Request) -> trust.Certificate:
        """The device that signed the request, from its headers alone (the body, if any,
        is read afterwards by `device_body` and must match the signed digest)."""
        digest = protocol.declared_body_digest(request.headers)
        if digest is None:
            raise Refused(_("The request's body fingerprint is malformed."), 400)
        document = protocol.decode_certificate(request.headers.get(protocol.CERTIFICATE, ""))
        cert = self.hub.verify_device(document)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get(protocol.DEVICE) != cert.device_id or not \
                protocol.check_signature(cert.sign, request.headers, request.method, target,
                                         digest):
            raise Refused(_("The request's signature is not valid (check this computer's "
                            "clock, and that DEBC Outreach is up to date)."), 401)
        wait = self.per_device.allow(cert.device_id)
        if wait:
            raise _Limited(wait)
        return cert

    async def device_body(self, request: Request, cert: trust.Certificate, limit: int) -> bytes:
        with self.device_bodies.hold(cert.device_id):
            return await _body(request, limit, self.limits,
                               protocol.declared_body_digest(request.headers))

    async def anonymous_body(self, request: Request, limit: int) -> bytes:
        with self.anonymous_bodies.hold(request.client.host if request.client else ""):
            return await _body(request, limit, self.limits)

    def anonymous(self, request: Request) -> None:
        wait = self.per_address.allow(request.client.host if request.client else "")
        if wait:
            raise _Limited(wait)

    async def health(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(self.hub.health))

    async def info(self, request: Request) -> Response:
        self.anonymous(request)
        prog = self.hub.require_programme()
        return JSONResponse({"api": 1, "hub": self.hub.device_id, "programme": prog.as_json(),
                             "certificate": self.hub.certificate(),
                             "limits": self.limits.as_json()})

    async def upload_state(self, request: Request) -> Response:
        bundle_id = _bundle_id(request)
        cert = await self.authenticate(request)
        if await run_in_threadpool(ingest.seen, self.hub, bundle_id):
            return JSONResponse({"bundle_id": bundle_id, "status": "stored",
                                 "vector": await run_in_threadpool(self.hub.vector)})
        return JSONResponse({"bundle_id": bundle_id, "status": "partial",
                             "received": uploads.received(self.hub, cert, bundle_id)})

    async def upload(self, request: Request) -> Response:
        bundle_id = _bundle_id(request)
        cert = await self.authenticate(request)
        body = await self.device_body(request, cert, self.limits.max_request)
        try:
            offset = int(request.headers.get(protocol.OFFSET, "0"))
            total = int(request.headers.get(protocol.TOTAL, str(len(body))))
        except ValueError:
            return _error(_("Bad upload position."), 400)
        if total > self.limits.max_bundle:
            return _error(_("The bundle is larger than this hub accepts."), 413)
        if offset < 0 or offset + len(body) > total:
            return _error(_("Bad upload position."), 400)
        if offset == 0:
            await run_in_threadpool(uploads.sweep, self.hub.uploads,
                                    uploads.UPLOAD_DAYS * 86400)
        if await run_in_threadpool(ingest.seen, self.hub, bundle_id):
            # A replay: the answer is the same as the first time.
            return JSONResponse({"bundle_id": bundle_id, "status": "replayed",
                                 "vector": await run_in_threadpool(self.hub.vector)})
        status, answer = await run_in_threadpool(uploads.receive, self.hub, cert, bundle_id,
                                                 offset, total, body, _now())
        return JSONResponse(answer, status_code=status)

    async def pull(self, request: Request) -> Response:
        cert = await self.authenticate(request)
        asked = delta_request(await self.device_body(request, cert, self.limits.max_small))
        return await self._delta(cert, asked)

    async def pull_known(self, request: Request) -> Response:
        """GET: the delta from the vector the device reported last (push or delta)."""
        cert = await self.authenticate(request)
        vector = await run_in_threadpool(self.hub.reported_vector, cert.device_id)
        return await self._delta(cert, DeltaRequest(vector, False))

    async def _delta(self, cert: trust.Certificate, asked: DeltaRequest) -> Response:
        vector = asked.vector

        def work():
            uploads.sweep(self.deltas, 3600)       # deltas whose download was cut off
            found = delta.build(self.hub, cert, vector, self.deltas, self.limits.delta_events,
                                asked.acknowledge, asked.content_pack, asked.content_held)
            with self.hub.db.transaction():
                self.hub.note_device(cert, _now(), pull=True, vector=vector)
            return found

        found = await run_in_threadpool(work)
        if found is None:
            return Response(status_code=204)
        return FileResponse(found.path, media_type="application/octet-stream",
                            headers={protocol.MORE: "1" if found.more else "0",
                                     "x-debc-bundle": found.bundle_id},
                            background=BackgroundTask(found.path.unlink, missing_ok=True))

    async def enrol_submit(self, request: Request) -> Response:
        self.anonymous(request)
        body = await self.anonymous_body(request, self.limits.max_small)
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
            with self.hub.db.transaction() as db:
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

    async def enrol_fetch(self, request: Request) -> Response:
        self.anonymous(request)
        rows = await run_in_threadpool(self.hub.db.query, "SELECT document FROM hub_enrolment "
                                       "WHERE device_id = ?", (request.path_params["device"],))
        if not rows:
            return _error(_("No enrolment request from this device."), 404)
        if not rows[0][0]:
            return JSONResponse({"status": "pending"}, status_code=202)
        return JSONResponse(json.loads(rows[0][0]))

    async def coordinator(self, request: Request) -> trust.Certificate:
        cert = await self.authenticate(request)
        if cert.role != trust.COORDINATOR:
            raise Refused(_("Only the programme's coordinator can do this."))
        return cert

    async def enrol_pending(self, request: Request) -> Response:
        await self.coordinator(request)
        rows = await run_in_threadpool(self.hub.db.query, "SELECT request, received_at FROM "
                                       "hub_enrolment WHERE document = '' ORDER BY received_at")
        return JSONResponse({"pending": [{"request": json.loads(request_text),
                                          "received_at": received}
                                         for request_text, received in rows]})

    async def enrol_answer(self, request: Request) -> Response:
        cert = await self.coordinator(request)
        body = await self.device_body(request, cert, self.limits.max_small)
        device = request.path_params["device"]
        try:
            document = json.loads(body)
            cert = trust.verify_certificate(self.hub.require_programme(), document["certificate"])
        except (ValueError, KeyError, TypeError, UserError):
            return _error(_("This is not an enrolment certificate for this programme."), 400)
        if cert.device_id != device:
            return _error(_("This certificate was made for another computer."), 400)

        def work() -> int:
            with self.hub.db.transaction() as db:
                return db.execute("UPDATE hub_enrolment SET document = ? WHERE device_id = ?",
                                  (dumps(document), device)).rowcount

        if not await run_in_threadpool(work):
            return _error(_("No enrolment request from this device."), 404)
        return JSONResponse({"status": "approved"})

    async def acknowledge(self, request: Request) -> Response:
        cert = await self.coordinator(request)
        body = await self.device_body(request, cert, self.limits.max_small)
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            document = None

        def work() -> bool:
            with self.hub.db.transaction():
                return self.hub.take_coordinator_ack(document)

        if not await run_in_threadpool(work):
            return _error(_("This is not a current acknowledgement signed by the "
                            "coordinator."), 400)
        return JSONResponse({"status": "stored"})

    async def admin_devices(self, request: Request) -> Response:
        await self.coordinator(request)
        rows = await run_in_threadpool(admin.devices, self.hub)
        vector = await run_in_threadpool(self.hub.vector)
        return JSONResponse({"hub": self.hub.device_id, "vector": vector,
                             "devices": [row.as_json() for row in rows]})

    def routes(self) -> list[Route]:
        return [
            Route("/v1/health", _guarded(self.health), methods=["GET"]),
            Route("/v1/info", _guarded(self.info), methods=["GET"]),
            Route("/v1/bundles/{bundle_id}", _guarded(self.upload), methods=["POST"]),
            Route("/v1/bundles/{bundle_id}", _guarded(self.upload_state), methods=["GET"]),
            Route("/v1/delta", _guarded(self.pull), methods=["POST"]),
            Route("/v1/delta", _guarded(self.pull_known), methods=["GET"]),
            Route("/v1/ack", _guarded(self.acknowledge), methods=["POST"]),
            Route("/v1/enrolments", _guarded(self.enrol_submit), methods=["POST"]),
            Route("/v1/enrolments/{device}", _guarded(self.enrol_fetch), methods=["GET"]),
            Route("/v1/admin/enrolments", _guarded(self.enrol_pending), methods=["GET"]),
            Route("/v1/admin/enrolments/{device}", _guarded(self.enrol_answer), methods=["PUT"]),
            Route("/v1/admin/devices", _guarded(self.admin_devices), methods=["GET"]),
        ]


def _guarded(handler):
    """`handler`, answering the hub's refusals as HTTP errors instead of raising them."""
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except _Limited as limited:
            return _closing(_too_many(limited.wait))
        except Refused as error:
            extra = {"code": error.code, **error.details} if error.code else {}
            return _closing(_error(str(error), error.status, **extra))
        except ClientDisconnect:
            return Response(status_code=499)
        except UserError as error:          # a refused bundle (BundleError) and the like
            return _closing(_error(str(error), 400))
    return endpoint


class _Limited(Exception):
    def __init__(self, wait: float):
        super().__init__("rate limited")
        self.wait = wait


def _closing(response: Response) -> Response:
    """`response`, ending the connection: a refused request's body may still be on its way,
    and the hub does not wait for it."""
    response.headers["connection"] = "close"
    return response


def _bundle_id(request: Request) -> str:
    bundle_id = request.path_params["bundle_id"]
    if not BUNDLE_ID.fullmatch(bundle_id):
        raise Refused(_("Bad bundle id."), 400)
    return bundle_id
