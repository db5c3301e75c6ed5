"""Who is calling the JSON API, and may their role and token do this operation.

A session cookie (with the CSRF token on unsafe requests) or
``Authorization: Bearer dn_...`` (an ApiToken bound to one clinic). The API
itself (dryneedle/api.py) mounts every app's router on top of these.
"""

from functools import wraps

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from dryneedle.accounts.access import check
from dryneedle.accounts.middleware import activate_clinic_timezone
from dryneedle.accounts.models import ApiToken
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def token_for(token: str) -> ApiToken | None:
    """The live token ``token`` is (not revoked, not expired, its owner and membership active), or None."""
    if not token.startswith(ApiToken.PREFIX) or len(token) > 100:
        return None
    return (
        ApiToken.objects.filter(
            digest=ApiToken.digest_of(token),
            revoked__isnull=True,
            expires__gt=timezone.now(),
            membership__is_active=True,
            membership__user__is_active=True,
        )
        .select_related("membership__user", "membership__clinic")
        .first()
    )


def act_as(request, t: ApiToken) -> None:
    """The request acts as the token's owner in the token's clinic (its last use noted)."""
    ApiToken.objects.filter(pk=t.pk).update(last_used=timezone.now())
    request.user = t.membership.user
    request.membership = t.membership
    activate_clinic_timezone(t.membership.clinic)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        t = token_for(token)
        if t is None:
            return None
        # The token's scope limits it below its owner's role (finding 9).
        needed = "read" if request.method in SAFE_METHODS else "write"
        if needed not in t.scope_set():
            raise HttpError(403, f"This token may not {needed}: its scopes are {t.scopes}.")
        act_as(request, t)
        return t


class SessionAuth(APIKeyCookie):
    """The browser session; CSRF is checked on unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key):
        if request.user.is_authenticated and getattr(request, "membership", None) is not None:
            return request.user
        return None


def require(request: ClinicRequest, operation: str) -> None:
    """Refuse (403, audited) unless the policy table lets the caller's role do ``operation``."""
    if not check(request, "api:" + operation):
        record(request, "access.denied", outcome="denied", detail="api:" + operation)
        raise HttpError(403, "Your role does not allow this operation.")
    token = getattr(request, "auth", None)
    if operation.startswith("export") and isinstance(token, ApiToken) and "export" not in token.scope_set():
        record(request, "access.denied", outcome="denied", detail="token scope: api:" + operation)
        raise HttpError(403, "This token may not export: ask for a token with the export scope.")


def policy_check(view_func):
    """Wrap an API operation: the policy table is asked under the operation's name.

    Mounted once for the whole API (``api.add_decorator`` in dryneedle/api.py),
    so no operation can forget it. The name is the function's, which is also its
    OpenAPI operation id (tests/test_api_policy.py holds them equal).
    """
    key = view_func.__name__

    @wraps(view_func)
    def checked(request: ClinicRequest, *args, **kwargs):
        require(request, key)
        return view_func(request, *args, **kwargs)

    return checked
