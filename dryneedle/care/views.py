"""Pages that gather many apps: the home page, the patient chart, the episode page, the patient-link door.

This is the top of the house (docs/architecture.md): it may import every app,
and no app imports it.
"""

from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render

from dryneedle.accounts.access import allowed
from dryneedle.accounts.models import Role
from dryneedle.accounts.policy import CLINICAL, DEMOGRAPHICS
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.patients.models import Episode, Patient, RecordStatus
from dryneedle.practitioners import gate
from dryneedle.practitioners.models import Credential


@allowed
def home(request: ClinicRequest) -> HttpResponse:
    m = request.membership
    ctx: dict = {"memberships": request.memberships}
    if m is not None and m.role in CLINICAL:
        ctx["my_episodes"] = (
            Episode.objects.filter(clinic=m.clinic, clinician=request.user, status=Episode.Status.OPEN)
            .select_related("patient")
            .order_by("-start_date")[:15]
        )
        record(request, "episode.list", detail="home: my open episodes")
    if m is not None and m.role == Role.PRACTITIONER:
        ctx["expiring"] = gate.expiring(Credential.objects.filter(user=request.user))
        ctx["needling_problems"] = gate.problems(request.user, m.clinic) + (
            [] if m.needling else ["A clinic admin has not given you the needling right here."]
        )
    if m is not None and m.role in DEMOGRAPHICS:
        ctx["counts"] = Patient.objects.filter(clinic=m.clinic).aggregate(
            patients=Count("id"), active=Count("id", filter=Q(status=RecordStatus.ACTIVE))
        )
    return render(request, "care/home.html", ctx)
