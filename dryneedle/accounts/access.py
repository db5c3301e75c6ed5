"""Authorization helpers used by every page and API operation.

Pages call ``@allowed("<url name>")``; API operations call ``require(request, key)``.
Both read ``dryneedle.policy``. Objects are fetched with ``get_for_clinic`` so that
another clinic's record is simply not found (404, no data in the body).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseNotAllowed

from dryneedle.accounts import policy
from dryneedle.audit.log import record


def check(request: HttpRequest, key: str) -> bool:
    roles = policy.roles_for(key, request.method or "GET")
    if roles is None:
        return False
    if roles == policy.PUBLIC:
        return True
    if not request.user.is_authenticated:
        return False
    if roles == policy.AUTHENTICATED:
        return True
    if roles == policy.SUPERUSER:
        return request.user.is_superuser
    m = getattr(request, "membership", None)
    return m is not None and m.role in roles  # type: ignore[operator]


def allowed(key: str):
    """Decorate a page view: login, a clinic membership and a role from the policy table."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            roles = policy.roles_for(key, request.method or "GET")
            if roles is not policy.PUBLIC and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request, key):
                if roles is None:
                    row = policy.POLICY.get(key, {})
                    return HttpResponseNotAllowed(list(row))
                record(request, "access.denied", outcome="denied", detail=key)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def get_for_clinic(request: HttpRequest, qs: QuerySet | type[Model], **lookup):
    """Fetch one object of the request's clinic, or 404 (audited) for anything else."""
    if not isinstance(qs, QuerySet):
        qs = qs.objects.all()
    m = getattr(request, "membership", None)
    obj = qs.filter(clinic=m.clinic, **lookup).first() if m else None
    if obj is None:
        record(request, "access.not_found", outcome="denied", detail=qs.model._meta.label)
        raise Http404("Not found")
    return obj
