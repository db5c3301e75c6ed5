"""The demo clinics' staff: usernames, licences and certifications, and the regulators named."""

import random
from datetime import date, timedelta

from dryneedle.accounts.models import User
from dryneedle.practitioners.models import Credential


def staff_username(given: str, family: str, domain: str) -> str:
    return f"{given[0].lower()}.{family.lower().replace(chr(39), '')}@{domain}"


def credentials(rng: random.Random, user: User, profession: str, jurisdiction: str, today: date) -> None:
    licensed = today - timedelta(days=rng.randint(7 * 365, 20 * 365))
    if jurisdiction in ("CA-AB", "CA-BC"):
        Credential.objects.create(
            user=user, kind=Credential.Kind.AUTHORIZATION, profession=profession, jurisdiction=jurisdiction,
            title="Authorization to use needles (restricted activity)", issuer="Physiotherapy Alberta",
            number=f"AUTH-{rng.randint(1000, 9999)}", issued=licensed + timedelta(days=400),
        )  # fmt: skip
    Credential.objects.create(
        user=user,
        kind=Credential.Kind.LICENCE,
        profession=profession,
        title=f"Licensed {profession}",
        number=f"{jurisdiction[:2]}-{rng.randint(100000, 999999)}",
        issuer=f"{jurisdiction} licensing board",
        jurisdiction=jurisdiction,
        issued=licensed,
        expires=today + timedelta(days=rng.randint(60, 700)),
    )
    # Certified two to four years after licensing: before any of the demo's needling visits.
    certified = licensed + timedelta(days=rng.randint(2 * 365, 4 * 365))
    # Most certifications are current; one in six expires within 60 days, to show the warnings.
    expires = today + timedelta(days=rng.randint(10, 59) if rng.random() < 1 / 6 else rng.randint(120, 900))
    Credential.objects.create(
        user=user,
        kind=Credential.Kind.DN_CERTIFICATION,
        profession=profession,
        title=rng.choice(
            (
                "Dry Needling Level 1 and 2",
                "Certified Myofascial Trigger Point Therapist",
                "Trigger Point Dry Needling, Advanced",
            )
        ),
        issuer=rng.choice(("Myopain Seminars", "Evidence in Motion", "KinetaCore", "David G Simons Academy")),
        number=f"DN{rng.randint(10000, 99999)}",
        hours_in_person=rng.choice((50, 54, 56, 60, 80)),
        hours_online=rng.choice((0, 8, 12)),
        issued=certified,
        expires=expires,
        jurisdiction=jurisdiction,
    )


# The regulator a demo clinic's admin checked the local rule with, where dryneedle holds no rule.
REGULATORS = {
    ("US-CO", "chiropractor"): "Colorado State Board of Chiropractic Examiners",
    ("US-CO", "physician"): "Colorado Medical Board",
    ("GB-ENG", "chiropractor"): "General Chiropractic Council",
    ("GB-ENG", "physician"): "General Medical Council",
    ("CA-AB", "chiropractor"): "College of Chiropractors of Alberta",
    ("CA-AB", "physician"): "College of Physicians & Surgeons of Alberta",
}
