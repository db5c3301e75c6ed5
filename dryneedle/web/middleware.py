import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect

from dryneedle.audit.log import record

# No inline scripts or styles anywhere: script-src 'self' only (security-battery.md RT-09, RT-21).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

# Requests a page makes on its own (polling, live previews) send this header;
# they must not keep an idle session alive (OpenEMR CVE-2026-25476, inverted).
BACKGROUND_HEADER = "X-Background"
# The session's last activity is written at most this often, not on every request: a page view then writes
# one row (its audit row), not two (issue 21: the second write, with its fsync, doubled the cost under load).
# An idle session may so end up to this many seconds early, never late.
ACTIVITY_EVERY_SECONDS = 60


def security_headers(get_response):
    def middleware(request: HttpRequest):
        request.request_id = uuid.uuid4().hex  # type: ignore[attr-defined]
        response = get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # Patient data must not sit in browser or proxy caches. Static files are
        # answered by WhiteNoise before this middleware and keep their caching.
        response["Cache-Control"] = "no-store"
        response["X-Request-Id"] = request.request_id  # type: ignore[attr-defined]
        return response

    return middleware


# A patient's session on their own pages (dryneedle/mine/signin.py): keys of its own, never a staff login.
PATIENT_SESSION = "mine.email"
PATIENT_SINCE = "mine.since"  # when they signed in (seconds since the epoch)
PATIENT_LAST = "mine.last"  # their last request


def session_timeout(get_response):
    """End sessions idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS.

    Runs on every request, API included; no parameter can skip it.
    """

    def middleware(request: HttpRequest):
        if request.user.is_authenticated:
            now = time.time()
            # A session without these stamps did not come through login():
            # treat it as expired rather than immortal (fail closed).
            idle = now - request.session.get("last_activity", 0)
            age = now - request.session.get("login_time", 0)
            if idle > settings.SESSION_IDLE_SECONDS or age > settings.SESSION_MAX_SECONDS:
                why = "idle" if idle > settings.SESSION_IDLE_SECONDS else "maximum age"
                record(request, "session.expired", detail=why)
                logout(request)  # deletes the session server-side
                if request.path.startswith("/api/") or request.headers.get("HX-Request"):
                    return JsonResponse({"detail": "Session expired; log in again."}, status=401)
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            if request.headers.get(BACKGROUND_HEADER) != "1" and idle >= ACTIVITY_EVERY_SECONDS:
                request.session["last_activity"] = now
        elif request.session.get(PATIENT_SESSION):  # a patient's own pages (dryneedle/mine): the same limits
            now = time.time()
            idle = now - request.session.get(PATIENT_LAST, 0)
            age = now - request.session.get(PATIENT_SINCE, 0)
            if idle > settings.SESSION_IDLE_SECONDS or age > settings.SESSION_MAX_SECONDS:
                for key in (PATIENT_SESSION, PATIENT_LAST, PATIENT_SINCE):
                    request.session.pop(key, None)
                request.session.cycle_key()
                return redirect(f"/my/sign-in/?next={request.path}")
            if idle >= ACTIVITY_EVERY_SECONDS:
                request.session[PATIENT_LAST] = now
        return get_response(request)

    return middleware
