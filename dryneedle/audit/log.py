"""Write and verify the audit trail.

Every page and API operation that reads or changes patient data calls
``record`` once, explicitly. The row is written in the request's transaction:
if it cannot be written, the request fails (fail closed).

One hash chain per clinic, and one for events that belong to no clinic (a
failed sign-in with an unknown user name): each row links to the previous row
*of its clinic*, so writers in different clinics never wait on each other and
the log can be split by clinic. The chains' heads are anchored outside the
database by ``audit/checkpoints.py``.
"""

import functools
import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import UTC

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from dryneedle.audit.models import AuditEvent
from dryneedle.lib.sql import stream

GENESIS = "0" * 64


# Each model names its own data category (ONC 170.210(e): granularity of what
# was touched) as ``audit_category``, and the action prefix its rows use when
# they name no object as ``audit_actions`` ("patient" for patient.list): the
# log knows no app above it.
@functools.cache
def _categories() -> tuple[dict[str, str], dict[str, str]]:
    from django.apps import apps

    by_label, by_action = {}, {}
    for m in apps.get_models():
        category = getattr(m, "audit_category", "")
        if category:
            by_label[m._meta.label_lower] = category
            if prefix := getattr(m, "audit_actions", ""):
                by_action[prefix] = category
    return by_label, by_action


def category_of(label: str, action: str) -> str:
    by_label, by_action = _categories()
    return by_label.get(label) or by_action.get(action.split(".")[0], "")


def canonical(values: dict) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_of(row: AuditEvent) -> dict:
    out = {}
    for name in AuditEvent.HASHED:
        v = getattr(row, name)
        if name == "ts":
            v = v.astimezone(UTC).isoformat(timespec="microseconds")
        elif isinstance(v, uuid.UUID):
            v = str(v)
        out[name] = v
    if row.shown:
        out["shown"] = row.shown
    return out


def hash_of(prev_hash: str, row: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(content_of(row))).encode()).hexdigest()


def _client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _patient_code(obj) -> uuid.UUID | None:
    if obj is None:
        return None
    if getattr(obj, "audit_is_patient", False):
        return obj.code
    patient = getattr(obj, "patient", None)
    return patient.code if patient is not None else None


def record(
    request: HttpRequest | None,
    action: str,
    obj=None,
    *,
    patient=None,
    outcome: str = AuditEvent.Outcome.OK,
    category: str = "",
    detail: str = "",
    user=None,
    clinic=None,
    shown: Iterable = (),
    actor: str = "",
) -> AuditEvent:
    """Append one audit row for ``action`` on ``obj`` by the request's user.

    ``shown``: the patients (or objects with a patient) a list or search displayed. ``actor``: who acted when
    it is not a staff login, e.g. "patient" on the patient's own pages (the row's patient says which).
    """
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if clinic is None:
        if obj is not None and hasattr(obj, "clinic_id"):
            clinic = obj.clinic
        elif (membership := getattr(request, "membership", None)) is not None:
            clinic = membership.clinic
    label = obj._meta.label_lower if obj is not None else ""
    row = AuditEvent(
        ts=timezone.now(),
        user_id=user.pk if user is not None else None,
        username=user.get_username() if user is not None else actor[:150],
        clinic=clinic.code if clinic is not None else None,
        patient=patient.code if patient is not None else _patient_code(obj),
        action=action,
        category=category or category_of(label, action),
        object_type=label,
        object_id=str(getattr(obj, "code", "")) if obj is not None else "",
        outcome=outcome,
        ip=_client_ip(request),
        request_id=getattr(request, "request_id", "") if request is not None else "",
        break_glass=bool(getattr(request, "break_glass", False)) if request is not None else False,
        detail=detail[:200],
        shown=" ".join(dict.fromkeys(str(c) for o in shown if (c := _patient_code(o)) is not None)),
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise appends to one chain so that two writers never link to
            # the same row; other clinics' chains are not held up. SQLite needs
            # nothing: IMMEDIATE transactions already have one writer.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(row.clinic)])
        row.prev_hash = head_of(row.clinic)
        row.row_hash = hash_of(row.prev_hash, row)
        row.save(force_insert=True)
    return row


def lock_key(clinic: uuid.UUID | None) -> int:
    """A 64-bit advisory-lock key per chain (a collision only makes two chains queue)."""
    if clinic is None:
        return 7206473001
    return int.from_bytes(clinic.bytes[:8], "big", signed=True)


def chain_rows(clinic: uuid.UUID | None):
    return (
        AuditEvent.objects.filter(clinic__isnull=True) if clinic is None else AuditEvent.objects.filter(clinic=clinic)
    )


def head_of(clinic: uuid.UUID | None) -> str:
    return chain_rows(clinic).order_by("-id").values_list("row_hash", flat=True).first() or GENESIS


def heads() -> dict[uuid.UUID | None, tuple[int, int, str]]:
    """Each chain's (last row id, rows, head hash)."""
    out = {}
    for clinic in AuditEvent.objects.order_by().values_list("clinic", flat=True).distinct():
        rows = chain_rows(clinic)
        last = rows.order_by("-id").values_list("id", "row_hash").first()
        if last is not None:
            out[clinic] = (last[0], rows.count(), last[1])
    return out


def verify(rows: Iterable[AuditEvent] | None = None) -> tuple[int, AuditEvent | None, str]:
    """Walk every chain in id order; return (rows checked, first bad row, why)."""
    if rows is None:
        rows = stream(AuditEvent.objects.order_by("id"))
    prev: dict[uuid.UUID | None, str] = {}
    n = 0
    for row in rows:
        n += 1
        before = prev.get(row.clinic, GENESIS)
        if row.prev_hash != before:
            return n, row, "does not link to the row before it (a row was deleted, inserted or reordered)"
        if hash_of(before, row) != row.row_hash:
            return n, row, "content does not match its hash (the row was changed)"
        prev[row.clinic] = row.row_hash
    return n, None, ""
