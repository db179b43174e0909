"""The ONE SQLite driver of the app: SQLCipher's build of SQLite for every database.

Plain data folders simply never set a key; protected ones set a raw 256-bit key
(`PRAGMA key = "x'…'"`, no PBKDF2 on open, so opening costs nothing). One SQLite
build everywhere avoids version differences of the system library (the stdlib
`sqlite3` of Python 3.11 may bundle 3.40, whose trigram LIKE has a known bug).

`sqlcipher3`'s exception classes are not subclasses of the stdlib ones, so code
catches `driver.Error` & co. from here, never `sqlite3.Error`.

Cipher profiles
---------------
Every page is encrypted with AES-256-CBC and authenticated with an HMAC (a changed
or swapped page fails to open). SQLCipher 4's default HMAC is SHA-512; protected
folders use HMAC-SHA256, still a full 256-bit tag per page, because on CPUs with
SHA extensions it costs half as much (`openssl speed`, 4 KB blocks: SHA-256
1.7 GB/s, SHA-512 0.8 GB/s) and a check-in writes about 8 pages. The effect on
check-in time is measured by `bench/bench_protection.py`.

`CIPHER_PROFILES` lists the settings applied after the key, newest first; a file
can only be read with the settings it was written with. The last one (empty: the
SQLCipher 4 defaults, HMAC-SHA512) is the legacy profile of folders protected by
earlier builds. `Database` tries them in order, and new encrypted files get
profile 0. Legacy folders are NOT re-encrypted automatically: they keep working as
they are (rekeying a folder would be a deliberate, verified step like
`encryption.encrypt_in_place`, not a side effect of opening it).

The profiles differ in the per-page space the codec uses for IV + HMAC: 16 + 32 =
48 bytes with SHA-256, 16 + 64 = 80 with SHA-512. (The page header announces 80
reserved bytes in both: `PRAGMA key` sets the default 80 first and SQLite never
shrinks a file's reserved space, so 32 bytes a page stay unused with SHA-256.)
A backup (`sqlite3_backup`) does NOT need equal profiles: it copies decrypted
pages and the destination connection encrypts them with its own key and profile
(checked both ways: integrity_check "ok", every row, the destination's profile).
`backup.backup_database` still gives a backup its source's profile, so a folder
and its backups are alike, and a legacy folder's backups stay readable by the
builds that made the folder.
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

# Pragmas run right after the key, `{schema}` being "main" or an attached name.
CIPHER_PROFILES: tuple[tuple[str, ...], ...] = (
    ("PRAGMA {schema}.cipher_hmac_algorithm = HMAC_SHA256",),  # 0: current
    (),                                                         # 1: legacy (HMAC-SHA512)
)
CURRENT_PROFILE = 0
LEGACY_PROFILE = len(CIPHER_PROFILES) - 1

_log_silenced = False


def key_pragma_value(key: bytes) -> str:
    """The `PRAGMA key` argument for a raw key: SQLCipher uses it as is (no KDF)."""
    if len(key) != KEY_BYTES:
        raise ValueError("a database key is 32 bytes")
    return "\"x'" + key.hex() + "'\""


def silence_cipher_log(conn: Connection) -> None:
    """Stop SQLCipher writing its own log lines to stderr (once per process).

    Trying a file with the wrong profile makes SQLCipher print "ERROR CORE ... hmac
    check failed" lines; the failure reaches us as an exception anyway. The log level
    is one setting for the whole process (not per connection), so it is set at the
    first key used; plain folders never pay for it.
    """
    global _log_silenced
    if not _log_silenced:
        conn.execute("PRAGMA cipher_log_level = NONE").fetchall()
        _log_silenced = True


def _profile_pragmas(profile: int, schema: str) -> tuple[str, ...]:
    return tuple(sql.format(schema=schema) for sql in CIPHER_PROFILES[profile])


def apply_key(conn: Connection, key: bytes | None, profile: int = CURRENT_PROFILE) -> None:
    """Set the key and cipher profile of a freshly opened connection (before any other
    statement); a plain database (`key` None) gets nothing."""
    if key is not None:
        conn.execute(f"PRAGMA key = {key_pragma_value(key)}")
        silence_cipher_log(conn)
        for sql in _profile_pragmas(profile, "main"):
            conn.execute(sql)
        # Sorts and temporary indexes stay in memory, never in a temporary file.
        conn.execute("PRAGMA temp_store = MEMORY")
        # Every page read from disk is decrypted: keep up to 64 MB of decrypted pages
        # (grown only as used) so repeated work does not pay for it again.
        conn.execute(f"PRAGMA cache_size = -{ENCRYPTED_CACHE_KIB}")


def attach_encrypted(conn: Connection, path: str, schema: str, key: bytes,
                     profile: int = CURRENT_PROFILE) -> None:
    """`ATTACH DATABASE path AS schema KEY key`, then that schema's cipher profile
    (before anything reads or writes the attached file)."""
    if len(key) != KEY_BYTES:
        raise ValueError("a database key is 32 bytes")
    if not schema.isidentifier():
        raise ValueError(f"bad schema name {schema!r}")
    silence_cipher_log(conn)
    conn.execute(f"ATTACH DATABASE ? AS {schema} KEY ?", (path, "x'" + key.hex() + "'"))
    try:
        for sql in _profile_pragmas(profile, schema):
            conn.execute(sql)
    except BaseException:
        conn.execute(f"DETACH DATABASE {schema}")
        raise
