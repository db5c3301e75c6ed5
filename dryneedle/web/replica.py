"""Reads that may come from a PostgreSQL hot standby (docs/scaling.md).

With ``DATABASE_REPLICA_URL`` set, the pages and operations marked ``@reads_from_replica`` (reports, exports,
analytics: many rows, none just written) read from the standby, and everything else stays on the primary. A
person who has just written something keeps reading from the primary for a while, so that they see their own
write even when the standby is a little behind: every write request leaves a short-lived signed cookie, and a
marked view honours it. Writes, and reads inside a transaction (the audit chain's head), always go to the
primary.
"""

import contextvars
import functools
import logging
import time

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections, transaction

REPLICA = "replica"
COOKIE = "dn_wrote"
_replica_ok: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_ok", default=False)
log = logging.getLogger(__name__)


def configured() -> bool:
    return REPLICA in connections.databases


class ReplicaRouter:
    """Django's database router: the standby for marked reads, the primary for the rest."""

    def db_for_read(self, model, **hints):
        if _replica_ok.get() and configured() and not transaction.get_connection("default").in_atomic_block:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def wrote_recently(request) -> bool:
    """The requester wrote in the last REPLICA_READ_AFTER_WRITE_SECONDS (their reads stay on the primary)."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return False
    try:
        signing.get_cookie_signer(salt=COOKIE).unsign(value, max_age=settings.REPLICA_READ_AFTER_WRITE_SECONDS)
    except signing.BadSignature:
        return False
    return True


def reachable() -> bool:
    """The standby answers; if not, the report reads the primary (never stale) rather than failing."""
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as e:
        log.warning("The standby (DATABASE_REPLICA_URL) is unreachable; reading from the primary: %s", e)
        return False
    return True


def reads_from_replica(view):
    """Mark a view whose reads may come from the standby (unless its requester has just written)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not configured() or wrote_recently(request) or not reachable():
            return view(request, *args, **kwargs)
        token = _replica_ok.set(True)
        try:
            return view(request, *args, **kwargs)
        finally:
            _replica_ok.reset(token)

    return wrapper


def mark_writes(get_response):
    """Middleware: after a request that may have written, a signed cookie keeps the person on the primary."""

    def middleware(request):
        response = get_response(request)
        if configured() and request.method not in ("GET", "HEAD", "OPTIONS"):
            stamp = signing.get_cookie_signer(salt=COOKIE).sign(str(int(time.time())))
            response.set_cookie(COOKIE, stamp, max_age=settings.REPLICA_READ_AFTER_WRITE_SECONDS, httponly=True,
                                samesite="Lax", secure=request.is_secure())  # fmt: skip
        return response

    return middleware
