"""The audit trail: append-only in the database, hash-chained, and readable by admins and auditors only."""

import csv
import io
import random
import zoneinfo
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from dryneedle.audit.log import record, verify
from dryneedle.audit.models import AuditEvent
from dryneedle.lib import guards

pytestmark = pytest.mark.django_db


def make_rows(n: int, clinic=None, user=None):
    for i in range(n):
        record(None, f"test.event{i % 5}", clinic=clinic, user=user, detail=f"row {i}")


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_rows_chain_and_verify(clinic_a):
    make_rows(20, clinic_a)
    n, bad, _ = verify()
    assert n == 20 and bad is None
    rows = list(AuditEvent.objects.order_by("id"))
    assert rows[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.row_hash for a, b in pairwise(rows))


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_auditevent SET detail = 'changed'", "DELETE FROM audit_auditevent"],
)
def test_the_database_refuses_update_and_delete(clinic_a, sql):
    make_rows(3, clinic_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql)
    assert AuditEvent.objects.count() == 3


def test_the_orm_cannot_change_rows_either(clinic_a):
    make_rows(2, clinic_a)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(detail="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()


def _tamper(kind: str, rows: list[AuditEvent], rng: random.Random) -> None:
    """Change the table the way an attacker with file or superuser access could."""
    guards.uninstall(connection, "audit_auditevent")
    try:
        victim = rows[rng.randrange(1, len(rows) - 1)]
        if kind == "change":
            raw("UPDATE audit_auditevent SET detail = %s WHERE id = %s", ("edited", victim.id))
        elif kind == "delete":
            raw("DELETE FROM audit_auditevent WHERE id = %s", (victim.id,))
        else:  # swap the content of two neighbouring rows, hashes and all
            other = rows[rows.index(victim) + 1]
            for row, src in ((victim, other), (other, victim)):
                raw(
                    "UPDATE audit_auditevent SET detail = %s, action = %s, prev_hash = %s, row_hash = %s WHERE id = %s",
                    (src.detail, src.action, src.prev_hash, "t" + src.row_hash[1:], row.id),
                )
    finally:
        guards.install(connection, "audit_auditevent", "append_only")


@pytest.mark.owner
def test_verify_detects_every_kind_of_tampering(clinic_a):
    """100 random trials over change, delete and reorder (RT-05c; 10,000-row variant in test-long)."""
    make_rows(30, clinic_a)
    rng = random.Random(5)
    for trial in range(100):
        kind = ("change", "delete", "reorder")[trial % 3]
        sid = transaction.savepoint()
        rows = list(AuditEvent.objects.order_by("id"))
        _tamper(kind, rows, rng)
        _n, bad, _why = verify()
        assert bad is not None, f"trial {trial}: {kind} not detected"
        transaction.savepoint_rollback(sid)
    assert verify()[1] is None


@pytest.mark.owner
def test_verify_audit_command_reports_the_first_broken_link(clinic_a):
    make_rows(5, clinic_a)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "5 rows verified" in out.getvalue()
    rows = list(AuditEvent.objects.order_by("id"))
    guards.uninstall(connection, "audit_auditevent")
    raw("UPDATE audit_auditevent SET username = 'mallory' WHERE id = %s", (rows[2].id,))
    guards.install(connection, "audit_auditevent", "append_only")
    with pytest.raises(CommandError, match=f"row 3 \\(id {rows[2].id},"):
        call_command("verify_audit")


def test_the_log_page_is_for_admins_and_auditors(as_admin, as_audrey, as_alice, as_bob, as_charlie, clinic_a, clinic_b):
    record(None, "patient.view", clinic=clinic_a, detail="in A")
    record(None, "patient.view", clinic=clinic_b, detail="in B")
    for c in (as_admin, as_audrey):
        r = c.get("/audit/")
        assert r.status_code == 200 and b"in A" in r.content and b"in B" not in r.content
    for c in (as_alice, as_bob, as_charlie):
        assert c.get("/audit/").status_code == 403


def test_the_log_filters_by_time_window_and_exports_csv(as_audrey, clinic_a):
    for days, label in ((10, "evt-old"), (3, "evt-mid"), (0, "evt-new")):
        row = AuditEvent(ts=datetime.now(UTC) - timedelta(days=days), clinic=clinic_a.code, action="x", detail=label)
        prev = AuditEvent.objects.order_by("-id").values_list("row_hash", flat=True).first() or "0" * 64
        from dryneedle.audit.log import hash_of

        row.prev_hash, row.row_hash = prev, hash_of(prev, row)
        row.save()
    start = (datetime.now(UTC) - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    end = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = as_audrey.get(f"/audit/?from={start}&to={end}")
    assert b"evt-mid" in r.content and b"evt-old" not in r.content and b"evt-new" not in r.content
    r = as_audrey.get(f"/audit/export.csv?from={start}&to={end}&sort=ts")
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert rows[0][0] == "ts" and [x[rows[0].index("detail")] for x in rows[1:]] == ["evt-mid"]
    assert as_audrey.get("/audit/?sort=password").status_code == 400
    assert as_audrey.get("/audit/?from=yesterday").status_code == 400
    assert as_audrey.get(f"/audit/?from={end}&to={start}").status_code == 400
    assert AuditEvent.objects.filter(action="audit.export").count() == 1


@pytest.mark.parametrize("sort", ["ts", "-ts", "username", "-username", "action", "-action", "outcome", "ip"])
def test_the_log_sorts_by_each_column(as_audrey, clinic_a, sort):
    for name in ("carol", "alice", "bob"):
        record(None, f"act.{name}", clinic=clinic_a, detail=name)
    r = as_audrey.get(f"/audit/export.csv?sort={sort}&action=act.")
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    key = sort.lstrip("-")
    values = [row[key] for row in rows]
    assert values == sorted(values, reverse=sort.startswith("-"))


@pytest.mark.long
@pytest.mark.owner
def test_tampering_is_detected_in_a_10000_row_log(clinic_a):
    """RT-05c at size: 100 random trials over 10,000 rows (make test-long)."""
    make_rows(10_000, clinic_a)
    rng = random.Random()
    rows = list(AuditEvent.objects.order_by("id"))
    for trial in range(100):
        sid = transaction.savepoint()
        _tamper(("change", "delete", "reorder")[trial % 3], rows, rng)
        assert verify()[1] is not None, f"trial {trial} not detected"
        transaction.savepoint_rollback(sid)


def _delete_newest(n: int, clinic=None):
    guards.uninstall(connection, "audit_auditevent")
    try:
        rows = AuditEvent.objects.order_by("-id")
        if clinic is not None:
            rows = rows.filter(clinic=clinic.code)
        for pk in list(rows.values_list("id", flat=True)[:n]):
            raw("DELETE FROM audit_auditevent WHERE id = %s", (pk,))
    finally:
        guards.install(connection, "audit_auditevent", "append_only")


def test_each_clinic_has_its_own_chain(clinic_a, clinic_b):
    for i in range(6):
        record(None, "x.y", clinic=(clinic_a, clinic_b)[i % 2])
    record(None, "login.failed")
    a = list(AuditEvent.objects.filter(clinic=clinic_a.code).order_by("id"))
    b = list(AuditEvent.objects.filter(clinic=clinic_b.code).order_by("id"))
    assert a[0].prev_hash == b[0].prev_hash == "0" * 64
    assert all(y.prev_hash == x.row_hash for x, y in pairwise(a))
    assert all(y.prev_hash == x.row_hash for x, y in pairwise(b))
    assert AuditEvent.objects.get(clinic=None).prev_hash == "0" * 64
    assert verify()[1] is None


@pytest.mark.owner
def test_deleting_the_newest_rows_is_caught_by_the_checkpoint(clinic_a, clinic_b):
    # Finding 6: a chain cut short is still a valid chain; only a head kept outside the database shows it.
    make_rows(5, clinic_a)
    make_rows(3, clinic_b)
    call_command("checkpoint_audit", stdout=io.StringIO())
    make_rows(2, clinic_a)  # rows after the checkpoint may be added
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "No row lost since the checkpoint" in out.getvalue()
    _delete_newest(3, clinic_a)  # two new rows and the checkpointed head
    assert verify()[1] is None  # the chain alone cannot tell
    with pytest.raises(CommandError, match=f"Chain {clinic_a.code} is truncated"):
        call_command("verify_audit")


@pytest.mark.owner
def test_every_row_of_a_chain_deleted_is_caught_too(clinic_a, clinic_b):
    make_rows(2, clinic_a)
    make_rows(2, clinic_b)
    call_command("checkpoint_audit", stdout=io.StringIO())
    _delete_newest(2, clinic_b)
    with pytest.raises(CommandError, match="ends at nothing"):
        call_command("verify_audit")


def test_an_edited_or_shortened_checkpoint_file_is_refused(settings, clinic_a):
    make_rows(2, clinic_a)
    call_command("checkpoint_audit", stdout=io.StringIO())
    make_rows(1, clinic_a)
    call_command("checkpoint_audit", stdout=io.StringIO())
    path = settings.AUDIT_CHECKPOINT_FILE
    lines = open(path).read().splitlines()
    open(path, "w").write(lines[0].replace('"rows":2', '"rows":1') + "\n" + lines[1] + "\n")
    with pytest.raises(CommandError, match="line 1 has a bad signature"):
        call_command("verify_audit")
    open(path, "w").write(lines[1] + "\n")  # the first line removed
    with pytest.raises(CommandError, match="does not follow"):
        call_command("verify_audit")
    settings.AUDIT_CHECKPOINT_KEY = "another key"
    open(path, "w").write("\n".join(lines) + "\n")
    with pytest.raises(CommandError, match="bad signature"):
        call_command("verify_audit")


@pytest.mark.owner
def test_no_checkpoint_is_anchored_over_a_broken_or_shortened_chain(settings, clinic_a):
    make_rows(4, clinic_a)
    call_command("checkpoint_audit", stdout=io.StringIO())
    _delete_newest(1, clinic_a)
    with pytest.raises(CommandError, match="shorter than its last checkpoint"):
        call_command("checkpoint_audit")
    settings.AUDIT_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="AUDIT_CHECKPOINT_KEY is not set"):
        call_command("verify_audit")


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_checkpoint_email_goes_to_each_clinics_admins(admin, clinic_a, mailoutbox):
    make_rows(3, clinic_a)
    call_command("checkpoint_audit", "--email", stdout=io.StringIO())
    assert [m.to for m in mailoutbox] == [[admin.email]]
    head = AuditEvent.objects.filter(clinic=clinic_a.code).order_by("-id").first()
    assert head.row_hash in mailoutbox[0].body and "Rows: 3" in mailoutbox[0].body


@pytest.mark.django_db(transaction=True)
def test_writers_in_two_clinics_do_not_wait_on_each_other(clinic_a, clinic_b):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time by design")
    import threading

    from django.db import connections

    started, done = threading.Event(), threading.Event()

    def hold_clinic_a():
        with transaction.atomic():
            record(None, "x.hold", clinic=clinic_a)
            started.set()
            done.wait(10)
        connections.close_all()

    t = threading.Thread(target=hold_clinic_a)
    t.start()
    started.wait(10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        record(None, "x.other", clinic=clinic_b)  # would time out behind one site-wide lock
    finally:
        done.set()
        t.join()
    assert AuditEvent.objects.count() == 2


def test_the_application_role_cannot_lift_the_guards(clinic_a):
    """Finding 12: as the server's PostgreSQL role, one statement no longer disables the triggers."""
    import os

    if connection.vendor != "postgresql" or not os.environ.get("TEST_APP_ROLE"):
        pytest.skip("PostgreSQL run as the application role (make test-pg)")
    from dryneedle.lib.pgroles import privileged

    assert privileged(connection) == ""
    for sql in (
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_auditevent_no_delete ON audit_auditevent",
        "TRUNCATE audit_auditevent",
        "SET session_replication_role = replica",
        "CREATE TABLE x (id int)",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            raw(sql)
    from django.core import checks

    assert not [e for e in checks.run_checks(include_deployment_checks=True) if e.id == "dryneedle.E001"]


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(as_audrey, clinic_a):
    # Text anyone typed (a token's name, a reason) reaches the export: it must open as text.
    record(None, "token.issue", clinic=clinic_a, detail='=HYPERLINK("http://evil.example","x")')
    record(None, "token.issue", clinic=clinic_a, detail="+1 303 555 0100")
    r = as_audrey.get("/audit/export.csv?action=token.")
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    details = sorted(row["detail"] for row in rows)
    assert details == ["'+1 303 555 0100", '\'=HYPERLINK("http://evil.example","x")']


def test_csv_cells_keep_numbers_and_plain_text():
    from dryneedle.lib.csvout import cell

    assert [cell(v) for v in (-3, 2.5, None, "plain", "-x", "@sum", "\tx")] == [
        -3,
        2.5,
        "",
        "plain",
        "'-x",
        "'@sum",
        "'\tx",
    ]


def test_the_log_reads_as_a_clinic_admin_needs_it(as_admin, as_audrey, clinic_a, patient):
    """Issue 18: times in the clinic's zone beside UTC, patients by name for an admin (a code for an auditor, who
    may not read patient records), a sort menu in words, suggestions for the action filter."""
    from django.utils import timezone

    record(None, "patient.view", clinic=clinic_a, patient=patient)
    row = AuditEvent.objects.filter(action="patient.view").latest("id")
    local = timezone.localtime(row.ts, zoneinfo.ZoneInfo("America/Denver"))
    html = as_admin.get("/audit/").content.decode()
    assert "Time (America/Denver; UTC)" in html and local.strftime("%Y-%m-%d %H:%M:%S") in html
    assert "Grace Hopper" in html
    assert ">Time, newest first</option>" in html and "ts ↓" not in html
    assert '<option value="patient.">' in html
    html = as_audrey.get("/audit/").content.decode()
    assert "Grace Hopper" not in html and str(patient.code)[:8] in html
