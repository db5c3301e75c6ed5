"""One patient's record as a FHIR Bundle: ``Patient/{id}/$everything`` (issue 20), which is also the machine-readable
copy the patient downloads from their own pages (issue 19, ONC 170.315(e)(1) "view, download, transmit").

Everything of the patient at one clinic, with the records merged into theirs: the Patient, the clinic
(Organization), the practitioners their resources name, each episode (EpisodeOfCare and its Condition), each
appointment, each signed visit with needles (Procedure) and its pain ratings before and after (Observations),
each questionnaire total (Observation) and each signed consent (Consent). ``for_patient``: the clinicians' notes
are left out, as in the patient's PDF."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dryneedle.appointments.models import Appointment
from dryneedle.consent.models import SignedConsent
from dryneedle.fhir import mapping
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode
from dryneedle.visits.models import Insertion, Visit
from dryneedle.visits.muscles import CHOICES as MUSCLES

MUSCLE_NAMES = dict(MUSCLES)


def base_url() -> str:
    return f"{settings.SITE_URL}/fhir" if settings.SITE_URL else "urn:dryneedle:fhir"


def resources(patient, for_patient: bool = False) -> list[dict]:
    clinic, ids = patient.clinic, patient.record_ids()
    out = [mapping.patient(patient), mapping.organization(clinic)]
    people: dict[int, object] = {}
    episodes = Episode.objects.filter(clinic=clinic, patient__in=ids).select_related("clinician", "clinic")
    for e in episodes.order_by("id"):
        e.patient = patient  # one Patient for the merged records (their resources name the record kept)
        out += [mapping.condition(e), mapping.episode_of_care(e)]
        if e.clinician:
            people[e.clinician.pk] = e.clinician
    for a in (
        Appointment.objects.filter(clinic=clinic, patient__in=ids).select_related("practitioner").order_by("start")
    ):
        a.patient = patient
        out.append(mapping.appointment(a))
        people[a.practitioner.pk] = a.practitioner
    sites: dict[int, list[tuple[str, str]]] = {}
    for visit_id, muscle, side in (
        Insertion.objects.filter(clinic=clinic, visit__patient__in=ids, visit__status=Visit.Status.SIGNED)
        .order_by("visit_id", "muscle", "side")
        .values_list("visit_id", "muscle", "side")
    ):
        site = (MUSCLE_NAMES.get(muscle, muscle), side)
        if site not in sites.setdefault(visit_id, []):
            sites[visit_id].append(site)
    visits = Visit.objects.filter(clinic=clinic, patient__in=ids, status=Visit.Status.SIGNED).select_related(
        "practitioner", "signed_by").order_by("started")  # fmt: skip
    for v in visits:
        v.patient = patient
        who = v.signed_by or v.practitioner
        people[who.pk] = who
        if v.pk in sites:
            out.append(mapping.procedure(v, sites[v.pk], with_notes=not for_patient))
        for when, score in (("before", v.pre_nprs), ("after", v.post_nprs)):
            if score is not None:
                out.append(mapping.pain_rating(patient.code, mapping.derived("nprs", v.code, when), score, v.started,
                                               note=f"At the visit, {when} needling"))  # fmt: skip
    responses = Response.objects.filter(clinic=clinic, patient__in=ids).order_by("collected", "id")
    for r in responses:
        r.patient = patient
        out.append(mapping.response(r))
    for doc in SignedConsent.objects.filter(clinic=clinic, patient__in=ids).order_by("signed_at"):
        doc.patient, doc.clinic = patient, clinic
        # The PDF where the reader can open it: the patient's own page, or the clinic's.
        url = settings.SITE_URL + reverse(
            "mine:consent_pdf" if for_patient else "patients:consent_pdf", args=[doc.code]
        )
        out.append(mapping.consent(doc, url))
    out += [mapping.practitioner(u) for u in people.values()]
    return out


def bundle(patient, for_patient: bool = False) -> dict:
    """The searchset Bundle ``$everything`` answers with; each entry's fullUrl is its address under the FHIR base."""
    found = resources(patient, for_patient)
    base = base_url()
    return mapping.checked({
        "resourceType": "Bundle", "id": mapping.derived("everything", patient.code, timezone.now().isoformat()),
        "type": "searchset", "timestamp": timezone.now().isoformat(), "total": len(found),
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                   "search": {"mode": "match" if r["resourceType"] == "Patient" else "include"}} for r in found],
    })  # fmt: skip
