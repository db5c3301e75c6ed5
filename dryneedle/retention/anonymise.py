"""Anonymise one person's records, all of them or none (docs/retention.md).

Every model that belongs to a person declares what identifies them (``identifying``, lib/anonymity.py) and how
its rows reach the person (``anonymise_by``, else its ``patient``); this module finds every such model, so a new
one is covered by declaring, not by editing here (``tests/test_declarations.py`` refuses an undeclared field).

What stays: codes, scores, counts, dates of care, who on the staff did what, and each record's UUID (the audit
log names them). What goes: names, contact details, the exact birth date (its year stays), addresses and every
text a person typed. Documents made from the record (the handout and progress PDFs) are deleted; the signed
consent's PDF and signature are emptied; each signed note is sealed again over what is left, so
``dryneedle verify_records`` still checks it.
"""

from collections import Counter
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.audit.log import record
from dryneedle.lib.anonymity import CLEAR, anonymised
from dryneedle.patients.models import Anonymising, Episode, Patient
from dryneedle.portal.models import PatientLink
from dryneedle.retention.models import ErasureRequest
from dryneedle.visits.models import Visit
from dryneedle.visits.services import needles_in_order, note_sha256
from dryneedle.web import idempotency
from dryneedle.web.models import StoredDocument


@dataclass(frozen=True)
class PersonModel:
    model: type[models.Model]
    by: tuple[str, ...]  # lookups from a row to its patient


def person_models() -> list[PersonModel]:
    """Every installed model whose rows belong to a patient, other than the patient itself."""
    out = []
    for m in apps.get_models():
        if m is Patient or not m.__module__.startswith("dryneedle."):
            continue
        by = getattr(m, "anonymise_by", None)
        if by is None:
            fields = {f.name: f for f in m._meta.get_fields()}
            patient = fields.get("patient")
            if patient is None or getattr(patient, "related_model", None) is not Patient or not patient.concrete:
                continue
            by = ("patient",)
        out.append(PersonModel(m, tuple(by)))
    return out


def _changes(model, row: dict, rules: dict) -> dict:
    out = {}
    for name, rule in rules.items():
        field = model._meta.get_field(name)
        # Texts a constraint wants when set: an error's reason (in_error_needs_reason), a cancellation's.
        required = not field.blank or name in ("error_reason", "cancel_reason")
        null = field.null and rule == CLEAR
        if isinstance(row[name], memoryview):  # PostgreSQL's bytea: compared as bytes
            row[name] = bytes(row[name])
        new = anonymised(row[name], rule, null=null, required=required)
        if new != row[name]:
            out[name] = new
    return out


def scrub(model, clinic, qs, rules: dict) -> int:
    """Apply ``rules`` to every row of ``qs``: how many rows changed."""
    changed = 0
    for row in qs.values("pk", *rules):
        if changes := _changes(model, row, rules):
            model._base_manager.filter(pk=row["pk"], clinic=clinic).update(**changes)
            changed += 1
    return changed


def scrub_people(clinic, ids: list[int]) -> Counter:
    """Scrub every row of every person model that belongs to ``ids`` (the caller holds the permit)."""
    counts: Counter = Counter()
    for pm in person_models():
        rules = getattr(pm.model, "identifying", None)
        if not rules:
            continue
        q = Q()
        for path in pm.by:
            q |= Q(**{f"{path}__in": ids})
        qs = pm.model._base_manager.filter(q, clinic=clinic)
        if n := scrub(pm.model, clinic, qs, rules):
            counts[pm.model._meta.label_lower] += n
    return counts


def anonymise(patient: Patient, user, request=None) -> Counter:
    """Anonymise the person ``patient`` is (with any record merged into it), in one transaction; audited.

    The caller has checked that the clinic's retention period has ended (retention.services.due): this does
    what it is told, once (an anonymised record is refused)."""
    clinic = patient.clinic
    kept_id = patient.merged_into_id or patient.pk
    with transaction.atomic():
        kept = Patient.objects.select_for_update().get(pk=kept_id, clinic=clinic)
        if kept.anonymised_at is not None:
            raise ValidationError(pgettext("staff", "This record is already anonymised."))
        ids = kept.record_ids()
        list(Patient.objects.select_for_update().filter(pk__in=ids, clinic=clinic))
        Anonymising.objects.bulk_create([Anonymising(patient_id=i) for i in ids])
        counts = scrub_people(clinic, ids)
        n = scrub(Patient, clinic, Patient.objects.filter(pk__in=ids, clinic=clinic), Patient.identifying)
        counts["patients.patient"] = n
        now = timezone.now()
        Patient.objects.filter(pk__in=ids, clinic=clinic).update(anonymised_at=now)
        # Each signed note sealed again over what is left: verify_records keeps checking it from here on.
        signed = Visit.objects.filter(clinic=clinic, patient__in=ids, status=Visit.Status.SIGNED)
        for visit in signed.select_related("patient", "episode").prefetch_related(needles_in_order(clinic)):
            digest = note_sha256(visit, list(visit.insertions.all()))
            Visit.objects.filter(pk=visit.pk, clinic=clinic).update(sha256=digest)
        # No link of theirs opens again (a questionnaire, a handout, an exercise page).
        PatientLink.objects.filter(clinic=clinic, patient__in=ids, expires__gt=now).update(expires=now)
        # Documents made from the record, under the keys that name them (web/documents.py).
        visits = Visit.objects.filter(clinic=clinic, patient__in=ids).values_list("code", flat=True)
        episodes = Episode.objects.filter(clinic=clinic, patient__in=ids).values_list("code", flat=True)
        families = [f"handout:{c}" for c in visits] + [f"progress:{c}" for c in episodes]
        made = StoredDocument.objects.filter(clinic=clinic.code, family__in=families)
        counts["web.storeddocument"] = made.delete()[0]
        ErasureRequest.objects.filter(clinic=clinic, patient__in=ids, status=ErasureRequest.Status.WAITING).update(
            status=ErasureRequest.Status.DONE, done_at=now
        )
        Anonymising.objects.filter(patient_id__in=ids).delete()
        idempotency.forget_old(now)  # stored API responses may hold their details; none is needed after a day
        record(request, "patient.anonymised", kept, user=user, clinic=clinic, category="demographics",
               detail=summary(counts))  # fmt: skip
    return counts


def summary(counts: Counter) -> str:
    """For the audit row (200 characters): the total first, then each kind of record, most rows first."""
    kinds = sorted(((n, label.split(".")[1]) for label, n in counts.items() if n), key=lambda x: (-x[0], x[1]))
    head = f"{sum(n for n, _ in kinds)} rows of {len(kinds)} kinds"
    return (head + ": " + ", ".join(f"{name} {n}" for n, name in kinds))[:200]
