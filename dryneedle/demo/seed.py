"""Generate a reproducible synthetic clinic dataset.

The same seed gives the same people, dates and codes (UUIDs come from the
seeded generator, not uuid4). Rows go in with bulk_create in batches, so that
50,000 patients take minutes.
"""

import random
import sys
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from dryneedle.accounts.models import Clinic, Membership, Role, User
from dryneedle.audit.log import record
from dryneedle.demo import care, common, consents, directory, needling, people, portal, questionnaires, records, staff
from dryneedle.demo import retention as demo_retention
from dryneedle.outcomes.models import FollowUp, OptOut, OutcomeSettings, Response
from dryneedle.patients.models import EmergencyAccess, Episode, Patient
from dryneedle.portal.models import PatientLink
from dryneedle.practitioners import gate
from dryneedle.practitioners.models import Credential, CredentialVerification, LocalRuleAttestation
from dryneedle.screening.models import Screening
from dryneedle.visits.models import Insertion, Visit

# Printed for everyone by `dryneedle demo`: synthetic data only, never a real clinic.
DEMO_PASSWORD = "needle-demo-2026"  # noqa: S105  # nosec B105


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


# Signed visits per episode in the default demo (about 3.5: weekly, inside the 30-day screening), measured on
# `dryneedle seed` with seed 1. --visits-per-patient reaches its figure with more returning episodes.
VISITS_PER_EPISODE = 3.5


def seed(
    patients: int = 400,
    clinics: int = 3,
    seed: int = 1,
    today: date | None = None,
    quiet: bool = False,
    visits_per_patient: float | None = None,
) -> dict:
    """Seed the database; ``visits_per_patient`` (e.g. 10 for a clinic group's volume) gives each patient more
    returning episodes of care over a longer history, instead of the usual one to three."""
    # A seeded generator on purpose: the same seed must give the same synthetic data.
    rng = random.Random(seed)  # nosec B311
    # The moment the demo is seeded at: its visits stop here, its bookings start after it. A test that fixes
    # ``today`` gets that day's afternoon (UTC), so the same arguments always give the same data.
    now = timezone.now() if today is None else datetime.combine(today, time(18), UTC)
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
                code=common.seeded_uuid(rng),
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
            roster = (
                people.STAFF
                if ci == 0
                else tuple(
                    (rng.choice(people.GIVEN_FEMALE + people.GIVEN_MALE), rng.choice(people.FAMILY), role, prof)
                    for (_g, _f, role, prof) in people.STAFF
                )
            )
            practitioners_by_clinic[clinic.pk] = []
            for given, family, role, profession in roster:
                username = staff.staff_username(given, family, spec["domain"])
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
                    staff.credentials(rng, user, profession, spec["jurisdiction"], today)
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
                for c in Credential.objects.filter(user__memberships__clinic=clinic).order_by("id")
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
                board = staff.REGULATORS.get((clinic.jurisdiction, profession))
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

        # One disability measure per clinic (the core outcome set's one, not two): the Alberta clinic uses the
        # RMDQ, the others the ODI. The first clinic publishes its practitioners' outcomes in the directory.
        disability = {}
        effects = {}
        for ci, (clinic, _spec) in enumerate(clinic_objs):
            settings_row = OutcomeSettings.objects.create(
                clinic=clinic, disability="rmdq" if ci == 1 else "odi", publish_outcomes=ci == 0
            )
            disability[clinic.pk] = settings_row.disability
            effects[clinic.pk] = questionnaires.practitioner_effects(rng, practitioners_by_clinic[clinic.pk])
        directory.listings(rng, clinic_objs)
        lots = {clinic.pk: needling.lots(rng, clinic, today) for clinic, _spec in clinic_objs}
        taken: set = set()
        off: set = set()
        books = {clinic.pk: care.Book(clinic.timezone, taken, off) for clinic, _spec in clinic_objs}
        for clinic, _spec in clinic_objs:
            care.hours(rng, clinic, practitioners_by_clinic[clinic.pk], today, books[clinic.pk])
        bar = Progress(patients, "patients", quiet=quiet)
        made = 0
        n_episodes = n_visits = 0
        while made < patients:
            n = min(common.BATCH, patients - made)
            batch_patients, batch_episodes = [], []
            for _ in range(n):
                clinic, spec = clinic_objs[rng.randrange(len(clinic_objs))]
                count = None
                if visits_per_patient:
                    # Around the mean (one fewer to one more), and the history long enough for all of them.
                    mean = max(1.0, visits_per_patient / VISITS_PER_EPISODE)
                    count = max(1, round(mean + rng.uniform(-1, 1)))
                back = (count - 1) * records.DAYS_PER_EPISODE if count else 0
                p = records.patient(rng, clinic, spec, today, history_days=back)
                batch_patients.append(p)
                batch_episodes.extend(records.episodes(rng, p, practitioners_by_clinic[clinic.pk], today, count))
            Patient.objects.bulk_create(batch_patients, batch_size=common.BATCH)
            for e in batch_episodes:
                e.patient_id = e.patient.pk
            Episode.objects.bulk_create(batch_episodes, batch_size=common.BATCH)
            screenings = [s for e in batch_episodes if (s := records.screening(rng, e, today)) is not None]
            Screening.objects.bulk_create(screenings, batch_size=common.BATCH)
            visits, later = needling.visits(rng, screenings, lots, today, now)
            n_visits += len(visits)
            asked = [
                questionnaires.outcomes(rng, e, today, disability[e.clinic_id], effects[e.clinic_id])
                for e in batch_episodes
            ]
            Response.objects.bulk_create([r for m in asked for r in m.responses], batch_size=common.BATCH)
            PatientLink.objects.bulk_create([x for m in asked for x in m.links], batch_size=common.BATCH)
            FollowUp.objects.bulk_create([x for m in asked for x in m.follow_ups], batch_size=common.BATCH)
            OptOut.objects.bulk_create([x for m in asked for x in m.opt_outs], batch_size=common.BATCH)
            care.plans(rng, batch_episodes, visits, later, books, today, now)
            made += n
            n_episodes += len(batch_episodes)
            bar.advance(n)
        directory.reviews(rng, [c for c, _ in clinic_objs])
        records.emergency(rng, [c for c, _ in clinic_objs], practitioners_by_clinic, today)
        newcomers = 0
        for clinic, _spec in clinic_objs:  # last: what it books depends on the hour the seed runs
            care.week_ahead(rng, clinic, practitioners_by_clinic[clinic.pk], books[clinic.pk], today, now)
            care.waitlist(rng, clinic, practitioners_by_clinic[clinic.pk], today)
            consents.consents(rng, clinic)
            portal.portal(rng, clinic, today)
            newcomers += portal.newcomers(rng, clinic, practitioners_by_clinic[clinic.pk])  # beyond the count asked
        for clinic, _spec in clinic_objs:  # after everything it counts from: the last contacts
            n_visits += demo_retention.retention(rng, clinic, practitioners_by_clinic[clinic.pk], today)
        out["patients"], out["episodes"], out["visits"] = made, n_episodes, n_visits
        out["newcomers"] = newcomers
        for clinic, _spec in clinic_objs:
            record(
                None,
                "demo.seed",
                clinic=clinic,
                category="import",
                detail=f"synthetic data, seed {seed}: {made} patients over {len(clinic_objs)} clinics",
            )
    return out
