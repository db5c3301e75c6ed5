"""Record screenings and what the clinician does with them (pages and API share these)."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.consent import services as consent
from dryneedle.lib.models import at_most
from dryneedle.patients.models import Episode
from dryneedle.screening import rules
from dryneedle.screening.models import Screening

PREGNANCY = ("not_asked", "no", "pregnant")


def asked_from(data: dict, findings: list[str]) -> dict[str, bool]:
    """What was asked, from an explicit 'none of these' per group or a finding recorded in it.

    A group with neither was not asked: the screening is then incomplete (safety review, docs/clinical-sources.md
    §14): "asked, none present" and "not asked" must not look alike.
    """
    none_of = set(data.get("none_of") or [])
    groups = {rules.GROUP_OF_ASKED.get(rules.BY_CODE[c].group) for c in findings if c in rules.BY_CODE}
    if data.get("region_findings") and any(data["region_findings"].values()):
        groups.add("contraindications")
    clash = sorted(none_of & groups)
    if clash:
        raise ValidationError(
            {
                "none_of": pgettext("staff", "'None of these' is ticked for %(clash)s but a finding is too.")
                % {"clash": ", ".join(clash).replace("_", " ")}
            }
        )
    return {
        "red_flags": "red_flags" in none_of or "red_flags" in groups,
        "contraindications": "contraindications" in none_of or "contraindications" in groups,
        "pregnancy": data.get("pregnancy", "not_asked") != "not_asked" or "pregnant_gestation_unknown" in findings,
    }


def carried_clearances(episode) -> list[dict]:
    """Medical clearances of the episode's last screening: they still stand, each for the findings it covered."""
    last = episode.screenings.exclude(status=Screening.Status.ENTERED_IN_ERROR).order_by("-created").first()
    if last is None or not isinstance(last.answers.get("medical_clearance"), list):
        return []
    return list(last.answers["medical_clearance"])


def answers_for(episode, data: dict) -> dict:
    """Build the rules input from form or API data and the patient's record (age and sex come from it)."""
    patient = episode.patient
    findings = list(dict.fromkeys(data.get("findings", [])))
    pregnancy = data.get("pregnancy", "not_asked")
    if pregnancy not in PREGNANCY:
        raise ValidationError(
            {"pregnancy": pgettext("staff", "Choose one of %(choices)s.") % {"choices": ", ".join(PREGNANCY)}}
        )
    weeks = data.get("pregnancy_weeks")
    if pregnancy == "pregnant" and weeks is None and "pregnant_gestation_unknown" not in findings:
        findings.append("pregnant_gestation_unknown")
    if pregnancy != "pregnant":
        if weeks is not None or "pregnant_gestation_unknown" in findings:
            raise ValidationError({"pregnancy": pgettext("staff", "Weeks of gestation are given: answer 'pregnant'.")})
    if weeks is not None and "pregnant_gestation_unknown" in findings:
        findings.remove("pregnant_gestation_unknown")
    return {
        "age": patient.age(),
        "sex": patient.sex,
        "consent": data.get("consent", ""),
        "findings": findings,
        "pregnancy_weeks": weeks,
        "medications": [m.strip() for m in data.get("medications", []) if m.strip()],
        "planned_regions": list(data.get("planned_regions", [])),
        "electrical_stimulation": bool(data.get("electrical_stimulation", False)),
        "region_findings": {k: v for k, v in (data.get("region_findings") or {}).items() if v},
        "medical_clearance": [*carried_clearances(episode), *data.get("new_clearances", [])],
        "asked": asked_from(data, findings),
    }


def _freeze_clearances(answers: dict, parsed: rules.Answers) -> None:
    """A clearance recorded now covers the findings of its pathology recorded now, and no later one."""
    today = timezone.localdate()
    frozen = []
    for c in answers["medical_clearance"]:
        c = dict(c)
        if not str(c.get("by", "")).strip():
            raise ValidationError(
                {"clearance": pgettext("staff", "Name the physician who gave the medical clearance.")}
            )
        if not c.get("date"):
            raise ValidationError({"clearance": pgettext("staff", "Give the date of the medical clearance.")})
        if c["date"] > today.isoformat():
            raise ValidationError(
                {"clearance": pgettext("staff", "A medical clearance cannot be dated in the future.")}
            )
        if "findings" not in c:
            c["findings"] = sorted(x for x in rules.PATHOLOGY_FINDINGS[c["suspected"]] if parsed.has(x))
        frozen.append(c)
    answers["medical_clearance"] = frozen


def record_screening(episode, user, data: dict) -> Screening:
    """Evaluate and save a screening; the previous current one is superseded."""
    if episode.status != Episode.Status.OPEN:
        raise ValidationError(pgettext("staff", "Screen an open episode."))
    answers = answers_for(episode, data)
    try:
        parsed = rules.parse(answers)
    except rules.InputError as e:
        raise ValidationError({e.key: str(e).split(": ", 1)[1]}) from None
    _freeze_clearances(answers, parsed)
    parsed = rules.parse(answers)
    result = rules.evaluate(parsed)
    consent_type = data.get("consent_type", "")
    if parsed.consent == "given" and consent_type not in Screening.ConsentType.values:
        raise ValidationError({"consent_type": pgettext("staff", "Record how consent was given (verbal or written).")})
    Screening.objects.filter(episode=episode, status=Screening.Status.CURRENT).update(
        status=Screening.Status.SUPERSEDED, status_reason="a newer screening", updated=timezone.now()
    )
    return Screening.objects.create(
        clinic=episode.clinic,
        patient=episode.patient,
        episode=episode,
        answers=answers,
        decision=result.decision,
        result=result.stored(),
        valid_until=timezone.now() + Screening.validity(),
        consent_type=consent_type if parsed.consent == "given" else "",
        consent_witness=at_most("consent_witness", data.get("consent_witness", "").strip(), 200),
        consent_document=consent.current(episode.patient) if consent_type == "written" else None,
        created_by=user,
        updated_by=user,
    )


def acknowledge(screening: Screening, user, rule_ids: list[str]) -> list[str]:
    known = {p["rule"] for p in screening.result["precautions"]}
    unknown = [r for r in rule_ids if r not in known]
    if unknown:
        raise ValidationError(
            {
                "rules": pgettext("staff", "Not precautions of this screening: %(unknown)s")
                % {"unknown": ", ".join(unknown)}
            }
        )
    _require_current(screening)
    now = timezone.now().isoformat()
    new = [r for r in rule_ids if r not in screening.acknowledged_rules]
    screening.acknowledged = screening.acknowledged + [{"rule": r, "by": user.get_username(), "at": now} for r in new]
    screening.updated_by = user
    screening.save(update_fields=["acknowledged", "updated_by", "updated"])
    return new


def override(screening: Screening, user, reason: str, written_consent: bool) -> None:
    _require_current(screening)
    if screening.result.get("not_asked"):
        raise ValidationError(
            pgettext("staff", "This screening is incomplete: screen again with every question asked.")
        )
    if screening.decision != "defer":
        raise ValidationError(
            pgettext("staff", "Only a 'defer' decision can be overridden; referrals and contraindications cannot.")
        )
    if len(reason.strip()) < 20:
        raise ValidationError(
            {"reason": pgettext("staff", "Write the reason for overriding (at least 20 characters).")}
        )
    if not written_consent:
        raise ValidationError({"written_consent": pgettext("staff", "Overriding needs the patient's written consent.")})
    screening.override_reason = at_most("reason", reason.strip(), 1000)
    screening.override_written_consent = True
    screening.override_by = user
    screening.override_at = timezone.now()
    screening.updated_by = user
    screening.save()


def invalidate(screening: Screening, user, reason: str) -> None:
    if screening.status != Screening.Status.CURRENT:
        raise ValidationError(pgettext("staff", "This screening is no longer current."))
    if not reason.strip():
        raise ValidationError({"reason": pgettext("staff", "Say what changed.")})
    screening.status = Screening.Status.INVALIDATED
    screening.status_reason = at_most("reason", reason.strip(), 300)
    screening.updated_by = user
    screening.save(update_fields=["status", "status_reason", "updated_by", "updated"])


def _require_current(screening: Screening) -> None:
    if not screening.is_current():
        raise ValidationError(pgettext("staff", "This screening is no longer current; screen the patient again."))
