"""Generate a reproducible synthetic clinic dataset.

The same seed gives the same people, dates and codes (UUIDs come from the
seeded generator, not uuid4). Rows go in with bulk_create in batches, so that
50,000 patients take minutes.
"""

import hashlib
import random
import sys
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from dryneedle.accounts.models import Clinic, Membership, Role, User
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.audit.log import record
from dryneedle.demo import care, people
from dryneedle.directory.models import ConsultationRequest, Listing, PatientReview
from dryneedle.outcomes import scoring
from dryneedle.outcomes.models import Response
from dryneedle.patients.care_team import on_care_team
from dryneedle.patients.models import EmergencyAccess, Episode, Patient
from dryneedle.portal.models import PatientLink
from dryneedle.practitioners import gate
from dryneedle.practitioners.models import Credential, CredentialVerification, LocalRuleAttestation
from dryneedle.screening import rules
from dryneedle.screening.models import Screening
from dryneedle.visits import bodymap, depth
from dryneedle.visits.models import Insertion, NeedleLot, Visit
from dryneedle.visits.muscles import MUSCLES
from dryneedle.visits.services import canonical_note

# Printed for everyone by `dryneedle demo`: synthetic data only, never a real clinic.
DEMO_PASSWORD = "needle-demo-2026"  # noqa: S105  # nosec B105
BATCH = 2000

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


def _pain_chart(rng: random.Random, condition: str, side: str, pain: int, qualities: list[str]) -> list[dict]:
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


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class Progress:
    """A plain progress bar on standard error; silent when not a terminal and quiet is set."""

    def __init__(self, total: int, label: str, stream=None, quiet: bool = False):
        self.total, self.label, self.done = max(total, 1), label, 0
        self.stream = stream or sys.stderr
        self.quiet = quiet

    def advance(self, n: int) -> None:
        self.done += n
        if self.quiet:
            return
        width = 30
        filled = int(width * self.done / self.total)
        self.stream.write(f"\r{self.label:<10} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


@contextmanager
def _keep_given_timestamps(*models):
    """Let bulk_create store the invented 'created' and 'updated' times instead of now."""
    created = [m._meta.get_field("created") for m in models]
    updated = [m._meta.get_field("updated") for m in models]
    for f in created:
        f.auto_now_add = False
    for f in updated:
        f.auto_now = False
    try:
        yield
    finally:
        for f in created:
            f.auto_now_add = True
        for f in updated:
            f.auto_now = True


def _staff_username(given: str, family: str, domain: str) -> str:
    return f"{given[0].lower()}.{family.lower().replace(chr(39), '')}@{domain}"


def seed(patients: int = 400, clinics: int = 3, seed: int = 1, today: date | None = None, quiet: bool = False) -> dict:
    # A seeded generator on purpose: the same seed must give the same synthetic data.
    rng = random.Random(seed)  # nosec B311
    today = today or timezone.localdate()
    password = make_password(DEMO_PASSWORD)
    out: dict = {"clinics": [], "logins": []}

    with (
        transaction.atomic(),
        _keep_given_timestamps(Patient, Episode, Screening, Visit, Insertion, care.Review, EmergencyAccess),
    ):
        clinic_objs = []
        for i in range(clinics):
            spec = (
                people.CLINICS[i]
                if i < len(people.CLINICS)
                else {
                    "name": f"{rng.choice(people.FAMILY)} Back & Spine Clinic {i + 1}",
                    "address": f"{rng.randint(1, 999)} {rng.choice(people.STREETS)}",
                    "phone": f"+1 555 01{i % 100:02d}",
                    "jurisdiction": "US-CO",
                    "timezone": "America/Denver",
                    "town": "Springfield",
                    "domain": f"clinic{i + 1}.example",
                    "phone_prefix": "+1 555 ",
                }
            )
            clinic = Clinic.objects.create(
                code=_uuid(rng),
                name=spec["name"],
                address=spec["address"],
                phone=spec["phone"],
                jurisdiction=spec["jurisdiction"],
                timezone=spec["timezone"],
                on_call_email=f"on-call@{spec['domain']}",
                on_call_phone=spec["phone"],
            )
            clinic_objs.append((clinic, spec))
            out["clinics"].append(clinic.name)

        practitioners_by_clinic: dict[int, list[User]] = {}
        for ci, (clinic, spec) in enumerate(clinic_objs):
            staff = (
                people.STAFF
                if ci == 0
                else tuple(
                    (rng.choice(people.GIVEN_FEMALE + people.GIVEN_MALE), rng.choice(people.FAMILY), role, prof)
                    for (_g, _f, role, prof) in people.STAFF
                )
            )
            practitioners_by_clinic[clinic.pk] = []
            for given, family, role, profession in staff:
                username = _staff_username(given, family, spec["domain"])
                if User.objects.filter(username=username).exists():
                    username = username.replace("@", f".{ci}@")
                user = User.objects.create(
                    username=username, email=username, first_name=given, last_name=family, password=password
                )
                Membership.objects.create(user=user, clinic=clinic, role=role)
                if ci == 0:
                    out["logins"].append((role, username))
                if profession:
                    practitioners_by_clinic[clinic.pk].append(user)
                    _credentials(rng, user, profession, spec["jurisdiction"], today)
        if len(clinic_objs) > 1:
            # One practitioner works in two clinics, to show the clinic switcher.
            roamer = practitioners_by_clinic[clinic_objs[0][0].pk][0]
            Membership.objects.create(user=roamer, clinic=clinic_objs[1][0], role=Role.PRACTITIONER)
            practitioners_by_clinic[clinic_objs[1][0].pk].append(roamer)
        # Each clinic's admin verified its practitioners' credentials on the issuing body's register, for that
        # clinic (verification is per clinic), some months ago.
        for clinic, _spec in clinic_objs:
            admin = User.objects.filter(memberships__clinic=clinic, memberships__role=Role.CLINIC_ADMIN).first()
            CredentialVerification.objects.bulk_create(
                CredentialVerification(
                    credential=c,
                    clinic=clinic,
                    method=Credential.Method.REGISTER,
                    verified_by=admin,
                    verified_at=timezone.now() - timedelta(days=rng.randint(30, 400)),
                )
                for c in Credential.objects.filter(user__memberships__clinic=clinic)
            )
        # The clinic admins gave the needling right where the jurisdiction rules allow it.
        # Where dryneedle holds no rule (chiropractors and physicians here), the admin recorded who checked the
        # local rule (the gate fails closed without it). The first clinic leaves the physician's unchecked, so
        # the demo shows the blocked state too. The regulators named are real; the records are demo data.
        for ci, (clinic, _spec) in enumerate(clinic_objs):
            admin = User.objects.filter(memberships__clinic=clinic, memberships__role=Role.CLINIC_ADMIN).first()
            for profession in ("chiropractor", "physician"):
                if ci == 0 and profession == "physician":
                    continue
                board = REGULATORS.get((clinic.jurisdiction, profession))
                if admin is None or board is None or gate.rule_for(clinic, profession) is not None:
                    continue
                LocalRuleAttestation.objects.create(
                    clinic=clinic, jurisdiction=clinic.jurisdiction, profession=profession, recorded_by=admin,
                    checked_by=admin.get_full_name() or admin.username,
                    source=f"Scope of practice checked with the {board} (demo record: check your own)",
                    checked_on=today - timedelta(days=rng.randint(20, 300)),
                )  # fmt: skip
        for m in Membership.objects.filter(role=Role.PRACTITIONER, clinic__in=[c for c, _ in clinic_objs]):
            if not gate.problems(m.user, m.clinic, today):
                m.needling, m.needling_since = True, timezone.now()
                m.save(update_fields=["needling", "needling_since"])

        _listings(rng, clinic_objs)
        lots = {clinic.pk: _lots(rng, clinic, today) for clinic, _spec in clinic_objs}
        taken: set = set()
        books = {clinic.pk: care.Book(clinic.timezone, taken) for clinic, _spec in clinic_objs}
        for clinic, _spec in clinic_objs:
            care.hours(rng, clinic, practitioners_by_clinic[clinic.pk], today)
        bar = Progress(patients, "patients", quiet=quiet)
        made = 0
        n_episodes = 0
        while made < patients:
            n = min(BATCH, patients - made)
            batch_patients, batch_episodes = [], []
            for _ in range(n):
                clinic, spec = clinic_objs[rng.randrange(len(clinic_objs))]
                p = _patient(rng, clinic, spec, today)
                batch_patients.append(p)
                batch_episodes.extend(_episodes(rng, p, practitioners_by_clinic[clinic.pk], today))
            Patient.objects.bulk_create(batch_patients, batch_size=BATCH)
            for e in batch_episodes:
                e.patient_id = e.patient.pk
            Episode.objects.bulk_create(batch_episodes, batch_size=BATCH)
            screenings = [s for e in batch_episodes if (s := _screening(rng, e, today)) is not None]
            Screening.objects.bulk_create(screenings, batch_size=BATCH)
            visits = _visits(rng, screenings, lots, today)
            Response.objects.bulk_create(
                [r for e in batch_episodes for r in _outcomes(rng, e, today)], batch_size=BATCH
            )
            care.plans(rng, batch_episodes, visits, books, today)
            made += n
            n_episodes += len(batch_episodes)
            bar.advance(n)
        _reviews(rng, [c for c, _ in clinic_objs])
        _emergency(rng, [c for c, _ in clinic_objs], practitioners_by_clinic, today)
        out["patients"], out["episodes"] = made, n_episodes
        for clinic, _spec in clinic_objs:
            record(
                None,
                "demo.seed",
                clinic=clinic,
                category="import",
                detail=f"synthetic data, seed {seed}: {made} patients over {len(clinic_objs)} clinics",
            )
    return out


EMERGENCY_REASONS = (
    "Patient phoned at 21:40 with new numbness in the left foot after Tuesday's session; "
    "her practitioner is on leave. Read the last note to advise.",
    "Covering for a colleague on leave: patient arrived with a flare-up; "
    "checked the screening and last needle sites before deciding.",
)


def _emergency(rng: random.Random, clinics, practitioners_by_clinic: dict, today: date) -> None:
    """One past emergency opening per clinic, by a practitioner outside the patient's care team (after-hours cover)."""
    import zoneinfo

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


PSFS_ACTIVITIES = (
    "Lifting my child",
    "Gardening for an hour",
    "Sitting through a work meeting",
    "Running 5 km",
    "Putting on socks",
    "Driving to work",
    "Playing golf",
    "Carrying shopping",
    "Sleeping through the night",
    "Vacuuming the house",
)


def _outcomes(rng: random.Random, e: Episode, today: date) -> list[Response]:
    """Questionnaires on the default schedule, some left unanswered, scores improving more for some patients.

    Invented for the demo: about half the patients improve a lot and the rest a little, which
    makes the charts and responder figures look like a clinic's, not like evidence.
    """
    if e.status == Episode.Status.ENTERED_IN_ERROR or e.start_date > today:
        return []
    severity = rng.uniform(0.25, 0.8)
    gain = rng.uniform(0.4, 0.75) if rng.random() < 0.5 else rng.uniform(-0.1, 0.3)
    sex_na = rng.random() < 0.3
    activities = rng.sample(PSFS_ACTIVITIES, rng.randint(2, 3))
    psfs_base = [rng.randint(1, 5) for _ in activities]
    out: list[Response] = []

    def add(when: date, instrument: str, answers: dict) -> None:
        result = scoring.score(instrument, answers)
        d = result.as_dict()
        at = timezone.make_aware(datetime.combine(when, datetime.min.time()) + timedelta(hours=rng.randint(8, 18)))
        out.append(
            Response(
                code=_uuid(rng),
                clinic=e.clinic,
                patient=e.patient,
                episode=e,
                instrument=instrument,
                answers=answers,
                collected=at,
                source=rng.choice(("patient", "patient", "clinician")),
                scorable=result.scorable,
                score=result.score if result.scorable else None,
                details={k: d[k] for k in d if k not in ("instrument", "scorable", "score", "reason")},
                reason=result.reason,
            )
        )

    def level(progress: float) -> float:
        return max(0.0, severity * (1 - gain * progress))

    def odi(progress: float) -> dict:
        target = level(progress) * 5
        return {
            "sections": {
                sec: None if (sec == "sex_life" and sex_na) else max(0, min(5, round(target + rng.uniform(-0.9, 0.9))))
                for sec in scoring.ODI_SECTIONS
            }
        }

    def rmdq(progress: float) -> dict:
        return {"ticked": sorted(rng.sample(range(1, 25), max(0, min(24, round(level(progress) * 20)))))}

    def psfs(progress: float) -> dict:
        return {
            "activities": [
                {"name": a, "score": max(0, min(10, round(b + (10 - b) * gain * progress + rng.uniform(-1, 1))))}
                for a, b in zip(activities, psfs_base, strict=True)
            ]
        }

    end = min(e.discharge_date or today, today)
    base = e.start_date
    psycho = rng.random() < severity
    sb_items: dict[str, bool | str] = {str(i): rng.random() < severity for i in range(1, 5)}
    sb_items |= {str(i): rng.random() < (0.7 if psycho else 0.2) for i in range(5, 9)}
    sb_items["9"] = rng.choice(("very_much", "extremely") if psycho else ("slightly", "moderately"))
    add(base, "startback", {"items": sb_items})
    add(base, "odi", odi(0))
    add(base, "rmdq", rmdq(0))
    add(base, "psfs", psfs(0))
    for weeks, progress in ((4, 0.6), (12, 1.0)):
        when = base + timedelta(weeks=weeks)
        if when <= end and rng.random() < 0.8:
            add(when, "odi", odi(progress))
            add(when, "rmdq", rmdq(progress))
    if e.discharge_date and e.discharge_date <= today:
        add(e.discharge_date, "odi", odi(1.0))
        add(e.discharge_date, "rmdq", rmdq(1.0))
        add(e.discharge_date, "psfs", psfs(1.0))
        for months in (3, 6, 12):
            when = e.discharge_date + timedelta(days=30 * months)
            if when <= today and rng.random() < 0.6:
                add(when, "nprs", {"score": max(0, min(10, round(level(1.1) * 10)))})
                add(when, "odi", odi(1.1))
    return out


# Reactions the demo records, with roughly the frequencies of Brady 2014 (docs/clinical-sources.md §2.1)
# so the safety page has something to compare; invented data, not a clinic's.
DEMO_REACTIONS = (
    ("bruising", 0.075, "mild", "A small bruise at the needle site."),
    ("pain_during", 0.03, "mild", "Sharp pain on insertion, settled when the needle was withdrawn a little."),
    ("soreness_after", 0.03, "mild", "Sore for a day after the visit."),
    ("aggravation", 0.009, "mild", "Symptoms worse for a day, then better than before."),
    ("drowsiness", 0.003, "mild", "Felt drowsy; waited before driving home."),
    ("fainting", 0.002, "significant", "Felt faint and pale after the third needle; lay down, recovered."),
)


def _events(rng: random.Random, visits: list[Visit], needles: list[Insertion], today: date) -> list[AdverseEvent]:
    bled = {n.visit_id for n in needles if n.bleeding == "more"}
    out = []
    for v in visits:
        found = [("bleeding", "mild", "Bleeding more than a spot; pressure applied, stopped.")] if v.pk in bled else []
        found += [(t, sev, text) for t, p, sev, text in DEMO_REACTIONS if rng.random() < p]
        recent = (today - v.started.date()).days <= 10
        for t, sev, text in found:
            draft = recent and rng.random() < 0.5  # the last days' reports are still to confirm
            out.append(
                AdverseEvent(
                    code=_uuid(rng),
                    clinic=v.clinic,
                    patient=v.patient,
                    episode=v.episode,
                    visit=v,
                    type=t,
                    description=text,
                    onset="during" if t in ("bleeding", "pain_during", "fainting") else "within_48h",
                    outcome="resolved",
                    severity="" if draft else sev,
                    causality="" if draft else rng.choice(("certain", "probable")),
                    status="draft" if draft else "closed",
                    source="clinician",
                    occurred=v.started + timedelta(minutes=30),
                    reviewed_by=None if draft else v.practitioner,
                    reviewed_at=None if draft else v.started + timedelta(days=2),
                    review_note="" if draft else "Reviewed at the next visit.",
                    created_by=v.practitioner,
                    updated_by=v.practitioner,
                )
            )
    return out


def _credentials(rng: random.Random, user: User, profession: str, jurisdiction: str, today: date) -> None:
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


def _patient(rng: random.Random, clinic: Clinic, spec: dict, today: date) -> Patient:
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
    created = datetime.combine(
        today - timedelta(days=rng.randint(0, 540)), time(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=UTC
    )
    has_email = rng.random() < 0.75
    contact_given = rng.choice(people.GIVEN_FEMALE + people.GIVEN_MALE)
    return Patient(
        code=_uuid(rng),
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
        preferred_language=_pick(rng, people.LANGUAGES),
        emergency_contact_name=f"{contact_given} {family}" if rng.random() < 0.8 else "",
        emergency_contact_phone=f"{spec['phone_prefix']}{rng.randint(1000, 9999)}",
        created=created,
        updated=created,
    )


def _episodes(rng: random.Random, patient: Patient, clinicians: list[User], today: date) -> list[Episode]:
    out = []
    first = patient.created.date()
    count = rng.choices((1, 2, 3), (78, 18, 4))[0]
    start = first
    for i in range(count):
        condition = _pick(rng, CONDITION_MIX)
        if start > today:
            break
        # Earlier episodes are discharged; the last is still open when recent.
        length = rng.randint(21, 120)
        ends = start + timedelta(days=length)
        discharged = i < count - 1 or ends < today - timedelta(days=14)
        created = datetime.combine(start, time(9, 0), tzinfo=UTC)
        notes = rng.choice(people.EPISODE_NOTES.get(condition, ("",)))
        e = Episode(
            code=_uuid(rng),
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
            e.discharge_reason = _pick(rng, DISCHARGE_MIX)
        out.append(e)
        start = ends + timedelta(days=rng.randint(60, 300))
    return out


# The regulator a demo clinic's admin checked the local rule with, where dryneedle holds no rule.
REGULATORS = {
    ("US-CO", "chiropractor"): "Colorado State Board of Chiropractic Examiners",
    ("US-CO", "physician"): "Colorado Medical Board",
    ("GB-ENG", "chiropractor"): "General Chiropractic Council",
    ("GB-ENG", "physician"): "General Medical Council",
    ("CA-AB", "chiropractor"): "College of Chiropractors of Alberta",
    ("CA-AB", "physician"): "College of Physicians & Surgeons of Alberta",
}

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


def _screening(rng: random.Random, e: Episode, today: date) -> Screening | None:
    """The screening done at the episode's first visit, with precautions acknowledged as a clinician would."""
    if rng.random() < 0.08:
        return None  # not screened yet
    p = e.patient
    findings = list(_pick(rng, SCREENING_MIX))
    answers = {
        "age": p.age(e.start_date),
        "sex": p.sex,
        "consent": "given" if rng.random() > 0.02 else "refused",
        "findings": findings,
        "pregnancy_weeks": None,
        "medications": list(_pick(rng, MEDICATION_MIX)),
        "planned_regions": list(_pick(rng, REGION_MIX)),
        "electrical_stimulation": rng.random() < 0.15,
        "region_findings": {},
        "medical_clearance": [],
        "asked": {"red_flags": True, "contraindications": True, "pregnancy": True},
    }
    result = rules.evaluate(rules.parse(answers))
    created = datetime.combine(e.start_date, time(9, 20), tzinfo=UTC)
    clinician = e.clinician.username if e.clinician else "clinician"
    return Screening(
        code=_uuid(rng),
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


# What a clinician writes for the protective technique: over the lungs a pincer grip, in the lumbar region onto
# the lamina or transverse process (docs/clinical-sources.md §4.3).
_PROTECT = {
    False: ("pincer_grip", "Pincer grip over the rib, needle tangential"),
    True: ("bony_backstop", "Directed onto the lamina under palpation"),
}


def _lots(rng: random.Random, clinic: Clinic, today: date) -> list[NeedleLot]:
    sizes = (("0.25", 30), ("0.30", 50), ("0.30", 60))
    lots = [
        NeedleLot.objects.create(
            clinic=clinic,
            manufacturer=rng.choice(("Seirin", "Agu-punt", "Dongbang")),
            diameter_mm=d,
            length_mm=n,
            lot_number=f"{rng.randint(10, 99)}{rng.choice('ABCDEFGH')}{rng.randint(1000, 9999)}",
            expires=today + timedelta(days=rng.randint(200, 900)),
        )
        for d, n in sizes
    ]
    NeedleLot.objects.create(
        clinic=clinic,
        manufacturer="Seirin",
        diameter_mm="0.20",
        length_mm=40,
        lot_number=f"OLD{rng.randint(100, 999)}",
        expires=today - timedelta(days=40),
    )
    return lots


def _visits(rng: random.Random, screenings: list[Screening], lots: dict, today: date) -> list[Visit]:
    """Signed weekly visits inside each screening's validity, only where the gate allows needling.

    Insertions go in through the plain QuerySet.bulk_create: the generated data
    satisfies the gate by construction (clear or acknowledged precautions,
    consent, planned regions), which the seed test checks.
    """
    visits, needles = [], []
    for s in screenings:
        e = s.episode
        if s.decision not in ("clear", "precautions") or s.answers["consent"] != "given" or e.clinician is None:
            continue
        regions = s.answers["planned_regions"]
        muscles = [m for m in MUSCLES if m.regions[0] in regions and m.regions[0] not in s.result["excluded_regions"]]
        end = min(e.discharge_date or today, today, s.valid_until.date() - timedelta(days=1))
        when = s.created + timedelta(minutes=25)
        pain = rng.randint(4, 8)
        side = rng.choice(("left", "right"))
        pool = QUALITY_BY_CONDITION.get(e.condition, ("aching", "aching", "sharp", "burning"))
        qualities = list(pool) if e.condition in QUALITY_BY_CONDITION else rng.sample(pool, len(pool))
        while when.date() <= end:
            v = Visit(
                code=_uuid(rng),
                clinic=e.clinic,
                patient=e.patient,
                episode=e,
                practitioner=e.clinician,
                started=when,
                status=Visit.Status.SIGNED,
                pre_nprs=pain,
                pain_chart=_pain_chart(rng, e.condition, side, pain, qualities),
                post_nprs=max(0, pain - rng.randint(0, 3)),
                hand_hygiene=True,
                clean_field=True,
                skin_prep_agent="70% isopropyl alcohol",
                sterile_single_use=True,
                signed_at=when + timedelta(minutes=40),
                signed_by=e.clinician,
                created=when,
                updated=when,
                created_by=e.clinician,
                updated_by=e.clinician,
            )
            mine = []
            for k in range(rng.randint(2, 6)):
                m = rng.choice(muscles)
                lot = rng.choice(lots[e.clinic_id])
                t_in = when + timedelta(minutes=5 + 2 * k)
                depth_mm = rng.randint(10, min(40, lot.length_mm))
                guard = depth.guard_for(m.code, m.regions[0])
                if guard is not None and guard.default is not None:
                    depth_mm = min(depth_mm, guard.default.max_mm)  # within the cited limit
                # Where no safe default depth is known, a clinician records the protective technique, as the
                # depth guard requires on every path (visits/depth.py).
                protect = guard is not None and guard.default is None
                technique, reason = _PROTECT[m.regions[0] == "lumbar"] if protect else ("", "")
                mine.append(
                    Insertion(
                        code=_uuid(rng),
                        clinic=e.clinic,
                        patient=e.patient,
                        visit=v,
                        muscle=m.code,
                        region=m.regions[0],
                        # mostly the painful side, as a clinician would
                        side=side if rng.random() < 0.8 else ("right" if side == "left" else "left"),
                        lot=lot,
                        depth_mm=depth_mm,
                        protective_technique=technique,
                        depth_reason=reason,
                        warnings=[depth.protected_note(None, guard, technique, reason)] if protect else [],
                        technique=rng.choice(("pistoning", "pistoning", "static", "rotation")),
                        local_twitch_responses=rng.randint(0, 4),
                        recognition=rng.random() < 0.6,
                        sensations=rng.sample(["twitch", "dull_ache", "pressure", "referral"], rng.randint(1, 2)),
                        pressure_applied=True,
                        bleeding=rng.choices(("none", "spot", "more"), (80, 17, 3))[0],
                        time_in=t_in,
                        time_out=t_in + timedelta(minutes=rng.randint(1, 15)),
                        created=t_in,
                        updated=t_in,
                        created_by=e.clinician,
                        updated_by=e.clinician,
                    )
                )
            v.sha256 = hashlib.sha256(canonical_note(v, mine).encode()).hexdigest()
            visits.append(v)
            needles.extend(mine)
            pain = max(0, pain - rng.randint(0, 2))
            when += timedelta(days=7)
    # Draft first, then signed: the database refuses a signed visit whose needles are not all out,
    # and needles cannot be added to a signed visit.
    for v in visits:
        v.status = Visit.Status.DRAFT
    Visit.objects.bulk_create(visits, batch_size=BATCH)
    for n in needles:
        n.visit_id = n.visit.pk
    models.QuerySet(Insertion).bulk_create(needles, batch_size=BATCH)  # type: ignore[arg-type]  # an untyped QuerySet(model)
    Visit.objects.filter(pk__in=[v.pk for v in visits]).update(status=Visit.Status.SIGNED)
    AdverseEvent.objects.bulk_create(_events(rng, visits, needles, today), batch_size=BATCH)
    return visits


BIOS = (
    "Treats low back pain with exercise first; uses dry needling alongside it when it helps.",
    "Sports and work injuries of the back and hips. Plans care with you, with home exercises you can keep up.",
    "Persistent back pain and sciatica; works with the clinic's physiotherapists and massage therapists.",
)


def _listings(rng: random.Random, clinic_objs) -> None:
    """Directory profiles for most practitioners, and a few consultation requests waiting at the front desk."""
    from django.utils.text import slugify

    for ci, (clinic, spec) in enumerate(clinic_objs):
        for m in Membership.objects.filter(clinic=clinic, role=Role.PRACTITIONER).select_related("user"):
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


def _reviews(rng: random.Random, clinics) -> None:
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
