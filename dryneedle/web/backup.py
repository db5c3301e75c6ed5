"""Encrypted, checksummed backups of the whole database, and their restore (issue 15, RT-18).

A backup is one consistent snapshot taken while the server keeps serving:
SQLite's online backup API, or ``pg_dump`` in custom format inside an
exported snapshot (the manifest's counts and chain heads come from that same
snapshot). The file is a short header and a sequence of frames, each a Fernet
token (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` library) of
``kind + sequence number + payload``:

* ``M`` the manifest (JSON: format, time, database, schema version, row counts
  per table, each audit chain's head), always first;
* ``D`` the database bytes, 1 MiB per frame;
* ``E`` the end: the number of data frames and the SHA-256 of their bytes.

The sequence numbers and the end frame make a reordered, repeated or cut-off
file fail; the HMAC makes a changed one fail; the key (``BACKUP_KEY``) is
never written to the file. Restore decrypts into a private temporary file and
checks everything before it touches the target database.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess  # pg_dump and pg_restore, fixed argument lists  # nosec B404
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connection
from django.utils import timezone

from dryneedle.lib.sql import analyze

MAGIC = b"DRYNEEDLE-BACKUP 1\n"
CHUNK = 1 << 20
FORMAT = 1


class BackupError(Exception):
    """A clear, user-facing reason a backup or restore cannot go on."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def _fernet(key: str) -> Fernet:
    if not key:
        raise BackupError("BACKUP_KEY is not set (make one with `dryneedle backup --new-key`; docs/operations.md).")
    try:
        return Fernet(key.encode())
    except ValueError:
        raise BackupError(
            "BACKUP_KEY is not a valid key: 32 bytes in URL-safe base64 (`dryneedle backup --new-key`)."
        ) from None


# -- Snapshots ---------------------------------------------------------------


def _sqlite_facts(db: sqlite3.Connection) -> dict:
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608 - names from sqlite_master  # nosec B608
    heads = {}
    for clinic, last_id, rows in db.execute(
        "SELECT clinic, MAX(id), COUNT(*) FROM audit_auditevent GROUP BY clinic"
    ).fetchall():
        head = db.execute("SELECT row_hash FROM audit_auditevent WHERE id = ?", (last_id,)).fetchone()[0]
        heads[str(uuid.UUID(clinic)) if clinic else "none"] = {"id": last_id, "rows": rows, "head": head}
    schema = dict(db.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app").fetchall())
    return {"counts": counts, "audit_heads": heads, "schema": schema}


def _pg_facts(cursor) -> dict:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    tables = [r[0] for r in cursor.fetchall()]
    counts = {}
    for t in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{t}"')  # noqa: S608 - names from the catalogue  # nosec B608
        counts[t] = cursor.fetchone()[0]
    cursor.execute(
        "SELECT a.clinic, a.id, c.rows, a.row_hash FROM audit_auditevent a JOIN "
        "(SELECT clinic, MAX(id) AS last, COUNT(*) AS rows FROM audit_auditevent GROUP BY clinic) c ON a.id = c.last"
    )
    heads = {
        (str(clinic) if clinic else "none"): {"id": last_id, "rows": rows, "head": head}
        for clinic, last_id, rows, head in cursor.fetchall()
    }
    cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app")
    return {"counts": counts, "audit_heads": heads, "schema": dict(cursor.fetchall())}


# Django's database setting -> psycopg keyword -> libpq environment variable (for pg_dump, pg_restore).
_LIBPQ = (
    ("NAME", "dbname", "PGDATABASE"),
    ("HOST", "host", "PGHOST"),
    ("PORT", "port", "PGPORT"),
    ("USER", "user", "PGUSER"),
    ("PASSWORD", "password", "PGPASSWORD"),
)


def _pg_params() -> list[tuple[str, str, str]]:
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    return [(keyword, variable, str(db[ours])) for ours, keyword, variable in _LIBPQ if db.get(ours)]


def _libpq_env() -> dict:
    return {**os.environ, **{variable: value for _k, variable, value in _pg_params()}}


def _pg_kwargs() -> dict:
    return {"autocommit": True, **{keyword: value for keyword, _v, value in _pg_params()}}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install Debian's postgresql-client (docs/operations.md).")
    return path


@dataclass
class Snapshot:
    manifest: dict
    chunks: Iterator[bytes]


def _read_chunks(f: IO[bytes]) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk


def _manifest(facts: dict) -> dict:
    from importlib.metadata import version

    return {
        "format": FORMAT,
        "made": timezone.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "dryneedle": version("dryneedle"),
        **facts,
    }


def _write(out: Path, manifest: dict, chunks: Iterator[bytes], f: Fernet) -> dict:
    digest = hashlib.sha256()
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    seq = 0

    def frame(kind: bytes, payload: bytes) -> None:
        nonlocal seq
        token = f.encrypt(kind + struct.pack(">Q", seq) + payload)
        fh.write(struct.pack(">I", len(token)) + token)
        seq += 1

    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC)
            frame(b"M", json.dumps(manifest, sort_keys=True).encode())
            n = 0
            for chunk in chunks:
                digest.update(chunk)
                frame(b"D", chunk)
                n += 1
            frame(b"E", json.dumps({"chunks": n, "sha256": digest.hexdigest()}).encode())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return {**manifest, "sha256": digest.hexdigest(), "bytes": out.stat().st_size}


def backup(out: Path, key: str) -> dict:
    """Write an encrypted backup of the whole database to ``out``; return its manifest."""
    f = _fernet(key)
    if out.exists():
        raise BackupError(f"{out} exists already; a backup never overwrites a file.")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent} is not a directory.")
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".dryneedle-backup-") as tmp:
            copy = Path(tmp) / "snapshot.sqlite3"
            src = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            dst = sqlite3.connect(copy)
            try:
                src.backup(dst)  # a consistent copy; writers carry on meanwhile
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                facts = _sqlite_facts(dst)
            finally:
                dst.close()
                src.close()
            with open(copy, "rb") as fh:
                return _write(out, _manifest(facts), _read_chunks(fh), f)
    if connection.vendor != "postgresql":
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    import psycopg

    pg_dump = _tool("pg_dump")
    env = _libpq_env()
    with psycopg.connect(**_pg_kwargs()) as conn, conn.cursor() as cursor:
        # One snapshot for the counts, the chain heads and the dump itself.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]  # type: ignore[index]  # the function returns one row
        facts = _pg_facts(cursor)
        proc = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell  # nosec B603
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        if proc.stdout is None:  # never: stdout=PIPE
            raise BackupError("pg_dump gave no output.")
        try:
            result = _write(out, _manifest(facts), _read_chunks(proc.stdout), f)
        finally:
            proc.stdout.close()
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            code = proc.wait()
        if code != 0:
            out.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {err.strip()[-400:]}")
        return result


# -- Reading a backup --------------------------------------------------------


def _frames(path: Path, f: Fernet) -> Iterator[tuple[bytes, bytes]]:
    with open(path, "rb") as fh:
        if fh.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path} is not a dryneedle backup (or is from an unknown format).")
        seq = 0
        while head := fh.read(4):
            if len(head) < 4:
                raise BackupError(f"{path} is cut off (damaged) after frame {seq}.")
            (length,) = struct.unpack(">I", head)
            token = fh.read(length)
            if len(token) < length:
                raise BackupError(f"{path} is cut off (damaged) in frame {seq}.")
            try:
                plain = f.decrypt(token)
            except InvalidToken:
                if seq == 0:
                    raise BackupError(
                        "The backup cannot be decrypted with this BACKUP_KEY: a wrong key, or a damaged file."
                    ) from None
                raise BackupError(f"{path} is damaged: frame {seq} fails its authentication check.") from None
            kind, (number,) = plain[:1], struct.unpack(">Q", plain[1:9])
            if number != seq:
                raise BackupError(f"{path} is damaged: frames out of order at frame {seq}.")
            yield kind, plain[9:]
            seq += 1


def unpack(path: Path, key: str, into: Path) -> dict:
    """Decrypt and check the whole backup into the file ``into``; return the manifest."""
    f = _fernet(key)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    manifest, end = None, None
    digest, n = hashlib.sha256(), 0
    fd = os.open(into, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for kind, payload in _frames(path, f):
            if end is not None:
                raise BackupError(f"{path} is damaged: data after its end.")
            if manifest is None:
                if kind != b"M":
                    raise BackupError(f"{path} is damaged: it does not begin with its manifest.")
                manifest = json.loads(payload)
            elif kind == b"D":
                digest.update(payload)
                out.write(payload)
                n += 1
            elif kind == b"E":
                end = json.loads(payload)
            else:
                raise BackupError(f"{path} is damaged: unknown frame.")
        out.flush()
        os.fsync(out.fileno())
    if manifest is None or end is None:
        raise BackupError(f"{path} is incomplete: it ends before its last frame (cut off).")
    if end != {"chunks": n, "sha256": digest.hexdigest()}:
        raise BackupError(f"{path} is damaged: its data does not match its checksum.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} has backup format {manifest.get('format')}; this version reads {FORMAT}.")
    return manifest


def _sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
    finally:
        db.close()


def restore(path: Path, key: str) -> dict:
    """Restore the backup at ``path`` into the configured database, which must hold no data yet."""
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(prefix=".dryneedle-restore-", dir=settings.DATA_DIR) as tmp:
        data = Path(tmp) / "data"
        manifest = unpack(path, key, data)
        if manifest["database"] != vendor:
            raise BackupError(
                f"This backup is of a {manifest['database']} database; the configured database is {vendor}."
            )
        if vendor == "sqlite":
            target = Path(settings.DATABASES["default"]["NAME"])
            connection.close()
            if not _sqlite_is_empty(target):
                raise BackupError(f"{target} holds data already; restore only into a fresh DATA_DIR.")
            check = sqlite3.connect(data)
            try:
                if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError("The backed-up database fails SQLite's integrity check.")
            finally:
                check.close()
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            os.replace(data, target)
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()")
                if cursor.fetchone()[0]:
                    raise BackupError("The configured PostgreSQL database is not empty; restore only into a new one.")
            connection.close()
            env = _libpq_env()
            run = subprocess.run(  # noqa: S603 - a fixed argument list, no shell  # nosec B603
                [
                    _tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "-d",
                    env["PGDATABASE"],
                    str(data),
                ],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if run.returncode != 0:
                raise BackupError(f"pg_restore failed: {run.stderr.strip()[-400:]}")
            analyze()
    return manifest


def compare(manifest: dict) -> list[str]:
    """What the restored database has that differs from the manifest, one sentence each."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            facts = _pg_facts(cursor)
    else:
        connection.ensure_connection()
        facts = _sqlite_facts(connection.connection)
    problems = []
    for table, want in manifest["counts"].items():
        got = facts["counts"].get(table)
        if got != want:
            problems.append(f"{table}: {got} rows restored, the backup had {want}.")
    if facts["audit_heads"] != manifest["audit_heads"]:
        problems.append("The audit chains' heads differ from the backup's manifest.")
    if facts["schema"] != manifest["schema"]:
        problems.append("The schema version differs from the backup's manifest.")
    return problems
