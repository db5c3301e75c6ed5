"""The FHIR read API, so far: the CapabilityStatement, a Patient, and a patient's ``$everything`` (issue 20).
JSON only. A clinic admin, or a practitioner on the patient's care team (patients/care_team.py), as for the chart;
every read is audited with what it returned."""

import json

from django.http import HttpResponse
from django.utils import timezone

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.fhir import everything, mapping
from dryneedle.patients import care_team
from dryneedle.patients.models import Patient, RecordStatus

FHIR_JSON = "application/fhir+json"


def _fhir(data: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), content_type=FHIR_JSON, status=status)


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
    counts: dict[str, int] = {}
    for e in data["entry"]:
        counts[e["resource"]["resourceType"]] = counts.get(e["resource"]["resourceType"], 0) + 1
    record(request, "fhir.everything", patient, detail=", ".join(f"{t} {n}" for t, n in sorted(counts.items())))
    return _fhir(data)
