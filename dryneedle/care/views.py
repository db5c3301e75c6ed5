"""Pages that gather many apps: the home page, the patient chart, the episode page, the patient-link door.

This is the top of the house (docs/architecture.md): it may import every app,
and no app imports it.
"""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from dryneedle.accounts.access import allowed
from dryneedle.accounts.models import Role
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.care import today
from dryneedle.messaging import services as messaging
from dryneedle.practitioners import gate
from dryneedle.practitioners.models import Credential


@allowed
def home(request: ClinicRequest) -> HttpResponse:
    """Each role's day, schedule first (care/today.py); the auditor's day is the audit log."""
    m = request.membership
    ctx: dict = {"memberships": request.memberships}
    if m is None:
        return render(request, "care/home.html", ctx)
    if m.role == Role.AUDITOR:
        return redirect("audit:log")
    clinic, user, day = m.clinic, request.user, timezone.localdate()
    ctx |= {"today": day, "now": timezone.now()}
    if m.role == Role.PRACTITIONER:
        ctx["rows"] = today.schedule_of(clinic, day, practitioner=user, clinical_for=user)
        ctx["drafts"] = today.drafts(clinic, user)
        ctx["checkins"] = today.checkin_problems(clinic, user)
        reviews = today.reviews_due(clinic, user)
        ctx["reviews"], ctx["reviews_more"] = reviews[: today.SHOWN], max(0, len(reviews) - today.SHOWN)
        ctx["expiring"] = gate.expiring(Credential.objects.filter(user=user))
        ctx["needling_problems"] = gate.problems(user, clinic) + (
            [] if m.needling else ["A clinic admin has not given you the needling right here."]
        )
        record(request, "appointments.view", category="scheduling", detail=f"home: my day {day}")
    else:  # reception and clinic admins: the whole clinic's day
        rows = today.schedule_of(clinic, day, clinical_for=user if m.role == Role.CLINIC_ADMIN else None)
        ctx["columns"] = today.by_practitioner(clinic, rows)
        ctx["arrivals"] = [r for r in rows if r.appt.status == "booked" and r.appt.arrived_at is None]
        ctx["requests"] = today.requests_waiting(clinic)
        ctx["online_requests"] = today.online_requests(clinic)
        ctx["unread_messages"] = messaging.unread_for_clinic(clinic).count()
        ctx["unreminded"] = today.reminders_failing(clinic)
        record(request, "appointments.view", category="scheduling", detail=f"home: the clinic's day {day}")
    if m.role == Role.CLINIC_ADMIN:
        ctx["serious"] = today.serious_events_open(clinic)
        ctx["team_expiring"] = today.team_credentials(clinic)
        answered, closed = today.follow_up_rate(clinic, day)
        ctx["follow_up"] = {
            "answered": answered,
            "closed": closed,
            "pct": round(100 * answered / closed) if closed else None,
        }
    return render(request, "care/home.html", ctx)
