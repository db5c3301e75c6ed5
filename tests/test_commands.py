"""Our management commands: documented, and the entry point behaves."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = (ROOT / "docs" / "cli.md").read_text()


def our_commands():
    return sorted(name for name, app in get_commands().items() if app.startswith("dryneedle"))


def test_every_command_has_help_and_a_section_in_docs_cli():
    names = our_commands()
    assert {"demo", "serve", "seed", "verify_audit"} <= set(names)
    for name in names:
        cmd = load_command_class(get_commands()[name], name)
        assert len(cmd.help) > 40, f"{name} needs a help text"
        assert f"## `dryneedle {name}" in CLI_DOC, f"document {name} in docs/cli.md"


def test_docs_cli_shows_each_commands_help():
    # The --help of every command is in docs/cli.md, exactly (python scripts/cli_docs.py --write keeps it so).
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_docs.py")], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_docs_check_notices_a_stale_help():
    sys.path.insert(0, str(ROOT / "scripts"))
    import cli_docs

    stale = CLI_DOC.replace("address to listen on (default: 127.0.0.1)", "address to listen on", 1)
    assert stale != CLI_DOC and cli_docs.updated(stale) == CLI_DOC


def test_serve_refuses_a_bad_port():
    with pytest.raises(CommandError, match="--port"):
        call_command("serve", port=70000, stdout=io.StringIO())


def test_the_entry_point_runs_django_commands(tmp_path):
    env = {**os.environ, "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "localhost", "DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    r = subprocess.run(
        [sys.executable, "-m", "dryneedle", "migrate", "-v0"], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "dryneedle", "verify_audit"], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0 and "Audit chain intact: 0 rows" in r.stdout
    assert (tmp_path / "dryneedle.sqlite3").exists()
    import sqlite3

    with sqlite3.connect(tmp_path / "dryneedle.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # WAL is stored in the file


@pytest.mark.django_db
def test_sqlite_runs_in_wal_with_full_sync():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as c:
        c.execute("PRAGMA synchronous")
        assert c.fetchone()[0] == 2  # FULL
        c.execute("PRAGMA foreign_keys")
        assert c.fetchone()[0] == 1


@pytest.mark.django_db
def test_issue_token_prints_a_working_token_once(alice, patient, client):
    out = io.StringIO()
    call_command("issue_token", "alice@a.example", name="tablet", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    r = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200 and r.json()["count"] == 1
    call_command("issue_token", "alice@a.example", revoke=True, stdout=io.StringIO())
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    with pytest.raises(CommandError, match="No active membership"):
        call_command("issue_token", "nobody@a.example", stdout=io.StringIO())


@pytest.mark.django_db
def test_every_guard_trigger_is_installed_after_migrate():
    """SQLite rebuilds a table to alter it, dropping its triggers: migrate must put them all back."""
    from django.db import connection

    from dryneedle.lib import guards

    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            c.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in c.fetchall()}
    for table, kind in guards.guarded().items():
        assert f"{table}_no_delete" in names
        if kind == "append_only":
            assert f"{table}_no_update" in names
    assert {"visits_visit_signed_frozen", "visits_visit_count_out"} <= names or "visits_visit_check" in names


def test_migrate_as_the_owner_grants_the_server_role_rows_only(tmp_path):
    """Finding 12 end to end: the owner migrates; the server's role reads and writes but cannot lift a guard."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        pytest.skip("PostgreSQL only")
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    suffix = uuid.uuid4().hex[:8]
    owner, app, name = f"drill_owner_{suffix}", f"drill_app_{suffix}", f"drill_roles_{suffix}"
    admin = urlsplit(url)

    def as_role(role, db=name):
        return urlunsplit(admin._replace(netloc=f"{role}@{admin.hostname}:{admin.port or 5432}", path=f"/{db}"))

    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f'CREATE ROLE "{owner}" LOGIN')
        c.execute(f'CREATE ROLE "{app}" LOGIN')
        c.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
    try:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "TEST_APP_ROLE")},
            "SECRET_KEY": "s" * 50,
            "ALLOWED_HOSTS": "localhost",
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": as_role(app),
            "DATABASE_OWNER_URL": as_role(owner),
        }

        def run(*args):
            return subprocess.run(
                [sys.executable, "-m", "dryneedle", *args], env=env, capture_output=True, text=True, timeout=300
            )

        assert run("migrate", "-v0").returncode == 0
        env.pop("DATABASE_OWNER_URL")
        seeded = run("seed", "--patients", "3", "--clinics", "1", "-v0")
        assert seeded.returncode == 0, seeded.stderr
        with psycopg.connect(as_role(app), autocommit=True) as c:
            owners = c.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'").fetchall()
            assert owners == [(owner,)]
            for sql in ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", "TRUNCATE audit_auditevent"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    c.execute(sql)
        deploy = run("check", "--deploy")
        assert "dryneedle.E001" not in deploy.stderr
        env["DATABASE_URL"] = as_role(owner)
        assert "dryneedle.E001" in run("check", "--deploy").stderr
    finally:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'DROP ROLE IF EXISTS "{app}"')
            c.execute(f'DROP ROLE IF EXISTS "{owner}"')
