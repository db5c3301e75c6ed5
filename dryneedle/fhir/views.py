"""The FHIR read API (issue 20): the CapabilityStatement; a Patient, and a patient's ``$everything``; search by patient
for each type their record holds; read by id for the types whose id is one of our records' UUIDs. JSON only. A
clinic admin, or a practitioner on the patient's care team (patients/care_team.py), as for the chart; every read is
audited with what it returned. Errors are OperationOutcomes with a 4xx status."""

import json
import uuid

from django.http import HttpResponse
from django.utils import timezone

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.appointments.models import Appointment
from dryneedle.audit.log import category_of, record
from dryneedle.consent.models import SignedConsent
from dryneedle.fhir import everything, mapping
from dryneedle.outcomes.models import Response
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode, Patient, RecordStatus
from dryneedle.plans.models import CarePlan, Goal
from dryneedle.visits.models import Visit

FHIR_JSON = "application/fhir+json"


# The types a patient's record holds (everything.py), each searchable by patient.
SEARCHABLE = ("AdverseEvent", "Appointment", "CarePlan", "Condition", "Consent", "DocumentReference",
              "EpisodeOfCare", "Goal", "Observation", "Procedure", "Provenance")  # fmt: skip
# Those whose id is a record's UUID, readable by id: the model the id names (its patient decides who may read).
READABLE = {"AdverseEvent": AdverseEvent, "Appointment": Appointment, "CarePlan": CarePlan, "Consent": SignedConsent,
            "EpisodeOfCare": Episode, "Goal": Goal, "Observation": Response, "Procedure": Visit}  # fmt: skip


def _fhir(data: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), content_type=FHIR_JSON, status=status)


def _problem(status: int, code: str, text: str) -> HttpResponse:
    return _fhir({"resourceType": "OperationOutcome",
                  "issue": [{"severity": "error", "code": code, "diagnostics": text}]}, status)  # fmt: skip


def _patient(request: ClinicRequest, code) -> Patient:
    qs = Patient.objects.select_related("clinic").exclude(status=RecordStatus.ENTERED_IN_ERROR)
    patient = get_for_clinic(request, qs, code=code)
    care_team.require_clinical_access(request, patient)
    return patient


@allowed
def metadata(request) -> HttpResponse:
    """What this server does (public, as FHIR servers publish it)."""
    return _fhir(mapping.checked({
        "resourceType": "CapabilityStatement", "status": "active", "date": timezone.now().date().isoformat(),
        "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"],
        "software": {"name": "dryneedle"},
        "implementation": {"description": "dryneedle FHIR R4 read API", "url": everything.base_url()},
        "rest": [{"mode": "server", "resource": [
            {"type": "Patient", "interaction": [{"code": "read"}],
             "operation": [{"name": "everything",
                            "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]},
            *({"type": t, "interaction": [*([{"code": "read"}] if t in READABLE else []), {"code": "search-type"}],
               "searchParam": [{"name": "patient", "type": "reference"}]} for t in SEARCHABLE),
        ]}],
    }))  # fmt: skip


@allowed
def patient_read(request: ClinicRequest, code) -> HttpResponse:
    patient = _patient(request, code)
    record(request, "fhir.read", patient, detail="Patient")
    return _fhir(mapping.patient(patient))


@allowed
def patient_everything(request: ClinicRequest, code) -> HttpResponse:
    patient = _patient(request, code)
    data = everything.bundle(patient)
    counts = everything.counted([e["resource"] for e in data["entry"]])
    record(request, "fhir.everything", patient, detail=everything.summary(counts))
    return _fhir(data)


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
