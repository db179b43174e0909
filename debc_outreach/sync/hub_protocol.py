"""The hub's wire protocol, shared by the server (hub/) and the client (hub_client.py).

Every authenticated request carries the device's certificate and an
Ed25519 signature, made with the device's signing key, over the method,
the path with its query, a timestamp and the SHA-256 of the body. The body's
SHA-256 also travels as a header, so the hub checks who is asking before it
reads a byte of the body, then checks the body against it. The hub accepts a
signature within `MAX_SKEW` seconds of its clock; replays inside that window
are harmless because every write is idempotent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time

from debc_outreach.storage.events import dumps
from debc_outreach.sync.keys import DeviceKeys, verify_signature

API = "/v1"
DEVICE = "x-debc-device"
TIME = "x-debc-time"
SIGNATURE = "x-debc-signature"
CERTIFICATE = "x-debc-certificate"
OFFSET = "x-debc-offset"
TOTAL = "x-debc-total"
MORE = "x-debc-more"
BODY_SHA256 = "x-debc-body-sha256"
MAX_SKEW = 300
UPLOAD_CHUNK = 1 << 20
# The error code of a bundle refused because records in it are not admitted; its
# details name the device and seq the client holds.
REFUSED_RECORDS = "refused_records"


def _message(method: str, target: str, stamp: str, body_sha256: str) -> bytes:
    return "\n".join(("debc-hub-v1", method.upper(), target, stamp,
                      body_sha256)).encode("utf-8")


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def encode_certificate(certificate: dict) -> str:
    return base64.urlsafe_b64encode(dumps(certificate).encode("utf-8")).decode("ascii")


def decode_certificate(text: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, UnicodeError):
        return None


def sign_request(keys: DeviceKeys, device_id: str, certificate: dict, method: str,
                 target: str, body: bytes = b"", now: float | None = None) -> dict[str, str]:
    """Headers that authenticate one request (`target`: path with query string)."""
    stamp = str(int(now if now is not None else time.time()))
    digest = body_digest(body)
    return {DEVICE: device_id, TIME: stamp, CERTIFICATE: encode_certificate(certificate),
            BODY_SHA256: digest, SIGNATURE: keys.sign(_message(method, target, stamp, digest))}


def declared_body_digest(headers) -> str | None:
    """The body's SHA-256 the request declares (that of an empty body if it declares
    none); None if the header is malformed."""
    digest = headers.get(BODY_SHA256)
    if digest is None:
        return body_digest(b"")
    return digest if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest) \
        else None


def check_signature(sign_public: str, headers, method: str, target: str, body_sha256: str,
                    now: float | None = None) -> bool:
    """Whether the request's signature over `body_sha256` is valid and recent (the caller
    then checks the body it reads against that digest)."""
    stamp = headers.get(TIME, "")
    signature = headers.get(SIGNATURE, "")
    if not stamp.isdigit() or not signature:
        return False
    if abs(int(stamp) - (now if now is not None else time.time())) > MAX_SKEW:
        return False
    return verify_signature(sign_public, signature,
                            _message(method, target, stamp, body_sha256))
