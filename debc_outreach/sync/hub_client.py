""""Sync now" with a hub over HTTP(S): push what the hub lacks, then pull what we lack.

Push: the same sealed bundle a USB stick would carry, addressed to the hub,
kept in `<data folder>/hub-outbox/` until the hub confirms it, and uploaded
in chunks; after an interruption the upload asks the hub how much arrived
and continues from there (the hub stores a bundle id once, so a repeat
never duplicates anything). Pull: the hub seals the events this computer
lacks (by version vector, within its scope) and the normal verified import
applies them. Network errors, 5xx and 429 are retried with exponential
backoff; proxies come from the environment (HTTPS_PROXY, NO_PROXY…) or the
proxy setting.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import quarantine
from debc_outreach.storage.events import dumps
from debc_outreach.storage.store import Store
from debc_outreach.sync import bundle, content_carry, export, hub_protocol, importer, peers, trust
from debc_outreach.sync.keys import device_keys, verify_signature

OUTBOX = "hub-outbox"
SETTINGS_FILE = "sync-hub.json"
MAX_ROUNDS = 1000                 # delta bundles per sync (each up to 50,000 events)
MAX_REFUSED_DEVICES = 20          # relayed devices a push may leave out after refusals
Progress = Callable[[int, int, str], None]


class HubError(UserError):
    """The hub could not be reached or refused; the message says why in one line.

    The subclasses tell the kinds apart: the network or the address, records the
    hub refused, a fault of the hub itself."""


class HubUnreachable(HubError):
    """No answer: the network, the address, the proxy."""


class HubRecordsRefused(HubError):
    """The hub answered, and refused records of a bundle (nothing of it was stored).
    `device_id` and `seq` name the first refused record when the hub said which."""

    def __init__(self, message: str, device_id: str = "", seq: int = 0):
        super().__init__(message)
        self.device_id, self.seq = device_id, seq


class HubServerError(HubError):
    """The hub answered with an error of its own (5xx, or an answer that is not one)."""




class Cancelled(Exception):
    pass


@dataclass
class HubSyncResult:
    hub: str = ""
    pushed: int = 0                       # events in the bundles the hub confirmed
    refused: list[dict] = field(default_factory=list)    # records the hub refused, held here
    pulled: list[importer.ImportReport] = field(default_factory=list)
    cancelled: bool = False

    @property
    def received(self) -> int:
        return sum(report.new for report in self.pulled)

    def as_json(self) -> dict:
        return {"hub": self.hub, "pushed": self.pushed, "received": self.received,
                "cancelled": self.cancelled, "refused": self.refused,
                "pulled": [r.as_json() for r in self.pulled]}


# --- the hub address on this computer ---------------------------------------------------

def hub_settings(data_dir: Path) -> dict:
    """{"url": ..., "proxy": ...} remembered for this computer (empty strings if unset)."""
    try:
        raw = json.loads((data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
        return {"url": str(raw.get("url", "")), "proxy": str(raw.get("proxy", ""))}
    except (OSError, ValueError, AttributeError):
        return {"url": "", "proxy": ""}


def save_hub_settings(data_dir: Path, url: str, proxy: str = "") -> None:
    path = data_dir / SETTINGS_FILE
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps({"url": url.strip(), "proxy": proxy.strip()},
                               ensure_ascii=False), encoding="utf-8")
    temp.replace(path)


def check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) < 10:
        raise UserError(_("{url} is not a hub address: it starts with https:// (or http:// "
                          "on a local network).").format(url=url or "''"))
    return url


# --- HTTP with retries ------------------------------------------------------------------

class _Session:
    def __init__(self, client, store: Store, cancelled: Callable[[], bool], retries: int,
                 backoff: float):
        self.client = client
        self.keys = device_keys(store.data_dir)
        self.device_id = store.device_id
        self.certificate = trust.own_certificate(store).signed
        self.cancelled, self.retries, self.backoff = cancelled, retries, backoff
        self.clock_offset = 0.0

    def follow_clock(self, response) -> None:
        """Sign with the hub's time: a laptop whose clock is wrong can still sync (the
        signature's freshness is the hub's business, the records keep their own stamps)."""
        from email.utils import parsedate_to_datetime

        try:
            self.clock_offset = parsedate_to_datetime(response.headers["date"]).timestamp() \
                - time.time()
        except (KeyError, TypeError, ValueError):
            self.clock_offset = 0.0

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.cancelled():
                raise Cancelled()
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
                signed: bool = True, sink: Path | None = None):
        """Send with retries; returns the response (body streamed to `sink` if given)."""
        import httpx

        last_error = ""
        server_failed = False
        for attempt in range(self.retries + 1):
            if self.cancelled():
                raise Cancelled()
            sent = dict(headers or {})
            if signed:
                sent.update(hub_protocol.sign_request(
                    self.keys, self.device_id, self.certificate, method, path, body,
                    now=time.time() + self.clock_offset))
            try:
                with self.client.stream(method, path, content=body, headers=sent) as response:
                    if response.status_code == 429 or response.status_code >= 500:
                        response.read()
                        last_error = _error_text(response)
                        server_failed = response.status_code >= 500
                        wait = response.headers.get("retry-after", "")
                        self._sleep(float(wait) if wait.isdigit() else self._delay(attempt))
                        continue
                    if sink is not None and response.status_code == 200:
                        with open(sink, "wb") as out:
                            for block in response.iter_bytes(1 << 16):
                                if self.cancelled():
                                    raise Cancelled()
                                out.write(block)
                    else:
                        response.read()
                    return response
            except httpx.TransportError as error:
                last_error = str(error) or type(error).__name__
                server_failed = False
                self._sleep(self._delay(attempt))
        if server_failed:
            raise HubServerError(_("The hub had a problem of its own after {n} attempts "
                                   "({reason}). Your records are safe; try again later or "
                                   "tell whoever runs the hub.")
                                 .format(n=self.retries + 1, reason=last_error))
        raise HubUnreachable(_("The hub could not be reached after {n} attempts ({reason}). "
                               "Your records are safe; try again later.")
                             .format(n=self.retries + 1, reason=last_error))

    def _delay(self, attempt: int) -> float:
        return min(30.0, self.backoff * (2 ** attempt)) * random.uniform(0.5, 1.0)


def _error_text(response) -> str:
    try:
        return str(response.json().get("error", "")) or f"HTTP {response.status_code}"
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"


def _answer(response) -> dict:
    """The hub's JSON answer; a HubServerError when it is not one."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise HubServerError(_("The hub's answer could not be read (HTTP {status}); tell "
                               "whoever runs the hub.").format(status=response.status_code))
    return answer


def _refused(response) -> HubError:
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        code = None
    if code == hub_protocol.REFUSED_RECORDS:
        answer = response.json()
        device, seq = answer.get("device_id"), answer.get("seq")
        return HubRecordsRefused(_("The hub refused records: {reason}").format(
            reason=_error_text(response)), device if isinstance(device, str) else "",
            seq if type(seq) is int else 0)
    return HubError(_("The hub refused the request: {reason}").format(
        reason=_error_text(response)))


# --- push -------------------------------------------------------------------------------

def _upload(session: _Session, path: Path, report: Progress | None) -> dict:
    """Upload one bundle, continuing where an interrupted upload stopped."""
    bundle_id = bundle.read_header(path).bundle_id
    total = path.stat().st_size
    target = f"{hub_protocol.API}/bundles/{bundle_id}"
    response = session.request("GET", target)
    if response.status_code != 200:
        raise _refused(response)
    state = _answer(response)
    if state.get("status") == "stored":
        return state
    offset = int(state.get("received", 0))
    with open(path, "rb") as handle:
        for _round in range(total // hub_protocol.UPLOAD_CHUNK + 1000):
            handle.seek(offset)
            chunk = handle.read(hub_protocol.UPLOAD_CHUNK)
            response = session.request("POST", target, chunk, {
                hub_protocol.OFFSET: str(offset), hub_protocol.TOTAL: str(total),
                "content-type": "application/octet-stream"})
            if response.status_code == 200:
                if report:
                    report(total, total, _("Sending records to the hub…"))
                return _answer(response)
            if response.status_code not in (202, 409):
                raise _refused(response)
            try:
                offset = int(_answer(response).get("received", 0))
            except (TypeError, ValueError):
                raise HubServerError(_("The hub's answer could not be read (HTTP {status}); "
                                       "tell whoever runs the hub.")
                                     .format(status=response.status_code)) from None
            if report:
                report(offset, total, _("Sending records to the hub…"))
    raise HubError(_("The hub did not accept the upload; try again later."))


def _outbox_is_current(store: Store, path: Path) -> bool:
    """Whether a bundle waiting in the outbox still carries everything there is to send."""
    try:
        told = bundle.read_header(path).header.get("vector") or {}
    except UserError:
        return False
    vector = peers.version_vector(store.database.conn)
    return all(seq <= int(told.get(device, 0)) for device, seq in vector.items())


def _push(session: _Session, store: Store, hub_id: str, report: Progress | None,
          held_pack: tuple[str, str] | None, result: HubSyncResult) -> int:
    """Send what the hub lacks. When the hub refuses another device's record that this
    computer relays (it was stored here before this version checked records), that
    device's chain is held here from the record on, as a refused import would be, and
    the rest is sent again without it."""
    for _attempt in range(MAX_REFUSED_DEVICES):
        try:
            return _push_outbox(session, store, hub_id, report, held_pack)
        except HubRecordsRefused as refused:
            if not refused.device_id or refused.device_id == store.device_id \
                    or not _hold_refused(store, refused):
                raise
            result.refused.append({"device_id": refused.device_id, "seq": refused.seq,
                                   "reason": str(refused)})
    raise HubRecordsRefused(_("The hub refused records of too many devices; see the "
                              "Sync page."))


def _hold_refused(store: Store, refused: HubRecordsRefused) -> bool:
    """Hold the refused device's chain here; False when it was held there already."""
    with store.database.transaction() as conn:
        before = quarantine.first_held_seq(conn, refused.device_id)
        quarantine.hold(conn, refused.device_id, refused.seq, hub_protocol.REFUSED_RECORDS,
                        str(refused), None)
        after = quarantine.first_held_seq(conn, refused.device_id)
    for path in (store.data_dir / OUTBOX).glob(f"*{bundle.SUFFIX}"):
        path.unlink(missing_ok=True)         # every waiting bundle holds the record
    return after != before


def _push_outbox(session: _Session, store: Store, hub_id: str, report: Progress | None,
                 held_pack: tuple[str, str] | None) -> int:
    outbox = store.data_dir / OUTBOX
    outbox.mkdir(exist_ok=True)
    waiting = []
    for path in sorted(outbox.glob(f"*{bundle.SUFFIX}"), key=lambda p: p.stat().st_mtime):
        try:
            addressed = hub_id in bundle.read_header(path).header.get("recipients", [])
        except UserError:
            addressed = False
        if addressed:
            waiting.append(path)
        else:                     # damaged, or for a hub this computer no longer uses
            path.unlink(missing_ok=True)
    if not waiting or not _outbox_is_current(store, waiting[-1]):
        path = outbox / export.bundle_filename(store, hub_id)
        export.export_bundle(store, hub_id, path, held_pack=held_pack)
        waiting.append(path)
    pushed = 0
    for path in waiting:
        events = int(bundle.read_header(path).header.get("events", 0))
        _upload(session, path, report)
        pushed += events
        path.unlink(missing_ok=True)
    return pushed


# --- pull -------------------------------------------------------------------------------

def _pull(session: _Session, store: Store, result: HubSyncResult, report: Progress | None,
          cancelled: Callable[[], bool], held_pack: tuple[str, str] | None) -> None:
    spool = store.data_dir / "tmp"
    spool.mkdir(exist_ok=True)
    for _round in range(MAX_ROUNDS):
        vector = peers.version_vector(store.database.conn)
        # The first answer is a bundle even when nothing lacks: its header tells this
        # computer what the hub holds (what it just received), so nothing is sent twice.
        # The first answer also brings the coordinator's content pack if it is newer than
        # the one this computer uses (content_carry.py). The digest is for older hubs,
        # which send the pack whenever it differs from the one this computer passes on.
        asked = {"vector": vector, "acknowledge": _round == 0}
        if _round == 0:
            asked["content_pack"] = content_carry.outgoing_digest(store.data_dir)
            if held_pack is not None:
                asked["content_held"] = content_carry.held(held_pack)
        body = dumps(asked).encode("utf-8")
        sink = spool / f"hub-delta-{_round}{bundle.SUFFIX}"
        try:
            response = session.request("POST", f"{hub_protocol.API}/delta", body,
                                       {"content-type": "application/json"}, sink=sink)
            if response.status_code == 204:
                return
            if response.status_code != 200:
                raise _refused(response)
            if report:
                report(0, 0, _("Receiving records from the hub…"))

            def progress(done: int, total: int) -> None:
                if report:
                    report(done, total, _("Receiving records from the hub…"))

            relayed = bundle.read_header(sink).header.get("coordinator_ack")
            imported = importer.import_bundle(store, sink, progress, cancelled)
        finally:
            sink.unlink(missing_ok=True)
        result.pulled.append(imported)
        if not imported.cancelled:
            take_coordinator_ack(store, relayed)
        if imported.cancelled:
            raise Cancelled()
        if response.headers.get(hub_protocol.MORE) != "1":
            return


# --- the coordinator's acknowledgement, relayed by the hub -----------------------------

ACK_TYPE = "debc-coordinator-ack"


def coordinator_ack(store: Store) -> dict:
    """Coordinator: a signed statement of what this computer holds (its version vector)."""
    prog = trust.require_programme(store)
    return trust.signed(device_keys(store.data_dir), {
        "type": ACK_TYPE, "version": 1, "programme": prog.id,
        "vector": peers.version_vector(store.database.conn),
        "created": trust.iso(trust.now_utc())})


def take_coordinator_ack(store: Store, document: object) -> bool:
    """Record the coordinator's acknowledgement the hub relayed (as a bundle from the
    coordinator would): records it holds show as acknowledged, and retention counts from
    it. Ignored unless signed by this programme's coordinator and newer than what we know."""
    prog = trust.require_programme(store)
    if prog.coordinator_id == store.device_id or not isinstance(document, dict):
        return False
    body = document.get("body")
    if not isinstance(body, dict) or body.get("type") != ACK_TYPE \
            or body.get("programme") != prog.id or not isinstance(body.get("created"), str) \
            or not isinstance(body.get("vector"), dict) \
            or not all(isinstance(k, str) and type(v) is int
                       for k, v in body["vector"].items()) \
            or not verify_signature(prog.coordinator_sign, str(document.get("signature")),
                                    dumps(body).encode("utf-8")):
        return False
    with store.database.transaction() as conn:
        row = conn.execute("SELECT acked FROM sync_peer WHERE device_id = ?",
                           (prog.coordinator_id,)).fetchone()
        if row is None or body["created"] < peers.parse_acked(row[0])[1]:
            return False
        conn.execute("UPDATE sync_peer SET acked = ? WHERE device_id = ?",
                     (dumps({"vector": body["vector"], "created": body["created"]}),
                      prog.coordinator_id))
    return True


def _send_ack(session: _Session, store: Store) -> None:
    body = dumps(coordinator_ack(store)).encode("utf-8")
    response = session.request("POST", f"{hub_protocol.API}/ack", body,
                               {"content-type": "application/json"})
    if response.status_code != 200:
        raise _refused(response)


# --- the whole exchange -----------------------------------------------------------------

def sync_with_hub(store: Store, url: str, report: Progress | None = None,
                  cancelled: Callable[[], bool] = lambda: False, proxy: str = "",
                  timeout: float = 60.0, retries: int = 6, backoff: float = 1.0,
                  transport=None, held_pack: tuple[str, str] | None = None) -> HubSyncResult:
    """Push then pull with the hub at `url`. Raises HubError / UserError when refused.

    `held_pack`: (id, version) of the content pack this computer uses
    (content.loader.active_pack_identity); the hub then sends its pack only when newer.
    """
    import httpx

    url = check_url(url)
    prog = trust.require_programme(store)
    own = trust.own_certificate(store)
    if own.expired():
        raise UserError(_("This computer's certificate has expired. Ask your coordinator to "
                          "enrol it again."))
    result = HubSyncResult()
    options: dict = {"base_url": url, "timeout": timeout, "trust_env": True,
                     "follow_redirects": False}
    if proxy.strip():
        options["proxy"] = proxy.strip()
    if transport is not None:
        options["transport"] = transport
    try:
        client = httpx.Client(**options)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as error:
        raise HubUnreachable(_("The hub address or proxy setting is not valid ({reason}).")
                             .format(reason=error)) from error
    try:
        with client:
            session = _Session(client, store, cancelled, retries, backoff)
            if report:
                report(0, 0, _("Connecting to the hub…"))
            response = session.request("GET", f"{hub_protocol.API}/info", signed=False)
            if response.status_code != 200:
                raise _refused(response)
            session.follow_clock(response)
            hub_cert = _hub_certificate(store, prog, _answer(response))
            result.hub = hub_cert.device_id
            result.pushed = _push(session, store, hub_cert.device_id, report, held_pack,
                                  result)
            _pull(session, store, result, report, cancelled, held_pack)
            if trust.is_coordinator(store):
                _send_ack(session, store)
    except Cancelled:
        result.cancelled = True
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        raise HubUnreachable(_("The hub address or proxy setting is not valid ({reason}).")
                             .format(reason=error)) from error
    return result


def _hub_certificate(store: Store, prog: trust.Programme, info: object) -> trust.Certificate:
    """The hub's certificate, checked against this programme, remembered as a peer."""
    document = info.get("certificate") if isinstance(info, dict) else None
    try:
        cert = trust.verify_certificate(prog, document)
    except UserError as error:
        raise HubError(_("This hub does not belong to your programme.")) from error
    if cert.role != "hub" or cert.device_id in trust.revoked_devices(store):
        raise HubError(_("This hub does not belong to your programme."))
    if cert.expired():
        raise HubError(_("The hub's certificate has expired; tell your coordinator."))
    trust.remember_peer(store, cert)
    return cert
