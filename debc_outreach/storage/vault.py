"""The local vault of a protected data folder: the device secret, wrapped per PIN.

A protected folder has one **device secret** (32 random bytes). The database key
and the key that seals the device's private sync keys are derived from it with
HKDF-SHA256 (different `info` labels), so no PIN ever touches the data directly.

The secret is stored only wrapped, in `keys/vault.json` (owner-only file):
- once per trainer profile: key = Argon2id(PIN, 16-byte random salt) with
  `KDF` below (RFC 9106's second recommended setting: t=3, m=64 MiB, p=4),
  then ChaCha20-Poly1305 (random 12-byte nonce; the profile id is bound as
  associated data, so a wrap cannot be moved to another profile);
- once by the **recovery code** (120 random bits, shown once at set-up).

A PIN is never stored, logged or synced: the vault is local to this device
and is not part of the event log. Failed sign-ins are counted in
`keys/pin-attempts.json`; from the 5th failure in a row each try waits longer
(see `delay_seconds`), and restarting the app does not reset the count. Each
try is counted as failed *before* the PIN is checked, under a lock file
(`keys/pin-attempts.lock`), and taken back when the PIN was right: many copies
of the program started at once cannot try more PINs than one copy could, and a
copy killed while checking still counts.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _, ngettext

VAULT_PATH = ("keys", "vault.json")
ATTEMPTS_PATH = ("keys", "pin-attempts.json")
ATTEMPTS_LOCK_PATH = ("keys", "pin-attempts.lock")
LOCK_WAIT_S = 30               # another copy of the program is counting its own try
VERSION = 1
SECRET_BYTES = 32
MIN_PIN_LENGTH = 6
# Argon2id parameters (stated in the README; unlock measured in bench/bench_protection.py).
KDF = {"name": "argon2id", "time_cost": 3, "memory_kib": 65536, "parallelism": 4,
       "salt_bytes": 16, "key_bytes": 32}
FREE_TRIES = 4                 # failures 1-4 cost nothing; from the 5th the wait grows
FIRST_DELAY_S = 30
MAX_DELAY_S = 3600
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ0123456789"   # Crockford-like: no I, L, O, U
RECOVERY_GROUPS = 6                                     # 6 x 4 characters = 120 bits


class WrongPin(UserError):
    """The PIN (or recovery code) does not open the vault."""


class PinDelay(UserError):
    """Too many wrong PINs: wait `seconds` before the next try."""

    def __init__(self, message: str, seconds: int):
        super().__init__(message)
        self.seconds = seconds


@dataclass(frozen=True)
class Profile:
    trainer_id: str
    label: str          # the trainer's name, shown on the sign-in screen


@dataclass(frozen=True)
class Unlocked:
    secret: bytes
    trainer_id: str     # "" when opened with the recovery code


# --- encoding and files ------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def vault_path(data_dir: Path) -> Path:
    return data_dir.joinpath(*VAULT_PATH)


def _attempts_path(data_dir: Path) -> Path:
    return data_dir.joinpath(*ATTEMPTS_PATH)


def write_private_json(path: Path, data: dict) -> None:
    """Atomic, fsynced, owner-only (0600) JSON file; a power cut leaves old or new."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    # A temporary name of its own (mkstemp: owner-only): two programs writing at once
    # never take each other's half-written file away.
    fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def is_protected(data_dir: Path) -> bool:
    """True when this data folder was set up with PINs (its database is encrypted)."""
    return vault_path(data_dir).exists()


def _load(data_dir: Path) -> dict:
    path = vault_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION or not isinstance(data.get("profiles"), dict):
            raise ValueError("unknown vault version")
        return data
    except (OSError, ValueError) as error:
        raise UserError(_("The PIN file {path} is missing or damaged. Restore the data "
                          "folder from a backup, or ask your coordinator to set this "
                          "computer up again.").format(path=path)) from error


# --- key derivation and wrapping ----------------------------------------------------------

def _pin_key(pin: str, salt: bytes, kdf: dict) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    if kdf.get("name") != "argon2id":
        raise UserError(_("The PIN file uses an unknown method. Update DEBC Outreach."))
    return hash_secret_raw(pin.encode("utf-8"), salt, time_cost=int(kdf["time_cost"]),
                           memory_cost=int(kdf["memory_kib"]),
                           parallelism=int(kdf["parallelism"]),
                           hash_len=int(kdf["key_bytes"]), type=Type.ID)


def _wrap(secret: bytes, pin: str, label: bytes) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    salt = os.urandom(KDF["salt_bytes"])
    nonce = os.urandom(12)
    sealed = ChaCha20Poly1305(_pin_key(pin, salt, KDF)).encrypt(nonce, secret, label)
    return {"kdf": dict(KDF), "salt": _b64(salt), "nonce": _b64(nonce), "wrapped": _b64(sealed)}


def _unwrap(wrap: dict, pin: str, label: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    try:
        key = _pin_key(pin, _unb64(wrap["salt"]), wrap["kdf"])
        return ChaCha20Poly1305(key).decrypt(_unb64(wrap["nonce"]), _unb64(wrap["wrapped"]),
                                             label)
    except InvalidTag:
        return None
    except (KeyError, ValueError, TypeError) as error:
        raise UserError(_("The PIN file is damaged.")) from error


def _profile_label(trainer_id: str) -> bytes:
    return b"debc-outreach vault v1 profile " + trainer_id.encode("ascii")


_RECOVERY_LABEL = b"debc-outreach vault v1 recovery"


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose ("database", "device-keys") from the device secret."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt=None,
                info=b"debc-outreach " + purpose.encode("ascii") + b" v1").derive(secret)


def database_key(secret: bytes) -> bytes:
    return derive_key(secret, "database")


# --- PINs and recovery codes -------------------------------------------------------------

def check_new_pin(pin: str) -> str:
    """Refuse PINs that are too short or trivially guessed; return the PIN unchanged."""
    if len(pin) < MIN_PIN_LENGTH:
        raise UserError(ngettext("The PIN must have at least {n} character.",
                                 "The PIN must have at least {n} characters.",
                                 MIN_PIN_LENGTH).format(n=MIN_PIN_LENGTH))
    digits = "0123456789"
    if len(set(pin)) == 1 or pin in digits or pin in digits[::-1]:
        raise UserError(_("This PIN is too easy to guess. Avoid repeated or consecutive "
                          "digits."))
    return pin


def new_recovery_code() -> str:
    import secrets

    chars = [secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_GROUPS * 4)]
    return "-".join("".join(chars[i:i + 4]) for i in range(0, len(chars), 4))


def normal_recovery_code(code: str) -> str:
    """Accept lower case, spaces, missing dashes and the look-alikes O/I/L."""
    text = code.upper().translate(str.maketrans("OIL", "011"))
    text = "".join(c for c in text if c in RECOVERY_ALPHABET)
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


# --- the vault -----------------------------------------------------------------------------

def profiles(data_dir: Path) -> list[Profile]:
    data = _load(data_dir)
    return sorted((Profile(tid, entry.get("label", "")) for tid, entry
                   in data["profiles"].items()), key=lambda p: p.label.casefold())


def create(data_dir: Path, trainer_id: str, label: str, pin: str) -> tuple[bytes, str]:
    """Set up protection: a new device secret, the first profile, a recovery code.

    Returns (secret, recovery code). The code is not stored anywhere: show it once.
    The vault is marked as being set up until `set_up_finished` (the code was shown).
    """
    if is_protected(data_dir):
        raise UserError(_("This computer is already protected with PINs."))
    check_new_pin(pin)
    secret = os.urandom(SECRET_BYTES)
    code = new_recovery_code()
    data = {"version": VERSION, "created": _now().isoformat(), "check": _check_value(secret),
            "profiles": {trainer_id: {"label": label,
                                      **_wrap(secret, pin, _profile_label(trainer_id))}},
            "recovery": _wrap(secret, code, _RECOVERY_LABEL), SETTING_UP: True}
    write_private_json(vault_path(data_dir), data)
    return secret, code


SETTING_UP = "setting_up"


def is_setting_up(data_dir: Path) -> bool:
    """Whether the set-up was started and its recovery code not yet shown."""
    return bool(_load(data_dir).get(SETTING_UP))


def set_up_finished(data_dir: Path) -> None:
    """The database is encrypted and the recovery code was shown: the set-up is done."""
    data = _load(data_dir)
    if data.pop(SETTING_UP, None) is not None:
        write_private_json(vault_path(data_dir), data)


def set_pin(data_dir: Path, secret: bytes, trainer_id: str, label: str, pin: str) -> None:
    """Give a profile a (new) PIN; needs the unlocked secret (someone is signed in)."""
    check_new_pin(pin)
    data = _load(data_dir)
    _require_secret(data, secret)
    data["profiles"][trainer_id] = {"label": label,
                                    **_wrap(secret, pin, _profile_label(trainer_id))}
    write_private_json(vault_path(data_dir), data)


def remove_pin(data_dir: Path, secret: bytes, trainer_id: str) -> None:
    """Take a profile's PIN away (a trainer left); the last PIN cannot be removed."""
    data = _load(data_dir)
    _require_secret(data, secret)
    if trainer_id not in data["profiles"]:
        return
    if len(data["profiles"]) == 1:
        raise UserError(_("This is the last PIN of this computer; it cannot be removed."))
    del data["profiles"][trainer_id]
    write_private_json(vault_path(data_dir), data)


def relabel(data_dir: Path, trainer_id: str, label: str) -> None:
    """Keep the name on the sign-in screen in step with the trainer's profile."""
    data = _load(data_dir)
    entry = data["profiles"].get(trainer_id)
    if entry is not None and entry.get("label") != label:
        entry["label"] = label
        write_private_json(vault_path(data_dir), data)


def renew_recovery_code(data_dir: Path, secret: bytes) -> str:
    """Replace the recovery code (after it was used or seen); returns the new one."""
    data = _load(data_dir)
    _require_secret(data, secret)
    code = new_recovery_code()
    data["recovery"] = _wrap(secret, code, _RECOVERY_LABEL)
    write_private_json(vault_path(data_dir), data)
    return code


def _check_value(secret: bytes) -> str:
    # A one-way value of a 256-bit random secret: safe to keep beside the wraps.
    return _b64(derive_key(secret, "vault-check")[:16])


def _require_secret(data: dict, secret: bytes) -> None:
    import hmac

    if not hmac.compare_digest(data.get("check", ""), _check_value(secret)):
        raise UserError(_("Sign in again: this computer's PIN file has changed."))


def unlock(data_dir: Path, pin: str, trainer_id: str | None = None) -> Unlocked:
    """Open the vault with a profile's PIN (any profile when `trainer_id` is None).

    Counts failures and enforces the growing delay; raises WrongPin / PinDelay.
    """
    data = _load(data_dir)
    failures = _count_try(data_dir)
    candidates = [trainer_id] if trainer_id else list(data["profiles"])
    for tid in candidates:
        entry = data["profiles"].get(tid)
        if entry is None:
            continue
        secret = _unwrap(entry, pin, _profile_label(tid))
        if secret is not None:
            _reset_attempts(data_dir)
            return Unlocked(secret, tid)
    raise _wrong(failures)


def unlock_with_recovery_code(data_dir: Path, code: str) -> Unlocked:
    data = _load(data_dir)
    failures = _count_try(data_dir)
    secret = _unwrap(data["recovery"], normal_recovery_code(code), _RECOVERY_LABEL)
    if secret is None:
        raise _wrong(failures, recovery=True)
    _reset_attempts(data_dir)
    return Unlocked(secret, "")


# --- failed attempts and the growing delay ------------------------------------------------

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def delay_seconds(failures: int) -> int:
    """Wait after `failures` wrong PINs in a row: 0 for 1-4, then 30 s, 60 s, 2 min ... 1 h."""
    if failures <= FREE_TRIES:
        return 0
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - FREE_TRIES - 1))


def _read_attempts(data_dir: Path) -> tuple[int, dt.datetime | None]:
    try:
        raw = json.loads(_attempts_path(data_dir).read_text(encoding="utf-8"))
        last = dt.datetime.fromisoformat(raw["last"]) if raw.get("last") else None
        return int(raw.get("failures", 0)), last
    except FileNotFoundError:
        return 0, None
    except (OSError, ValueError, KeyError, TypeError):
        # A damaged counter must not become a way around the delay.
        return FREE_TRIES + 1, _now()


def failed_attempts(data_dir: Path) -> int:
    return _read_attempts(data_dir)[0]


def seconds_to_wait(data_dir: Path, now: dt.datetime | None = None) -> int:
    """How long before the next PIN may be tried (0 = now)."""
    failures, last = _read_attempts(data_dir)
    delay = delay_seconds(failures)
    if not delay or last is None:
        return 0
    now = now or _now()
    if now < last:                      # the clock was set back: wait the full delay again
        return delay
    return max(0, int(delay - (now - last).total_seconds() + 0.999))


def wait_or_raise(data_dir: Path) -> None:
    wait = seconds_to_wait(data_dir)
    if wait:
        raise PinDelay(ngettext("Too many wrong PINs. Wait {n} second before trying again.",
                                "Too many wrong PINs. Wait {n} seconds before trying again.",
                                wait).format(n=wait), wait)


@contextlib.contextmanager
def _attempts_locked(data_dir: Path) -> Iterator[None]:
    """Hold the attempt counter's lock file (between processes, not only threads)."""
    from filelock import FileLock, Timeout

    path = data_dir.joinpath(*ATTEMPTS_LOCK_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(path, timeout=LOCK_WAIT_S, mode=0o600, thread_local=False):
            yield
    except Timeout as error:
        raise UserError(_("Another sign-in on this computer is still being checked. Try "
                          "again in a moment.")) from error


def _count_try(data_dir: Path) -> int:
    """Refuse a try during the delay, else count it as failed now; return the count.

    Counting before the (slow) PIN check, under the lock, is what keeps parallel
    tries from all passing the same check of the counter.
    """
    with _attempts_locked(data_dir):
        wait_or_raise(data_dir)
        failures = failed_attempts(data_dir) + 1
        write_private_json(_attempts_path(data_dir), {"failures": failures,
                                                      "last": _now().isoformat()})
    return failures


def _wrong(failures: int, recovery: bool = False) -> WrongPin:
    message = (_("The recovery code is not right.") if recovery
               else _("The PIN is not right."))
    delay = delay_seconds(failures)
    if delay:
        message += " " + ngettext("Wait {n} second before the next try.",
                                  "Wait {n} seconds before the next try.", delay).format(n=delay)
    elif failures == FREE_TRIES:
        message += " " + _("After one more wrong try you will have to wait before trying "
                           "again.")
    return WrongPin(message)


def _reset_attempts(data_dir: Path) -> None:
    with _attempts_locked(data_dir):
        if _attempts_path(data_dir).exists():
            write_private_json(_attempts_path(data_dir), {"failures": 0, "last": ""})


# --- secrets unlocked in this process -----------------------------------------------------
# Background tasks open their own Store on the same folder; they find the key here.

_UNLOCKED: dict[Path, bytes] = {}


def remember(data_dir: Path, secret: bytes) -> None:
    _UNLOCKED[Path(data_dir).resolve()] = secret


def forget(data_dir: Path) -> None:
    _UNLOCKED.pop(Path(data_dir).resolve(), None)


def unlocked_secret(data_dir: Path) -> bytes | None:
    return _UNLOCKED.get(Path(data_dir).resolve())


def require_secret(data_dir: Path) -> bytes:
    secret = unlocked_secret(data_dir)
    if secret is None:
        raise UserError(_("This data folder is protected with PINs. Sign in first (the "
                          "command line takes --pin or the DEBC_OUTREACH_PIN variable)."))
    return secret


def folder_database_key(data_dir: Path) -> bytes | None:
    """The database key of a protected, unlocked folder; None for an unprotected one."""
    if not is_protected(data_dir):
        return None
    return database_key(require_secret(data_dir))


# --- small files sealed with the device secret (the device's private sync keys) -----------

def seal_json(secret: bytes, purpose: str, data: dict) -> dict:
    """Encrypt a small JSON document with a key derived from the device secret."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    nonce = os.urandom(12)
    plain = json.dumps(data, ensure_ascii=False).encode("utf-8")
    sealed = ChaCha20Poly1305(derive_key(secret, purpose)).encrypt(
        nonce, plain, purpose.encode("ascii"))
    return {"version": 1, "sealed": "chacha20poly1305", "purpose": purpose,
            "nonce": _b64(nonce), "data": _b64(sealed)}


def is_sealed(raw: dict) -> bool:
    return isinstance(raw, dict) and raw.get("sealed") == "chacha20poly1305"


def open_sealed(secret: bytes, purpose: str, raw: dict) -> dict:
    """The document `seal_json` sealed; ValueError when it was altered or is not for us."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    try:
        plain = ChaCha20Poly1305(derive_key(secret, purpose)).decrypt(
            _unb64(raw["nonce"]), _unb64(raw["data"]), purpose.encode("ascii"))
    except (InvalidTag, KeyError, TypeError) as error:
        raise ValueError("sealed file does not open") from error
    return json.loads(plain.decode("utf-8"))
