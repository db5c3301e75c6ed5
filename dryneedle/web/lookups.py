"""Throttle guessing of secret links, and keep the audit log readable (issue 15, finding 8).

Patient links and calendar feeds are reached by an unguessable token in the
URL, with no login. Each unknown token used to write an audit row, without
limit (300 rows in 3 s). Now the misses from one address are counted per
ten-minute window: the first miss and the one that reaches the limit are
audited (the second one says how many), and once the limit is reached that
address gets 429 without a lookup until the window ends. Known tokens do not
count: a waiting room's shared address is not throttled for patients opening
their own links. The window and the limit (``LINK_MISSES_PER_ADDRESS``, 20)
are our stated choice; a 32-byte token cannot be guessed in any number of
tries, so the limit is about the log and the load, not the odds.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from dryneedle.audit.log import record
from dryneedle.lib.marks import gettext_noop
from dryneedle.web.models import LookupMiss

WINDOW = timedelta(minutes=10)
MESSAGE = gettext_noop(
    "Too many links that do not exist were tried from your network. Wait ten minutes, then try your link again."
)


def _window():
    now = timezone.now()
    step = int(WINDOW.total_seconds() // 60)
    return now.replace(minute=now.minute - now.minute % step, second=0, microsecond=0)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def throttled(request: HttpRequest) -> bool:
    row = LookupMiss.objects.filter(ip=_ip(request), window=_window()).first()
    return row is not None and row.misses >= settings.LINK_MISSES_PER_ADDRESS


def missed(request: HttpRequest, action: str, **kw) -> None:
    """Count an unknown token from this address; audit the first miss and the one that reaches the limit."""
    ip, window = _ip(request), _window()
    with transaction.atomic():
        if not LookupMiss.objects.filter(ip=ip, window=window).update(misses=F("misses") + 1):
            try:
                with transaction.atomic():
                    LookupMiss.objects.create(ip=ip, window=window, misses=1)
            except IntegrityError:
                LookupMiss.objects.filter(ip=ip, window=window).update(misses=F("misses") + 1)
        n = LookupMiss.objects.get(ip=ip, window=window).misses
        LookupMiss.objects.filter(window__lt=window - timedelta(days=1)).delete()
    limit = settings.LINK_MISSES_PER_ADDRESS
    if n == 1:
        record(request, action, outcome="denied", detail="unknown token (first from this address in 10 min)", **kw)
    elif n == limit:
        record(request, action, outcome="denied", detail=f"{limit} unknown tokens in 10 min: address throttled", **kw)
