"""The ONE SQLite driver of the app: SQLCipher's build of SQLite for every database.

Plain data folders simply never set a key; protected ones set a raw 256-bit key
(`PRAGMA key = "x'…'"`, no PBKDF2 on open, so opening costs nothing). One SQLite
build everywhere avoids version differences of the system library (the stdlib
`sqlite3` of Python 3.11 may bundle 3.40, whose trigram LIKE has a known bug).

`sqlcipher3`'s exception classes are not subclasses of the stdlib ones, so code
catches `driver.Error` & co. from here, never `sqlite3.Error`.
"""

from __future__ import annotations

from sqlcipher3 import dbapi2 as _dbapi

connect = _dbapi.connect
Connection = _dbapi.Connection
Row = _dbapi.Row
Error = _dbapi.Error
DatabaseError = _dbapi.DatabaseError
OperationalError = _dbapi.OperationalError
IntegrityError = _dbapi.IntegrityError
sqlite_version = _dbapi.sqlite_version

KEY_BYTES = 32
ENCRYPTED_CACHE_KIB = 65536


def key_pragma_value(key: bytes) -> str:
    """The `PRAGMA key` argument for a raw key: SQLCipher uses it as is (no KDF)."""
    if len(key) != KEY_BYTES:
        raise ValueError("a database key is 32 bytes")
    return "\"x'" + key.hex() + "'\""


def apply_key(conn: Connection, key: bytes | None) -> None:
    """Set the key of a freshly opened connection (before any other statement)."""
    if key is not None:
        conn.execute(f"PRAGMA key = {key_pragma_value(key)}")
        # Sorts and temporary indexes stay in memory, never in a temporary file.
        conn.execute("PRAGMA temp_store = MEMORY")
        # Every page read from disk is decrypted: keep up to 64 MB of decrypted pages
        # (grown only as used) so repeated work does not pay for it again.
        conn.execute(f"PRAGMA cache_size = -{ENCRYPTED_CACHE_KIB}")
