"""Signing a patient in with a one-time code sent to their email (issue 19): no password to forget.

A code is six digits, valid for ``CODE_MINUTES``, good for one sign-in and ``TRIES`` wrong guesses; only its HMAC
(keyed by the site's secret) is stored. Asking is limited per email address and per IP address, and the answer
never says whether an address is known. The session then holds the email address under keys of its own: it is
not a staff login (no Django user), and staff pages never read it.
"""

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from dryneedle.lib import mail
from dryneedle.mine.models import SignInCode
from dryneedle.patients.models import Patient, RecordStatus
from dryneedle.web.middleware import PATIENT_LAST, PATIENT_SESSION, PATIENT_SINCE

CODE_MINUTES = 10
TRIES = 5
PER_EMAIL = 3  # codes asked for one address in WINDOW
PER_IP = 10  # codes asked from one IP address in WINDOW
WINDOW = timedelta(minutes=15)


def _digest(email: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{email}:{code}".encode(), hashlib.sha256).hexdigest()


def patients_for(email: str):
    """Every record this address belongs to, in any clinic: in use, not merged into another."""
    return (
        Patient.objects.filter(email__iexact=email, merged_into__isnull=True)
        .exclude(status=RecordStatus.ENTERED_IN_ERROR)
        .select_related("clinic")
        .order_by("clinic__name", "id")
    )


def _limited(email: str, ip: str | None, now) -> bool:
    recent = SignInCode.objects.filter(created__gte=now - WINDOW)
    return recent.filter(email=email).count() >= PER_EMAIL or bool(ip and recent.filter(ip=ip).count() >= PER_IP)


def _new_code(email: str, ip: str | None, now) -> str:
    code = f"{secrets.randbelow(10**6):06d}"
    SignInCode.objects.create(
        email=email, digest=_digest(email, code), ip=ip, expires=now + timedelta(minutes=CODE_MINUTES)
    )
    return code


def ask(email: str, ip: str | None, now=None) -> str:
    """Email a code to ``email`` when it belongs to a patient. Returns what happened, for the audit log only
    ("sent", "unknown", "limited"): the page says the same whatever it is."""
    now = now or timezone.now()
    email = email.strip().lower()
    # Codes past their limits' window serve nothing: each ask clears those older than a day (no other job needed).
    SignInCode.objects.filter(created__lt=now - timedelta(days=1)).delete()
    if _limited(email, ip, now):
        return "limited"
    known = list(patients_for(email)[:1])
    # A row even for an unknown address: the limits count every ask, and the timing is alike.
    code = _new_code(email, ip, now)
    if not known:
        return "unknown"
    mail.send(
        "mine/email/code.txt",
        {"code": code, "minutes": CODE_MINUTES},
        [email],
        known[0].clinic,
        language=translation.get_language(),
    )  # the page's language: the person asking reads it
    return "sent"


def ask_new(email: str, ip: str | None, clinic, now=None) -> str:
    """Email a code to an address someone gives to book a first visit at ``clinic`` (mine/newcomer.py): it proves
    the address is theirs before a record is made. Limited as ``ask``; returns "sent" or "limited"."""
    now = now or timezone.now()
    email = email.strip().lower()
    if _limited(email, ip, now):
        return "limited"
    code = _new_code(email, ip, now)
    mail.send("mine/email/new_code.txt", {"code": code, "minutes": CODE_MINUTES, "clinic": clinic}, [email], clinic,
              language=translation.get_language())  # fmt: skip
    return "sent"


def check(email: str, code: str, now=None) -> bool:
    """Whether ``code`` is the live code of ``email`` and the address belongs to a patient."""
    return check_code(email, code, now) and patients_for(email).exists()


def check_code(email: str, code: str, now=None) -> bool:
    """Whether ``code`` is the live code of ``email``; a right code is used up, a wrong one counts a try."""
    now = now or timezone.now()
    email = email.strip().lower()
    code = "".join(ch for ch in code if ch.isdigit())[:6]
    with transaction.atomic():
        row = (
            SignInCode.objects.select_for_update()
            .filter(email=email, used_at__isnull=True, expires__gt=now, tries__lt=TRIES)
            .order_by("-created")
            .first()
        )
        if row is None:
            return False
        if len(code) != 6 or not hmac.compare_digest(row.digest, _digest(email, code)):
            SignInCode.objects.filter(pk=row.pk).update(tries=F("tries") + 1)
            return False
        row.used_at = now
        row.save(update_fields=["used_at"])
    return True


def sign_in(request, email: str) -> None:
    """The session holds the address (web/middleware.py ends it when idle or old, as a staff session)."""
    request.session.cycle_key()  # a new session id at sign-in (no fixation)
    request.session[PATIENT_SESSION] = email.strip().lower()
    request.session[PATIENT_SINCE] = request.session[PATIENT_LAST] = time.time()


def sign_out(request) -> None:
    for key in (PATIENT_SESSION, PATIENT_SINCE, PATIENT_LAST):
        request.session.pop(key, None)
    request.session.cycle_key()


def email_of(request) -> str:
    return request.session.get(PATIENT_SESSION, "") if hasattr(request, "session") else ""
