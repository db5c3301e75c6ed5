"""dryneedle behind PgBouncer in transaction mode (issue 21, docs/scaling.md): no session-level state and no
server-side prepared statement is left on a server connection that the next transaction, perhaps another
client's, would inherit. The test starts its own PgBouncer in front of the PostgreSQL on 127.0.0.1:5432, and
writes through it from several threads at once: visits, questionnaires, audit rows whose per-clinic chain
takes a transaction-scoped lock; then the chains verify."""

import json
import os
import shutil
import socket
import subprocess  # nosec B404 - the test starts PgBouncer with a fixed argument list
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL") or not Path(PGBOUNCER).exists() or shutil.which("runuser") is None,
    reason="PostgreSQL run only (make test-pg), with pgbouncer installed (Makefile PG_DEBS)",
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SCRIPT = r"""
import json, threading, django
django.setup()
from datetime import date
from django.core.management import call_command
from django.db import connection
from conftest import client_for
from dryneedle.accounts.middleware import SESSION_KEY
from dryneedle.accounts.models import Membership, Role
from dryneedle.demo.seed import seed
from dryneedle.patients.models import Episode
seed(patients=40, clinics=2, seed=4, today=date.today(), quiet=True)
from dryneedle.outcomes.models import Response
errors, posted = [], []
def login(m):
    c = client_for(m.user)  # the test suite's helper: logged in, second factor passed where required
    # Someone may work at both clinics: open the one this thread works in.
    session = c.session
    session[SESSION_KEY] = str(m.clinic.code)
    session.save()
    return c
before = Response.objects.count()
def work(m):
    try:
        c = login(m)
        for e in Episode.objects.filter(clinician=m.user, clinic=m.clinic)[:6]:
            for _ in range(3):
                r = c.post(f"/outcomes/episodes/{e.code}/responses/", {"instrument": "nprs", "score": "4"})
                if r.status_code != 302:
                    errors.append(r.status_code)
                else:
                    posted.append(e.code)
                if c.get(f"/patients/episodes/{e.code}/").status_code != 200:
                    errors.append("episode page")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        errors.append(repr(exc))
    finally:
        connection.close()
def export(m):
    # The audit export streams through a server-side cursor (lib/sql.stream) while the writers keep PgBouncer's
    # few server connections changing hands.
    try:
        c = login(m)
        for _ in range(8):
            r = c.get("/audit/export.csv?from=2000-01-01T00:00")
            body = b"".join(r.streaming_content) if r.status_code == 200 else b""
            if body.count(b"\n") < 2:
                errors.append(f"export {r.status_code}")
            else:
                exported.append(1)
    except Exception as exc:  # noqa: BLE001 - reported to the test
        errors.append(repr(exc))
    finally:
        connection.close()
exported = []
admins = list(Membership.objects.filter(role=Role.CLINIC_ADMIN).select_related("user", "clinic"))
users = list(Membership.objects.filter(role=Role.PRACTITIONER).select_related("user", "clinic"))
threads = [threading.Thread(target=work, args=(m,)) for m in users * 2]
threads += [threading.Thread(target=export, args=(m,)) for m in admins * 2]
for t in threads: t.start()
for t in threads: t.join()
from io import StringIO
out = StringIO()
call_command("verify_audit", stdout=out)
with connection.cursor() as c:
    c.execute("SELECT count(*) FROM pg_prepared_statements")
    prepared = c.fetchone()[0]
print(json.dumps({"errors": errors, "users": len(users), "verify": out.getvalue(), "prepared": prepared,
                  "posted": len(posted), "exported": len(exported), "stored": Response.objects.count() - before}))
"""


def test_the_app_works_through_pgbouncer_in_transaction_mode():
    url = urlsplit(os.environ["DATABASE_URL"])
    admin = f"postgres://postgres@{url.hostname}:{url.port or 5432}"
    name = f"bouncer_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)  # noqa: S607
    base = Path(tempfile.mkdtemp(prefix="dn-pgbouncer-"))
    shutil.chown(base, "postgres")
    port = _port()
    (base / "pgbouncer.ini").write_text(
        f"[databases]\n{name} = host={url.hostname} port={url.port or 5432} dbname={name}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\n"
        f"auth_file = {base}/users.txt\npool_mode = transaction\nmax_client_conn = 100\ndefault_pool_size = 3\n"
        # psycopg sends these at connect; PgBouncer passes on only what it knows (jit is set on the database).
        f"ignore_startup_parameters = extra_float_digits, options\nunix_socket_dir = {base}\n"
        f"logfile = {base}/pgbouncer.log\npidfile = {base}/pgbouncer.pid\n"
    )
    (base / "users.txt").write_text('"postgres" ""\n')
    subprocess.run(["psql", f"{admin}/{name}", "-qc", f"ALTER DATABASE {name} SET jit = off"], check=True)  # noqa: S607
    subprocess.run(["runuser", "-u", "postgres", "--", PGBOUNCER, "-d", str(base / "pgbouncer.ini")], check=True)  # noqa: S607
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        env = {**os.environ, "SECRET_KEY": "b" * 50, "ALLOWED_HOSTS": "testserver", "HTTPS": "False",
               "DJANGO_SETTINGS_MODULE": "tests.settings", "AUDIT_CHECKPOINT_KEY": "pgbouncer-test",
               "DATA_DIR": tempfile.mkdtemp(prefix="dn-pgbouncer-data-")}  # fmt: skip
        env.pop("TEST_APP_ROLE", None)
        # Migrations run straight on PostgreSQL, as the owner (docs/operations.md); the server goes through PgBouncer.
        env["DATABASE_URL"] = f"{admin}/{name}"
        subprocess.run([sys.executable, "-m", "dryneedle", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/{name}"
        r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0, r.stderr[-3000:]
        got = json.loads(r.stdout.strip().splitlines()[-1])
        assert got["errors"] == [] and got["users"] >= 2, got
        # Every acknowledged answer is stored once, and the audit chains written concurrently still verify.
        assert got["exported"] >= 16, got
        assert got["posted"] >= 20 and got["stored"] == got["posted"], got
        assert "Audit chain intact" in got["verify"], got["verify"]
        assert got["prepared"] == 0  # nothing prepared on the server for the next client to trip over
    finally:
        pid = base / "pgbouncer.pid"
        if pid.exists():
            subprocess.run(["kill", pid.read_text().strip()], check=False)  # noqa: S607
        time.sleep(0.3)
        subprocess.run(["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],  # noqa: S607
                       check=False)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)
