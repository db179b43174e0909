"""The hub's database: a SQLite file by default, PostgreSQL (psycopg 3) for national scale.

Both run the same migrations and the same SQL: statements are written with
`?` placeholders and portable types, and `?` becomes `%s` for PostgreSQL.
One connection per thread (the server runs requests in a thread pool).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _

CERTIFICATE = "issued_certificate"      # the entity whose place is its person's
PERSON_FIELD = "participant_id"


def _learn_certificate_people(db: HubDB) -> None:
    """Fill hub_certificate from the certificate events already stored (latest stamp
    wins, as when they are stored), in Python: the same on SQLite and PostgreSQL."""
    people: dict[str, tuple[str, int]] = {}
    for entity_id, fields, hlc in db.query(
            "SELECT entity_id, fields, hlc FROM hub_event WHERE entity = ? "
            "ORDER BY hlc, device_id, seq", (CERTIFICATE,)):
        try:
            person = json.loads(fields).get(PERSON_FIELD)
        except (ValueError, AttributeError):
            continue                      # a hash-only stand-in: no fields
        if isinstance(person, str):
            people[entity_id] = (person, int(hlc))
    db.executemany("INSERT INTO hub_certificate VALUES (?, ?, ?)",
                   [(entity_id, person, hlc) for entity_id, (person, hlc)
                    in sorted(people.items())])


MIGRATIONS: tuple[tuple[str, tuple[str | Callable[[HubDB], None], ...]], ...] = (
    ("0001_hub", (
        "CREATE TABLE hub_config (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # Events exactly as devices store them (fields/base: canonical JSON text).
        "CREATE TABLE hub_event (device_id TEXT NOT NULL, seq BIGINT NOT NULL, "
        "hlc BIGINT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, "
        "op TEXT NOT NULL, fields TEXT NOT NULL, base TEXT NOT NULL, "
        "schema_version INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, "
        "bundle_id TEXT NOT NULL, PRIMARY KEY (device_id, seq))",
        # The contiguous head of every device's chain held here (the hub's version vector).
        "CREATE TABLE hub_head (device_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, "
        "hash TEXT NOT NULL)",
        # entity id -> village code (latest stamp wins), to filter deltas by scope.
        "CREATE TABLE hub_place (entity_id TEXT PRIMARY KEY, village TEXT NOT NULL, "
        "hlc BIGINT NOT NULL)",
        "CREATE TABLE hub_bundle (bundle_id TEXT PRIMARY KEY, sender TEXT NOT NULL, "
        "received_at TEXT NOT NULL, events INTEGER NOT NULL, new_events INTEGER NOT NULL, "
        "duplicates INTEGER NOT NULL)",
        "CREATE TABLE hub_device (device_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "role TEXT NOT NULL, scope TEXT NOT NULL, certificate TEXT NOT NULL, "
        "expires TEXT NOT NULL, vector TEXT NOT NULL DEFAULT '{}', "
        "first_seen TEXT NOT NULL, last_push TEXT NOT NULL DEFAULT '', "
        "last_pull TEXT NOT NULL DEFAULT '', pushes INTEGER NOT NULL DEFAULT 0, "
        "pulls INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE hub_enrolment (device_id TEXT PRIMARY KEY, request TEXT NOT NULL, "
        "received_at TEXT NOT NULL, document TEXT NOT NULL DEFAULT '')",
    )),
    ("0002_signed_heads", (
        # Chain heads signed by the device that wrote them (sync/heads.py), passed on in
        # every delta: devices apply a chain only up to one of them.
        "CREATE TABLE hub_signed_head (device_id TEXT NOT NULL, seq BIGINT NOT NULL, "
        "hash TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (device_id, seq))",
    )),
    ("0003_certificate_people", (
        # certificate id -> its person (latest stamp wins): a certificate is where its
        # person lives, so an edit that names no person is still checked against the
        # scope of the person's village (ingest.py).
        "CREATE TABLE hub_certificate (entity_id TEXT PRIMARY KEY, "
        "participant_id TEXT NOT NULL, hlc BIGINT NOT NULL)",
        _learn_certificate_people,
    )),
)


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


class HubDB:
    """Connections to the hub database named by `url` (a file path or postgresql://…)."""

    def __init__(self, url: str):
        self.url = url
        self.postgres = is_postgres(url)
        self._local = threading.local()
        self._all: list = []
        self._guard = threading.Lock()
        # SQLite has one writer at a time: serialise writers here rather than spin on BUSY.
        self.write_lock = threading.Lock() if not self.postgres else None
        if not self.postgres:
            path = Path(url.removeprefix("sqlite:///")).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._path = path
        self.migrate()

    # --- connections -------------------------------------------------------------------

    def _connect(self):
        if self.postgres:
            try:
                import psycopg
            except ImportError as error:
                raise UserError(_("PostgreSQL support needs the hub extra: pip install "
                                  "'debc-outreach[hub]'.")) from error
            try:
                return psycopg.connect(self.url, autocommit=True)
            except psycopg.Error as error:
                raise UserError(_("The hub database {url} cannot be reached ({reason}).")
                                .format(url=_redacted(self.url),
                                        reason=str(error).strip().splitlines()[0])) from error
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    @property
    def conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            with self._guard:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001 - closing at shutdown, nothing to report
                    pass
            self._all.clear()
        self._local = threading.local()

    # --- statements --------------------------------------------------------------------

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def execute(self, statement: str, params: Sequence = ()):
        return self.conn.execute(self.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: list[Sequence]) -> None:
        if not rows:
            return
        if self.postgres:
            with self.conn.cursor() as cursor:
                cursor.executemany(self.sql(statement), rows)
        else:
            self.conn.executemany(statement, rows)

    def query(self, statement: str, params: Sequence = ()) -> list[tuple]:
        return list(self.execute(statement, params).fetchall())

    def scalar(self, statement: str, params: Sequence = ()):
        row = self.execute(statement, params).fetchone()
        return row[0] if row else None

    @contextmanager
    def transaction(self) -> Iterator[HubDB]:
        """One transaction on this thread's connection (SQLite: writers take turns)."""
        lock = self.write_lock
        if lock is not None:
            lock.acquire()
        conn = self.conn
        try:
            if self.postgres:
                with conn.transaction():
                    yield self
            else:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        finally:
            if lock is not None:
                lock.release()

    def lock_devices(self, devices: list[str]) -> None:
        """PostgreSQL: hold each device's chain (or any named thing) for this transaction
        (sorted: no deadlock)."""
        if self.postgres:
            for device in sorted(set(devices)):
                self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (device,))

    # --- schema ------------------------------------------------------------------------

    def migrate(self) -> None:
        with self.transaction():
            self.execute("CREATE TABLE IF NOT EXISTS hub_migrations (name TEXT PRIMARY KEY, "
                         "applied_at TEXT NOT NULL)")
            if self.postgres:   # two servers starting at once: one migrates, one waits
                self.execute("SELECT pg_advisory_xact_lock(4242)")
            done = {row[0] for row in self.query("SELECT name FROM hub_migrations")}
            known = {name for name, _statements in MIGRATIONS}
            if done - known:
                raise UserError(_("The hub database was written by a newer version of DEBC "
                                  "Outreach. Update the hub."))
            for name, statements in MIGRATIONS:
                if name in done:
                    continue
                for statement in statements:
                    if callable(statement):
                        statement(self)
                    else:
                        self.execute(statement)
                self.execute("INSERT INTO hub_migrations VALUES (?, CURRENT_TIMESTAMP)",
                             (name,))


def _redacted(url: str) -> str:
    """A database URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url
