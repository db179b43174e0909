"""Protecting a data folder with PINs: set-up, sign-in, PIN changes (no Qt, no CLI).

The GUI's sign-in dialog and settings, and `debc-outreach protect ...`, call these.
The caller closes its Store before `set_up` (the database file is replaced) and
opens it again afterwards; the device's sync key file is sealed by the sync
layer (`sync.keys.seal_key_file`) right after.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def set_up(data_dir: Path, trainer_id: str, label: str, pin: str) -> SetUp:
    """Create the vault (first profile + recovery code) and encrypt the database.

    The vault is written first: if the power goes while encrypting, the next start
    (with the PIN) finishes the job from the still-plain file.
    """
    secret, code = vault.create(data_dir, trainer_id, label, pin)
    vault.remember(data_dir, secret)
    try:
        result = encrypt_in_place(data_dir, vault.database_key(secret))
    except BaseException:
        # Refused (file in use, copy not verified): undo, the folder stays as it was.
        if is_plain_sqlite(data_dir / DB_FILENAME):
            vault.vault_path(data_dir).unlink(missing_ok=True)
            vault.forget(data_dir)
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
