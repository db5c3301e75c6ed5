"""The right to needle: verified, current credentials and the clinic's jurisdiction rule.

Checked when a clinic admin gives a practitioner the needling right, and again at every signing of a
visit with needles (credentials expire, rules change). Every refusal names the rule and its source.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Min, Q, Sum
from django.utils import timezone

from dryneedle.accounts.models import Membership, Role
from dryneedle.lib import mail
from dryneedle.lib.hooks import Hook
from dryneedle.lib.marks import gettext_noop
from dryneedle.practitioners import jurisdictions
from dryneedle.practitioners.models import Credential, JurisdictionRule, LocalRuleAttestation

WARN_DAYS = (60, 14)  # expiry warnings: the practitioners issue's 60 and 14 days ahead


def _current(qs, on, clinic):
    """Current credentials verified for this clinic: another clinic's verification does not count here."""
    return (
        qs.filter(verifications__clinic=clinic, issued__lte=on)
        .filter(Q(expires__isnull=True) | Q(expires__gte=on))
        .distinct()
    )


def profession_of(user, clinic, on=None) -> str | None:
    """The profession of the practitioner's current verified licence, preferring one from the clinic's jurisdiction."""
    on = on or timezone.localdate()
    licences = _current(Credential.objects.filter(user=user, kind=Credential.Kind.LICENCE), on, clinic)
    lic = licences.filter(jurisdiction=clinic.jurisdiction).first() or licences.first()
    return lic.profession if lic else None


def rule_for(clinic, profession: str | None):
    """The table's rule (kept current by a superuser), else the cited default: an empty table never lets anyone
    through (a restored or flushed database keeps the rules in force)."""
    if profession is None:
        return None
    row = JurisdictionRule.objects.filter(jurisdiction=clinic.jurisdiction, profession=profession).first()
    return row or jurisdictions.BY_KEY.get((clinic.jurisdiction, profession))


def held(user, clinic, profession: str, on) -> jurisdictions.Held:
    mine = Credential.objects.filter(user=user, verifications__clinic=clinic)
    since = mine.filter(kind=Credential.Kind.LICENCE, profession=profession, issued__lte=on).aggregate(m=Min("issued"))
    hours = mine.filter(kind=Credential.Kind.DN_CERTIFICATION, issued__lte=on).aggregate(
        p=Sum("hours_in_person"), o=Sum("hours_online")
    )
    auth = _current(mine.filter(kind=Credential.Kind.AUTHORIZATION, jurisdiction=clinic.jurisdiction), on, clinic)
    return jurisdictions.Held(since["m"], hours["p"] or 0, hours["o"] or 0, auth.exists())


def problems(user, clinic, on=None) -> list[str]:
    """What stops ``user`` from needling in ``clinic`` on ``on`` (credentials and the jurisdiction rule)."""
    on = on or timezone.localdate()
    if not Membership.objects.filter(user=user, clinic=clinic, role=Role.PRACTITIONER, is_active=True).exists():
        return ["Only a practitioner of this clinic can needle."]
    out = []
    profession = profession_of(user, clinic, on)
    if profession is None:
        out.append("You have no current professional licence on record (verified by this clinic).")
    certs = _current(Credential.objects.filter(user=user, kind=Credential.Kind.DN_CERTIFICATION), on, clinic)
    if not certs.exists():
        out.append("You have no current dry-needling certification on record (verified by this clinic).")
    rule = rule_for(clinic, profession)
    if rule is not None and profession is not None:  # rule_for gives no rule without a profession
        out += jurisdictions.check(rule, held(user, clinic, profession, on), on)
    if profession is not None:
        out += attestation_problem(clinic, profession, rule, on)
    return out


def needs_attestation(rule) -> bool:
    """No rule held, or a law silent on dry needling: the local rule must be checked and recorded."""
    return rule is None or rule.status == JurisdictionRule.Status.SILENT


def current_attestation(clinic, profession: str, on=None) -> LocalRuleAttestation | None:
    on = on or timezone.localdate()
    for a in LocalRuleAttestation.objects.filter(
        clinic=clinic, jurisdiction=clinic.jurisdiction, profession=profession
    ).order_by("-checked_on"):
        if a.current(on):
            return a
    return None


def attestation_problem(clinic, profession: str, rule, on) -> list[str]:
    """Fail closed where we hold no rule (safety review, docs/clinical-sources.md §14)."""
    if not needs_attestation(rule) or current_attestation(clinic, profession, on) is not None:
        return []
    what = "the law is silent on dry needling" if rule is not None else "dryneedle holds no rule"
    return [
        f"For a {profession} in {clinic.jurisdiction} {what}: a clinic admin must record on the Team page who "
        "checked the local rule, its source and the date (asked again every year)."
    ]


def grant(membership: Membership, on=None) -> list[str]:
    """Give the needling right when nothing stops it; return the reasons otherwise (nothing changes then)."""
    found = problems(membership.user, membership.clinic, on)
    if not found:
        membership.needling = True
        membership.needling_since = timezone.now()
        membership.save(update_fields=["needling", "needling_since"])
    return found


def revoke(membership: Membership) -> None:
    membership.needling = False
    membership.needling_since = None
    membership.save(update_fields=["needling", "needling_since"])


@dataclass
class Experience:
    back_pain_episodes: int
    needling_visits: int
    years_certified: int | None


# Episodes led and visits signed live in apps above this one; visits provides the
# count (visits/apps.py), so the arrows keep pointing down (docs/architecture.md).
records_of = Hook("practitioners.records_of", "(user) -> (back-pain episodes led, needling visits signed)")


# One definition of experience, said on every page that shows it (the Team page and the public profile).
EXPERIENCE_DEFINITION = gettext_noop(  # the public directory shows it in the visitor's language
    "Counted from dryneedle's records in every clinic the practitioner works in, not claimed: episodes of back-pain "
    "care they lead (not entered in error) and needling visits they signed with at least one needle; years since "
    "their first verified dry-needling certification."
)


def experience(user, on=None) -> Experience:
    """Counted from the practitioner's own records, not claimed: episodes led, visits signed, years certified."""
    on = on or timezone.localdate()
    episodes, visits = records_of(user)
    first = Credential.objects.filter(
        user=user, kind=Credential.Kind.DN_CERTIFICATION, verifications__isnull=False
    ).aggregate(m=Min("issued"))["m"]
    return Experience(episodes, visits, jurisdictions._years(first, on) if first else None)


def expiring(credentials, on=None) -> list[tuple[Credential, int]]:
    """Credentials that expire within the first warning window, with their days left (negative: expired)."""
    on = on or timezone.localdate()
    horizon = on + timedelta(days=WARN_DAYS[0])
    return [(c, c.days_left(on)) for c in credentials if c.expires is not None and c.expires <= horizon]


def send_expiry_warnings(on=None, stdout=None) -> int:
    """Email a practitioner and their clinic admins when a credential enters the 60- and then the 14-day window.

    Each window is emailed once per credential (a conditional update claims it, so concurrent runs send once).
    """

    on = on or timezone.localdate()
    sent = 0
    soon = Credential.objects.filter(expires__gte=on, expires__lte=on + timedelta(days=WARN_DAYS[0]))
    for c in soon.select_related("user"):
        days = (c.expires - on).days
        window = min(w for w in WARN_DAYS if days <= w)
        if c.warned_days is not None and c.warned_days <= window:
            continue
        claimed = Credential.objects.filter(pk=c.pk).filter(Q(warned_days__isnull=True) | Q(warned_days__gt=window))
        if not claimed.update(warned_days=window):
            continue
        admins = Membership.objects.filter(
            clinic__memberships__user=c.user, role=Role.CLINIC_ADMIN, is_active=True
        ).values_list("user__email", flat=True)
        if mail.send("practitioners/email/expiry.txt", {"credential": c, "days": days}, [c.user.email, *admins]):
            sent += 1
    if stdout:
        stdout.write(f"{sent} expiry warning{'s' if sent != 1 else ''} sent.\n")
    return sent
