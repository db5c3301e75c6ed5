"""Settings fail closed, every variable is documented, and production settings pass Django's deploy checks."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "configuration.md").read_text()


def run(code: str, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "HTTPS", "DATABASE_URL")
    }
    base.update(
        {"DJANGO_SETTINGS_MODULE": "dryneedle.settings", "DATA_DIR": str(ROOT / "var" / "test-settings"), **env}
    )
    return subprocess.run([sys.executable, "-c", code], env=base, cwd=ROOT, capture_output=True, text=True, timeout=120)


SETUP = "import django; django.setup(); print('ok')"


def test_every_variable_read_is_documented():
    names = set()
    for path in (ROOT / "dryneedle").rglob("*.py"):
        names |= set(re.findall(r'env(?:str|bool|int|list)\("([A-Z_]+)"', path.read_text()))
    assert len(names) > 15
    undocumented = sorted(n for n in names if f"### `{n}`" not in DOCS)
    assert not undocumented, f"add these to docs/configuration.md: {undocumented}"


def test_a_missing_secret_key_stops_start_up():
    r = run(SETUP, ALLOWED_HOSTS="example.org")
    assert r.returncode != 0 and "SECRET_KEY is not set" in r.stderr


def test_missing_allowed_hosts_stops_start_up():
    r = run(SETUP, SECRET_KEY="x" * 50)
    assert r.returncode != 0 and "ALLOWED_HOSTS is not set" in r.stderr


def test_debug_true_starts_without_them():
    assert run(SETUP, DEBUG="True").stdout.strip() == "ok"


def test_a_bad_boolean_is_refused():
    r = run(SETUP, DEBUG="yes")
    assert r.returncode != 0 and "Unexpected value DEBUG=yes" in r.stderr


def test_an_unreadable_secret_file_is_refused():
    r = run(SETUP, SECRET_KEY_FILE="/nonexistent/key", ALLOWED_HOSTS="example.org")
    assert r.returncode != 0 and "Error reading SECRET_KEY_FILE" in r.stderr


def test_the_demo_writes_and_reuses_a_generated_key(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    first = run(code, DRYNEEDLE_DEMO="True", ALLOWED_HOSTS="127.0.0.1", DATA_DIR=str(tmp_path)).stdout.strip()
    second = run(code, DRYNEEDLE_DEMO="True", ALLOWED_HOSTS="127.0.0.1", DATA_DIR=str(tmp_path)).stdout.strip()
    assert len(first) > 40 and first == second
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def deploy_check(**env):
    return subprocess.run(
        [sys.executable, "-m", "dryneedle", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **{k: v for k, v in os.environ.items() if k not in ("HTTPS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")},
            "DJANGO_SETTINGS_MODULE": "dryneedle.settings",
            "SECRET_KEY": "k" * 60 + "Zz9!",
            "ALLOWED_HOSTS": "clinic.example.org",
            "DATA_DIR": str(ROOT / "var" / "test-settings"),
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    url, role = os.environ.get("DATABASE_URL", ""), os.environ.get("TEST_APP_ROLE", "")
    if url and not role:
        # Finding 12: connected as the PostgreSQL superuser, the deploy check refuses.
        r = deploy_check()
        assert r.returncode != 0 and "dryneedle.E001" in r.stderr and "superuser" in r.stderr
        return
    env = {}
    if url:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        env["DATABASE_URL"] = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}"))
    r = deploy_check(**env)
    assert r.returncode == 0, r.stdout + r.stderr


def test_production_hashes_passwords_with_djangos_argon2():
    code = "import django; django.setup(); from django.conf import settings; print(settings.PASSWORD_HASHERS)"
    r = run(code, ALLOWED_HOSTS="example.org", SECRET_KEY="k" * 60)
    assert r.stdout.strip() == "['django.contrib.auth.hashers.Argon2PasswordHasher']", r.stderr
