"""Idempotent API writes (security-battery.md RT-17).

A client that may retry (a tablet on clinic Wi-Fi) sends ``Idempotency-Key: <uuid>``
with a POST, PUT or PATCH. The first request runs; a replay of a finished one
gets the stored response; the same key with a different body gets 422; a
replay while the first is still running gets 409. The key row is inserted and
committed before the request runs, so of many parallel identical requests
exactly one runs.
"""

import hashlib
import re

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from dryneedle.web.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{8,100}$")
WRITES = {"POST", "PUT", "PATCH"}


def _principal(request: HttpRequest) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return hashlib.sha256(auth.encode()).hexdigest()
    if request.user.is_authenticated:
        return hashlib.sha256(f"user:{request.user.pk}".encode()).hexdigest()
    return None


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
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    principal=principal, key=key, method=request.method, path=request.path[:300], request_sha256=digest
                )
        except IntegrityError:
            row = IdempotencyKey.objects.get(principal=principal, key=key)
            if row.request_sha256 != digest:
                return JsonResponse({"detail": f"This {HEADER} was used with a different request."}, status=422)
            if row.state == IdempotencyKey.State.RUNNING:
                return JsonResponse(
                    {"detail": "The first request with this key is still running; retry later."}, status=409
                )
            replay = HttpResponse(bytes(row.body or b""), status=row.status, content_type=row.content_type)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = get_response(request)
        if response.status_code >= 500 or response.status_code == 401 or response.streaming:
            # Keep nothing for a server error or a failed login: the client may try again.
            IdempotencyKey.objects.filter(pk=row.pk).delete()
            return response
        IdempotencyKey.objects.filter(pk=row.pk).update(
            state=IdempotencyKey.State.DONE,
            status=response.status_code,
            content_type=response.get("Content-Type", "")[:100],
            body=response.content,
        )
        return response

    return middleware
