"""Our records as FHIR R4 resources (issue 20; issue 19's machine-readable copy of the patient's record).

One function per resource: a model instance in, a FHIR JSON dict out, checked against the R4B models of
``fhir.resources`` (``checked``). Ids are our UUID codes, so a resource keeps its id from one export to the next;
a resource with no UUID of its own (a practitioner, an episode's condition, a visit's pain ratings) gets a UUID
derived from what it is, as stable. Codes: LOINC 72514-3 for the 0-10 pain rating (docs/clinical-sources.md §13,
the reference's verified code); the questionnaires' totals have no LOINC code the reference could find, so they
carry our own code system (``INSTRUMENT_SYSTEM``) and say so in their text. docs/fhir.md lists them all.
"""

import uuid

from fhir.resources.R4B import get_fhir_model_class

from dryneedle.lib import languages

# Our own code systems and identifier namespace (URNs: they name, they do not resolve).
IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"  # identifiers are our UUIDs as urn:uuid:…
INSTRUMENT_SYSTEM = "urn:dryneedle:instrument"
CONDITION_SYSTEM = "urn:dryneedle:condition"
NAMESPACE = uuid.UUID("6f1c2f0e-2b1e-4c55-9d1a-5d2e1e3b7a10")  # for the UUIDs we derive (uuid5)
LOINC = "http://loinc.org"
NPRS_LOINC = "72514-3"  # Pain severity - 0-10 verbal numeric rating [Score] - Reported (reference §13, verified)
LANGUAGE_TAGS = {"en-gb": "en-GB", "es": "es", "fr-ca": "fr-CA"}  # BCP 47, as FHIR's Patient.communication asks

# Required bindings we emit (checked in the tests against these sets).
APPOINTMENT_STATUS = {"requested": "pending", "booked": "booked", "attended": "fulfilled", "cancelled": "cancelled",
                      "no_show": "noshow"}  # fmt: skip
EPISODE_STATUS = {"open": "active", "discharged": "finished", "entered_in_error": "entered-in-error"}


def derived(*parts) -> str:
    """A stable UUID for a resource that has none of its own."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def checked(resource: dict) -> dict:
    """``resource`` parsed by the R4B model of its type (structure, cardinality, data types) and written back."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return model.model_dump(mode="json", exclude_none=True)


def ref(resource_type: str, id_: str, display: str = "") -> dict:
    return {"reference": f"{resource_type}/{id_}", **({"display": display} if display else {})}


def identifier(code) -> list[dict]:
    return [{"system": IDENTIFIER_SYSTEM, "value": f"urn:uuid:{code}"}]


def instant(dt) -> str:
    return dt.isoformat()


def practitioner_id(user) -> str:
    return derived("practitioner", user.pk)


def organization(clinic) -> dict:
    return checked({
        "resourceType": "Organization", "id": str(clinic.code), "identifier": identifier(clinic.code),
        "active": True, "name": clinic.name,
        **({"telecom": [{"system": "phone", "value": clinic.phone}]} if clinic.phone else {}),
        **({"address": [{"text": clinic.address}]} if clinic.address else {}),
    })  # fmt: skip


def practitioner(user) -> dict:
    name = {"family": user.last_name, "given": [user.first_name]} if user.last_name else {"text": user.display_name()}
    return checked({"resourceType": "Practitioner", "id": practitioner_id(user), "active": user.is_active,
                    "name": [name]})  # fmt: skip


def patient(p) -> dict:
    telecom = [{"system": "phone", "value": p.phone}] if p.phone else []
    telecom += [{"system": "email", "value": p.email}] if p.email else []
    language = languages.of_record(p.preferred_language)
    return checked({
        "resourceType": "Patient", "id": str(p.code), "identifier": identifier(p.code),
        "active": p.status == "active" and p.merged_into_id is None,
        "name": [{"use": "official", "family": p.family_name, "given": [p.given_name]}],
        "gender": p.sex, "birthDate": p.birth_date.isoformat(),
        **({"telecom": telecom} if telecom else {}),
        **({"address": [{"text": p.address}]} if p.address else {}),
        **({"communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": LANGUAGE_TAGS[language]}],
                                            "text": p.preferred_language}, "preferred": True}]} if language else {}),
        **({"contact": [{"name": {"text": p.emergency_contact_name},
                         **({"telecom": [{"system": "phone", "value": p.emergency_contact_phone}]}
                            if p.emergency_contact_phone else {})}]} if p.emergency_contact_name else {}),
        "managingOrganization": ref("Organization", str(p.clinic.code)),
    })  # fmt: skip


def condition(episode) -> dict:
    status = "resolved" if episode.status == "discharged" else "active"
    verification = "entered-in-error" if episode.status == "entered_in_error" else "confirmed"
    return checked({
        "resourceType": "Condition", "id": derived("condition", episode.code),
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": status}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                           "code": verification}]},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                  "code": "encounter-diagnosis"}]}],
        "code": {"coding": [{"system": CONDITION_SYSTEM, "code": episode.condition}], "text": episode.condition_name},
        "subject": ref("Patient", str(episode.patient.code)),
        "onsetDateTime": episode.start_date.isoformat(),
        **({"abatementDateTime": episode.discharge_date.isoformat()} if episode.discharge_date else {}),
    })  # fmt: skip


def episode_of_care(episode) -> dict:
    period = {"start": episode.start_date.isoformat(),
              **({"end": episode.discharge_date.isoformat()} if episode.discharge_date else {})}  # fmt: skip
    return checked({
        "resourceType": "EpisodeOfCare", "id": str(episode.code), "identifier": identifier(episode.code),
        "status": EPISODE_STATUS[episode.status],
        "diagnosis": [{"condition": ref("Condition", derived("condition", episode.code)), "rank": 1}],
        "patient": ref("Patient", str(episode.patient.code)),
        "managingOrganization": ref("Organization", str(episode.clinic.code)),
        "period": period,
        **({"careManager": ref("Practitioner", practitioner_id(episode.clinician))} if episode.clinician else {}),
    })  # fmt: skip


def pain_rating(patient_code, id_: str, score: int, when, status: str = "final", visit=None, note: str = "") -> dict:
    """A 0-10 pain rating (NPRS) as an Observation coded LOINC 72514-3."""
    return checked({
        "resourceType": "Observation", "id": id_, "status": status,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "survey"}]}],
        "code": {"coding": [{"system": LOINC, "code": NPRS_LOINC,
                             "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}],
                 "text": "Pain (0-10)"},
        "subject": ref("Patient", str(patient_code)), "effectiveDateTime": instant(when), "valueInteger": score,
        **({"note": [{"text": note}]} if note else {}),
    })  # fmt: skip


def response(r) -> dict:
    """A questionnaire's total as an Observation: the NPRS by LOINC, the others by our own code (no LOINC code was
    found for the ODI, RMDQ, STarT Back or PSFS totals: docs/fhir.md)."""
    status = "entered-in-error" if r.entered_in_error else "final"
    if r.instrument == "nprs" and r.score is not None:
        return pain_rating(r.patient.code, str(r.code), int(r.score), r.collected, status)
    name = r.get_instrument_display()
    return checked({
        "resourceType": "Observation", "id": str(r.code), "identifier": identifier(r.code), "status": status,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "survey"}]}],
        "code": {"coding": [{"system": INSTRUMENT_SYSTEM, "code": r.instrument, "display": name}],
                 "text": f"{name} (total; no LOINC code found)"},
        "subject": ref("Patient", str(r.patient.code)), "effectiveDateTime": instant(r.collected),
        **({"valueQuantity": {"value": round(r.score, 2)}} if r.scorable and r.score is not None else
           {"dataAbsentReason": {"text": r.reason or "not scorable"}}),
    })  # fmt: skip


def procedure(visit, sites: list[tuple[str, str]], with_notes: bool = True) -> dict:
    """A signed visit with needles: dry needling, one body site per muscle and side."""
    return checked({
        "resourceType": "Procedure", "id": str(visit.code), "identifier": identifier(visit.code),
        "status": "completed",
        "code": {"text": "Dry needling"},
        "subject": ref("Patient", str(visit.patient.code)),
        "performedDateTime": instant(visit.started),
        "performer": [{"actor": ref("Practitioner", practitioner_id(visit.signed_by or visit.practitioner))}],
        "bodySite": [{"text": f"{muscle} ({side})"} for muscle, side in sites],
        **({"note": [{"text": visit.notes}]} if with_notes and visit.notes else {}),
    })  # fmt: skip


def appointment(a) -> dict:
    return checked({
        "resourceType": "Appointment", "id": str(a.code), "identifier": identifier(a.code),
        "status": APPOINTMENT_STATUS[a.status],
        **({"cancelationReason": {"text": a.cancel_reason}} if a.status == "cancelled" and a.cancel_reason else {}),
        "serviceType": [{"text": a.get_kind_display()}],
        "start": instant(a.start), "end": instant(a.end),
        "minutesDuration": int((a.end - a.start).total_seconds() // 60),
        "participant": [
            {"actor": ref("Patient", str(a.patient.code)), "status": "accepted"},
            {"actor": ref("Practitioner", practitioner_id(a.practitioner)), "status": "accepted"},
        ],
    })  # fmt: skip


def consent(doc, pdf_url: str) -> dict:
    """A signed consent to dry needling: scope treatment (HL7 consentscope), the signed PDF as its source."""
    return checked({
        "resourceType": "Consent", "id": str(doc.code), "identifier": identifier(doc.code),
        "status": "inactive" if doc.withdrawn else "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
        "category": [{"text": "Consent to dry needling (signed form)"}],
        "patient": ref("Patient", str(doc.patient.code)),
        "dateTime": instant(doc.signed_at),
        "organization": [ref("Organization", str(doc.clinic.code))],
        "sourceAttachment": {"contentType": "application/pdf", "url": pdf_url,
                             "title": f"Signed consent, form version {doc.form_version} (SHA-256 {doc.sha256})",
                             "creation": instant(doc.signed_at)},
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
    })  # fmt: skip
