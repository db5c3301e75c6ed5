"""Authorization helpers used by every page and API operation.

Pages are decorated ``@allowed``: the policy key is the page's URL name
(``patients:list``). API operations need nothing: ``accounts.apiauth.policy_check``
wraps every one and asks under its operation id. Both read ``accounts.policy``.
Objects are fetched with ``get_for_clinic`` so that another clinic's record is
simply not found (404, no data in the body).
"""

from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponseNotAllowed
from django.urls import reverse

from dryneedle.accounts import policy
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.web.middleware import PATIENT_SESSION


def check(request: ClinicRequest, key: str) -> bool:
    roles = policy.roles_for(key, request.method or "GET")
    if roles is None:
        return False
    if roles == policy.PUBLIC:
        return True
    if roles == policy.PATIENT:  # kept apart from staff: not while a staff login is active in the same browser
        return bool(request.session.get(PATIENT_SESSION)) and not request.user.is_authenticated
    if not request.user.is_authenticated:
        return False
    if roles == policy.AUTHENTICATED:
        return True
    if roles == policy.SUPERUSER:
        return request.user.is_superuser
    m = getattr(request, "membership", None)
    return m is not None and m.role in roles  # type: ignore[operator]


def allowed(view):
    """Decorate a page view: login, a clinic membership and a role from the policy table.

    The key is the URL name the request was routed by, so a page's policy row
    and its address are named once (the access-matrix test fails for a URL name
    with no row). A view reached without routing is refused.
    """

    @wraps(view)
    def wrapper(request: ClinicRequest, *args, **kwargs):
        match = request.resolver_match
        key = match.view_name if match is not None else ""
        roles = policy.roles_for(key, request.method or "GET")
        if roles == policy.PATIENT and not request.session.get(PATIENT_SESSION):
            return redirect_to_login(request.get_full_path(), login_url=reverse("mine:signin"))
        if roles not in (policy.PUBLIC, policy.PATIENT) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not check(request, key):
            if roles is None and key in policy.POLICY:
                return HttpResponseNotAllowed(list(policy.POLICY[key]))
            record(request, "access.denied", outcome="denied", detail=key or "unrouted")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def get_for_clinic(request: ClinicRequest, qs: QuerySet[Any] | type[Model], **lookup):
    """Fetch one object of the request's clinic, or 404 (audited) for anything else."""
    if not isinstance(qs, QuerySet):
        qs = qs._default_manager.all()
    m = getattr(request, "membership", None)
    obj: Any = qs.filter(clinic=m.clinic, **lookup).first() if m else None
    if obj is None or m is None:
        record(request, "access.not_found", outcome="denied", detail=qs.model._meta.label)
        raise Http404("Not found")
    if qs.model._meta.get_field("clinic").is_relation:
        obj.clinic = m.clinic  # the row is this clinic's: reading obj.clinic need not ask the database again
    return obj
