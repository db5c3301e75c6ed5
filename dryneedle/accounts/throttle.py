"""Login throttling that an attacker cannot turn against the account's owner (issue 15, finding 10).

django-axes locks an *account and address* pair after ``LOGIN_FAILURE_LIMIT``
failures, so five requests from one address no longer lock the owner out
everywhere. Failures at one account from *all* addresses slow it down instead:
after the limit, each further attempt must wait twice as long as the one before
(1 s, 2 s, 4 s … up to ``LOGIN_MAX_WAIT_MINUTES``), and an attempt inside the
wait is refused without checking the password.

Anchor: NIST SP 800-63B §5.2.2 — the verifier limits consecutive failed
attempts on one account to no more than 100, and may make the claimant wait
for a period that grows as the account nears that limit rather than lock it.
So: after 100 consecutive failures (``LOGIN_MAX_CONSECUTIVE_FAILURES``) the
account is refused until its owner uses the emailed unlock link (or a success
elsewhere, or a day without failures, resets it). With the 15-minute ceiling
an attacker needs about a day to get there, and the owner has had an email at
the first lockout. The doubling and the 15-minute ceiling are our choice;
NIST gives the shape and the 100.
"""

import hashlib
import hmac
import math
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.utils import timezone

from dryneedle.accounts.models import LoginThrottle

UNLOCK_SALT = "dryneedle.login-unlock"
UNLOCK_HOURS = 1
FORGET_AFTER = timedelta(days=1)


def _key(username: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), username.strip().lower().encode(), hashlib.sha256).hexdigest()


def failed(username: str) -> None:
    now = timezone.now()
    LoginThrottle.objects.filter(last_failure__lt=now - FORGET_AFTER).delete()
    key = _key(username)
    if not LoginThrottle.objects.filter(key=key).update(failures=F("failures") + 1, last_failure=now):
        LoginThrottle.objects.get_or_create(key=key, defaults={"failures": 1, "last_failure": now})


def wait_seconds(username: str) -> int | None:
    """Seconds before the next attempt is checked: 0 go ahead, None refused until unlocked."""
    row = LoginThrottle.objects.filter(key=_key(username), last_failure__gte=timezone.now() - FORGET_AFTER).first()
    if row is None:
        return 0
    if row.failures >= settings.LOGIN_MAX_CONSECUTIVE_FAILURES:
        return None
    over = row.failures - settings.AXES_FAILURE_LIMIT
    if over < 0:
        return 0
    delay = min(2 ** min(over, 30), settings.LOGIN_MAX_WAIT_MINUTES * 60)
    return max(0, math.ceil((row.last_failure + timedelta(seconds=delay) - timezone.now()).total_seconds()))


def clear(username: str) -> None:
    """Forget the account's failures from every address (a success, or the owner's unlock link)."""
    from axes.models import AccessAttempt

    LoginThrottle.objects.filter(key=_key(username)).delete()
    AccessAttempt.objects.filter(username=username).delete()


def unlock_token(user) -> str:
    return signing.TimestampSigner(salt=UNLOCK_SALT).sign(str(user.pk))


def user_for_token(token: str):
    from dryneedle.accounts.models import User

    try:
        pk = signing.TimestampSigner(salt=UNLOCK_SALT).unsign(token, max_age=UNLOCK_HOURS * 3600)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()
