"""The patient chart and the episode page: one screen each that gathers every app's part of the record.

They live here, at the top, because they read screening, visits, outcomes,
plans and appointments; the addresses and names stay in the patients
namespace (dryneedle/urls.py joins them).
"""

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.appointments.models import Appointment
from dryneedle.audit.log import record
from dryneedle.audit.models import AuditEvent
from dryneedle.consent import services as consent
from dryneedle.outcomes import followups, instruments, packs, schedule
from dryneedle.patients import care_team
from dryneedle.patients.forms import EmergencyAccessForm, ErrorForm, SeparateForm
from dryneedle.patients.models import Episode, Patient, PatientMerge
from dryneedle.portal import intake as intake_answers
from dryneedle.portal.models import Intake
from dryneedle.screening.gate import needling_gate
from dryneedle.screening.models import Screening
from dryneedle.visits.models import Visit


@allowed
def patient_detail(request: ClinicRequest, code) -> HttpResponse:
    patient = get_for_clinic(request, Patient.objects.select_related("merged_into"), code=code)
    access = care_team.clinical_access(request, patient)
    clinical = access is not None
    # A kept record shows the history of the duplicates merged into it as one (patients/merge.py).
    ids = patient.record_ids() if patient.merged_into_id is None else [patient.pk]
    merged = list(Patient.objects.filter(clinic=patient.clinic_id, pk__in=ids[1:]).order_by("family_name"))
    episodes = (
        Episode.objects.filter(clinic=patient.clinic_id, patient__in=ids)
        .select_related("clinician", "clinic", "patient")
        .order_by("-start_date", "-id")
        if clinical
        else Episode.objects.none()
    )
    pack = packs.english(patient.clinic_id) if clinical else None
    versions = patient.versions.select_related("created_by").order_by("-created")[:20]
    record(request, "patient.view", patient, detail="with clinical record" if clinical else "demographics")
    return render(
        request,
        "care/patient.html",
        {
            "patient": patient,
            "episodes": episodes,
            "clinical": clinical,
            "access": access,
            "grant": care_team.active_grant(request.user, patient) if access == "break_glass" else None,
            "may_break_glass": access is None and request.membership.role == "practitioner",
            "versions": versions,
            "error_form": ErrorForm(),
            "glass_form": EmergencyAccessForm(),
            "break_glass_minutes": settings.BREAK_GLASS_MINUTES,
            "gates": [(e, needling_gate(e)) for e in episodes if e.status == Episode.Status.OPEN],
            # Time points open now and not answered, for the clinical record's banner.
            "due": [
                (e, p, instruments.on_paper(p.instruments, pack))
                for e in episodes
                if clinical and e.status != Episode.Status.ENTERED_IN_ERROR
                for p in followups.episode_points(e)
                if p.status in (schedule.Status.DUE, schedule.Status.SENT)
            ],
            "timeline": _timeline(episodes) if clinical else [],
            # Upcoming first, then the last few: what the front desk needs.
            "appointments": _appointments(patient, ids),
            "merged": merged,
            "merge_trail": PatientMerge.objects.filter(clinic=patient.clinic_id)
            .filter(Q(kept=patient) | Q(duplicate=patient))
            .select_related("created_by", "kept", "duplicate")
            .order_by("-created")[:20],
            "separate_form": SeparateForm(),
            "consent_doc": consent.current(patient),
            # Who added a record with no staff author: the patient booking a first visit online (mine/newcomer.py,
            # audited with the patient as actor), else an import.
            "added_online": patient.created_by_id is None
            and AuditEvent.objects.filter(
                clinic=patient.clinic.code, patient=patient.code, action="patient.create", username="patient"
            ).exists(),
            # The questions answered (or still to answer) before visits booked online: clinical, so with the rest.
            "intakes": [
                intake_answers.readable(i)
                for i in Intake.objects.filter(clinic=patient.clinic_id, patient__in=ids).order_by("-due")[:3]
            ]
            if clinical
            else [],
        },
    )


def _appointments(patient, ids) -> list:
    now = timezone.now()
    qs = Appointment.objects.filter(clinic=patient.clinic_id, patient__in=ids).select_related("practitioner")
    return list(qs.filter(start__gte=now).order_by("start")[:10]) + list(
        qs.filter(start__lt=now).order_by("-start")[:5]
    )


def _timeline(episodes) -> list[tuple]:
    """(date, text, url name, code) for the patient's episodes and screenings, newest first."""
    items = []
    for e in episodes:
        items.append((e.start_date, f"Episode opened: {e.condition_name.lower()}", "patients:episode", e.code))
        if e.discharge_date:
            items.append(
                (
                    e.discharge_date,
                    f"Discharged ({e.get_discharge_reason_display().lower()})",
                    "patients:episode",
                    e.code,
                )
            )
    for s in Screening.objects.filter(episode__in=list(episodes)).order_by("-created"):
        items.append((s.created.date(), f"Screening: {s.get_decision_display()}", "screening:detail", s.code))
    episodes = list(episodes)
    visits = (
        Visit.objects.filter(clinic__in={e.clinic_id for e in episodes}, episode__in=episodes)
        .select_related("appointment")
        .annotate(n=Count("insertions"))
        .order_by("-started")
    )
    for v in visits:
        # A visit started from its appointment is one event: the booking it fulfilled is named with it.
        appt = getattr(v, "appointment", None)
        booked = f", {timezone.localtime(appt.start):%H:%M} appointment attended" if appt else ""
        text = f"Visit: {v.n} needles ({v.get_status_display().lower()}{booked})"
        items.append((v.started.date(), text, "visits:detail", v.code))
    # Newest first; on the same day, what happened later in the day comes first.
    rank = {"Episode opened": 0, "Screening": 1, "Visit": 2, "Discharged": 3}
    return sorted(items, key=lambda i: (i[0], rank[i[1].split(":")[0].split(" (")[0]]), reverse=True)


@allowed
def episode_detail(request: ClinicRequest, code) -> HttpResponse:
    qs = Episode.objects.select_related("patient", "clinician", "recurrence_of", "plan")
    episode = get_for_clinic(request, qs, code=code)
    access = care_team.require_clinical_access(request, episode.patient)
    record(request, "episode.view", episode)
    opt_out = followups.active_opt_out(episode)
    return render(
        request,
        "care/episode.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "error_form": ErrorForm(),
            "gate": needling_gate(episode),
            "screenings": episode.screenings.select_related("created_by").order_by("-created"),
            "can_write": access != "break_glass",
            "plan": getattr(episode, "plan", None),
            "points": followups.episode_points(episode, stop=opt_out),
            "opt_out": opt_out,
            "visits": episode.visits.select_related("practitioner")
            .annotate(n_needles=Count("insertions"))
            .order_by("-started"),
        },
    )


# Joined to patients' own patterns under the "patients" namespace (dryneedle/urls.py).
urlpatterns = [
    path("<uuid:code>/", patient_detail, name="detail"),
    path("episodes/<uuid:code>/", episode_detail, name="episode"),
]
