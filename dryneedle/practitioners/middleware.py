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
