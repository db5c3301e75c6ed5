"""Our records as FHIR R4 resources (issue 20; issue 19's machine-readable copy of the patient's record).

One function per resource: a model instance in, a FHIR JSON dict out, checked against the R4B models of
``fhir.resources`` (``checked``). Ids are our UUID codes, so a resource keeps its id from one export to the next;
a resource with no UUID of its own (a practitioner, an episode's condition, a visit's pain ratings) gets a UUID
derived from what it is, as stable. Codes: LOINC 72514-3 for the 0-10 pain rating (docs/clinical-sources.md §13,
the reference's verified code); the questionnaires' totals have no LOINC code the reference could find, so they
carry our own code system (``INSTRUMENT_SYSTEM``) and say so in their text. docs/fhir.md lists them all.
"""

import contextlib
import contextvars
import uuid

from fhir.resources.R4B import get_fhir_model_class

from dryneedle.lib import languages
from dryneedle.outcomes import scoring
from dryneedle.outcomes.instruments import ODI_SECTION_NAMES
from dryneedle.outcomes.models import NAMES as INSTRUMENT_NAMES

# Our own code systems and identifier namespace (URNs: they name, they do not resolve).
IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"  # identifiers are our UUIDs as urn:uuid:…
INSTRUMENT_SYSTEM = "urn:dryneedle:instrument"
CONDITION_SYSTEM = "urn:dryneedle:condition"
BODY_SITE_SYSTEM = "urn:dryneedle:body-site"  # <muscle>:<side>, muscles of visits/muscles.py: needled sites
MEASURE_SYSTEM = "urn:dryneedle:measure"  # range of motion and pressure pain threshold (no LOINC code held)
UCUM = "http://unitsofmeasure.org"  # our units (outcomes.ObjectiveMeasure.Unit) are UCUM codes
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


_validating = contextvars.ContextVar("validating", default=True)


def checked(resource: dict) -> dict:
    """``resource`` parsed by the R4B model of its type (structure, cardinality, data types) and written back."""
    if not _validating.get():
        return resource
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return model.model_dump(mode="json", exclude_none=True)


@contextlib.contextmanager
def unvalidated():
    """Resources written as mapped, without parsing each by the R4B models: for the bulk export, where the parse
    is three quarters of the time (benchmarks/fhir_export.py). Safe because the tests parse every type this module
    writes and check that the parse changes nothing (fhir/tests: the bulk export)."""
    token = _validating.set(False)
    try:
        yield
    finally:
        _validating.reset(token)


def ref(resource_type: str, id_: str, display: str = "") -> dict:
    return {"reference": f"{resource_type}/{id_}", **({"display": display} if display else {})}


def identifier(code) -> list[dict]:
    return [{"system": IDENTIFIER_SYSTEM, "value": f"urn:uuid:{code}"}]


def instant(dt) -> str:
    """ISO 8601, UTC written "Z" as the R4B models write it (so that the unparsed bulk export is what a parse
    writes)."""
    text = dt.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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
        # An anonymised record (docs/retention.md) has no name, and its birth date is only a year (FHIR's date allows
        # it): what stays is what the clinic's statistics need.
        **({} if p.anonymised_at else
           {"name": [{"use": "official", "family": p.family_name, "given": [p.given_name]}]}),
        "gender": p.sex, "birthDate": str(p.birth_date.year) if p.anonymised_at else p.birth_date.isoformat(),
        **({"telecom": telecom} if telecom else {}),
        **({"address": [{"text": p.address}]} if p.address else {}),
        **({"communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": LANGUAGE_TAGS[language]}],
                                            "text": p.preferred_language}, "preferred": True}]} if language else {}),
        **({"contact": [{"name": {"text": p.emergency_contact_name},
                         **({"telecom": [{"system": "phone", "value": p.emergency_contact_phone}]}
                            if p.emergency_contact_phone else {})}]} if p.emergency_contact_name else {}),
        "managingOrganization": ref("Organization", str(p.clinic.code)),
    })  # fmt: skip


def condition(episode, codes=()) -> dict:
    """``codes``: the clinic's own SNOMED CT / ICD-10 codes for the episode's condition (ConditionCode rows),
    written after dryneedle's code."""
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
        "code": {"coding": [{"system": CONDITION_SYSTEM, "code": episode.condition},
                            *({"system": c.system, "code": c.code, **({"display": c.display} if c.display else {})}
                              for c in codes)],
                 "text": episode.condition_name},
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


def body_site(muscle: str, name: str, side: str) -> dict:
    """A needled muscle with its side, coded in our own system (no SNOMED CT body structure code is held:
    docs/clinical-sources.md §16), the side part of the code."""
    return {"coding": [{"system": BODY_SITE_SYSTEM, "code": f"{muscle}:{side}", "display": f"{name} ({side})"}],
            "text": f"{name} ({side})"}  # fmt: skip


def needle_lot(lot, n: int) -> dict:
    """A lot of needles used at a visit, contained in its Procedure as a Device (lot number, expiry, maker, size)."""
    return {
        "resourceType": "Device", "id": f"lot-{n}", "status": "inactive",  # single use: none of it is in use now
        "lotNumber": lot.lot_number, "expirationDate": lot.expires.isoformat(), "manufacturer": lot.manufacturer,
        "deviceName": [{"name": f"Filiform needle {lot.diameter_mm:g} × {lot.length_mm} mm",
                        "type": "user-friendly-name"}],
    }  # fmt: skip


def procedure(visit, sites: list[tuple[str, str, str]], with_notes: bool = True, corrections=(), lots=()) -> dict:
    """A signed visit with needles: dry needling, one body site per muscle and side ((code, name, side)); the
    needles by lot (``lots``: (NeedleLot, needles in, needles out)), each lot a contained Device; its note and the
    corrections added to it since (each also a Provenance, ``amendment``)."""
    notes = [{"text": visit.notes}] if visit.notes else []
    notes += [{"text": f"Correction ({a.reason}): {a.text}", "time": instant(a.created)} for a in corrections]
    used = [(needle_lot(lot, n), count, out) for n, (lot, count, out) in enumerate(lots, 1)]
    return checked({
        "resourceType": "Procedure", "id": str(visit.code), "identifier": identifier(visit.code),
        **({"contained": [device for device, _in, _out in used]} if used else {}),
        "status": "completed",
        "code": {"text": "Dry needling"},
        "subject": ref("Patient", str(visit.patient.code)),
        "performedDateTime": instant(visit.started),
        "performer": [{"actor": ref("Practitioner", practitioner_id(visit.signed_by or visit.practitioner))}],
        "bodySite": [body_site(code, name, side) for code, name, side in sites],
        **({"usedReference": [
            {"reference": f"#{device['id']}",
             "display": f"{count} needle{'s' if count != 1 else ''} in, {out} out: {device['deviceName'][0]['name']}, "
                        f"lot {device['lotNumber']}"}
            for device, count, out in used]} if used else {}),
        **({"note": notes} if with_notes and notes else {}),
    })  # fmt: skip


def measure(m) -> dict:
    """A range of motion or pressure pain threshold the clinician measured: an exam Observation in our own code
    system (no LOINC code held for these), its value in UCUM units, the method and site as measured, the readings
    whose mean it is as a note."""
    readings = ", ".join(f"{t:g}" for t in m.trials if isinstance(t, int | float)) if isinstance(m.trials, list) else ""
    name = m.get_kind_display()
    return checked({
        "resourceType": "Observation", "id": str(m.code), "identifier": identifier(m.code),
        "status": "entered-in-error" if m.entered_in_error else "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "exam"}]}],
        "code": {"coding": [{"system": MEASURE_SYSTEM, "code": m.kind, "display": name}],
                 "text": f"{name} (no LOINC code held)"},
        "subject": ref("Patient", str(m.patient.code)), "effectiveDateTime": instant(m.measured),
        "valueQuantity": {"value": round(m.value, 2), "unit": m.get_unit_display(), "system": UCUM, "code": m.unit},
        **({"method": {"text": m.method}} if m.method else {}),
        **({"bodySite": {"text": m.site}} if m.site else {}),
        **({"note": [{"text": f"The mean of the readings {readings} {m.get_unit_display()}."}]} if readings else {}),
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


# The codes FHIR's required bindings ask for, from our own scales (docs/fhir.md says how each maps).
AE_OUTCOME = {"resolved": "resolved", "resolving": "recovering", "not_resolved": "ongoing", "unknown": "unknown"}
# Our three grades (White 2001, docs/clinical-sources.md §2.2) onto FHIR's mild/moderate/severe: the names differ,
# the order is the same; the text keeps our grade.
AE_SEVERITY = {"mild": "mild", "significant": "moderate", "serious": "severe"}
AE_CAUSALITY = {"certain": "Certain", "probable": "Probably-Likely", "possible": "Possible", "unlikely": "Unlikely"}
CAREPLAN_STATUS = {"open": "active", "discharged": "completed", "entered_in_error": "entered-in-error"}
ROLE_NAMES = {"clinic_admin": "Clinic admin", "practitioner": "Practitioner", "reception": "Reception",
              "auditor": "Auditor"}  # fmt: skip


def practitioner_with(user, credentials=()) -> dict:
    """A Practitioner with a ``qualification`` for each credential the clinic verified (practitioners/models.py)."""
    base = practitioner(user)
    quals = [{
        "identifier": [{"value": c.number}] if c.number else None,
        "code": {"text": f"{c.get_kind_display()}: {c.title}"},
        "period": {"start": c.issued.isoformat(), **({"end": c.expires.isoformat()} if c.expires else {})},
        "issuer": {"display": c.issuer},
    } for c in credentials]  # fmt: skip
    if not quals:
        return base
    return checked({**base, "qualification": [{k: v for k, v in q.items() if v is not None} for q in quals]})


def location(clinic) -> dict:
    return checked({
        "resourceType": "Location", "id": derived("location", clinic.code), "status": "active", "name": clinic.name,
        **({"telecom": [{"system": "phone", "value": clinic.phone}]} if clinic.phone else {}),
        **({"address": {"text": clinic.address}} if clinic.address else {}),
        "managingOrganization": ref("Organization", str(clinic.code)),
    })  # fmt: skip


def practitioner_role(membership) -> dict:
    return checked({
        "resourceType": "PractitionerRole", "id": derived("role", membership.pk), "active": membership.is_active,
        "practitioner": ref("Practitioner", practitioner_id(membership.user)),
        "organization": ref("Organization", str(membership.clinic.code)),
        "code": [{"text": ROLE_NAMES.get(membership.role, membership.role)}],
        "location": [ref("Location", derived("location", membership.clinic.code))],
    })  # fmt: skip


def adverse_event(e, procedure_ids: set[str], severity_text: str = "") -> dict:
    """An adverse event after needling. R4's AdverseEvent has no status: events entered in error are not sent."""
    suspect = str(e.visit.code) if e.visit_id and str(e.visit.code) in procedure_ids else ""
    return checked({
        "resourceType": "AdverseEvent", "id": str(e.code), "identifier": identifier(e.code)[0],
        "actuality": "actual",
        "event": {"text": e.get_type_display()},
        "subject": ref("Patient", str(e.patient.code)),
        "date": instant(e.occurred),
        **({"seriousness": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
            "code": "serious" if e.severity == "serious" else "non-serious"}]}} if e.severity else {}),
        **({"severity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
                                     "code": AE_SEVERITY[e.severity]}],
                         "text": severity_text or e.get_severity_display()}} if e.severity else {}),
        "outcome": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
                                "code": AE_OUTCOME[e.outcome]}]},
        **({"suspectEntity": [{"instance": ref("Procedure", suspect), **({"causality": [{"assessment": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/adverse-event-causality-assess",
                        "code": AE_CAUSALITY[e.causality]}]}}]} if e.causality else {})}]} if suspect else {}),
    })  # fmt: skip


def goal(g) -> dict:
    if g.achieved_on:
        lifecycle, achievement = "completed", "achieved"
    elif g.dropped:
        lifecycle, achievement = "cancelled", ""
    else:
        lifecycle, achievement = "active", "in-progress"
    return checked({
        "resourceType": "Goal", "id": str(g.code), "identifier": identifier(g.code), "lifecycleStatus": lifecycle,
        **({"achievementStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                                              "code": achievement}]}} if achievement else {}),
        "description": {"text": g.activity},
        "subject": ref("Patient", str(g.patient.code)),
        **({"target": [{"detailQuantity": {"value": float(g.target)},
                        **({"dueDate": g.target_date.isoformat()} if g.target_date else {})}]}
           if g.target is not None else {}),
        **({"note": [{"text": f"Baseline {g.baseline:g}"}]} if g.baseline is not None else {}),
    })  # fmt: skip


def care_plan(plan, goal_ids: list[str], with_notes: bool = True) -> dict:
    episode = plan.episode
    parts = [f"Primary measure: {plan.get_primary_measure_display()}"]
    if plan.expected_dn_visits:
        parts.append(f"expected needling visits: {plan.expected_dn_visits} ({plan.expected_basis or 'no basis given'})")
    if plan.maintenance_every_weeks:
        parts.append(f"maintenance every {plan.maintenance_every_weeks} weeks")
    return checked({
        "resourceType": "CarePlan", "id": str(plan.code), "identifier": identifier(plan.code),
        "status": CAREPLAN_STATUS[episode.status], "intent": "plan",
        "description": "; ".join(parts) + ".",
        "subject": ref("Patient", str(plan.patient.code)),
        "period": {"start": instant(plan.created)},
        "created": instant(plan.created),
        "addresses": [ref("Condition", derived("condition", episode.code))],
        **({"goal": [ref("Goal", i) for i in goal_ids]} if goal_ids else {}),
        **({"note": [{"text": plan.notes}]} if with_notes and plan.notes else {}),
    })  # fmt: skip


def consent_document(doc, pdf_url: str) -> dict:
    """The signed consent's PDF as a DocumentReference (its SHA-256 in the description)."""
    return checked({
        "resourceType": "DocumentReference", "id": derived("document", doc.code), "status": "current",
        "type": {"text": "Signed consent to dry needling"},
        "subject": ref("Patient", str(doc.patient.code)), "date": instant(doc.signed_at),
        "description": f"Form version {doc.form_version}; SHA-256 {doc.sha256}",
        "content": [{"attachment": {"contentType": "application/pdf", "url": pdf_url,
                                    "creation": instant(doc.signed_at)}}],
        "context": {"related": [ref("Consent", str(doc.code))]},
    })  # fmt: skip


def signature(visit, who) -> dict:
    """Who signed a visit's note, and when, as a Provenance of its Procedure."""
    return checked({
        "resourceType": "Provenance", "id": derived("signed", visit.code),
        "target": [ref("Procedure", str(visit.code))], "recorded": instant(visit.signed_at),
        "activity": {"text": "Signed the visit note"},
        "agent": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                        "code": "author"}]},
                   "who": ref("Practitioner", practitioner_id(who))}],
    })  # fmt: skip


def amendment(a) -> dict:
    """A correction to a signed visit note, as a Provenance of its Procedure (the text is on the Procedure)."""
    return checked({
        "resourceType": "Provenance", "id": str(a.code), "target": [ref("Procedure", str(a.visit.code))],
        "recorded": instant(a.created),
        "activity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                                 "code": "UPDATE"}], "text": "Corrected the signed visit note"},
        "reason": [{"text": a.reason}],
        "agent": [{"who": ref("Practitioner", practitioner_id(a.created_by))}],
    })  # fmt: skip


# Questionnaires: each instrument's items by their link ids, as our answers store them (outcomes/scoring.py). The
# licensed wording does not ship (the ODI's: Mapi Research Trust; the RMDQ's and STarT Back's are not held:
# outcomes/instruments.py), so items carry the ODI's section names and numbers, not the statements.
QUESTIONNAIRE_VERSION = {"nprs": "0-10", "odi": "2.1a", "rmdq": "24-item", "startback": "9-item", "psfs": "3-5"}
STARTBACK_ITEM9_SYSTEM = "urn:dryneedle:startback-item9"


def questionnaire_url(instrument: str) -> str:
    return f"urn:dryneedle:questionnaire:{instrument}"


def _questionnaire_items(instrument: str) -> list[dict]:
    if instrument == "nprs":
        return [{"linkId": "score", "text": "Pain (0-10)", "type": "integer", "required": True}]
    if instrument == "odi":
        return [{"linkId": s, "text": ODI_SECTION_NAMES[s], "type": "choice",
                 "answerOption": [{"valueInteger": i} for i in range(6)]} for s in scoring.ODI_SECTIONS]  # fmt: skip
    if instrument == "rmdq":
        return [{"linkId": str(i), "text": f"Statement {i}", "type": "boolean"}
                for i in range(1, scoring.RMDQ_ITEMS + 1)]  # fmt: skip
    if instrument == "startback":
        items = [{"linkId": str(i), "text": f"Item {i} (agree)", "type": "boolean"} for i in range(1, 9)]
        return [
            *items,
            {
                "linkId": "9",
                "text": "Item 9 (how bothersome)",
                "type": "choice",
                "answerOption": [
                    {"valueCoding": {"system": STARTBACK_ITEM9_SYSTEM, "code": c}} for c in scoring.STARTBACK_ITEM9
                ],
            },
        ]
    return [{"linkId": "activities", "text": "Activities", "type": "group", "repeats": True, "item": [
        {"linkId": "activities.name", "text": "Activity", "type": "string", "required": True},
        {"linkId": "activities.score", "text": "Ability (0-10)", "type": "decimal"}]}]  # fmt: skip


def questionnaire(instrument: str) -> dict:
    """One instrument as a Questionnaire: its items by link id and type, without the licensed wording."""
    return checked({
        "resourceType": "Questionnaire", "id": derived("questionnaire", instrument),
        "url": questionnaire_url(instrument), "version": QUESTIONNAIRE_VERSION[instrument],
        "name": instrument.upper(), "title": INSTRUMENT_NAMES[instrument], "status": "active",
        "subjectType": ["Patient"],
        "description": "Items by their link ids as dryneedle stores the answers; the instrument's own wording is not "
                       "sent (licensed, or not held).",
        "code": [{"system": INSTRUMENT_SYSTEM, "code": instrument, "display": INSTRUMENT_NAMES[instrument]}],
        "item": _questionnaire_items(instrument),
    })  # fmt: skip


def _answer_items(instrument: str, answers: dict) -> list[dict]:
    if instrument == "nprs":
        score = answers.get("score")
        return [{"linkId": "score", "answer": [{"valueInteger": score}]}] if isinstance(score, int) else []
    if instrument == "odi":
        sections = answers.get("sections") or {}
        return [{"linkId": s, "answer": [{"valueInteger": sections[s]}]} for s in scoring.ODI_SECTIONS
                if isinstance(sections.get(s), int)]  # fmt: skip
    if instrument == "rmdq":
        if not isinstance(answers.get("ticked"), list):  # not answered: no statement is known to be unticked
            return []
        ticked = set(answers["ticked"])
        return [{"linkId": str(i), "answer": [{"valueBoolean": i in ticked}]} for i in range(1, scoring.RMDQ_ITEMS + 1)]
    if instrument == "startback":
        items = answers.get("items") or {}
        out = [{"linkId": str(i), "answer": [{"valueBoolean": items[str(i)]}]} for i in range(1, 9)
               if isinstance(items.get(str(i)), bool)]  # fmt: skip
        if items.get("9") in scoring.STARTBACK_ITEM9:
            out.append({"linkId": "9", "answer": [{"valueCoding": {"system": STARTBACK_ITEM9_SYSTEM,
                                                                   "code": items["9"]}}]})  # fmt: skip
        return out
    return [{"linkId": "activities", "item": [
        {"linkId": "activities.name", "answer": [{"valueString": a["name"]}]},
        *([{"linkId": "activities.score", "answer": [{"valueDecimal": a["score"]}]}]
          if a.get("score") is not None else []),
    ]} for a in answers.get("activities") or [] if isinstance(a, dict) and a.get("name")]  # fmt: skip


def questionnaire_response(r) -> dict | None:
    """A questionnaire's answers, item by item, as stored (None for an imported total: no answers were sent)."""
    if not r.answers:
        return None
    return checked({
        "resourceType": "QuestionnaireResponse", "id": str(r.code), "identifier": identifier(r.code)[0],
        "questionnaire": f"{questionnaire_url(r.instrument)}|{QUESTIONNAIRE_VERSION[r.instrument]}",
        "status": "entered-in-error" if r.entered_in_error else "completed",
        "subject": ref("Patient", str(r.patient.code)), "authored": instant(r.collected),
        **({"source": ref("Patient", str(r.patient.code))} if r.source == "patient" else {}),
        **({"item": items} if (items := _answer_items(r.instrument, r.answers)) else {}),
    })  # fmt: skip
