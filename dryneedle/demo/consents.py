"""Signed consent forms for the demo's patients in active care whose screening records written consent (Colorado
requires one for each patient, 4 CCR 732-1 Rule 11): a real form with the clinic's numbers, a drawn signature, a
real PDF with its hash, linked to the screening, as the consent pages leave them. Seeded last, once the clinic's
history (and so its own adverse-event rates) exists. A few patients signed in their account, most at the desk."""

import hashlib
import random
from datetime import timedelta

from dryneedle.aftercare.services import consent_numbers
from dryneedle.consent import services, text
from dryneedle.consent.models import SignedConsent
from dryneedle.demo import common
from dryneedle.patients.models import Episode
from dryneedle.screening.models import Screening

# More than a small demo clinic has in active care; a benchmark-sized seed stops here (each form is a real PDF).
MOST_PER_CLINIC = 120


def squiggle(rng: random.Random) -> str:
    """A drawn signature's path: a few joined loops across the box, as signature.js would send it."""
    x, y = 30.0, 110.0
    out = [f"M{x:.1f} {y:.1f}"]
    for _ in range(rng.randint(28, 44)):
        x = min(580.0, x + rng.uniform(6, 18))
        y = max(30.0, min(170.0, y + rng.uniform(-38, 38)))
        out.append(f"L{x:.1f} {y:.1f}")
    return " ".join(out)


def consents(rng: random.Random, clinic) -> int:
    open_ = Episode.objects.filter(clinic=clinic, status=Episode.Status.OPEN)
    current = (
        Screening.objects.filter(clinic=clinic, episode__in=open_, status=Screening.Status.CURRENT,
                                 consent_type="written", consent_document=None)
        .select_related("patient", "patient__clinic", "created_by")
        .order_by("id")[:MOST_PER_CLINIC]
    )  # fmt: skip
    numbers = consent_numbers(clinic)
    made = 0
    for s in current:
        p = s.patient
        form_text = services.render_form(clinic, p, numbers)
        at_desk = rng.random() < 0.8
        doc = SignedConsent(
            code=common.seeded_uuid(rng), clinic=clinic, patient=p, form_version=text.VERSION, text=form_text,
            typed_name=p.name, signature=squiggle(rng), signed_at=s.created - timedelta(minutes=rng.randint(3, 9)),
            via=SignedConsent.Via.CLINIC if at_desk else SignedConsent.Via.ACCOUNT,
            witness=s.created_by if at_desk else None, created_by=s.created_by if at_desk else None,
        )  # fmt: skip
        doc.pdf = services.make_pdf(doc)
        doc.sha256 = hashlib.sha256(doc.pdf).hexdigest()
        doc.save()
        Screening.objects.filter(clinic=clinic, pk=s.pk).update(consent_document=doc)
        made += 1
    return made
