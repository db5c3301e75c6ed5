"""Which clinic the request acts in, and the member's role there."""

import zoneinfo
from datetime import UTC, date

from django.utils import timezone

from dryneedle.accounts.models import Membership
from dryneedle.accounts.request import ClinicRequest

SESSION_KEY = "clinic"


def memberships_of(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, is_active=True, clinic__isnull=False)
        .select_related("clinic")
        .order_by("clinic__name")
    )


def clinic_zone(clinic):
    """The clinic's time zone; UTC for an unknown one (the field is validated on save)."""
    try:
        return zoneinfo.ZoneInfo(clinic.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def clinic_today(clinic) -> date:
    """Today on the clinic's calendar, whatever zone is active (a command or a test has none)."""
    return timezone.localdate(timezone=clinic_zone(clinic))


def activate_clinic_timezone(clinic) -> None:
    timezone.activate(clinic_zone(clinic))


def current_clinic(get_response):
    def middleware(request: ClinicRequest):
        request.membership = None  # type: ignore[assignment]  # until a membership is found below
        # All of the user's clinics in one query: the page's clinic switcher lists them, and the second-factor
        # check reads their roles.
        request.memberships = memberships_of(request.user) if request.user.is_authenticated else []
        if request.user.is_authenticated:
            wanted = request.session.get(SESSION_KEY)
            m = next((x for x in request.memberships if str(x.clinic.code) == wanted), None) if wanted else None
            if m is None:
                # The clinic the user joined first is their home clinic.
                m = min(request.memberships, key=lambda x: x.id, default=None)
                if m is not None:
                    request.session[SESSION_KEY] = str(m.clinic.code)
            request.membership = m  # type: ignore[assignment]  # None: not a member (the pages refuse)
        # Times are shown and typed in the clinic's own time zone (stored in UTC). The override puts back
        # whatever was active before, also what a view or the API's token check activated on the way.
        zone = clinic_zone(request.membership.clinic) if request.membership is not None else None
        with timezone.override(zone):
            return get_response(request)

    return middleware


def clinic_context(request: ClinicRequest) -> dict:
    m = getattr(request, "membership", None)
    return {"membership": m, "clinic": m.clinic if m else None, "memberships": getattr(request, "memberships", [])}


# Pages a user who must set up a second factor can still reach.
MFA_EXEMPT = ("/account/two-factor/", "/logout/", "/static/", "/healthz/")


def require_mfa(get_response):
    """Until a clinic admin or superuser has signed in with a second factor, send them to set it up."""
    from django.http import JsonResponse
    from django.shortcuts import redirect

    from dryneedle.accounts import mfa

    def middleware(request: ClinicRequest):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT)
            and not user.is_verified()
            and mfa.required_for(user, getattr(request, "memberships", None))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Sign in with your second factor first."}, status=403)
            return redirect("mfa_setup")
        return get_response(request)

    return middleware
