"""The demo practitioners' public listings and their patients' reviews."""

import random

from django.utils import timezone

from dryneedle.accounts.models import Membership, Role
from dryneedle.demo import people
from dryneedle.directory.models import ConsultationRequest, Listing, PatientReview
from dryneedle.patients.models import Episode
from dryneedle.portal.models import PatientLink
from dryneedle.practitioners import gate

BIOS = (
    "Treats low back pain with exercise first; uses dry needling alongside it when it helps.",
    "Sports and work injuries of the back and hips. Plans care with you, with home exercises you can keep up.",
    "Persistent back pain and sciatica; works with the clinic's physiotherapists and massage therapists.",
)


def listings(rng: random.Random, clinic_objs) -> None:
    """Directory profiles for most practitioners, and a few consultation requests waiting at the front desk."""
    from django.utils.text import slugify

    for ci, (clinic, spec) in enumerate(clinic_objs):
        # In a fixed order: each practitioner's draws are theirs whatever order the database returns the rows in.
        for m in Membership.objects.filter(clinic=clinic, role=Role.PRACTITIONER).select_related("user").order_by("id"):
            u = m.user
            listing = Listing.objects.create(
                clinic=clinic, user=u, slug=slugify(f"{u.first_name}-{u.last_name}-{u.pk}-{ci + 1}"),
                listed=rng.random() < 0.85, profession=gate.profession_of(u, clinic) or "physiotherapist",
                bio=rng.choice(BIOS), languages=rng.choice(("English", "English, Spanish", "English, French")),
                city=spec["town"],
            )  # fmt: skip
            if ci == 0 and listing.listed:
                for _ in range(rng.randint(0, 2)):
                    given, family = rng.choice(people.GIVEN_FEMALE + people.GIVEN_MALE), rng.choice(people.FAMILY)
                    ConsultationRequest.objects.create(
                        clinic=clinic, listing=listing, name=f"{given} {family}",
                        email=f"{given.lower()}.{family.lower()}@example.net", sender="demo",
                        message=rng.choice(("Lower back pain for two months, worse sitting at work.",
                                            "Pain down my left leg since a fall; my GP suggested physio.",
                                            "Stiff back every morning; would like to try dry needling.")),
                        preferred_times=rng.choice(("Weekday mornings", "After 4 pm", "Any time on Fridays")),
                    )  # fmt: skip


REVIEW_TEXTS = (
    (5, "Explained what dry needling can and cannot do, and the exercises made the difference."),
    (5, "Clear plan from the first visit; back to gardening after six weeks."),
    (4, "Helpful, though the needling was sorer the next day than I expected."),
    (4, "Good care and easy booking; would have liked evening appointments."),
    (3, "Some improvement. The home exercises were the most useful part."),
    (2, "Not much change in my sciatica, but they were honest that it might not help."),
)


def reviews(rng: random.Random, clinics) -> None:
    """Reviews from some completed episodes of listed practitioners, as patients would leave them."""

    listed = set(Listing.objects.filter(clinic__in=clinics, listed=True).values_list("user_id", "clinic_id"))
    done = Episode.objects.filter(clinic__in=clinics, status="discharged", clinician__isnull=False)
    for e in done.select_related("clinic", "patient", "clinician").order_by("id"):
        if (e.clinician_id, e.clinic_id) not in listed or rng.random() > 0.15:
            continue
        link, _token = PatientLink.issue(e, PatientLink.Purpose.REVIEW, e.clinician, days=30)
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        rating, text = rng.choice(REVIEW_TEXTS)
        PatientReview.objects.create(clinic=e.clinic, practitioner=e.clinician, episode=e, link=link, rating=rating,
                                     text=text if rng.random() < 0.8 else "")  # fmt: skip
