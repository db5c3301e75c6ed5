"""Idempotent API writes (security-battery.md RT-17, finding 3 of issue 15).

A client that may retry (a tablet on clinic Wi-Fi) sends ``Idempotency-Key: <uuid>``
with a POST, PUT or PATCH. The first request runs; a replay of a finished one
gets the stored response; the same key with a different body gets 422.

The key row, the work and the stored response are one transaction: the key is
never committed without its response. A crash part-way leaves nothing (the
record and the key roll back together), so a retry with the same key does the
work once. Of many parallel identical requests one runs; the others wait on
the key's unique index (PostgreSQL) or the single writer lock (SQLite) and
then get the stored response.
"""

import hashlib
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from dryneedle.web.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{8,100}$")
WRITES = {"POST", "PUT", "PATCH"}


# How long a finished request's response is kept for a retry: a client that retries does so within minutes; a day
# is ample. Older ones are dropped at the caller's next keyed write, and all of them when anyone is anonymised
# (they may hold a person's details).
REPLAY_WINDOW = timedelta(days=1)


def forget_old(now=None) -> int:
    """Drop stored responses older than REPLAY_WINDOW; how many."""
    now = now or timezone.now()
    return IdempotencyKey.objects.filter(created__lt=now - REPLAY_WINDOW).delete()[0]


def _principal(request: HttpRequest) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return hashlib.sha256(auth.encode()).hexdigest()
    if request.user.is_authenticated:
        return hashlib.sha256(f"user:{request.user.pk}".encode()).hexdigest()
    return None


def _replay(row: IdempotencyKey, digest: str) -> HttpResponse:
    if row.request_sha256 != digest:
        return JsonResponse({"detail": f"This {HEADER} was used with a different request."}, status=422)
    if row.state == IdempotencyKey.State.RUNNING:
        # Only rows committed by versions before the key shared the write's
        # transaction can be here: the first attempt was interrupted, and
        # whether its work committed is unknown.
        return JsonResponse(
            {
                "detail": "An earlier attempt with this key was interrupted before it finished; "
                "check whether the record exists, then retry with a new key."
            },
            status=409,
        )
    replay = HttpResponse(bytes(row.body or b""), status=row.status, content_type=row.content_type)
    replay["Idempotent-Replayed"] = "true"
    return replay


def store(row: IdempotencyKey, response: HttpResponse) -> None:
    """Keep the response with its key, inside the write's transaction."""
    IdempotencyKey.objects.filter(pk=row.pk).update(
        state=IdempotencyKey.State.DONE,
        status=response.status_code,
        content_type=response.get("Content-Type", "")[:100],
        body=response.content,
    )


def idempotency(get_response):
    def middleware(request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITES or not request.path.startswith("/api/"):
            return get_response(request)
        if not KEY_RE.match(key):
            return JsonResponse({"detail": f"{HEADER} must be 8-100 letters, digits or . _ : -"}, status=400)
        principal = _principal(request)
        if principal is None:
            return get_response(request)  # unauthenticated: the API answers 401 itself
        digest = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        with transaction.atomic():
            # This caller's responses older than the replay window go (they may name patients): a retry comes
            # within minutes; one a day later is a new request.
            IdempotencyKey.objects.filter(principal=principal, created__lt=timezone.now() - REPLAY_WINDOW).delete()
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(
                        principal=principal,
                        key=key,
                        method=request.method,
                        path=request.path[:300],
                        request_sha256=digest,
                    )
            except IntegrityError:
                return _replay(IdempotencyKey.objects.get(principal=principal, key=key), digest)
            response = get_response(request)
            if response.status_code >= 500 or response.streaming:
                # A server error keeps nothing: the client may try again.
                transaction.set_rollback(True)
                return response
            if response.status_code == 401:
                # A failed login keeps its audit row but not the key.
                IdempotencyKey.objects.filter(pk=row.pk).delete()
                return response
            store(row, response)
        return response

    return middleware
