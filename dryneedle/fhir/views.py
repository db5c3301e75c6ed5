"""The FHIR read API (issue 20): the CapabilityStatement; a Patient, and a patient's ``$everything``; search by patient
for each type their record holds; read by id for the types whose id is one of our records' UUIDs. JSON only. A
clinic admin, or a practitioner on the patient's care team (patients/care_team.py), as for the chart; every read is
audited with what it returned. Errors are OperationOutcomes with a 4xx status."""

import json
import uuid
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from dryneedle.accounts import apiauth
from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.appointments.models import Appointment
from dryneedle.audit.log import category_of, record
from dryneedle.consent.models import SignedConsent
from dryneedle.fhir import bulk, everything, mapping
from dryneedle.fhir.models import BulkExport
from dryneedle.outcomes.models import Response
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode, Patient, RecordStatus
from dryneedle.plans.models import CarePlan, Goal
from dryneedle.visits.models import Visit

FHIR_JSON = "application/fhir+json"


# The types a patient's record holds (everything.py), each searchable by patient.
SEARCHABLE = ("AdverseEvent", "Appointment", "CarePlan", "Condition", "Consent", "DocumentReference",
              "EpisodeOfCare", "Goal", "Observation", "Procedure", "Provenance", "QuestionnaireResponse")  # fmt: skip
# Those whose id is a record's UUID, readable by id: the model the id names (its patient decides who may read).
READABLE = {"AdverseEvent": AdverseEvent, "Appointment": Appointment, "CarePlan": CarePlan, "Consent": SignedConsent,
            "EpisodeOfCare": Episode, "Goal": Goal, "Observation": Response, "Procedure": Visit,
            "QuestionnaireResponse": Response}  # fmt: skip


def _fhir(data: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), content_type=FHIR_JSON, status=status)


def _problem(status: int, code: str, text: str) -> HttpResponse:
    return _fhir({"resourceType": "OperationOutcome",
                  "issue": [{"severity": "error", "code": code, "diagnostics": text}]}, status)  # fmt: skip


def bearer(view):
    """Let a FHIR view be called as the JSON API is, with ``Authorization: Bearer dn_...``: the token's owner acts in
    the token's clinic, within its scopes (read for every GET; export too for ``$export`` and its files). Without the
    header, the browser session as for every page (and the CSRF check on DELETE)."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return _as(request, *args, **kwargs)
        except PermissionDenied:
            return _problem(403, "forbidden", "Your role does not allow this.")
        except Http404:
            return _problem(404, "not-found", "Not found.")

    def _as(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            if request.method == "DELETE" and (refused := CsrfViewMiddleware(lambda r: None).process_view(
                    request, None, (), {})) is not None:  # fmt: skip
                return refused
            return view(request, *args, **kwargs)
        token = apiauth.token_for(header.removeprefix("Bearer ").strip())
        if token is None:
            return _problem(401, "login", "The bearer token is unknown, expired or revoked.")
        needed = {"read"} | ({"export"} if view.__name__ in EXPORTING else set())
        if missing := needed - token.scope_set():
            record(request, "access.denied", outcome="denied", detail=f"token scope: fhir {', '.join(missing)}")
            return _problem(403, "forbidden", f"This token may not {' or '.join(sorted(missing))}: its scopes are "
                                              f"{token.scopes}.")  # fmt: skip
        apiauth.act_as(request, token)
        request.auth = token
        return view(request, *args, **kwargs)

    return wrapper


def _patient(request: ClinicRequest, code) -> Patient:
    qs = Patient.objects.select_related("clinic").exclude(status=RecordStatus.ENTERED_IN_ERROR)
    patient = get_for_clinic(request, qs, code=code)
    care_team.require_clinical_access(request, patient)
    return patient


@bearer
@allowed
def metadata(request) -> HttpResponse:
    """What this server does (public, as FHIR servers publish it)."""
    return _fhir(mapping.checked({
        "resourceType": "CapabilityStatement", "status": "active", "date": timezone.now().date().isoformat(),
        "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"],
        "software": {"name": "dryneedle"},
        "implementation": {"description": "dryneedle FHIR R4 read API", "url": everything.base_url()},
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "rest": [{"mode": "server",
                  "operation": [{"name": "export",
                                 "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}],
                  "resource": [
            {"type": "Group", "operation": [{"name": "export",
             "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"}]},
            {"type": "Patient", "interaction": [{"code": "read"}],
             "operation": [{"name": "everything",
                            "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]},
            *({"type": t, "interaction": [*([{"code": "read"}] if t in READABLE else []), {"code": "search-type"}],
               "searchParam": [{"name": "patient", "type": "reference"}]} for t in SEARCHABLE),
        ]}],
    }))  # fmt: skip


@bearer
@allowed
def patient_read(request: ClinicRequest, code) -> HttpResponse:
    patient = _patient(request, code)
    record(request, "fhir.read", patient, detail="Patient")
    return _fhir(mapping.patient(patient))


@bearer
@allowed
def patient_everything(request: ClinicRequest, code) -> HttpResponse:
    patient = _patient(request, code)
    data = everything.bundle(patient)
    counts = everything.counted([e["resource"] for e in data["entry"]])
    record(request, "fhir.everything", patient, detail=everything.summary(counts))
    return _fhir(data)


@bearer
@allowed
def search(request: ClinicRequest, resource_type: str) -> HttpResponse:
    """``GET /fhir/{type}?patient={id}``: that type's resources of one patient, as a searchset Bundle."""
    if resource_type not in SEARCHABLE:
        return _problem(404, "not-supported", f"No search for {resource_type} here: {', '.join(SEARCHABLE)}.")
    asked = request.GET.get("patient", "").removeprefix("Patient/")
    try:
        code = uuid.UUID(asked)
    except ValueError:
        return _problem(400, "required", "Search by patient: ?patient=<the patient's id>.")
    patient = _patient(request, code)
    found = [r for r in everything.resources(patient) if r["resourceType"] == resource_type]
    record(request, "fhir.search", patient, detail=f"{resource_type} {len(found)}")
    return _fhir(everything.bundle_of(found))


@bearer
@allowed
def read(request: ClinicRequest, resource_type: str, code) -> HttpResponse:
    """``GET /fhir/{type}/{id}`` for a type whose id is one of our records' UUIDs."""
    model = READABLE.get(resource_type)
    if model is None:
        return _problem(404, "not-supported", f"No read by id for {resource_type} here: search it by patient.")
    obj = get_for_clinic(request, model, code=code)
    person = Patient.objects.select_related("merged_into").get(clinic=obj.clinic, pk=obj.patient_id)
    person = person.merged_into or person
    person.clinic = obj.clinic
    care_team.require_clinical_access(request, person)
    found = [r for r in everything.resources(person) if r["resourceType"] == resource_type and r["id"] == str(code)]
    if not found:  # a draft visit, an event entered in error: not a resource we send
        return _problem(404, "not-found", f"{resource_type}/{code} is not shared as FHIR (a draft, or in error).")
    record(request, "fhir.read", obj, patient=person, category=category_of(obj._meta.label_lower, "") or "export",
           detail=resource_type)  # fmt: skip
    return _fhir(found[0])


# Bulk Data Access (https://hl7.org/fhir/uv/bulkdata/): kick-off, status, files. The views that export the clinic.
EXPORTING = {"export", "group_export", "export_status", "export_file"}
NDJSON = ("application/fhir+ndjson", "application/ndjson", "ndjson")
EXPORTABLE = ("Organization", "Location", "Practitioner", "PractitionerRole", "Questionnaire", "Patient", *SEARCHABLE)


def _kickoff(request: ClinicRequest) -> HttpResponse:
    clinic = request.membership.clinic
    if "respond-async" not in request.headers.get("Prefer", ""):
        return _problem(400, "required", "A bulk export runs in the background: send Prefer: respond-async.")
    if (fmt := request.GET.get("_outputFormat")) and fmt not in NDJSON:
        return _problem(400, "not-supported", "Only NDJSON is written (_outputFormat=application/fhir+ndjson).")
    for param in ("_typeFilter", "patient", "includeAssociatedData"):
        if param in request.GET:
            said = f"{param} is not supported yet: the whole clinic, the types in _type, or what changed _since."
            return _problem(400, "not-supported", said)
    since = None
    if "_since" in request.GET:
        try:
            since = bulk.since_of(request.GET["_since"])
        except ValueError as e:
            return _problem(400, "value", f"_since is {e}.")
    types = [t.strip() for t in request.GET.get("_type", "").split(",") if t.strip()]
    if unknown := [t for t in types if t not in EXPORTABLE]:
        return _problem(
            400, "not-supported", f"Not exported here: {', '.join(unknown)}. Types: {', '.join(EXPORTABLE)}."
        )
    bulk.forget_expired(clinic)
    if (running := bulk.busy(clinic)) is not None:
        response = _problem(429, "throttled", f"An export of this clinic is under way ({running.code}): wait for it.")
        response["Retry-After"] = "30"
        return response
    job = BulkExport.objects.create(clinic=clinic, requested_by=request.user, token=getattr(request, "auth", None),
                                    request_url=request.build_absolute_uri()[:500], types=types,
                                    since=since)  # fmt: skip
    record(
        request,
        "fhir.export_request",
        clinic=clinic,
        category="export",
        detail=f"{job.code}; {', '.join(types) or 'every type'}" + (f"; since {since.isoformat()}" if since else ""),
    )

    bulk.start(job)
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(f"/fhir/bulk/{job.code}")
    return response


@bearer
@allowed
def export(request: ClinicRequest) -> HttpResponse:
    """``GET /fhir/$export``: the whole clinic of the token (or of the session)."""
    return _kickoff(request)


@bearer
@allowed
def group_export(request: ClinicRequest, code) -> HttpResponse:
    """``GET /fhir/Group/{clinic}/$export``: the group is the clinic, named by its UUID."""
    if code != request.membership.clinic.code:
        record(request, "access.not_found", outcome="denied", detail="fhir Group")
        return _problem(404, "not-found", f"No Group/{code} here: the group is your clinic, by its id.")
    return _kickoff(request)


def _job(request: ClinicRequest, code) -> BulkExport:
    return get_for_clinic(request, BulkExport, code=code)


@bearer
@allowed
def export_status(request: ClinicRequest, code) -> HttpResponse:
    """Poll (202 with X-Progress, then 200 with the manifest), or DELETE to cancel or to say the files are done."""
    job = _job(request, code)
    if request.method == "DELETE":
        BulkExport.objects.filter(pk=job.pk, clinic=job.clinic).update(status="cancelled", finished=timezone.now())
        bulk.delete_files(job)
        record(request, "fhir.export_delete", clinic=job.clinic, category="export", detail=str(job.code))
        return HttpResponse(status=202)
    if job.status in ("accepted", "running"):
        bulk.busy(job.clinic)  # a stalled one becomes failed
        job = BulkExport.objects.get(pk=job.pk, clinic=job.clinic)
    if job.status in ("accepted", "running"):
        response = HttpResponse(status=202)
        response["X-Progress"] = job.progress or job.get_status_display()
        response["Retry-After"] = "5"
        return response
    if job.status == "failed":
        return _problem(500, "exception", f"The export failed: {job.error}")
    if job.status == "cancelled" or bulk.expired(job):
        return _problem(404, "not-found", "This export was deleted, or its files expired: ask for a new one.")
    return _fhir(bulk.manifest(job, request.build_absolute_uri(f"/fhir/bulk/{job.code}")))


@bearer
@allowed
def export_file(request: ClinicRequest, code, resource_type: str) -> HttpResponseBase:
    job = _job(request, code)
    path = bulk.folder_of(job) / f"{resource_type}.ndjson"
    if job.status != "complete" or bulk.expired(job) or resource_type not in job.counts or not path.exists():
        return _problem(404, "not-found", f"No {resource_type} file in this export (not complete, expired or empty).")
    record(request, "fhir.export_file", clinic=job.clinic, category="export",
           detail=f"{job.code} {resource_type} {job.counts[resource_type]}")  # fmt: skip
    return FileResponse(path.open("rb"), content_type="application/fhir+ndjson")
