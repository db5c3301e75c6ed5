"""Which clinic the request acts in, and the member's role there."""

from django.http import HttpRequest

from dryneedle.practitioners.models import Membership

SESSION_KEY = "clinic"


def memberships_of(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, is_active=True, clinic__isnull=False)
        .select_related("clinic")
        .order_by("clinic__name")
    )


def current_clinic(get_response):
    def middleware(request: HttpRequest):
        request.membership = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            wanted = request.session.get(SESSION_KEY)
            qs = Membership.objects.filter(user=request.user, is_active=True).select_related("clinic")
            m = qs.filter(clinic__code=wanted).first() if wanted else None
            if m is None:
                # The clinic the user joined first is their home clinic.
                m = qs.order_by("id").first()
                if m is not None:
                    request.session[SESSION_KEY] = str(m.clinic.code)
            request.membership = m  # type: ignore[attr-defined]
        return get_response(request)

    return middleware


def clinic_context(request: HttpRequest) -> dict:
    m = getattr(request, "membership", None)
    return {"membership": m, "clinic": m.clinic if m else None}


# Pages a user who must set up a second factor can still reach.
MFA_EXEMPT = ("/account/two-factor/", "/logout/", "/static/", "/healthz/")


def require_mfa(get_response):
    """Until a clinic admin or superuser has signed in with a second factor, send them to set it up."""
    from django.http import JsonResponse
    from django.shortcuts import redirect

    from dryneedle.practitioners import mfa

    def middleware(request: HttpRequest):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT)
            and not user.is_verified()
            and mfa.required_for(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Sign in with your second factor first."}, status=403)
            return redirect("mfa_setup")
        return get_response(request)

    return middleware
