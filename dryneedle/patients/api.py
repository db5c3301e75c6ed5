from typing import Literal
from uuid import UUID

from django.db import transaction
from ninja import Query, Router, Status
from ninja.errors import HttpError

from dryneedle.accounts.access import get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, Paging, page
from dryneedle.patients import care_team, services
from dryneedle.patients.conditions import CONDITIONS
from dryneedle.patients.models import Episode, Patient
from dryneedle.patients.schemas import (
    ConditionOut,
    EpisodeIn,
    EpisodeOut,
    EpisodePatch,
    PatientIn,
    PatientOut,
    PatientPage,
    PatientPatch,
    PatientSearch,
    PatientWithEpisodes,
)

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
patients_routes = Router(tags=["patients"])
episodes_routes = Router(tags=["patients"])
conditions_routes = Router(tags=["patients"])
ROUTERS = {"patients": patients_routes, "episodes": episodes_routes, "conditions": conditions_routes}

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
SORTS = {
    "name": ("family_name", "given_name"),
    "-name": ("-family_name", "-given_name"),
    "added": ("created",),
    "-added": ("-created",),
}


@patients_routes.get("", response={200: PatientPage, **ERRORS}, operation_id="list_patients")
def list_patients(
    request: ClinicRequest,
    paging: Query[Paging],
    sort: Literal["name", "-name", "added", "-added"] = "name",
):
    """List the clinic's patients, paginated."""
    qs = (
        Patient.objects.filter(clinic=request.membership.clinic, anonymised_at__isnull=True)
        .select_related("merged_into")
        .order_by(*SORTS[sort], "id")
    )
    out = page(qs, paging.limit, paging.offset)
    record(request, "patient.list", detail=f"api: {len(out['items'])} rows")
    return out


@patients_routes.post("/search", response={200: PatientPage, **ERRORS}, operation_id="search_patients")
def search_patients(request: ClinicRequest, payload: PatientSearch):
    """Find patients by name, date of birth or phone (every part given must match), paginated, by name.

    A POST so that the search, which names a person, travels in the body and never in a URL or a log.
    """
    if not (payload.q.strip() or payload.birth_date or payload.phone.strip()):
        raise HttpError(422, "Give a name, a date of birth or a phone number to search for.")
    qs = services.search(
        Patient.objects.filter(
            clinic=request.membership.clinic, merged_into__isnull=True, anonymised_at__isnull=True
        ).select_related("merged_into"),
        payload.q,
        payload.birth_date,
        payload.phone,
    ).order_by("family_name", "given_name", "id")
    out = page(qs, payload.limit, payload.offset)
    record(request, "patient.list", detail=f"api search: {len(out['items'])} rows", shown=out["items"])
    return out


@patients_routes.post("", response={201: PatientOut, **ERRORS}, operation_id="create_patient")
def create_patient(request: ClinicRequest, payload: PatientIn):
    """Add a patient to the caller's clinic."""
    with transaction.atomic():
        patient = services.create_patient(request.membership.clinic, request.user, payload.model_dump())
        record(request, "patient.create", patient, detail="api")
    return Status(201, patient)


@patients_routes.get("/{code}", response={200: PatientWithEpisodes, **ERRORS}, operation_id="get_patient")
def get_patient(request: ClinicRequest, code: UUID, include: Literal["episodes"] | None = None):
    """A patient; with include=episodes, their episodes too (a chart in one request; clinical roles only)."""
    patient = get_for_clinic(request, Patient, code=code)
    if include == "episodes":
        care_team.require_clinical_access(request, patient)
        patient.episodes_out = list(  # for the response schema (PatientWithEpisodes)
            patient.episodes.select_related("patient").order_by("-start_date", "-id")
        )
    record(request, "patient.view", patient, detail="api" + (" with episodes" if include else ""))
    return patient


@patients_routes.patch("/{code}", response={200: PatientOut, **ERRORS}, operation_id="update_patient")
def update_patient(request: ClinicRequest, code: UUID, payload: PatientPatch):
    """Change demographics; the previous values are kept in the record's history."""
    patient = get_for_clinic(request, Patient, code=code)
    with transaction.atomic():
        changed = services.update_patient(
            patient, request.user, payload.model_dump(exclude_unset=True, exclude_none=True)
        )
        record(request, "patient.update", patient, detail="api; changed: " + ", ".join(changed))
    return patient


@patients_routes.get("/{code}/episodes", response={200: list[EpisodeOut], **ERRORS}, operation_id="list_episodes")
def list_episodes(request: ClinicRequest, code: UUID):
    patient = get_for_clinic(request, Patient, code=code)
    care_team.require_clinical_access(request, patient)
    episodes = list(patient.episodes.select_related("patient").order_by("-start_date", "-id"))
    record(request, "episode.list", patient=patient, detail=f"api: {len(episodes)} rows")
    return episodes


@patients_routes.post("/{code}/episodes", response={201: EpisodeOut, **ERRORS}, operation_id="create_episode")
def create_episode(request: ClinicRequest, code: UUID, payload: EpisodeIn):
    """Open an episode of care for a condition from the catalogue (GET /conditions)."""
    patient = get_for_clinic(request, Patient, code=code)
    with transaction.atomic():
        episode = services.open_episode(patient, request.user, payload.model_dump())
        record(request, "episode.create", episode, detail="api")
    return Status(201, episode)


@episodes_routes.get("/{code}", response={200: EpisodeOut, **ERRORS}, operation_id="get_episode")
def get_episode(request: ClinicRequest, code: UUID):
    episode = get_for_clinic(request, Episode.objects.select_related("patient"), code=code)
    care_team.require_clinical_access(request, episode.patient)
    record(request, "episode.view", episode, detail="api")
    return episode


@episodes_routes.patch("/{code}", response={200: EpisodeOut, **ERRORS}, operation_id="update_episode")
def update_episode(request: ClinicRequest, code: UUID, payload: EpisodePatch):
    """Change an open episode, discharge it, or mark it entered in error."""
    episode = get_for_clinic(request, Episode.objects.select_related("patient"), code=code)
    care_team.require_clinical_write(request, episode.patient)
    data = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        if data.get("status") == Episode.Status.DISCHARGED:
            services.discharge_episode(
                episode,
                request.user,
                data.get("discharge_date"),
                data.get("discharge_reason") or "",
                data.get("discharge_note", ""),
            )
            record(request, "episode.discharge", episode, detail="api")
        elif data.get("status") == Episode.Status.ENTERED_IN_ERROR:
            episode.mark_entered_in_error(request.user, data.get("error_reason", ""))
            record(request, "episode.entered_in_error", episode, detail="api")
        else:
            fields = {k: v for k, v in data.items() if k in ("condition", "start_date", "notes") and v is not None}
            changed = services.update_episode(episode, request.user, fields)
            record(request, "episode.update", episode, detail="api; changed: " + ", ".join(changed))
    return episode


@conditions_routes.get("", response={200: list[ConditionOut], **ERRORS}, operation_id="list_conditions")
def list_conditions(request: ClinicRequest):
    """The condition catalogue with evidence summaries and their sources, and the clinic's own SNOMED CT and ICD-10
    codes for each where a clinic admin set them (dryneedle ships none)."""
    label = "Marketing claim from the source article, not evidence: no published source supports it"
    codes = services.condition_codes(request.membership.clinic)
    return [
        {
            **c.__dict__,
            "marketing_claim": {"label": label, "text": c.marketing_claim} if c.marketing_claim else None,
            "codes": [
                {
                    "system": r.system,
                    "system_name": r.system_name,
                    "code": r.code,
                    "display": r.display,
                    "basis": r.basis,
                }
                for r in codes.get(c.code, [])
            ],
        }
        for c in CONDITIONS
    ]
