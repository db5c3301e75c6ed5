"""A PostgreSQL primary and a streaming hot standby, started here on loopback (issue 21, docs/scaling.md): the
reports read from the standby, a person who has just written reads from the primary, and writes never go to
the standby. The clusters are the test's own (initdb, pg_basebackup), on free ports, removed afterwards."""

import json
import os
import shutil
import socket
import subprocess  # nosec B404 - the test starts PostgreSQL clusters with fixed argument lists
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL") or PG_BIN is None or shutil.which("runuser") is None,
    reason="PostgreSQL run only (make test-pg), with the server binaries and a postgres system user",
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*cmd: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True, text=True,  # noqa: S607
                          **kw)  # fmt: skip


def _psql(port: int, sql: str, db: str = "postgres") -> str:
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db, "-tAc", sql],  # noqa: S607
                         check=True, capture_output=True, text=True)  # fmt: skip
    return out.stdout.strip()


@pytest.fixture(scope="module")
def clusters():
    base = Path(tempfile.mkdtemp(prefix="dn-replica-"))
    shutil.chown(base, "postgres")
    primary, standby = base / "primary", base / "standby"
    p1, p2 = _port(), _port()
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync")
    with (primary / "postgresql.conf").open("a") as f:
        f.write(f"\nport = {p1}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{base}'\n"
                "wal_level = replica\nmax_wal_senders = 5\nfsync = off\n")  # fmt: skip
    with (primary / "pg_hba.conf").open("a") as f:
        f.write("\nhost replication all 127.0.0.1/32 trust\n")
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(primary), "-l", str(base / "primary.log"), "-w", "start")
    try:
        _as_postgres(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p1), "-U", "postgres", "-D",
                     str(standby), "-R", "-X", "stream")  # fmt: skip
        with (standby / "postgresql.conf").open("a") as f:
            f.write(f"\nport = {p2}\nhot_standby = on\n")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(standby), "-l", str(base / "standby.log"), "-w", "start")
        for _ in range(100):
            if _psql(p1, "SELECT state FROM pg_stat_replication") == "streaming":
                break
            time.sleep(0.1)
        else:
            pytest.fail("the standby did not start streaming")
        yield p1, p2
    finally:
        for d in (standby, primary):
            if d.exists():
                subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(d), "-m", "fast",  # noqa: S607
                                "-w", "stop"], capture_output=True)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


SCRIPT = r"""
import json, os, time, django
django.setup()
from datetime import date
from django.db import connections
from django.test import Client
from dryneedle.accounts.models import Membership, Role
from dryneedle.demo.seed import seed
seed(patients=60, clinics=1, seed=2, today=date.today(), quiet=True)
primary, standby = connections["default"], connections["replica"]
with primary.cursor() as c:
    c.execute("SELECT pg_current_wal_lsn()::text")
    lsn = c.fetchone()[0]
for _ in range(200):  # the standby replays the seed
    with standby.cursor() as c:
        c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
        if c.fetchone()[0]:
            break
    time.sleep(0.05)
user = Membership.objects.filter(role=Role.PRACTITIONER, needling=True).first().user
client = Client()
client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
out = {}
for conn in (primary, standby):
    conn.force_debug_cursor = True
def counted(fn):
    for conn in (primary, standby):
        conn.queries_log.clear()
    r = fn()
    return r, {"default": len(primary.queries), "replica": len(standby.queries)}
r, out["report"] = counted(lambda: client.get("/analytics/effectiveness/"))
out["report_status"] = r.status_code
with standby.cursor() as c:
    c.execute("SELECT pg_is_in_recovery()")
    out["standby_in_recovery"] = c.fetchone()[0]
r, out["chart"] = counted(lambda: client.get("/patients/"))
from dryneedle.patients.models import Episode
e = Episode.objects.filter(clinician=user).first()
url = f"/outcomes/episodes/{e.code}/responses/"
r, out["write"] = counted(lambda: client.post(url, {"instrument": "nprs", "score": "3"}))
out["cookie"] = "dn_wrote" in r.cookies
r, out["report_after_write"] = counted(lambda: client.get("/analytics/effectiveness/"))
# The standby goes away (its address stops answering): the report reads the primary instead of failing.
client.cookies.pop("dn_wrote")
standby.close()
standby.settings_dict["PORT"] = os.environ["UNUSED_PORT"]
r, out["report_standby_down"] = counted(lambda: client.get("/analytics/effectiveness/"))
out["report_standby_down_status"] = r.status_code
out["connect_timeout"] = standby.settings_dict["OPTIONS"].get("connect_timeout")
print(json.dumps(out))
"""


def test_reports_read_from_the_standby_and_a_writer_reads_the_primary(clusters):
    p1, p2 = clusters
    _psql(p1, "CREATE DATABASE app")
    for _ in range(100):  # the new database reaches the standby
        if _psql(p2, "SELECT 1 FROM pg_database WHERE datname = 'app'") == "1":
            break
        time.sleep(0.05)
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{p1}/app",
           "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{p2}/app", "SECRET_KEY": "r" * 50,
           "ALLOWED_HOSTS": "testserver", "DJANGO_SETTINGS_MODULE": "tests.settings", "HTTPS": "False",
           "AUDIT_CHECKPOINT_KEY": "replica-test", "UNUSED_PORT": str(_port()),
           "DATA_DIR": tempfile.mkdtemp(prefix="dn-replica-data-")}  # fmt: skip
    env.pop("DATABASE_OWNER_URL", None)
    env.pop("TEST_APP_ROLE", None)
    subprocess.run([sys.executable, "-m", "dryneedle", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["standby_in_recovery"] is True and got["report_status"] == 200
    # The report's reads went to the standby; the primary had only the request's own bookkeeping and audit row.
    assert got["report"]["replica"] >= 5, got
    # Every other page reads the primary.
    assert got["chart"]["replica"] == 0, got
    # A write goes to the primary and leaves the cookie; the writer's next report reads the primary.
    assert got["write"]["replica"] == 0 and got["cookie"], got
    assert got["report_after_write"]["replica"] == 0, got
    assert got["report_standby_down_status"] == 200 and got["report_standby_down"]["default"] >= 5, got
    assert got["connect_timeout"] == 3  # a standby that does not answer at all costs a report 3 s, not minutes
