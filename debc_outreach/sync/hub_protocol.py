"""The hub's wire protocol, shared by the server (hub/) and the client (hub_client.py).

Every authenticated request carries the device's certificate and an
Ed25519 signature, made with the device's signing key, over the method,
the path with its query, a timestamp and the SHA-256 of the body. The hub
accepts a signature within `MAX_SKEW` seconds of its clock; replays inside
that window are harmless because every write is idempotent.
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
MAX_SKEW = 300
UPLOAD_CHUNK = 1 << 20


def _message(method: str, target: str, stamp: str, body: bytes) -> bytes:
    return "\n".join(("debc-hub-v1", method.upper(), target, stamp,
                      hashlib.sha256(body).hexdigest())).encode("utf-8")


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
    return {DEVICE: device_id, TIME: stamp, CERTIFICATE: encode_certificate(certificate),
            SIGNATURE: keys.sign(_message(method, target, stamp, body))}


def check_signature(sign_public: str, headers, method: str, target: str, body: bytes,
                    now: float | None = None) -> bool:
    """Whether the request's signature is valid and recent."""
    stamp = headers.get(TIME, "")
    signature = headers.get(SIGNATURE, "")
    if not stamp.isdigit() or not signature:
        return False
    if abs(int(stamp) - (now if now is not None else time.time())) > MAX_SKEW:
        return False
    return verify_signature(sign_public, signature, _message(method, target, stamp, body))
