"""May this person sign this needling visit? The practitioner's right and the jurisdiction's note rules.

Lives here, not in practitioners: it reads the visit and its screening, which
sit above the credentials (docs/architecture.md).
"""

from django.utils import timezone

from dryneedle.accounts.models import Membership, Role
from dryneedle.consent import services as consent
from dryneedle.patients.conditions import BY_CODE
from dryneedle.patients.models import Episode
from dryneedle.practitioners.gate import problems, profession_of, rule_for
from dryneedle.screening.gate import current_screening
from dryneedle.visits.models import Visit


def signing_problems(user, visit, on=None) -> list[str]:
    """The needling right in this clinic, the checks above, and the rule's written-consent requirement."""
    on = on or timezone.localdate()
    m = Membership.objects.filter(user=user, clinic=visit.clinic, is_active=True).first()
    out = problems(user, visit.clinic, on)
    if m is not None and m.role == Role.PRACTITIONER and not m.needling:
        out.append("A clinic admin has not given you the needling right in this clinic.")
    rule = rule_for(visit.clinic, profession_of(user, visit.clinic, on))
    if rule is not None and rule.written_consent:
        s = current_screening(visit.episode)
        if s is not None and s.consent_type != "written":
            out.append(f"Written consent is required in {rule.jurisdiction} ({rule.source}); the screening records "
                       f"{s.get_consent_type_display().lower() or 'none'}.")  # fmt: skip
        elif s is not None and consent.current(visit.patient) is None:
            # The rule asks that the patient sign and receive a copy: a signed form on file, not a ticked box.
            out.append(f"Written consent is required in {rule.jurisdiction} ({rule.source}) and no signed consent "
                       "form is on file: the patient signs it in their account or on the clinic's device "
                       "(the patient's page, Consent).")  # fmt: skip
    if rule is not None and rule.separate_note and visit.pre_nprs is None and not visit.pain_chart:
        # Each visit is its own signed note; the rule also needs that note to stand alone: its own assessment.
        out.append(f"{rule.jurisdiction} requires a separate dry-needling note ({rule.source}): record this visit's "
                   "own assessment (the pain rating or drawing) before signing.")  # fmt: skip
    return out


def records_of(user) -> tuple[int, int]:
    """Back-pain episodes the user leads and needling visits they signed (practitioners.gate.records_of)."""
    back = [c for c, info in BY_CODE.items() if info.back_pain]
    episodes = (
        Episode.objects.filter(clinician=user, condition__in=back)
        .exclude(status=Episode.Status.ENTERED_IN_ERROR)
        .count()
    )
    visits = (
        Visit.objects.filter(signed_by=user, status=Visit.Status.SIGNED, insertions__isnull=False).distinct().count()
    )
    return episodes, visits
