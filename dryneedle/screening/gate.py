"""The needling gate: may a needle be documented for this episode, here, now?

Called by every path that records an insertion (page, API, ORM save in the
visits app), so none can document a needle past the screening. Returns what is
missing in words a clinician can act on.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from dryneedle.consent import services as consent
from dryneedle.screening.models import Screening
from dryneedle.screening.rules import SEVERITY


@dataclass
class Gate:
    allowed: bool
    missing: list[str] = field(default_factory=list)
    screening: Screening | None = None

    @property
    def current(self) -> Screening | None:
        """The screening in force (``screening`` may be the last, lapsed one, named in the reason)."""
        return self.screening if self.screening is not None and self.screening.is_current() else None

    @property
    def message(self) -> str:
        return " ".join(self.missing) if self.missing else "Needling allowed."


def current_screening(episode) -> Screening | None:
    s = episode.screenings.filter(status=Screening.Status.CURRENT).order_by("-created").first()
    return s if s is not None and s.is_current() else None


def needling_gate(episode, region: str | None = None, electrical_stimulation: bool = False) -> Gate:
    s = current_screening(episode)
    if s is None:
        last = episode.screenings.order_by("-created").first()
        if last is None:
            return Gate(False, ["No screening yet: screen the patient before needling."])
        why = last.status_reason or f"it expired on {last.valid_until:%d %b %Y}"
        return Gate(False, [f"No current screening ({why}): screen the patient again."], last)
    missing: list[str] = []
    d = s.decision
    if SEVERITY[d] >= SEVERITY["urgent_referral"]:
        missing.append(f"The screening says {s.get_decision_display()}: do not needle.")
    elif d == "do_not_needle":
        missing.append("The screening found a contraindication: do not needle.")
    elif d == "incomplete" or s.result.get("not_asked"):
        groups = ", ".join(s.result.get("not_asked") or []).replace("_", " ")
        missing.append(f"The screening is incomplete (not asked: {groups}): screen again with every group asked.")
    elif d == "defer" and not s.override_reason:
        missing.append(
            "The screening says defer: record an override with a reason and written consent, or do not needle."
        )
    if s.unacknowledged and SEVERITY[d] <= SEVERITY["defer"]:
        names = ", ".join(p["rule"] for p in s.unacknowledged)
        missing.append(f"Acknowledge the precautions first ({names}).")
    if s.answers.get("consent") != "given" or not s.consent_type:
        missing.append("Consent to dry needling is not recorded.")
    elif (gone := consent.withdrawn_since(episode.clinic_id, episode.patient_id, s.created)) is not None:
        # The patient's right to stop (consent/text.RIGHT_TO_STOP): nothing goes in until they consent again.
        missing.append(f"The patient withdrew their consent on {timezone.localtime(gone.withdrawn_at):%d %b %Y}: "
                       "do not needle unless they sign a new consent form or consent in a new screening.")  # fmt: skip
    if region is not None:
        if region in s.result.get("excluded_regions", []):
            missing.append(f"The {region} region is excluded by the screening.")
        elif region not in s.answers.get("planned_regions", []):
            missing.append(f"The {region} region was not planned in the screening: screen again with it.")
    if electrical_stimulation and s.result.get("no_electrical_stimulation"):
        why = [
            p["text"].split(":")[0].lower()
            for p in s.result.get("precautions", [])
            if p["rule"] in ("implanted_electrical_device", "pregnancy")
        ]
        missing.append(f"Electrical stimulation is not allowed by the screening ({', '.join(why) or 'a restriction'}).")
    return Gate(not missing, missing, s)
