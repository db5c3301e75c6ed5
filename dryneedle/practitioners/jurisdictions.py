"""Who may dry needle where: cited jurisdiction profiles and the check that applies them.

The profiles below are the starting data (docs/clinical-sources.md §9); they are loaded into
the JurisdictionRule table, where a superuser keeps them current because laws change (every edit is
audited). Most entries are [V-sec] in the reference: read from course-provider pages quoting the rule,
not from the statute; the source text says so on every screen that shows a rule.

``check`` is pure: it takes a rule and the practitioner's credentials and returns what is missing,
each message naming the rule and its source. Where we hold no rule for a jurisdiction and
profession, or the law is silent, the gate fails closed until a clinic admin records who checked the
local rule, its source and the date (gate.attestation_problem).
"""

from dataclasses import dataclass
from datetime import date

APTA = "APTA state list, quoted by course-provider pages (docs/clinical-sources.md §9) [V-sec]"


@dataclass(frozen=True)
class Profile:
    jurisdiction: str
    profession: str
    status: str  # "permitted", "prohibited", "silent"
    source: str
    min_hours_in_person: int | None = None
    min_hours_total: int | None = None
    prior_practice_years: int | None = None
    written_consent: bool = False
    separate_note: bool = False
    extra_authorization: bool = False
    note: str = ""

    # The same display helpers as the JurisdictionRule model, so pages show either.
    def get_status_display(self) -> str:
        return {"permitted": "Permitted", "prohibited": "Prohibited", "silent": "Law silent"}[self.status]

    def get_profession_display(self) -> str:
        return "Physiotherapist / physical therapist" if self.profession == PT else self.profession.capitalize()


PT = "physiotherapist"
DEFAULTS: tuple[Profile, ...] = (
    # Our reference holds two versions of Colorado's rule, both secondary: 46 h in person, and a later 50 h with
    # 40 in person within 4 years. Until the current rule is checked we apply the stricter of each number.
    Profile("US-CO", PT, "permitted", "Colorado 4 CCR 732-1 Rule 11, rule text on a course site (§9) [V-sec]",
            min_hours_in_person=46, min_hours_total=50, prior_practice_years=2, written_consent=True,
            note="Two versions in our reference (46 h in person; later 50 h, 40 in person, within 4 years) [V-sec]: "
                 "the stricter of each is applied, and the 4-year window is not checked. The reference may be out "
                 "of date: check the current rule."),
    Profile("US-AZ", PT, "permitted", "Arizona, course-provider page (§9) [V-sec]", min_hours_total=24),
    Profile("US-DE", PT, "permitted", "Delaware, course-provider page (§9) [V-sec]", min_hours_in_person=54,
            prior_practice_years=2),
    Profile("US-FL", PT, "permitted", "Florida, course-provider page (§9) [V-sec]", min_hours_in_person=50,
            prior_practice_years=2, note="Also 25 supervised sessions and an attestation to the Board."),
    Profile("US-GA", PT, "permitted", "Georgia, course-provider page (§9) [V-sec]", min_hours_in_person=50),
    Profile("US-MD", PT, "permitted", "Maryland, Myopain Seminars blog (§9) [V-sec]", min_hours_total=80,
            extra_authorization=True,
            note="40 practical and 40 theoretical hours, then Board approval: record the approval as an "
                 "authorization."),
    Profile("US-CA", PT, "prohibited", APTA),
    Profile("US-HI", PT, "prohibited", APTA),
    Profile("US-NY", PT, "prohibited", APTA),
    Profile("US-OR", PT, "prohibited", APTA),
    *(Profile(f"US-{s}", PT, "silent", APTA, note="The practice act is silent on dry needling: ask the board.")
      for s in ("CT", "MA", "MI", "MN", "MO", "OK", "PA")),
    Profile("CA-AB", PT, "permitted", "Physiotherapy Alberta; Health Professions Restricted Activity Regulation "
            "ss 52-53 (§9) [V]", extra_authorization=True,
            note="'Using needles in practice' is a restricted activity; provisional registrants may not needle."),
    Profile("CA-BC", PT, "permitted", "College of Physical Therapists of BC, dry needling roster (§9) [V]",
            extra_authorization=True, note="Being on the College's roster is the authorization."),
    Profile("GB-ENG", PT, "permitted", "HCPC / CSP (§9) [V]; no statutory dry-needling minimum found [UNVERIFIED]",
            note="A local-authority skin-piercing licence may apply outside London; CSP insurance excludes "
                 "thoracic needling from 1 July 2024."),
)  # fmt: skip


BY_KEY = {(p.jurisdiction, p.profession): p for p in DEFAULTS}


@dataclass(frozen=True)
class Held:
    """What a practitioner holds, as the check needs it (current, verified credentials only)."""

    licence_since: date | None  # first issue of a current licence in this profession
    hours_in_person: int
    hours_online: int
    authorization: bool  # a current authorization for this jurisdiction


def check(rule, held: Held, on: date) -> list[str]:
    """What this practitioner lacks under ``rule`` (a JurisdictionRule or Profile); empty when nothing."""
    where = f"{rule.jurisdiction} ({rule.source})"
    if rule.status == "prohibited":
        return [f"Dry needling by a {rule.profession} is prohibited in {where}."]
    out = []
    if rule.prior_practice_years:
        years = _years(held.licence_since, on)
        if years < rule.prior_practice_years:
            out.append(f"{rule.prior_practice_years} years of licensed practice are required in {where}; "
                       f"the licence on record gives {years}.")  # fmt: skip
    if rule.min_hours_in_person and held.hours_in_person < rule.min_hours_in_person:
        out.append(f"{rule.min_hours_in_person} hours of in-person dry-needling training are required in {where}; "
                   f"{held.hours_in_person} on record.")  # fmt: skip
    total = held.hours_in_person + held.hours_online
    if rule.min_hours_total and total < rule.min_hours_total:
        out.append(f"{rule.min_hours_total} hours of dry-needling training are required in {where}; {total} on "
                   "record.")  # fmt: skip
    if rule.extra_authorization and not held.authorization:
        out.append(f"An authorization to dry needle is required in {where}; none current on record.")
    return out


def _years(since: date | None, on: date) -> int:
    if since is None:
        return 0
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))
