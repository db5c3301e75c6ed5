"""RT-18: backups are consistent while the server writes, encrypted, checked, and restore only into an empty database.

The drill runs the real commands in subprocesses against a database of its own:
seed, keep writing, back up, restore into a fresh database, compare every row.
It runs on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL).
"""

import io
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dryneedle.web import backup

KEY = backup.new_key()
PG = os.environ.get("DATABASE_URL", "")

WRITER = """
import sys, time, django
django.setup()
from pathlib import Path
from dryneedle.audit.log import record
from dryneedle.accounts.models import Clinic
clinics = list(Clinic.objects.all())
ready, stop = Path(sys.argv[1]), Path(sys.argv[2])
i = 0
deadline = time.monotonic() + 120
while not stop.exists() and time.monotonic() < deadline:
    record(None, "drill.write", clinic=clinics[i % len(clinics)], detail=f"write {i}")
    i += 1
    if i == 20:
        ready.touch()
print(i)
"""


class Database:
    """A database of the drill's own: a DATA_DIR for SQLite, a new database on the PostgreSQL server."""

    def __init__(self, tmp: Path, name: str):
        self.data_dir = tmp / name
        self.data_dir.mkdir()
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")},
            "DATA_DIR": str(self.data_dir),
            "SECRET_KEY": "drill-secret-key-" + "x" * 40,
            "ALLOWED_HOSTS": "localhost",
            "HTTPS": "False",
            "AUDIT_CHECKPOINT_KEY": "drill-checkpoint-key",
            "BACKUP_KEY": KEY,
            "DJANGO_SETTINGS_MODULE": "dryneedle.settings",
        }
        self.pg_name = None
        if PG:
            import psycopg

            self.pg_name = f"drill_{name}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{self.pg_name}"')
            self.env["DATABASE_URL"] = PG.rsplit("/", 1)[0] + "/" + self.pg_name

    def run(self, *args, check=True):
        r = subprocess.run(
            [sys.executable, "-m", "dryneedle", *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        if check:
            assert r.returncode == 0, r.stderr
        return r

    def rows(self) -> dict[str, list]:
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as c:
                tables = [
                    t
                    for (t,) in c.execute(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                    )
                ]
                query = 'SELECT * FROM "{}"'  # names from the catalogue
                return {t: sorted(map(repr, c.execute(query.format(t)))) for t in tables}
        db = sqlite3.connect(self.data_dir / "dryneedle.sqlite3")
        try:
            tables = [
                t
                for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
            ]
            query = 'SELECT * FROM "{}"'  # names from sqlite_master
            return {t: sorted(map(repr, db.execute(query.format(t)))) for t in tables}
        finally:
            db.close()

    def drop(self):
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


@pytest.fixture
def databases(tmp_path):
    made = []

    def make(name):
        made.append(Database(tmp_path, name))
        return made[-1]

    yield make
    for d in made:
        d.drop()


def test_restore_drill_while_writes_continue(tmp_path, databases):
    source, fresh = databases("source"), databases("fresh")
    source.run("migrate", "-v0")
    source.run("seed", "--patients", "30", "--clinics", "2", "-v0")
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(ready), str(stop)], env=source.env, stdout=subprocess.PIPE, text=True
    )
    try:
        for _ in range(600):
            if ready.exists() or writer.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.exists(), "the writer did not start"
        out = source.run("backup", "--out", str(tmp_path / "drill.bak")).stdout
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=60)[0])
    assert "Backed up" in out
    restored = fresh.run("restore", str(tmp_path / "drill.bak")).stdout
    assert "Restored the backup" in restored and "match the manifest" in restored
    # Every restored row is exactly a source row; the source has moved on since.
    before, after = source.rows(), fresh.rows()
    assert before.keys() == after.keys()
    for table, rows in after.items():
        assert set(rows) <= set(before[table]), table
    audit_after = [r for r in after["audit_auditevent"] if "drill.write" in r]
    assert 20 <= len(audit_after) < written  # taken mid-stream, not before or after the writes
    # 30, 2 newcomers per clinic who booked online (demo/portal.py), and the English clinic's former patient past its
    # retention period (demo/retention.py)
    assert len(after["patients_patient"]) == 35
    if fresh.pg_name:
        # pg_restore leaves the planner without statistics; the restore gathers them (lib/sql.analyze).
        import psycopg

        with psycopg.connect(fresh.env["DATABASE_URL"]) as c:
            (planned,) = c.execute("SELECT reltuples FROM pg_class WHERE relname = 'patients_patient'").fetchone()
        assert planned == 35
    # The restored copy is a working database: its chains and notes verify.
    assert "Audit chain intact" in fresh.run("verify_audit").stdout
    assert "intact" in fresh.run("verify_records").stdout
    # Restoring again into it is refused: it holds data now.
    again = fresh.run("restore", str(tmp_path / "drill.bak"), check=False)
    assert again.returncode == 2 and ("holds data" in again.stderr or "not empty" in again.stderr)


def _small_backup(tmp_path, vendor: str) -> Path:
    out = tmp_path / "small.bak"
    manifest = {"format": 1, "made": "2026-12-01T00:00:00+00:00", "database": vendor, "counts": {}}
    backup._write(out, manifest, iter([b"a" * 5000, b"b" * 5000]), backup._fernet(KEY))
    return out


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[:-40], "cut off"),
        (lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:], "cannot be decrypted"),
        (lambda b: b[:-200] + bytes([b[-200] ^ 1]) + b[-199:], "damaged"),
        (lambda b: b"PK\x03\x04 a zip file" + b, "not a dryneedle backup"),
    ],
    ids=["truncated", "first-frame", "last-frame", "foreign"],
)
def test_a_damaged_or_foreign_file_is_refused_with_a_clear_message(tmp_path, settings, damage, message):
    path = _small_backup(tmp_path, "sqlite")
    path.write_bytes(damage(path.read_bytes()))
    settings.BACKUP_KEY = KEY
    with pytest.raises(CommandError, match=message) as e:
        call_command("restore", str(path))
    assert e.value.returncode == 2


def test_a_wrong_or_missing_key_is_refused(tmp_path, settings):
    path = _small_backup(tmp_path, "sqlite")
    settings.BACKUP_KEY = backup.new_key()
    with pytest.raises(CommandError, match="wrong key"):
        call_command("restore", str(path))
    settings.BACKUP_KEY = ""
    with pytest.raises(CommandError, match="BACKUP_KEY is not set"):
        call_command("backup", "--out", str(tmp_path / "x.bak"))
    settings.BACKUP_KEY = "not-a-key"
    with pytest.raises(CommandError, match="not a valid key"):
        call_command("backup", "--out", str(tmp_path / "x.bak"))
    assert not (tmp_path / "x.bak").exists()


def test_the_key_is_not_in_the_file_and_the_data_are_not_readable(tmp_path):
    path = _small_backup(tmp_path, "sqlite")
    blob = path.read_bytes()
    assert KEY.encode() not in blob and b"aaaa" not in blob and b"counts" not in blob


@pytest.mark.django_db
def test_a_backup_never_overwrites_a_file(tmp_path, settings):
    settings.BACKUP_KEY = KEY
    (tmp_path / "keep.bak").write_text("an older backup")
    with pytest.raises(CommandError, match="exists already") as e:
        call_command("backup", "--out", str(tmp_path / "keep.bak"), stdout=io.StringIO())
    assert e.value.returncode == 2 and (tmp_path / "keep.bak").read_text() == "an older backup"


def test_a_backup_of_the_other_database_kind_is_refused(tmp_path, settings):
    from django.db import connection

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    path = _small_backup(tmp_path, other)
    settings.BACKUP_KEY = KEY
    with pytest.raises(CommandError, match=f"backup is of a {other} database"):
        call_command("restore", str(path))


def test_the_manifest_names_schema_counts_and_chain_heads(tmp_path):
    path = _small_backup(tmp_path, "sqlite")
    manifest = backup.unpack(path, KEY, tmp_path / "out")
    assert manifest["database"] == "sqlite" and (tmp_path / "out").read_bytes() == b"a" * 5000 + b"b" * 5000
    assert json.dumps(manifest)
