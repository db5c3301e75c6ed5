"""The demo patients, their episodes of care and screenings, and the after-hours emergency openings."""

import random
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from dryneedle.accounts.models import Clinic, User
from dryneedle.demo import common, people
from dryneedle.patients.care_team import on_care_team
from dryneedle.patients.models import EmergencyAccess, Episode, Patient
from dryneedle.screening import rules
from dryneedle.screening.models import Screening
from dryneedle.visits import bodymap

# How often each condition is seen in the demo clinics: an invented mix that
# looks like a back-pain practice, not a clinical statistic.
CONDITION_MIX = (
    ("chronic_lbp", 34),
    ("acute_lbp", 14),
    ("sciatica", 12),
    ("myofascial_tp", 12),
    ("muscle_strain", 8),
    ("postural_mechanical", 8),
    ("facet_oa", 5),
    ("tendinopathy", 3),
    ("headache", 2),
    ("sports_injury", 2),
)


# Where each condition's patients mark their pain on the body chart, as region stems
# (visits/bodymap.py) with how much less than the worst region each hurts. Invented
# for the demo, shaped like the conditions (sciatica runs down the leg), not data.
PAIN_PATTERNS = {
    "chronic_lbp": (("post_lumbar", 0), ("post_sacral", -2), ("post_gluteal", -2)),
    "acute_lbp": (("post_lumbar", 0), ("post_thoracic_lower", -3)),
    "sciatica": (("post_lumbar", -1), ("post_gluteal", 0), ("post_thigh_back", -1), ("post_calf", -2)),
    "myofascial_tp": (("post_lumbar", 0), ("post_gluteal", -1), ("post_hip_side", -3)),
    "muscle_strain": (("post_lumbar", 0),),
    "postural_mechanical": (("post_thoracic_mid", 0), ("post_thoracic_upper", -1), ("post_lumbar", -2)),
    "facet_oa": (("post_lumbar", 0), ("post_gluteal", -3)),
    "tendinopathy": (("post_hip_side", 0), ("post_thigh_side", -2)),
    "headache": (("post_cervical", 0), ("post_head_back", -1), ("post_shoulder_back", -2)),
    "sports_injury": (("post_thigh_back", 0), ("post_gluteal", -2)),
}


# Radicular pain is described down the leg as sharp, burning, tingling (kept in this order, proximal to distal).
QUALITY_BY_CONDITION = {"sciatica": ("aching", "sharp", "burning", "tingling")}


def pain_chart(rng: random.Random, condition: str, side: str, pain: int, qualities: list[str]) -> list[dict]:
    """A pain drawing for one visit: the condition's regions, fading as the pain settles."""
    marks = []
    for k, (stem, offset) in enumerate(PAIN_PATTERNS.get(condition, PAIN_PATTERNS["chronic_lbp"])):
        code = bodymap.sided(stem, side)
        intensity = max(0, min(10, pain + offset))
        if code and intensity > 0:
            marks.append({"region": code, "intensity": intensity, "quality": qualities[k % len(qualities)]})
    return bodymap.validate(marks)


DISCHARGE_MIX = (
    ("goals_met", 40),
    ("responder", 20),
    ("plateau", 12),
    ("patient_choice", 12),
    ("lost_to_follow_up", 10),
    ("referred", 6),
)


def patient(rng: random.Random, clinic: Clinic, spec: dict, today: date, history_days: int = 0) -> Patient:
    """A patient registered in the last 18 months, or ``history_days`` earlier still (a returning patient)."""
    sex = rng.choices(("female", "male", "other", "unknown"), (54, 44, 1, 1))[0]
    names = (
        people.GIVEN_MALE
        if sex == "male"
        else people.GIVEN_FEMALE
        if sex == "female"
        else people.GIVEN_FEMALE + people.GIVEN_MALE
    )
    given, family = rng.choice(names), rng.choice(people.FAMILY)
    # Back pain peaks in mid-life; a few adolescents and people in their 80s.
    age = min(92, max(15, int(rng.gauss(47, 15))))
    birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
    # Registered during opening hours, on the clinic's own clock (issue 18: 09:45 UTC was 02:45 in Denver).
    created = datetime.combine(
        today - timedelta(days=rng.randint(0, 540) + history_days),
        time(rng.randint(8, 17), rng.randint(0, 59)),
        tzinfo=zoneinfo.ZoneInfo(clinic.timezone),
    )
    if created > timezone.now():  # registered today: earlier on (the draw only then: a past day's seed is unchanged)
        created = timezone.now() - timedelta(minutes=rng.randint(5, 90))
    has_email = rng.random() < 0.75
    contact_given = rng.choice(people.GIVEN_FEMALE + people.GIVEN_MALE)
    return Patient(
        code=common.seeded_uuid(rng),
        clinic=clinic,
        given_name=given,
        family_name=family,
        birth_date=birth,
        sex=sex,
        email=f"{given.lower()}.{family.lower().replace(chr(39), '')}{rng.randint(1, 99)}@mail.example"
        if has_email
        else "",
        phone=f"{spec['phone_prefix']}{rng.randint(1000, 9999)}",
        address=f"{rng.randint(1, 250)} {rng.choice(people.STREETS)}, {spec['town']}",
        preferred_language=common.pick(rng, people.LANGUAGES),
        emergency_contact_name=f"{contact_given} {family}" if rng.random() < 0.8 else "",
        emergency_contact_phone=f"{spec['phone_prefix']}{rng.randint(1000, 9999)}",
        created=created,
        updated=created,
    )


# An episode and the pause before the next one take about 250 days on average (the lengths and gaps below).
DAYS_PER_EPISODE = 250


def episodes(
    rng: random.Random, patient: Patient, clinicians: list[User], today: date, count: int | None = None
) -> list[Episode]:
    """The patient's episodes of care, one after another from registration; ``count`` asks for that many."""
    out = []
    first = patient.created.date()
    if count is None:
        count = rng.choices((1, 2, 3), (78, 18, 4))[0]
    start = first
    for i in range(count):
        condition = common.pick(rng, CONDITION_MIX)
        start = common.weekday(start)  # an episode opens at a visit, on a day the clinic is open
        if start > today:
            break
        # Earlier episodes are discharged; the last is still open when recent.
        length = rng.randint(21, 120)
        ends = start + timedelta(days=length)
        discharged = i < count - 1 or ends < today - timedelta(days=14)
        created = datetime.combine(start, time(8, 30), tzinfo=zoneinfo.ZoneInfo(patient.clinic.timezone))
        if created < patient.created:  # registered the same morning, before the first visit
            patient.created = patient.updated = created - timedelta(minutes=20)
        notes = rng.choice(people.EPISODE_NOTES.get(condition, ("",)))
        e = Episode(
            code=common.seeded_uuid(rng),
            clinic=patient.clinic,
            patient=patient,
            condition=condition,
            start_date=start,
            notes=notes,
            clinician=rng.choice(clinicians) if clinicians else None,
            created=created,
            updated=created,
        )
        if discharged:
            e.status = Episode.Status.DISCHARGED
            e.discharge_date = min(ends, today)
            e.discharge_reason = common.pick(rng, DISCHARGE_MIX)
        out.append(e)
        start = ends + timedelta(days=rng.randint(60, 300))
    return out


# Screening answers seen in the demo: an invented mix, not a clinical statistic.
SCREENING_MIX = (
    ((), 45),
    (("diabetes",), 10),
    (("vasovagal_history",), 6),
    (("immunocompromised",), 3),
    (("metal_allergy",), 2),
    (("implanted_electrical_device",), 2),
    (("epilepsy",), 2),
    (("history_of_cancer",), 4),
    (("minor_trauma", "osteoporosis"), 2),
    (("fever", "recent_bacterial_infection"), 1),
    (("bilateral_leg_neuro_symptoms",), 2),
    (("bladder_dysfunction", "saddle_anaesthesia"), 1),
    (("needle_phobia",), 1),
    (("severe_bleeding_disorder",), 1),
)


MEDICATION_MIX = (
    ((), 70),
    (("Paracetamol",), 10),
    (("Apixaban 5 mg",), 5),
    (("Warfarin",), 3),
    (("Clopidogrel 75 mg",), 3),
    (("Naproxen",), 9),
)


REGION_MIX = (
    (("lumbar", "gluteal"), 45),
    (("lumbar",), 25),
    (("lumbar", "thoracic"), 15),
    (("gluteal", "hip", "thigh"), 15),
)


def screening(rng: random.Random, e: Episode, today: date) -> Screening | None:
    """The screening done at the episode's first visit, with precautions acknowledged as a clinician would."""
    if rng.random() < 0.08:
        return None  # not screened yet
    p = e.patient
    findings = list(common.pick(rng, SCREENING_MIX))
    answers = {
        "age": p.age(e.start_date),
        "sex": p.sex,
        "consent": "given" if rng.random() > 0.02 else "refused",
        "findings": findings,
        "pregnancy_weeks": None,
        "medications": list(common.pick(rng, MEDICATION_MIX)),
        "planned_regions": list(common.pick(rng, REGION_MIX)),
        "electrical_stimulation": rng.random() < 0.15,
        "region_findings": {},
        "medical_clearance": [],
        "asked": {"red_flags": True, "contraindications": True, "pregnancy": True},
    }
    result = rules.evaluate(rules.parse(answers))
    # Screened at the first visit, 25 minutes before the needling starts on a half-hour of the working day
    # (demo/needling.py), in the clinic's own time zone.
    slot = common.local_slot(int(e.code.hex[:8], 16), common.weekday(e.start_date), e.clinic.timezone)
    created = slot - timedelta(minutes=25)
    clinician = e.clinician.username if e.clinician else "clinician"
    return Screening(
        code=common.seeded_uuid(rng),
        clinic=e.clinic,
        patient=p,
        episode=e,
        answers=answers,
        decision=result.decision,
        result=result.stored(),
        valid_until=created + timedelta(days=30),
        # Colorado requires written consent (practitioners/jurisdictions.py); elsewhere some give it verbally.
        consent_type=("written" if e.clinic.jurisdiction == "US-CO" or rng.random() < 0.4 else "verbal")
        if answers["consent"] == "given"
        else "",
        acknowledged=[{"rule": pr["rule"], "by": clinician, "at": created.isoformat()} for pr in result.precautions],
        created=created,
        updated=created,
        created_by=e.clinician,
        updated_by=e.clinician,
    )


EMERGENCY_REASONS = (
    "Patient phoned at 21:40 with new numbness in the left foot after Tuesday's session; "
    "her practitioner is on leave. Read the last note to advise.",
    "Covering for a colleague on leave: patient arrived with a flare-up; "
    "checked the screening and last needle sites before deciding.",
)


def emergency(rng: random.Random, clinics, practitioners_by_clinic: dict, today: date) -> None:
    """One past emergency opening per clinic, by a practitioner outside the patient's care team (after-hours cover)."""
    for clinic in clinics:
        staff = practitioners_by_clinic.get(clinic.pk) or []
        for user in staff:
            patient = next(
                (p for p in Patient.objects.filter(clinic=clinic).order_by("id")[:40] if not on_care_team(user, p)),
                None,
            )
            if patient is None:
                continue
            day = today - timedelta(days=rng.randint(3, 12))
            at = datetime.combine(day, time(21, 40), zoneinfo.ZoneInfo(clinic.timezone))
            EmergencyAccess.objects.create(
                clinic=clinic, user=user, patient=patient, reason=rng.choice(EMERGENCY_REASONS),
                expires=at + timedelta(minutes=60), created=at, updated=at, created_by=user, updated_by=user,
            )  # fmt: skip
            break
