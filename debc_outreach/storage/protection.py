"""Protecting a data folder with PINs: set-up, sign-in, PIN changes (no Qt, no CLI).

The GUI's sign-in dialog and settings, and `debc-outreach protect ...`, call these.
The caller closes its Store before `set_up` (the database file is replaced) and
opens it again afterwards; the device's sync key file is sealed by the sync
layer (`sync.keys.seal_key_file`) right after. Once the recovery code has been
shown, the caller calls `finish_set_up`.

A set-up stopped half-way (power cut, `kill -9`) leaves a vault whose recovery
code nobody saw, and maybe a database still plain. After the next sign-in,
`interrupted_set_up` tells, and `resume_set_up` encrypts what is left and
replaces the unseen recovery code by a new one to show. A lock file held from
`set_up` to `finish_set_up` tells a set-up still running in another window
from one that was interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import vault
from debc_outreach.storage.database import DB_FILENAME, Database
from debc_outreach.storage.encryption import (
    EncryptionResult,
    encrypt_in_place,
    is_plain_sqlite,
)


@dataclass(frozen=True)
class SetUp:
    recovery_code: str          # show once, never store
    encryption: EncryptionResult | None


SET_UP_LOCK = ("keys", "set-up.lock")
_SETTING_UP: dict[Path, FileLock] = {}       # set-ups this process started, until finished


def _hold_set_up_lock(data_dir: Path) -> None:
    """Take the set-up lock for this process (kept until `finish_set_up`)."""
    path = data_dir.joinpath(*SET_UP_LOCK)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0, mode=0o600, thread_local=False)
    try:
        lock.acquire()
    except Timeout as error:
        raise UserError(_("PIN protection is being set up in another window of DEBC "
                          "Outreach. Finish it there first.")) from error
    _SETTING_UP[Path(data_dir).resolve()] = lock


def _release_set_up_lock(data_dir: Path) -> None:
    lock = _SETTING_UP.pop(Path(data_dir).resolve(), None)
    if lock is not None:
        lock.release()


def set_up(data_dir: Path, trainer_id: str, label: str, pin: str) -> SetUp:
    """Create the vault (first profile + recovery code) and encrypt the database.

    The vault is written first: if the power goes while encrypting, the next
    sign-in finishes the job from the still-plain file (`resume_set_up`).
    """
    _hold_set_up_lock(data_dir)
    try:
        secret, code = vault.create(data_dir, trainer_id, label, pin)
    except BaseException:
        _release_set_up_lock(data_dir)
        raise
    vault.remember(data_dir, secret)
    try:
        result = encrypt_in_place(data_dir, vault.database_key(secret))
    except BaseException:
        # Refused (file in use, copy not verified): undo, the folder stays as it was.
        if is_plain_sqlite(data_dir / DB_FILENAME):
            vault.vault_path(data_dir).unlink(missing_ok=True)
            vault.forget(data_dir)
        _release_set_up_lock(data_dir)
        raise
    return SetUp(code, result)


def finish_set_up(data_dir: Path) -> None:
    """The recovery code was shown: the set-up (or its resumption) is complete."""
    try:
        vault.set_up_finished(data_dir)
    finally:
        _release_set_up_lock(data_dir)


def interrupted_set_up(data_dir: Path) -> bool:
    """Whether a set-up stopped before its end (and is not running in another window)."""
    if not vault.is_protected(data_dir) or Path(data_dir).resolve() in _SETTING_UP:
        return False
    database = data_dir / DB_FILENAME
    if not vault.is_setting_up(data_dir) and not (database.exists()
                                                  and is_plain_sqlite(database)):
        return False
    lock = FileLock(data_dir.joinpath(*SET_UP_LOCK), timeout=0, thread_local=False)
    try:
        with lock:
            return True
    except Timeout:
        return False                  # another window is setting up right now


def resume_set_up(data_dir: Path) -> SetUp:
    """After a sign-in: finish an interrupted set-up and make a new recovery code.

    The code made by the interrupted set-up was never shown, so it is replaced;
    show the new one, then call `finish_set_up`. The caller's Store is closed.
    """
    secret = vault.require_secret(data_dir)
    _hold_set_up_lock(data_dir)
    try:
        result = encrypt_in_place(data_dir, vault.database_key(secret))
        code = vault.renew_recovery_code(data_dir, secret)
    except BaseException:
        _release_set_up_lock(data_dir)
        raise
    return SetUp(code, result)


def reopen_after_set_up(database: Database) -> None:
    """A Database that was closed for `set_up` opens again, now with the key."""
    plain = is_plain_sqlite(database.path)
    key = None if plain else vault.folder_database_key(database.path.parent)
    database.reopen(key)
    database.configure_for_writing()


def sign_in(data_dir: Path, pin: str, trainer_id: str | None = None) -> vault.Unlocked:
    """Check the PIN (growing delay after wrong ones) and unlock the folder in this process."""
    unlocked = vault.unlock(data_dir, pin, trainer_id)
    vault.remember(data_dir, unlocked.secret)
    return unlocked


def check_pin(data_dir: Path, pin: str, trainer_id: str | None) -> vault.Unlocked:
    """Unlock the screen again: the same PIN check, the same delay."""
    return vault.unlock(data_dir, pin, trainer_id)


def recover(data_dir: Path, code: str, trainer_id: str, label: str, new_pin: str) -> str:
    """Forgotten PIN: the recovery code opens the vault, sets a new PIN for the profile,
    and is replaced by a new code (returned: show it once)."""
    vault.check_new_pin(new_pin)
    unlocked = vault.unlock_with_recovery_code(data_dir, code)
    vault.set_pin(data_dir, unlocked.secret, trainer_id, label, new_pin)
    vault.remember(data_dir, unlocked.secret)
    return vault.renew_recovery_code(data_dir, unlocked.secret)


def change_pin(data_dir: Path, trainer_id: str, label: str, old_pin: str, new_pin: str) -> None:
    vault.check_new_pin(new_pin)
    unlocked = vault.unlock(data_dir, old_pin, trainer_id)
    vault.set_pin(data_dir, unlocked.secret, trainer_id, label, new_pin)


def add_profile(data_dir: Path, trainer_id: str, label: str, pin: str) -> None:
    """A signed-in trainer enrols a colleague on this computer (a profile without a PIN)."""
    if any(p.trainer_id == trainer_id for p in vault.profiles(data_dir)):
        raise UserError(_("{name} already has a PIN on this computer. To change it, sign in "
                          "as {name}, or use the recovery code.").format(name=label))
    vault.set_pin(data_dir, vault.require_secret(data_dir), trainer_id, label, pin)
