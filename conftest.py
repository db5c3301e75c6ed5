"""Shared fixtures: the clinics, the standing personas and their clients.

Personas (healthchecks' idea, as pytest fixtures):
  alice   practitioner at Clinic A who treats the patient
  bob     receptionist at Clinic A
  charlie practitioner at Clinic B (an outsider to A's records)
  admin   clinic admin at Clinic A
  audrey  auditor at Clinic A
Clinic B's records carry canary strings: any response to A's people that
contains one is a leak.
"""

import contextlib
import os
import zoneinfo
from datetime import date

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CANARY = "Zqx7Canary"


def pytest_addoption(parser):
    parser.addoption("--run-long", action="store_true", help="run release checks marked long")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-long"):
        return
    skip = pytest.mark.skip(reason="long release check: make test-long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _own_checkpoint_file(settings, tmp_path):
    """Each test anchors its audit chains in its own file: the database is emptied between tests."""
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")


@pytest.fixture(autouse=True)
def _clinic_key(request):
    """Every statement this test makes on a clinical table names a clinic, or its place is a known one
    (tests/clinic_key.py, tests/clinic_key_known.txt): the condition for distributing the schema by clinic."""
    uses_db = any(m.name == "django_db" for m in request.node.iter_markers()) or {
        "db",
        "transactional_db",
        "django_db_setup",
    } & set(request.fixturenames)
    if not uses_db:
        yield
        return
    from django.db import connections

    from tests.clinic_key import Watch

    watch = Watch()
    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(watch))
        yield
    if watch.new and os.environ.get("CLINIC_KEY_COLLECT"):  # regenerating the known list (tests/clinic_key.py)
        with open(os.environ["CLINIC_KEY_COLLECT"], "a") as f:
            f.writelines(f"{place}\n" for place in watch.new)
    elif watch.new:
        listed = "\n".join(f"  {place}\n      {sql}" for place, sql in watch.new.items())
        pytest.fail(
            "Statements on clinical tables that do not name the clinic (add the clinic to the filter, or, if the "
            f"statement must cross clinics, list the place in tests/clinic_key_known.txt with the reason):\n{listed}",
            pytrace=False,
        )


# Clinic A's zone. No test runs in it by default (there is no autouse zone): a test that means
# clinic A's wall clock names it, as code that runs without a request must (issue 16).
CLINIC_A_ZONE = zoneinfo.ZoneInfo("America/Denver")


def today_a():
    """Today on clinic A's wall clock (not the server's UTC day: from midnight UTC until 07:00 the
    two differ, and a test that mixes them fails at that hour only)."""
    from django.utils import timezone

    return timezone.localdate(timezone=CLINIC_A_ZONE)


@pytest.fixture
def another_zone():
    """Run a command test with the active zone far from every clinic's (UTC+14): a command has no
    request, so it must use each clinic's own zone, never whatever zone happens to be active."""
    from django.utils import timezone

    timezone.activate(zoneinfo.ZoneInfo("Pacific/Kiritimati"))
    yield
    timezone.deactivate()


# The database owner while the suite runs as the application role (TEST_APP_ROLE, PostgreSQL).
OWNER: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With TEST_APP_ROLE on PostgreSQL, create and migrate the test database as the owner,
    then run every test as the application role, as production does (issue 15, finding 12):
    a role that owns nothing and may only read and write rows."""
    from django.db import connections

    from dryneedle.lib import pgroles

    role = os.environ.get("TEST_APP_ROLE", "")
    conn = connections["default"]
    if not role or conn.vendor != "postgresql":
        yield
        return
    with django_db_blocker.unblock():
        with conn.cursor() as c:
            c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if c.fetchone() is None:
                from django.db import DatabaseError

                with contextlib.suppress(DatabaseError):  # another xdist worker made it first
                    c.execute(f"CREATE ROLE {conn.ops.quote_name(role)} LOGIN")
        pgroles.grant(conn, role)
        conn.close()
    OWNER["user"] = conn.settings_dict["USER"]
    conn.settings_dict["USER"] = role
    yield
    conn.close()
    conn.settings_dict["USER"] = OWNER.pop("user")


def _as_owner(connection):
    """Switch a connection to the owner for test housekeeping (flush); returns the way back."""
    if not OWNER or connection.settings_dict["USER"] == OWNER["user"]:
        return lambda: None
    app = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = OWNER["user"]

    def back():
        connection.close()
        connection.settings_dict["USER"] = app

    return back


@pytest.fixture(autouse=True, scope="session")
def _lift_guards_for_flush(django_db_setup, django_db_blocker):
    """Transactional tests empty the tables between tests (flush); the
    append-only and never-delete triggers would refuse that. Lift them only
    around Django's flush, in tests only, as the owner (the application role
    may neither drop triggers nor truncate)."""
    from django.core.management.commands import flush
    from django.db import connections

    from dryneedle.lib import guards

    original = flush.Command.handle

    def handle(self, **options):
        connection = connections[options.get("database", "default")]
        back = _as_owner(connection)
        try:
            for table in guards.guarded():
                guards.uninstall(connection, table)
            try:
                return original(self, **options)
            finally:
                for table, kind in guards.guarded().items():
                    guards.install(connection, table, kind)
        finally:
            back()

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium, never Playwright's own download (it cannot be fetched here).
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def make_user(username: str, clinic, role: str, first: str = "", last: str = "", password: str | None = None):
    from dryneedle.accounts.models import Membership, User

    user = User.objects.create(username=username, email=username, first_name=first, last_name=last)
    if password:
        user.set_password(password)
        user.save()
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def clinic_a(db):
    from dryneedle.accounts.models import Clinic

    return Clinic.objects.create(
        name="Clinic A",
        jurisdiction="US-CO",
        timezone="America/Denver",
        phone="+1 303 555 0100",
        on_call_email="oncall@a.example",
    )


@pytest.fixture
def clinic_b(db):
    from dryneedle.accounts.models import Clinic

    return Clinic.objects.create(
        name=f"Clinic B {CANARY}", jurisdiction="GB-ENG", timezone="Europe/London", on_call_email="oncall@b.example"
    )


@pytest.fixture
def alice(clinic_a):
    return make_user("alice@a.example", clinic_a, "practitioner", "Alice", "Archer")


@pytest.fixture
def bob(clinic_a):
    return make_user("bob@a.example", clinic_a, "reception", "Bob", "Baker")


@pytest.fixture
def admin(clinic_a):
    return make_user("admin@a.example", clinic_a, "clinic_admin", "Ada", "Admin")


@pytest.fixture
def audrey(clinic_a):
    return make_user("audrey@a.example", clinic_a, "auditor", "Audrey", "Auditor")


@pytest.fixture
def charlie(clinic_b):
    return make_user("charlie@b.example", clinic_b, "practitioner", "Charlie", "Chen")


@pytest.fixture
def patient(clinic_a, alice):
    from dryneedle.patients.models import Patient

    return Patient.objects.create(
        clinic=clinic_a,
        given_name="Grace",
        family_name="Hopper",
        birth_date=date(1960, 12, 9),
        sex="female",
        phone="+1 303 555 0111",
        email="grace@mail.example",
        created_by=alice,
    )


@pytest.fixture
def episode(patient, alice):
    from dryneedle.patients.models import Episode

    return Episode.objects.create(
        clinic=patient.clinic,
        patient=patient,
        condition="chronic_lbp",
        start_date=date(2026, 9, 1),
        clinician=alice,
        notes="Pain after long drives.",
        created_by=alice,
    )


@pytest.fixture
def foreign_patient(clinic_b, charlie):
    """Clinic B's patient, full of canaries."""
    from dryneedle.patients.models import Episode, Patient

    p = Patient.objects.create(
        clinic=clinic_b,
        given_name=f"{CANARY}Given",
        family_name=f"{CANARY}Family",
        birth_date=date(1970, 1, 1),
        sex="male",
        phone=f"{CANARY}phone",
        address=f"{CANARY} street",
        created_by=charlie,
    )
    Episode.objects.create(
        clinic=clinic_b, patient=p, condition="sciatica", notes=f"{CANARY} notes", clinician=charlie, created_by=charlie
    )
    return p


def nav(page, name: str) -> None:
    """Follow a link of the main navigation as a person does: open its group first when it sits in one (base.html)."""
    bar = page.get_by_role("navigation", name="Main")
    link = bar.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        # A closed group's links are not in the accessibility tree yet: find the group by its text.
        bar.locator("details.menu").filter(has_text=name).locator("summary").click()
    link.click()


def client_for(user, verified: bool = True):
    """A logged-in client; users who must use a second factor have passed it, unless verified=False."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dryneedle.accounts import mfa

    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if verified and mfa.required_for(user):
        device = mfa.device_of(user) or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = c.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return c


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.fixture
def as_bob(bob):
    return client_for(bob)


@pytest.fixture
def as_charlie(charlie):
    return client_for(charlie)


@pytest.fixture
def as_admin(admin):
    return client_for(admin)


@pytest.fixture
def as_audrey(audrey):
    return client_for(audrey)


PASSWORD_FOR_TESTS = "a long enough passphrase for tests"


SCREENING_ANSWERS = {
    "consent": "given",
    "consent_type": "written",  # clinic A is in Colorado, which requires written consent
    "findings": ["diabetes"],
    "none_of": ["red_flags"],  # asked: no red flag (a group neither ticked nor "none" is not asked)
    "pregnancy": "no",
    "medications": ["Metformin"],
    "planned_regions": ["lumbar", "gluteal"],
}
# Lumbar paraspinals have no safe default depth (visits/depth.py): needled onto the lamina, as in practice.
ONTO_BONE = {"protective_technique": "bony_backstop", "depth_reason": "Directed onto the lamina under palpation"}
# Every group asked, nothing found: the start of most tests' screenings.
ASKED_NONE = {"none_of": ["red_flags", "contraindications"], "pregnancy": "no"}


def none_of_for(data) -> list[str]:
    """The groups a test's screening answers with "none of these": every group it records no finding in."""
    from dryneedle.screening import rules

    found = {rules.GROUP_OF_ASKED[rules.BY_CODE[c].group] for c in data.get("findings", [])}
    if any((data.get("region_findings") or {}).values()):
        found.add("contraindications")
    return [g for g in ASKED_NONE["none_of"] if g not in found]


def signed_consent(patient, **kw):
    """The patient's signed consent form, as the consent pages leave it (clinic A is in Colorado, whose rule asks
    for one). A stand-in PDF: the consent tests make and check real ones (dryneedle/consent/tests)."""
    import hashlib

    from django.utils import timezone

    from dryneedle.consent import services
    from dryneedle.consent.models import SignedConsent

    if not kw and (doc := services.current(patient)) is not None:
        return doc
    pdf = b"%PDF-1.7 stand-in"
    fields = {
        **{"form_version": "test", "text": "<p>The form</p>", "typed_name": patient.name, "typed_only": True},
        **{"signed_at": timezone.now(), "via": "clinic", "pdf": pdf, "sha256": hashlib.sha256(pdf).hexdigest()},
    }
    return SignedConsent.objects.create(clinic=patient.clinic, patient=patient, **{**fields, **kw})


def screened(episode, user, data, keep=()):
    """Record a screening and acknowledge its precautions as a clinician would (all but those in ``keep``)."""
    from dryneedle.screening.services import acknowledge, record_screening

    if data.get("consent_type") == "written":
        signed_consent(episode.patient)
    s = record_screening(episode, user, {"pregnancy": "no", "none_of": none_of_for(data), **data})
    rules = [p["rule"] for p in s.result["precautions"] if p["rule"] not in keep]
    if rules:
        acknowledge(s, user, rules)
    return s


@pytest.fixture
def screening(episode, alice):
    # Diabetes is left to acknowledge: the tests of the gate do it.
    return screened(episode, alice, SCREENING_ANSWERS, keep=("diabetes",))


@pytest.fixture
def foreign_screening(foreign_patient, charlie):
    data = {**SCREENING_ANSWERS, "consent_witness": CANARY}
    return screened(foreign_patient.episodes.get(), charlie, data, keep=("diabetes",))


def _lot(clinic, number):
    from datetime import timedelta

    from dryneedle.visits.models import NeedleLot

    return NeedleLot.objects.create(
        clinic=clinic,
        manufacturer="Acme",
        diameter_mm="0.30",
        length_mm=50,
        lot_number=number,
        expires=today_a() + timedelta(days=365),
    )


def _needle(visit, lot, user):
    from dryneedle.visits.models import Insertion

    return Insertion.objects.create(
        visit=visit,
        lot=lot,
        muscle="multifidus",
        side="left",
        depth_mm=25,
        created_by=user,
        updated_by=user,
        **ONTO_BONE,
    )


@pytest.fixture
def lot_a(clinic_a):
    return _lot(clinic_a, "A-100")


@pytest.fixture
def visit(episode, alice):
    from dryneedle.visits.models import Visit

    return Visit.objects.create(clinic=episode.clinic, patient=episode.patient, episode=episode, practitioner=alice)


@pytest.fixture
def insertion(visit, lot_a, screening, alice):
    from dryneedle.screening.services import acknowledge

    acknowledge(screening, alice, ["diabetes"])
    return _needle(visit, lot_a, alice)


@pytest.fixture
def foreign_insertion(foreign_patient, foreign_screening, charlie):
    from dryneedle.screening.services import acknowledge
    from dryneedle.visits.models import Visit

    acknowledge(foreign_screening, charlie, ["diabetes"])
    episode = foreign_patient.episodes.get()
    v = Visit.objects.create(
        clinic=episode.clinic, patient=foreign_patient, episode=episode, practitioner=charlie, notes=f"{CANARY} visit"
    )
    return _needle(v, _lot(episode.clinic, "B-200"), charlie)


def make_response(episode, user=None):
    """A stored questionnaire response (pain 5/10) on an episode."""
    from dryneedle.outcomes.services import record_response

    return record_response(episode, "nprs", {"score": 5}, user)


@pytest.fixture
def response(episode, alice):
    return make_response(episode, alice)


def make_checkin(visit):
    """A check-in sent for a visit (attempt 1), with its patient link."""
    from django.utils import timezone

    from dryneedle.aftercare.models import CheckIn
    from dryneedle.portal.models import PatientLink

    link, _token = PatientLink.issue(visit.episode, PatientLink.Purpose.CHECKIN, None, days=3)
    return CheckIn.objects.create(
        clinic=visit.clinic,
        patient=visit.patient,
        episode=visit.episode,
        visit=visit,
        attempt=1,
        link=link,
        due_at=timezone.now(),
    )


def make_event(visit, **kw):
    """An adverse event at a visit, a draft unless told otherwise."""
    from dryneedle.adverse_events.models import AdverseEvent

    return AdverseEvent.objects.create(
        clinic=visit.clinic,
        patient=visit.patient,
        episode=visit.episode,
        visit=visit,
        type=kw.pop("type", "bruising"),
        **kw,
    )


def make_measure(episode, **kw):
    """An objective measure (lumbar flexion, two readings) on an episode."""
    from dryneedle.outcomes.models import ObjectiveMeasure

    m = ObjectiveMeasure.for_episode(
        episode, None, kind="rom_flexion", trials=[40, 42], value=41, unit="deg", method="inclinometer", **kw
    )
    m.save()
    return m


def make_plan(episode, user, notes=""):
    """A care plan with one exercise component, one goal and one home exercise."""
    from dryneedle.plans import services

    plan = services.create_plan(
        episode,
        user,
        {"primary_measure": "odi", "notes": notes},
        [{"modality": "exercise", "times": 2, "every_weeks": 1, "count": 8}],
        [{"activity": "Walk the dog", "baseline": 3, "target": 7}],
    )
    services.assign(plan, user, "knee_rolls")
    return plan


def make_import_file(clinic, user):
    """A CSV of patients a clinic admin uploaded to import (dryneedle/imports), not imported yet."""
    from dryneedle.imports import services

    return services.upload(clinic, user, "patients.csv", b"First Name,Last Name,Date of Birth\nIvy,Lee,1990-01-02\n")


def make_bulk_export(clinic, user):
    """A finished bulk export of the clinic with one file (fhir/bulk.py), as its status URL and file serve it."""
    from django.utils import timezone

    from dryneedle.fhir import bulk
    from dryneedle.fhir.models import BulkExport

    now = timezone.now()
    job = BulkExport.objects.create(clinic=clinic, requested_by=user, request_url="test", status="complete",
                                    counts={"Organization": 1}, started=now, finished=now)  # fmt: skip
    bulk.folder_of(job).mkdir(parents=True, exist_ok=True)
    (bulk.folder_of(job) / "Organization.ndjson").write_text('{"resourceType": "Organization"}\n')
    return job


def make_appointment(patient, practitioner, start=None, **kw):
    """An appointment written directly (no availability check), by default tomorrow at 10:00 for 30 minutes."""
    from datetime import timedelta

    from django.utils import timezone

    from dryneedle.appointments.models import Appointment

    start = start or timezone.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        practitioner=practitioner,
        kind=kw.pop("kind", "dry_needling"),
        start=start,
        end=start + timedelta(minutes=30),
        **kw,
    )


def make_credential(user):
    """A dry-needling certificate with its PDF, as the credential pages name it."""

    from dryneedle.practitioners.models import Credential

    return Credential.objects.create(user=user, kind="dn_certification", profession="physiotherapist",
                                     title="Dry Needling 2", issuer="Course", issued=today_a(),
                                     hours_in_person=28, certificate=b"%PDF-1.4\n%test\n",
                                     certificate_type="application/pdf", certificate_name="dn2.pdf")  # fmt: skip


def make_listing(user, clinic, **kw):
    """A public directory listing (opted in); shown once the practitioner may needle there."""
    from dryneedle.directory.models import Listing

    slug = kw.pop("slug", user.username.split("@")[0])
    city = kw.pop("city", "Denver")
    return Listing.objects.create(clinic=clinic, user=user, slug=slug, listed=True, profession="physiotherapist",
                                  city=city, **kw)  # fmt: skip


def make_consultation(listing, **kw):
    from dryneedle.directory.models import ConsultationRequest

    name = kw.pop("name", "Sam Rivera")
    message = kw.pop("message", "Low back pain for 3 months.")
    return ConsultationRequest.objects.create(clinic=listing.clinic, listing=listing, sender="0" * 64, name=name,
                                              email="sam@example.org", message=message, **kw)  # fmt: skip


def plan_objects(episode, user) -> dict:
    """The care-plan objects that page and API tests put in URLs: a plan and its parts, an appointment, a feed."""
    from types import SimpleNamespace

    from dryneedle.appointments.services import calendar_for

    plan = make_plan(episode, user)
    return {
        "plan": plan,
        "component": plan.components.get(),
        "goal": plan.goals.get(),
        "assignment": plan.assignments.get(),
        "appointment": make_appointment(episode.patient, user),
        "calendar": SimpleNamespace(code=calendar_for(episode.clinic, user).new_feed_token()),
        "credential": make_credential(user),
        "listing": SimpleNamespace(code=make_listing(user, episode.clinic).slug),
        "consultation": make_consultation(user.listings.get()),
        **hours_objects(episode.clinic, user),
        **waitlist_objects(episode.patient, user),
    }


@pytest.fixture
def odi_pack(clinic_a):
    """Clinic A holds an ODI licence and has loaded its wording (stand-in statements here), so patients are asked
    the ODI from their links; without a pack the links leave it to the clinic (instruments.patient_wording)."""
    from dryneedle.outcomes.instruments import ODI_SECTION_NAMES
    from dryneedle.outcomes.models import TextPack

    odi = {s: [f"{name}: licensed statement {i}" for i in range(6)] for s, name in ODI_SECTION_NAMES.items()}
    return TextPack.objects.create(clinic=clinic_a, pack={"odi": odi}, source="test licence")


def waitlist_objects(patient, user) -> dict:
    """A waitlist entry and an offer of a time to it (its one-time token as the code in the URL)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from dryneedle.appointments.models import WaitlistEntry, WaitlistOffer
    from dryneedle.lib import tokens

    entry = WaitlistEntry.objects.create(clinic=patient.clinic, patient=patient, earliest=timezone.localdate())
    token, digest = tokens.mint()
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    WaitlistOffer.objects.create(clinic=patient.clinic, entry=entry, practitioner=user, start=start,
                                 end=start + timedelta(minutes=30), digest=digest)  # fmt: skip
    return {"waitlist_entry": entry, "offer": SimpleNamespace(code=token)}


def hours_objects(clinic, user) -> dict:
    """A practitioner's weekly hours and a day off, as objects whose codes go in URLs."""
    from datetime import time

    from dryneedle.appointments.models import Availability, AvailabilityException

    return {
        "availability": Availability.objects.create(clinic=clinic, user=user, weekday=2, start=time(9), end=time(12)),
        "availability_exception": AvailabilityException.objects.create(
            clinic=clinic, user=user, date=date(2030, 1, 9), kind="off"
        ),
    }


@pytest.fixture
def link(episode, alice):
    """A patient link, as the object the access matrix puts in URLs (its token is the 'code')."""
    from types import SimpleNamespace

    from dryneedle.portal.models import PatientLink

    _link, token = PatientLink.issue(episode, "screening", alice)
    return SimpleNamespace(code=token, link=_link)


def verify_for_clinics(credential, clinics=None, method="register"):
    """Verify a credential for each clinic the holder works in (verification is per clinic), by its admin."""
    from dryneedle.accounts.models import Clinic, Membership
    from dryneedle.practitioners.models import CredentialVerification

    clinics = clinics or Clinic.objects.filter(memberships__user=credential.user).distinct()
    for clinic in clinics:
        admin = Membership.objects.filter(clinic=clinic, role="clinic_admin").select_related("user").first()
        CredentialVerification.objects.get_or_create(
            credential=credential, clinic=clinic, defaults={"method": method, "verified_by": admin and admin.user}
        )
    return credential


def certify(user, days_left: int = 200, hours: int = 54):
    """Make a practitioner able to needle in their clinics: a verified licence (since 2015) and a verified
    dry-needling certification expiring in ``days_left`` days, and the needling right where the rules allow."""
    from datetime import date, timedelta

    from django.utils import timezone

    from dryneedle.practitioners import gate
    from dryneedle.practitioners.models import Credential

    now = timezone.now()
    lic = Credential.objects.create(user=user, kind="licence", profession="physiotherapist", title="Physical therapist",
                                    issuer="State board", jurisdiction="US-CO", issued=date(2015, 6, 1))  # fmt: skip
    cert = Credential.objects.create(
        user=user,
        kind="dn_certification",
        profession="physiotherapist",
        title="Dry Needling 1",
        issuer="Course",
        issued=date(2021, 5, 1),
        hours_in_person=hours,
        expires=today_a() + timedelta(days=days_left),
    )
    for c in (lic, cert):
        verify_for_clinics(c)
    for m in user.memberships.filter(role="practitioner"):
        if not gate.problems(user, m.clinic):
            m.needling, m.needling_since = True, now
            m.save()
    return cert


def assert_accessible(page, where: str = "") -> None:
    """axe-core on the page as it is now: no serious or critical violation (the project's rule)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    bad = [
        f"{v['id']} ({v['impact']}): " + ", ".join(", ".join(n["target"]) for n in v["nodes"][:3])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{where or page.url}: {bad}"
    # Reflow (WCAG 2.1 1.4.10): on a phone nothing makes the whole page scroll sideways; a wide table
    # scrolls inside its own box (.table-wrap, js/tables.js).
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
            ".map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"
        )
        raise AssertionError(f"{where or page.url} is {overflow}px wider than the screen: {wide}")


def patient_signs_in(page, url: str, email: str, outbox) -> None:
    """Sign in to the patient's own pages as a patient would: the address, then the code from the email."""
    import re

    page.goto(url + "/my/sign-in/")
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Email me a code").click()
    page.get_by_label("The 6-digit code from the email").fill(re.search(r"\b(\d{6})\b", outbox[-1].body)[1])
    page.get_by_role("button", name="Sign in").click()


def browser_login(page, url: str, username: str, password: str) -> None:
    """Sign in through the login page, as a person would (no second factor: see admin_browser)."""
    page.goto(url + "/login/")
    page.get_by_label("Email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def admin_browser(browser, url: str, username: str, password: str):
    """A clinic admin's own browser page, signed in and with the second factor set up (admins must use one)."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    page = browser.new_context().new_page()
    browser_login(page, url, username, password)
    device = TOTPDevice.objects.get(user__username=username)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.get_by_label("Your password").fill(password)
    page.get_by_label("Code from your authenticator app").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    return page
