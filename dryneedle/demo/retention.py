"""Retention in the demo (issue 20): the English clinic has set how long it keeps a patient's record, following the
NHS England Records Management Code (docs/clinical-sources.md §15), so one former patient, last seen in the spring
of 2016, is past it and waits on *Clinic > Retention* for the admin to anonymise; a current patient asked for
erasure last month and is told when it can be. The other clinics have set nothing: their page says no period is set.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dryneedle.accounts.models import Membership, Role
from dryneedle.demo import common
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode, Patient
from dryneedle.retention import services
from dryneedle.visits.models import Visit
from dryneedle.visits.services import note_sha256

BASIS = ("NHS England, Records Management Code of Practice 2021, Appendix II: most health records 8 years after the "
         "last treatment (demo setting: check your own)")  # fmt: skip


def retention(rng: random.Random, clinic, practitioners, today: date) -> int:
    """The English clinic's periods, its former patient and an erasure request; the signed visits made."""
    if clinic.jurisdiction != "GB-ENG" or not practitioners:
        return 0
    admin = Membership.objects.filter(clinic=clinic, role=Role.CLINIC_ADMIN).select_related("user").first()
    if admin is None:
        return 0
    basis = {"record": BASIS, "minor": "", "enquiry": "The clinic's own policy: enquiries two years (demo setting)"}
    services.set_periods(clinic, admin.user, {"record": 8, "minor": None, "enquiry": 2}, basis)
    zone = ZoneInfo(clinic.timezone)
    clinician = practitioners[0]

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    p = Patient.objects.create(
        code=common.seeded_uuid(rng), clinic=clinic, given_name="Derek", family_name="Whitfield",
        birth_date=date(1951, 3, 17), sex="male", email="derek.whitfield@mail.example", phone="+44 117 496 0917",
        address="9 Cotham Grove, Bristol BS6 6AN", preferred_language="English",
        emergency_contact_name="Margaret Whitfield", emergency_contact_phone="+44 117 496 0918",
        created=at(date(2016, 2, 8), 9, 40), updated=at(date(2016, 2, 8), 9, 40),
    )  # fmt: skip
    ep = Episode.objects.create(
        code=common.seeded_uuid(rng), clinic=clinic, patient=p, condition="chronic_lbp", start_date=date(2016, 2, 10),
        clinician=clinician, status=Episode.Status.DISCHARGED, discharge_date=date(2016, 4, 20),
        discharge_reason="goals_met", discharge_note="Back to walking the dog twice a day; gardening without pain.",
        notes="Low back pain since moving house in 2015, worse bending in the garden.",
        created=at(date(2016, 2, 10), 9, 55), updated=at(date(2016, 4, 20), 11, 50),
    )  # fmt: skip
    for i, (day, pain) in enumerate(((date(2016, 2, 10), 7), (date(2016, 3, 2), 5), (date(2016, 4, 20), 2))):
        start = at(day, 10 + i)
        Response.objects.create(code=common.seeded_uuid(rng), clinic=clinic, patient=p, episode=ep,
                                instrument="nprs", answers={"score": pain}, score=pain, scorable=True, collected=start,
                                collected_on=day, source="clinician", created=start, updated=start)  # fmt: skip
        note = f"Mr Whitfield reports pain {pain}/10; needled lumbar multifidus, left."
        v = Visit(code=common.seeded_uuid(rng), clinic=clinic, patient=p, episode=ep, practitioner=clinician,
                  started=start.astimezone(UTC), pre_nprs=pain, notes=note, skin_prep_agent="70% isopropyl alcohol",
                  created=start, updated=start)  # fmt: skip
        v.sha256 = note_sha256(v, [])
        v.status, v.signed_at, v.signed_by = Visit.Status.SIGNED, start + timedelta(minutes=40), clinician
        v.save()
    # A patient discharged this year asked last month to be erased: the record is kept until its period ends.
    recent = (Patient.objects.filter(clinic=clinic, merged_into__isnull=True, episodes__status="discharged")
              .exclude(episodes__status="open").exclude(pk=p.pk).order_by("-episodes__discharge_date", "pk")
              .first())  # fmt: skip
    if recent is not None:
        services.record_erasure_request(recent, admin.user, today - timedelta(days=rng.randint(10, 25)))
    return 3
