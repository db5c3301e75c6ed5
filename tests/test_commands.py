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
    for table, kind in guards.GUARDED.items():
        assert f"{table}_no_delete" in names
        if kind == "append_only":
            assert f"{table}_no_update" in names
    assert {"visits_visit_signed_frozen", "visits_visit_count_out"} <= names or "visits_visit_check" in names
