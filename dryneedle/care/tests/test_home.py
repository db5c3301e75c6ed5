"""Each role's home page is its day: today's schedule first, then what is left undone (issue 18)."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from conftest import CLINIC_A_ZONE, SCREENING_ANSWERS, _lot, _needle, client_for, make_appointment, make_user, screened
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.appointments import services
from dryneedle.patients.models import Episode, Patient
from dryneedle.visits.models import Visit

pytestmark = pytest.mark.django_db

MONDAY = date(2030, 1, 7)


def at(hh: int, mm: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hh, mm), CLINIC_A_ZONE)


@pytest.fixture(autouse=True)
def noon():
    """Monday 7 January 2030, 12:00 in Denver, clock held."""
    with time_machine.travel(at(12), tick=False):
        yield


def _patient(clinic, user, given, family, email="x@mail.example"):
    return Patient.objects.create(clinic=clinic, given_name=given, family_name=family, birth_date=date(1970, 5, 5),
                                  sex="female", email=email, phone="+1 303 555 0199", created_by=user)  # fmt: skip


def _episode(patient, user, start=MONDAY - timedelta(days=60)):
    return Episode.objects.create(clinic=patient.clinic, patient=patient, condition="chronic_lbp", start_date=start,
                                  clinician=user, created_by=user)  # fmt: skip


def text(r) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", r.content.decode())))


@pytest.fixture
def day(clinic_a, alice, admin):
    """Alice's Monday: Grace at 9:00 (screened, a precaution), Ann at 11:00 (never screened, 4-week questionnaire
    due), and Dan with another practitioner at 10:00; a cancelled slot at 15:00 that no one should see."""
    other = make_user("olga@a.example", clinic_a, "practitioner", "Olga", "Ortiz")
    grace = _patient(clinic_a, alice, "Grace", "Hopper")
    g_ep = _episode(grace, alice)
    screened(g_ep, alice, SCREENING_ANSWERS, keep=("diabetes",))
    ann = _patient(clinic_a, alice, "Ann", "Lee")
    _episode(ann, alice, start=MONDAY - timedelta(days=28))
    dan = _patient(clinic_a, other, "Dan", "Moss")
    _episode(dan, other)
    return {
        "grace": make_appointment(grace, alice, at(9)),
        "ann": make_appointment(ann, alice, at(11)),
        "dan": make_appointment(dan, other, at(10)),
        "cancelled": make_appointment(grace, alice, at(15), status="cancelled", cancel_reason="Away"),
        "other": other,
        "g_ep": g_ep,
    }


def test_the_practitioners_home_is_their_day_in_time_order(alice, day):
    r = client_for(alice).get("/")
    assert r.status_code == 200
    page = text(r)
    assert "Your appointments today (2)" in page
    # In time order, her own only, the cancelled slot left out
    assert page.index("Grace Hopper") < page.index("Ann Lee")
    assert "Dan Moss" not in page
    assert "15:00" not in page
    # Screening status and its flag; the never-screened patient is flagged too
    assert "Precautions — Medication to check: Metformin; Diabetes" in page
    assert "Not screened — Screen before needling" in page
    # Ann's 4-week questionnaire is due; Grace (60 days in) has nothing open now
    row_ann = page[page.index("Ann Lee") :]
    assert "4 weeks" in row_ann.split("Start visit")[0]
    assert page.count("Start visit with") == 2


def test_drafts_with_a_needle_still_in_come_first_in_red(alice, day, clinic_a):
    lot = _lot(clinic_a, "L-1")
    calm = Visit.objects.create(clinic=clinic_a, patient=day["g_ep"].patient, episode=day["g_ep"], practitioner=alice,
                                started=at(8))  # fmt: skip
    acknowledge_all(day["g_ep"], alice)
    risky = Visit.objects.create(clinic=clinic_a, patient=day["g_ep"].patient, episode=day["g_ep"], practitioner=alice,
                                 started=at(10))  # fmt: skip
    _needle(risky, lot, alice)
    r = client_for(alice).get("/")
    html = r.content.decode()
    assert html.index(str(risky.code)) < html.index(str(calm.code))
    assert re.search(r'<li class="danger"><a href="/visits/' + str(risky.code), html)
    assert "1 needle still in" in text(r)
    assert "ready to finish and sign" in text(r)


def acknowledge_all(episode, user):
    from dryneedle.screening.services import acknowledge

    s = episode.screenings.get()
    acknowledge(s, user, [p["rule"] for p in s.unacknowledged])


def test_start_visit_from_the_appointment_marks_it_attended_once(alice, day):
    acknowledge_all(day["g_ep"], alice)
    c = client_for(alice)
    appt = day["grace"]
    r = c.post(f"/appointments/{appt.code}/start-visit/", {"next": "/"})
    appt.refresh_from_db()
    assert appt.status == "attended" and appt.visit is not None and appt.arrived_at is not None
    assert r.status_code == 302 and r["Location"] == f"/visits/{appt.visit.code}/"
    assert appt.visit.episode == day["g_ep"] and appt.visit.practitioner == alice
    # A second press opens the same draft; the home page now says "Open draft"
    r = c.post(f"/appointments/{appt.code}/start-visit/")
    assert r["Location"] == f"/visits/{appt.visit.code}/"
    assert Visit.objects.filter(episode=day["g_ep"]).count() == 1
    assert "Open draft of Grace Hopper" in text(c.get("/"))
    # The visit page links back to its appointment
    assert f"/appointments/{appt.code}/" in c.get(f"/visits/{appt.visit.code}/").content.decode()


def test_start_visit_refuses_what_is_not_today_or_is_ambiguous(alice, day, clinic_a):
    tomorrow = make_appointment(day["g_ep"].patient, alice, at(9, day=MONDAY + timedelta(days=1)))
    with pytest.raises(ValidationError, match="today's appointment only"), transaction.atomic():
        services.start_visit(tomorrow, alice)
    with pytest.raises(ValidationError, match="cancelled"), transaction.atomic():
        services.start_visit(day["cancelled"], alice)
    _episode(day["grace"].patient, alice, start=MONDAY - timedelta(days=5))  # a second open episode
    r = client_for(alice).post(f"/appointments/{day['grace'].code}/start-visit/", {"next": "/"}, follow=True)
    assert "several open episodes: start the visit from the right episode" in text(r)
    assert not Visit.objects.exists()


def test_reception_cannot_start_a_visit_nor_see_screenings(bob, day):
    c = client_for(bob)
    assert c.post(f"/appointments/{day['grace'].code}/start-visit/").status_code == 403
    page = text(c.get("/"))
    assert "Grace Hopper" in page and "Dan Moss" in page  # the whole clinic's day
    assert "Precautions" not in page and "Not screened" not in page


def test_reception_marks_arrivals_and_no_shows_from_the_home_page(bob, day):
    c = client_for(bob)
    page = text(c.get("/"))
    # by practitioner, side by side: Alice's column and Olga's
    assert page.index("Alice Archer") < page.index("Grace Hopper") < page.index("Olga Ortiz") < page.index("Dan Moss")
    assert "3 still to arrive today" in page
    r = c.post(f"/appointments/{day['ann'].code}/arrived/", {"next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    day["ann"].refresh_from_db()
    assert day["ann"].arrived_at is not None and day["ann"].status == "booked"
    # 9:00 has passed without Grace: not arrived, and "Did not attend" is offered
    page = text(c.get("/"))
    assert "Arrived 12:00" in page and "Not arrived" in page
    r = c.post(f"/appointments/{day['grace'].code}/", {"status": "no_show", "reason": "", "next": "/"})
    assert r["Location"] == "/"
    day["grace"].refresh_from_db()
    assert day["grace"].status == "no_show"
    # tomorrow's appointment cannot be marked arrived today
    later = make_appointment(day["grace"].patient, day["other"], at(9, day=MONDAY + timedelta(days=1)))
    r = c.post(f"/appointments/{later.code}/arrived/", {"next": "/"}, follow=True)
    assert "Only today's appointments can be marked arrived." in text(r)
    later.refresh_from_db()
    assert later.arrived_at is None


def test_reminders_that_will_not_go_are_listed_for_reception(
    bob, alice, day, clinic_a, settings, django_capture_on_commit_callbacks
):
    no_email = _patient(clinic_a, alice, "Noel", "Nomail", email="")
    make_appointment(no_email, alice, at(10, day=MONDAY + timedelta(days=1)))
    refused = make_appointment(day["g_ep"].patient, alice, at(11, day=MONDAY + timedelta(days=1)))
    settings.EMAIL_BACKEND = "dryneedle.care.tests.test_home.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminders()
    refused.refresh_from_db()
    assert refused.reminder_sent is None and "SMTPRecipientsRefused" in refused.reminder_error
    page = text(client_for(bob).get("/"))
    assert "Noel Nomail" in page and "No email address" in page
    assert "The mail server refused it" in page
    # Once a reminder goes, the error is gone
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminders()
    refused.refresh_from_db()
    assert refused.reminder_sent is not None and refused.reminder_error == ""
    assert len(mail.outbox) == 1


class RefusingBackend:
    def __init__(self, *a, **kw):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({"grace@mail.example": (550, b"mailbox unavailable")})


def test_the_clinic_admin_sees_serious_events_and_the_follow_up_rate(admin, alice, day, clinic_a):
    ep = day["g_ep"]
    AdverseEvent.objects.create(clinic=clinic_a, patient=ep.patient, episode=ep, type="pneumothorax",
                                severity="serious", status="confirmed", created_by=alice)  # fmt: skip
    page = text(client_for(admin).get("/"))
    assert "1 serious adverse event still open." in page and "Pneumothorax, Grace Hopper" in page
    assert "questionnaire follow-up" in page
    # the admin sees screening flags across the clinic
    assert "Precautions — Medication to check: Metformin; Diabetes" in page


def test_the_auditors_home_is_the_audit_log(audrey):
    r = client_for(audrey).get("/")
    assert r.status_code == 302 and r["Location"] == "/audit/"


def test_the_api_marks_arrivals_starts_visits_and_lists_free_times(alice, bob, day, clinic_a):
    """The same services as the pages (issue 18): arrived, start the visit from the appointment, the free times."""
    from dryneedle.appointments.models import Availability

    acknowledge_all(day["g_ep"], alice)
    desk, prac = client_for(bob), client_for(alice)
    r = desk.post(f"/api/v1/appointments/{day['ann'].code}/arrived")
    assert r.status_code == 200 and r.json()["arrived_at"] is not None and r.json()["status"] == "booked"
    later = make_appointment(day["ann"].patient, alice, at(9, day=MONDAY + timedelta(days=1)))
    r = desk.post(f"/api/v1/appointments/{later.code}/arrived")
    assert r.status_code == 422 and "Only today's appointments" in r.json()["detail"]
    assert desk.post(f"/api/v1/appointments/{day['grace'].code}/visit").status_code == 403
    r = prac.post(f"/api/v1/appointments/{day['grace'].code}/visit")
    assert r.status_code == 201 and r.json()["made"] is True
    again = prac.post(f"/api/v1/appointments/{day['grace'].code}/visit")
    assert again.status_code == 200 and again.json() == {"visit": r.json()["visit"], "made": False}
    got = prac.get(f"/api/v1/appointments/{day['grace'].code}").json()
    assert got["status"] == "attended" and got["visit"] == r.json()["visit"]
    Availability.objects.create(clinic=clinic_a, user=alice, weekday=0, start=time(13), end=time(15))
    r = desk.get("/api/v1/appointments/free-slots", {"practitioner": "alice@a.example", "n": "3"})
    assert r.status_code == 200 and [s[11:16] for s in r.json()["starts"]] == ["13:00", "13:30", "14:00"]
    assert desk.get("/api/v1/appointments/free-slots", {"practitioner": "nobody"}).status_code == 422
    assert desk.get("/api/v1/appointments/free-slots", {"practitioner": "alice@a.example", "n": "0"}).status_code == 422
