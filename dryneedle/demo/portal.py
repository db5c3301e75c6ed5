"""The patient's side of the demo clinics (issue 19): online booking turned on as a clinic would (maintenance
follow-ups booked at once, dry-needling visits on request), a reply time for messages, and a few message threads
of the last fortnight — questions a front desk really gets, answered by the desk or the clinician."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dryneedle.appointments.models import OnlineBooking
from dryneedle.demo import common
from dryneedle.messaging.models import Message
from dryneedle.patients import texts
from dryneedle.patients.models import Episode, TextConsent

THREADS = (
    (("Could I move Thursday's appointment to the afternoon? I have a work meeting I can't shift.", True),
     ("Of course: you are now at 15:30 on Thursday with the same practitioner. See you then.", False)),
    (("Is it normal to feel sore two days after the needling? It's less than yesterday.", True),
     ("Yes: soreness for a day or two is common and easing is a good sign. Keep up the gentle exercises; if it "
      "gets worse or you notice anything new, call us.", False),
     ("Thanks, that's reassuring.", True)),
    (("Do I need to bring anything to my first needling session?", True),
     ("Just comfortable clothes that let us reach your lower back. Please eat something beforehand.", False)),
    (("I have a cold this week - should I still come in?", True),)
)  # fmt: skip


def portal(rng: random.Random, clinic, today) -> None:
    for kind, mode, minutes in (("maintenance", "instant", 30), ("dry_needling", "request", 45)):
        OnlineBooking.objects.update_or_create(clinic=clinic, kind=kind, defaults={"mode": mode, "minutes": minutes})
    clinic.message_reply_hours = rng.choice((24, 48))
    clinic.save(update_fields=["message_reply_hours"])
    # About a third of the patients in active care agreed to reminders by text at the desk.
    in_care = Episode.objects.filter(clinic=clinic, status=Episode.Status.OPEN).exclude(patient__phone="")
    for e in in_care.select_related("patient").order_by("id"):
        if rng.random() < 0.35 and not texts.texted(e.patient):
            TextConsent.objects.create(clinic=clinic, patient=e.patient, agreed=True, phone=e.patient.phone,
                                       source=TextConsent.Source.CLINIC)  # fmt: skip
    tz = ZoneInfo(clinic.timezone)
    episodes = list(Episode.objects.filter(clinic=clinic, status=Episode.Status.OPEN).exclude(patient__email="")
                    .exclude(clinician=None).select_related("patient", "clinician").order_by("id")[:30])  # fmt: skip
    for e, thread in zip(rng.sample(episodes, min(len(episodes), len(THREADS))), THREADS, strict=False):
        day = common.weekday(today - timedelta(days=rng.randint(1, 12)))
        at = datetime.combine(day, time(rng.randint(8, 17), rng.choice((5, 20, 40))), tz)
        for i, (body, from_patient) in enumerate(thread):
            when = at + timedelta(hours=3 * i, minutes=rng.randint(0, 50))
            m = Message.objects.create(
                code=common.seeded_uuid(rng), clinic=clinic, patient=e.patient, from_patient=from_patient, body=body,
                created_by=None if from_patient else e.clinician,
            )  # fmt: skip
            # The last patient message of the last thread stays unread: the desk's inbox has something to do.
            read = None if (thread is THREADS[-1] and from_patient) else when + timedelta(hours=1)
            Message.objects.filter(clinic=clinic, pk=m.pk).update(created=when, updated=when, read_at=read)
