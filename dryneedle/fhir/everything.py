"""Our records as FHIR resources, for one patient or a whole clinic (issue 20).

One patient: ``Patient/{id}/$everything`` (``bundle``), which is also the machine-readable copy the patient downloads
from their own pages (issue 19, ONC 170.315(e)(1) "view, download, transmit"). A whole clinic: the bulk export
(``clinic_resources``, written as NDJSON by ``export_fhir``). Both read the same sections, one kind of record at a
time and a chunk of rows at a time (``lib/sql.stream``), so that the bulk export's memory stays flat in the clinic's
size and its queries do not grow with its patients.

What a record holds: the Patient (the records merged into theirs name the record kept), the clinic (Organization,
Location), its clinicians (Practitioner with the qualifications the clinic verified, PractitionerRole), each episode
(EpisodeOfCare and its Condition), each appointment, each signed visit with needles (Procedure; its signature and
corrections as Provenance) and its pain ratings before and after (Observations), each questionnaire total
(Observation), each adverse event not entered in error (AdverseEvent), each care plan and goal (CarePlan, Goal) and
each signed consent (Consent, its PDF as a DocumentReference). ``for_patient``: the clinicians' notes are left out,
as in the patient's PDF."""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from dryneedle.accounts.models import Membership
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.adverse_events.rules import SEVERITY_DEFINITIONS
from dryneedle.appointments.models import Appointment
from dryneedle.consent.models import SignedConsent
from dryneedle.fhir import mapping
from dryneedle.lib.sql import stream
from dryneedle.outcomes import scoring
from dryneedle.outcomes.models import ObjectiveMeasure, Response
from dryneedle.patients.models import Episode, Patient, RecordStatus
from dryneedle.patients.services import condition_codes
from dryneedle.plans.models import CarePlan, Goal
from dryneedle.practitioners.models import CredentialVerification
from dryneedle.visits.models import Amendment, Insertion, NeedleLot, Visit
from dryneedle.visits.muscles import CHOICES as MUSCLES

MUSCLE_NAMES = dict(MUSCLES)
CHUNK = 500
# What many patients' records name (the clinic, its people): an export writes each once.
SHARED = ("Organization", "Location", "Practitioner", "PractitionerRole", "Questionnaire")


def summary(counts: dict[str, int]) -> str:
    """How many of each type of the patients' own resources, for an audit row (at most 200 characters: beyond,
    the total and the number of types)."""
    said = ", ".join(f"{t} {n}" for t, n in sorted(counts.items()) if t not in SHARED)
    total = sum(counts.values())
    return said if len(said) <= 200 else f"{total} resources of {len(counts)} types (the manifest counts each)"


def counted(resources: Iterable[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in resources:
        counts[r["resourceType"]] = counts.get(r["resourceType"], 0) + 1
    return counts


def base_url() -> str:
    return f"{settings.SITE_URL}/fhir" if settings.SITE_URL else "urn:dryneedle:fhir"


def _chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rows(model, clinic, ids: list[int] | None, *related: str, order=("id",), annotate=None, defer=(), since=None,
          changed=None, **where):  # fmt: skip
    """The clinic's rows of ``model`` (of the patients ``ids``, or of every patient not entered in error), each
    naming the patient kept (``.patient.code``), read a chunk at a time. ``since``: only the rows changed since then
    (``updated``, or the ``changed`` condition where a resource is also made of other rows)."""
    qs = model.objects.filter(clinic=clinic, **where)
    if since is not None:
        qs = qs.filter(changed if changed is not None else Q(updated__gte=since))
    qs = qs.filter(patient__in=ids) if ids is not None else qs.exclude(patient__status=RecordStatus.ENTERED_IN_ERROR)
    kept = Coalesce("patient__merged_into__code", "patient__code")
    if related:  # select_related() with no names would follow every foreign key: a join per relation, per row
        qs = qs.select_related(*related)
    qs = qs.defer(*defer).annotate(kept=kept, **(annotate or {}))
    for obj in stream(qs.order_by(*order), chunk_size=CHUNK):
        obj.patient = Patient(pk=obj.patient_id, code=obj.kept)  # named by the record kept (never saved)
        yield obj


def _episodes(clinic, ids, since=None):
    codes = condition_codes(clinic)
    for e in _rows(Episode, clinic, ids, "clinician", since=since):
        e.clinic = clinic
        yield mapping.condition(e, codes.get(e.condition, ()))
        yield mapping.episode_of_care(e)


def _appointments(clinic, ids, since=None):
    for a in _rows(Appointment, clinic, ids, "practitioner", order=("start", "id"), since=since):
        yield mapping.appointment(a)


def _visits(clinic, ids, for_patient: bool, since=None):
    """Each signed visit: a Procedure where needles went in (with its signature and corrections as Provenance),
    and its pain ratings before and after needling."""
    # A signed visit changes only by a correction (a row of its own): its Procedure carries them.
    corrected = Exists(Amendment.objects.filter(visit=OuterRef("pk"), created__gte=since)) if since else None
    visits = _rows(Visit, clinic, ids, "practitioner", "signed_by", order=("started", "id"), defer=("pain_chart",),
                   status=Visit.Status.SIGNED, since=since, changed=Q(updated__gte=since) | Q(corrected)
                   if since else None)  # fmt: skip
    for chunk in _chunks(visits):
        pks = [v.pk for v in chunk]
        sites: dict[int, list[tuple[str, str, str]]] = {}
        used: dict[int, dict[int, list[int]]] = {}  # visit -> lot -> [needles in, needles out]
        for visit_id, muscle, side, lot_id, out in (
            Insertion.objects.filter(clinic=clinic, visit__in=pks).order_by("visit_id", "muscle", "side", "id")
            .values_list("visit_id", "muscle", "side", "lot_id", "time_out")
        ):  # fmt: skip
            site = (muscle, MUSCLE_NAMES.get(muscle, muscle), side)
            if site not in sites.setdefault(visit_id, []):
                sites[visit_id].append(site)
            counts = used.setdefault(visit_id, {}).setdefault(lot_id, [0, 0])
            counts[0] += 1
            counts[1] += out is not None
        lot_ids = {lot for per_visit in used.values() for lot in per_visit}
        lots = {lot.pk: lot for lot in NeedleLot.objects.filter(clinic=clinic, pk__in=lot_ids)}
        corrections: dict[int, list] = {}
        for a in Amendment.objects.filter(clinic=clinic, visit__in=pks).select_related("created_by").order_by("id"):
            corrections.setdefault(a.visit_id, []).append(a)
        for v in chunk:
            who = v.signed_by or v.practitioner
            if v.pk in sites:
                needles = [(lots[lot], n_in, n_out) for lot, (n_in, n_out) in sorted(used[v.pk].items())]
                yield mapping.procedure(v, sites[v.pk], with_notes=not for_patient,
                                        corrections=corrections.get(v.pk, ()), lots=needles)  # fmt: skip
                if v.signed_at:
                    yield mapping.signature(v, who)
                for a in corrections.get(v.pk, ()) if not for_patient else ():  # a correction's reason is a note
                    if a.created_by is not None:
                        a.visit = v
                        yield mapping.amendment(a)
            for when, score in (("before", v.pre_nprs), ("after", v.post_nprs)):
                if score is not None:
                    yield mapping.pain_rating(v.patient.code, mapping.derived("nprs", v.code, when), score, v.started,
                                              note=f"At the visit, {when} needling")  # fmt: skip


def _measures(clinic, ids, since=None):
    for m in _rows(ObjectiveMeasure, clinic, ids, order=("measured", "id"), since=since):
        yield mapping.measure(m)


def _responses(clinic, ids, since=None):
    for r in _rows(Response, clinic, ids, order=("collected", "id"), defer=("details",), since=since):
        yield mapping.response(r)
        if (answered := mapping.questionnaire_response(r)) is not None:
            yield answered


def _events(clinic, ids, since=None):
    """Adverse events not entered in error; the visit's Procedure is the suspect where there is one (a signed
    visit where needles went in)."""
    needled = {"needled": Exists(Insertion.objects.filter(visit=OuterRef("visit")))}
    for e in _rows(AdverseEvent, clinic, ids, "visit", order=("occurred", "id"), annotate=needled, since=since,
                   entered_in_error=False):  # fmt: skip
        procedure = bool(e.visit_id and e.visit.status == Visit.Status.SIGNED and e.needled)
        text = f"{e.get_severity_display()}: {SEVERITY_DEFINITIONS[e.severity]}" if e.severity else ""
        yield mapping.adverse_event(e, {str(e.visit.code)} if procedure else set(), text)


def _plans(clinic, ids, for_patient: bool, since=None):
    for g in _rows(Goal, clinic, ids, since=since):
        yield mapping.goal(g)
    # A plan names its goals: one added since changes the plan.
    goal_added = Exists(Goal.objects.filter(plan=OuterRef("pk"), created__gte=since)) if since else None
    plans = _rows(CarePlan, clinic, ids, "episode", since=since,
                  changed=Q(updated__gte=since) | Q(goal_added) if since else None)  # fmt: skip
    for chunk in _chunks(plans):
        goals: dict[int, list[str]] = {}
        for plan_id, code in Goal.objects.filter(clinic=clinic, plan__in=[p.pk for p in chunk]).order_by(
            "id").values_list("plan_id", "code"):  # fmt: skip
            goals.setdefault(plan_id, []).append(str(code))
        for plan in chunk:
            yield mapping.care_plan(plan, goals.get(plan.pk, []), with_notes=not for_patient)


def _consents(clinic, ids, for_patient: bool, since=None):
    for doc in _rows(SignedConsent, clinic, ids, order=("signed_at", "id"), since=since):
        doc.clinic = clinic
        # The PDF where the reader can open it: the patient's own page, or the clinic's.
        url = settings.SITE_URL + reverse("mine:consent_pdf" if for_patient else "patients:consent_pdf",
                                          args=[doc.code])  # fmt: skip
        yield mapping.consent(doc, url)
        yield mapping.consent_document(doc, url)


def _people(clinic, users: list[int] | None = None) -> Iterator[dict]:
    """The clinic's clinicians (or those of ``users``): a Practitioner with the qualifications this clinic verified,
    and their role here (PractitionerRole)."""
    qs = Membership.objects.filter(clinic=clinic).select_related("user", "clinic").order_by("id")
    members = list(qs if users is None else qs.filter(user__in=users))
    verified: dict[int, list] = {}
    checked = CredentialVerification.objects.filter(clinic=clinic, credential__user__in=[m.user_id for m in members])
    for v in checked.select_related("credential").order_by("credential__issued", "id"):
        verified.setdefault(v.credential.user_id, []).append(v.credential)
    for m in members:
        yield mapping.practitioner_with(m.user, verified.get(m.user_id, ()))
    for m in members:
        yield mapping.practitioner_role(m)


def _sections(clinic, ids: list[int] | None, for_patient: bool, since=None) -> Iterator[dict]:
    yield from _episodes(clinic, ids, since)
    yield from _appointments(clinic, ids, since)
    yield from _visits(clinic, ids, for_patient, since)
    yield from _responses(clinic, ids, since)
    yield from _measures(clinic, ids, since)
    yield from _events(clinic, ids, since)
    yield from _plans(clinic, ids, for_patient, since)
    yield from _consents(clinic, ids, for_patient, since)


def _named(clinic, resources: list[dict]) -> list[int]:
    """The clinic's people the resources refer to (one patient's record names a few of them)."""
    wanted = {r["reference"].removeprefix("Practitioner/") for r in _references(resources)
              if r["reference"].startswith("Practitioner/")}  # fmt: skip
    members = Membership.objects.filter(clinic=clinic).values_list("user_id", flat=True)
    return [u for u in members if mapping.derived("practitioner", u) in wanted]


def _references(node) -> Iterator[dict]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node
        for v in node.values():
            yield from _references(v)
    elif isinstance(node, list):
        for v in node:
            yield from _references(v)


def resources(patient, for_patient: bool = False) -> list[dict]:
    """One patient's record at their clinic, with the records merged into theirs."""
    clinic = patient.clinic
    out = [mapping.patient(patient), mapping.organization(clinic), mapping.location(clinic)]
    out += list(_sections(clinic, patient.record_ids(), for_patient))
    asked = {r["questionnaire"].split("|")[0] for r in out if r["resourceType"] == "QuestionnaireResponse"}
    out += [mapping.questionnaire(i) for i in scoring.INSTRUMENTS if mapping.questionnaire_url(i) in asked]
    return out + list(_people(clinic, _named(clinic, out)))


def clinic_resources(clinic, since=None) -> Iterator[dict]:
    """Every record of the clinic, type by type, a chunk at a time: the clinic and its people once, each patient
    (records merged into another and records entered in error are not patients of their own), then their records.
    ``since`` (Bulk Data's ``_since``): only the patients' resources changed since then; the clinic and its people
    are always written (their rows keep no time of change), so that every reference resolves."""
    yield mapping.organization(clinic)
    yield mapping.location(clinic)
    yield from _people(clinic)
    for instrument in scoring.INSTRUMENTS:
        yield mapping.questionnaire(instrument)
    patients = Patient.objects.filter(clinic=clinic, merged_into__isnull=True).exclude(
        status=RecordStatus.ENTERED_IN_ERROR).select_related("clinic").order_by("id")  # fmt: skip
    if since is not None:
        patients = patients.filter(updated__gte=since)
    for p in stream(patients, chunk_size=CHUNK):
        p.clinic = clinic
        yield mapping.patient(p)
    yield from _sections(clinic, None, for_patient=False, since=since)


def bundle_of(found: list[dict], key: str = "") -> dict:
    """A searchset Bundle of ``found``; each entry's fullUrl is its address under the FHIR base. The first
    Patient is the match, the rest included (``$everything``); a search by type matches every entry."""
    base = base_url()
    now = timezone.now().isoformat()
    return mapping.checked({
        "resourceType": "Bundle", "id": mapping.derived("bundle", key or now, now),
        "type": "searchset", "timestamp": now, "total": len(found),
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                   "search": {"mode": "include" if key and r["resourceType"] != "Patient" else "match"}}
                  for r in found],
    })  # fmt: skip


def bundle(patient, for_patient: bool = False) -> dict:
    """The Bundle ``$everything`` answers with."""
    return bundle_of(resources(patient, for_patient), key=str(patient.code))
