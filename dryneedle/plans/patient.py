"""The patient's home-exercise page, opened from a link: the programme and ticks for the last seven days."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.plans import services
from dryneedle.plans.models import CarePlan
from dryneedle.portal.models import PatientLink


def exercises(request: ClinicRequest, link: PatientLink, token: str) -> HttpResponse:
    plan = CarePlan.objects.filter(code=(link.bundle or [""])[0], patient=link.patient).first()
    if plan is None:
        return render(
            request,
            "portal/message.html",
            {"message": gettext("This link is not valid."), "clinic": link.clinic},
            status=404,
        )
    error = ""
    if request.method == "POST":
        try:
            day = date.fromisoformat(request.POST.get("day", "")[:10])
            with transaction.atomic():
                services.tick(plan, request.POST.get("exercise", "")[:40], day, done=request.POST.get("done") == "1")
                record(request, "exercise.tick", link, patient=link.patient, category="care_plan", detail=str(day))
        except ValueError:
            error = gettext("Choose a day from the list.")
        except ValidationError as e:
            error = " ".join(e.messages)
        if not error:
            return redirect(reverse("portal:open", args=[token]) + "#week")
        record(request, "exercise.tick", link, patient=link.patient, category="care_plan", outcome="invalid")
    else:
        record(request, "link.open", link, patient=link.patient, category="care_plan", detail="exercises")
    return render(
        request,
        "plans/patient_exercises.html",
        {
            "plan": plan,
            "clinic": link.clinic,
            "patient": link.patient,
            "rows": services.adherence(plan),
            "error": error,
        },
        status=400 if error else 200,
    )
