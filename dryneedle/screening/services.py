"""Record screenings and what the clinician does with them (pages and API share these)."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from dryneedle.screening import rules
from dryneedle.screening.models import Screening


def answers_for(episode, data: dict) -> dict:
    """Build the rules input from form or API data and the patient's record (age and sex come from it)."""
    patient = episode.patient
    return {
        "age": patient.age(),
        "sex": patient.sex,
        "consent": data.get("consent", ""),
        "findings": list(data.get("findings", [])),
        "pregnancy_weeks": data.get("pregnancy_weeks"),
        "medications": [m.strip() for m in data.get("medications", []) if m.strip()],
        "planned_regions": list(data.get("planned_regions", [])),
        "electrical_stimulation": bool(data.get("electrical_stimulation", False)),
        "region_findings": {k: v for k, v in (data.get("region_findings") or {}).items() if v},
        "medical_clearance": bool(data.get("medical_clearance", False)),
    }


def record_screening(episode, user, data: dict) -> Screening:
    """Evaluate and save a screening; the previous current one is superseded."""
    if episode.status != "open":
        raise ValidationError("Screen an open episode.")
    answers = answers_for(episode, data)
    try:
        parsed = rules.parse(answers)
    except rules.InputError as e:
        raise ValidationError({e.key: str(e).split(": ", 1)[1]}) from None
    result = rules.evaluate(parsed)
    consent_type = data.get("consent_type", "")
    if parsed.consent == "given" and consent_type not in Screening.ConsentType.values:
        raise ValidationError({"consent_type": "Record how consent was given (verbal or written)."})
    if parsed.medical_clearance and not data.get("clearance_by", "").strip():
        raise ValidationError({"clearance_by": "Name the physician who gave medical clearance."})
    Screening.objects.filter(episode=episode, status=Screening.Status.CURRENT).update(
        status=Screening.Status.SUPERSEDED, status_reason="a newer screening", updated=timezone.now()
    )
    return Screening.objects.create(
        clinic=episode.clinic,
        patient=episode.patient,
        episode=episode,
        answers=answers,
        decision=result.decision,
        result={
            **result.as_dict(),
            "excluded_regions": result.excluded_regions,
            "no_electrical_stimulation": result.no_electrical_stimulation,
        },
        valid_until=timezone.now() + Screening.validity(),
        consent_type=consent_type if parsed.consent == "given" else "",
        consent_witness=data.get("consent_witness", "").strip()[:200],
        clearance_by=data.get("clearance_by", "").strip()[:200] if parsed.medical_clearance else "",
        created_by=user,
        updated_by=user,
    )


def acknowledge(screening: Screening, user, rule_ids: list[str]) -> list[str]:
    known = {p["rule"] for p in screening.result["precautions"]}
    unknown = [r for r in rule_ids if r not in known]
    if unknown:
        raise ValidationError({"rules": f"Not precautions of this screening: {', '.join(unknown)}"})
    _require_current(screening)
    now = timezone.now().isoformat()
    new = [r for r in rule_ids if r not in screening.acknowledged_rules]
    screening.acknowledged = screening.acknowledged + [{"rule": r, "by": user.get_username(), "at": now} for r in new]
    screening.updated_by = user
    screening.save(update_fields=["acknowledged", "updated_by", "updated"])
    return new


def override(screening: Screening, user, reason: str, written_consent: bool) -> None:
    _require_current(screening)
    if screening.decision != "defer":
        raise ValidationError("Only a 'defer' decision can be overridden; referrals and contraindications cannot.")
    if len(reason.strip()) < 20:
        raise ValidationError({"reason": "Write the reason for overriding (at least 20 characters)."})
    if not written_consent:
        raise ValidationError({"written_consent": "Overriding needs the patient's written consent."})
    screening.override_reason = reason.strip()[:1000]
    screening.override_written_consent = True
    screening.override_by = user
    screening.override_at = timezone.now()
    screening.updated_by = user
    screening.save()


def invalidate(screening: Screening, user, reason: str) -> None:
    if screening.status != Screening.Status.CURRENT:
        raise ValidationError("This screening is no longer current.")
    if not reason.strip():
        raise ValidationError({"reason": "Say what changed."})
    screening.status = Screening.Status.INVALIDATED
    screening.status_reason = reason.strip()[:300]
    screening.updated_by = user
    screening.save(update_fields=["status", "status_reason", "updated_by", "updated"])


def _require_current(screening: Screening) -> None:
    if not screening.is_current():
        raise ValidationError("This screening is no longer current; screen the patient again.")
