"""The patient's side of the demo clinics (issue 19): online booking turned on as a clinic would (maintenance
follow-ups booked at once, dry-needling visits on request, first consultations on request from new patients too),
a reply time for messages, a few message threads of the last fortnight — questions a front desk really gets,
answered by the desk or the clinician — and two newcomers who booked a first consultation online this week, one
of whom has answered the questions before the visit."""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dryneedle.appointments import intake as booking_intake
from dryneedle.appointments import services as appointments
from dryneedle.appointments.models import Appointment, OnlineBooking
from dryneedle.demo import common
from dryneedle.messaging.models import Message
from dryneedle.patients import texts
from dryneedle.patients.models import Episode, Patient, TextConsent
from dryneedle.portal import intake as intake_answers

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
    for kind, mode, minutes, new in (("maintenance", "instant", 30, False), ("dry_needling", "request", 45, False),
                                     ("consultation", "request", 45, True)):  # fmt: skip
        rule = {"mode": mode, "minutes": minutes, "new_patients": new}
        OnlineBooking.objects.update_or_create(clinic=clinic, kind=kind, defaults=rule)
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


# Newcomers per clinic (given, family, born, sex, language, email name): who books a first visit online.
NEWCOMERS = {
    "US-CO": (("Marisol", "Ortega", date(1983, 5, 14), "female", "Spanish"),
              ("Trevor", "Lindqvist", date(1969, 11, 2), "male", "English")),
    "CA-AB": (("Nadia", "Tremblay", date(1978, 8, 23), "female", "French"),
              ("Owen", "Makokis", date(1991, 3, 9), "male", "English")),
}  # fmt: skip
PHONE_PREFIX = {"US-CO": "+1 303 555 ", "CA-AB": "+1 780 555 "}  # the demo clinics' (demo/people.py), fictional
NEWCOMERS_ELSEWHERE = (("Imogen", "Clarke", date(1986, 1, 30), "female", "English"),
                       ("Callum", "Reid", date(1962, 7, 18), "male", "English"))  # fmt: skip
ANSWERS = {
    "findings": ["diabetes"],
    "pregnant": "no",
    "pregnancy_weeks": None,
    "medications": ["Metformin 500 mg twice a day", "Ibuprofen 400 mg when needed"],
    "reason": "Low back pain on the right, worse after sitting at work; it goes into my buttock but not my leg.",
    "started": "6_to_12_weeks",
    "treatments": "Ibuprofen, a heat pack, and some stretches from a video.",
    "history": "Type 2 diabetes for six years. Appendix out in 2004.",
    "address": "",
    "emergency_contact_name": "",
    "emergency_contact_phone": "",
}


def newcomers(rng: random.Random, clinic, people) -> int:
    """Two people the clinic does not know yet booked a first consultation online this week (requested: the desk
    confirms); the first answered the questions before the visit, the second not yet."""
    who = [u for u in people if appointments.free_slots(clinic, u, timezone.now() + timedelta(days=1), 45, n=1)]
    if not who:
        return 0
    made = 0
    for i, (given, family, born, sex, language) in enumerate(NEWCOMERS.get(clinic.jurisdiction, NEWCOMERS_ELSEWHERE)):
        u = who[i % len(who)]
        slots = appointments.free_slots(clinic, u, timezone.now() + timedelta(days=1 + i), minutes=45, n=6)
        if not slots:
            continue
        booked_at = timezone.now() - timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 8))
        email = f"{given.lower()}.{family.lower()}@mail.example"
        phone = f"{PHONE_PREFIX.get(clinic.jurisdiction, '+44 117 496 ')}{rng.randint(1000, 1999)}"
        p = Patient.objects.create(
            code=common.seeded_uuid(rng), clinic=clinic, created=booked_at, updated=booked_at, given_name=given,
            family_name=family, birth_date=born, sex=sex, email=email, phone=phone, preferred_language=language,
        )  # fmt: skip
        made += 1
        start = rng.choice(slots)
        a = appointments.book(clinic, None, patient=p, practitioner=u, start=start, end=start + timedelta(minutes=45),
                              kind="consultation", note="First visit, requested online",
                              status=Appointment.Status.REQUESTED)  # fmt: skip
        asked = booking_intake.ask(a)
        if asked is not None and i == 0:
            intake_answers.answer(asked, ANSWERS | {"address": f"{rng.randint(12, 980)} Maple Street",
                                                    "emergency_contact_name": f"Sam {family}",
                                                    "emergency_contact_phone": p.phone})  # fmt: skip
    return made
