"""The patient's own pages (issue 19): signing in by a code sent to their email, their appointments in each clinic
that knows the address, cancelling with enough notice — and nobody else's records, ever."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from conftest import CLINIC_A_ZONE, client_for, make_appointment
from dryneedle.appointments import waitlist
from dryneedle.appointments.models import Appointment, Availability, WaitlistOffer
from dryneedle.audit.models import AuditEvent
from dryneedle.mine import signin
from dryneedle.mine.models import SignInCode
from dryneedle.patients.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)  # the code's email goes when the transaction commits
FRIDAY = datetime.combine(date(2030, 1, 4), time(9), CLINIC_A_ZONE)


def at(day: int, hh: int) -> datetime:
    return datetime.combine(date(2030, 1, day), time(hh), CLINIC_A_ZONE)


@pytest.fixture
def lena(clinic_a, clinic_b, alice):
    """Lena is a patient of two clinics with the same address; Ann, of clinic A, is someone else."""
    a = Patient.objects.create(clinic=clinic_a, given_name="Lena", family_name="Berg", birth_date=date(1979, 4, 4),
                               sex="female", email="Lena@Mail.example")  # fmt: skip
    b = Patient.objects.create(clinic=clinic_b, given_name="Lena", family_name="Berg", birth_date=date(1979, 4, 4),
                               sex="female", email="lena@mail.example")  # fmt: skip
    return a, b


def sign_in(client, email="lena@mail.example") -> None:
    client.post("/my/sign-in/", {"email": email})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    r = client.post("/my/sign-in/code/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/my/"


def test_a_patient_signs_in_with_a_code_and_sees_each_clinic_apart(clinic_a, clinic_b, alice, lena):
    mine_a, mine_b = lena
    ann = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1),
                                 sex="female", email="ann@mail.example")  # fmt: skip
    with time_machine.travel(FRIDAY, tick=False):
        make_appointment(mine_a, alice, at(8, 10))
        make_appointment(ann, alice, at(8, 11))
        c = Client()
        assert c.get("/my/")["Location"].startswith("/my/sign-in/")
        r = c.post("/my/sign-in/", {"email": "LENA@mail.example "})
        assert r["Location"] == "/my/sign-in/code/" and len(mail.outbox) == 1
        assert mail.outbox[0].to == ["lena@mail.example"] and "works once, for 10 minutes" in mail.outbox[0].body
        code = re.search(r"\b(\d{6})\b", mail.outbox[0].body)[1]
        assert SignInCode.objects.get().digest != code and code not in SignInCode.objects.get().digest  # kept hashed
        wrong = "000000" if code != "000000" else "111111"
        r = c.post("/my/sign-in/code/", {"code": wrong})
        assert r.status_code == 400 and "That code is wrong, used or expired" in r.content.decode()
        r = c.post("/my/sign-in/code/", {"code": code})
        assert r["Location"] == "/my/"
        page = c.get("/my/").content.decode()
        assert page.index("Clinic A") < page.index("Tuesday 08 January 2030, 10:00") < page.index("Clinic B")
        # Another person's name, as a word (the page's random CSRF token may hold the letters "Lee").
        assert not re.search(r"\b(Ann|Lee)\b", page)
        # The code worked once.
        c2 = Client()
        c2.post("/my/sign-in/", {"email": "lena@mail.example"})
        assert c2.post("/my/sign-in/code/", {"code": code}).status_code == 400
    rows = AuditEvent.objects.filter(action="patient.signin", outcome="ok")
    assert {r.patient for r in rows} == {mine_a.code, mine_b.code} and {r.username for r in rows} == {"patient"}
    assert AuditEvent.objects.filter(action="patient.home", patient=mine_a.code).exists()


def test_unknown_addresses_get_the_same_answer_and_asking_is_limited(clinic_a, lena):
    c = Client()
    r = c.post("/my/sign-in/", {"email": "nobody@mail.example"})
    assert r["Location"] == "/my/sign-in/code/" and mail.outbox == []  # the same answer, no email
    assert "If nobody@mail.example is the address" in c.get("/my/sign-in/code/").content.decode()
    for _ in range(4):
        c.post("/my/sign-in/", {"email": "lena@mail.example"})
    assert len(mail.outbox) == signin.PER_EMAIL  # the fourth within 15 minutes sends nothing
    assert AuditEvent.objects.filter(action="patient.signin_code", detail="limited").count() == 1
    assert c.post("/my/sign-in/", {"email": "not an address"}).status_code == 400


def test_a_code_expires_and_allows_few_tries(clinic_a, lena):
    with time_machine.travel(FRIDAY, tick=False):
        signin.ask("lena@mail.example", "10.0.0.1")
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    with time_machine.travel(FRIDAY + timedelta(minutes=11), tick=False):
        assert not signin.check("lena@mail.example", code)  # expired
    with time_machine.travel(FRIDAY + timedelta(minutes=20), tick=False):
        signin.ask("lena@mail.example", "10.0.0.1")
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(signin.TRIES):
            assert not signin.check("lena@mail.example", wrong)
        assert not signin.check("lena@mail.example", code)  # too many tries: the right one no longer works
    with time_machine.travel(FRIDAY + timedelta(days=2), tick=False):
        signin.ask("lena@mail.example", "10.0.0.1")
        assert SignInCode.objects.count() == 1  # the old ones are cleared as new ones are asked


def test_cancelling_needs_notice_frees_the_time_and_never_reaches_another_patient(clinic_a, clinic_b, alice, bob, lena):
    mine_a, _ = lena
    Availability.objects.create(clinic=clinic_a, user=alice, weekday=1, start=time(9), end=time(17))
    ann = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1),
                                 sex="female", email="ann@mail.example")  # fmt: skip
    waitlist.add(clinic_a, bob, patient=ann, earliest=date(2030, 1, 1))
    with time_machine.travel(FRIDAY, tick=False):
        soon = make_appointment(mine_a, alice, FRIDAY + timedelta(hours=5))
        later = make_appointment(mine_a, alice, at(8, 10))
        theirs = make_appointment(ann, alice, at(8, 14))
        c = Client()
        sign_in(c)
        page = c.get("/my/").content.decode()
        assert "Less than 24 hours away: call the clinic" in page and 'aria-label="Cancel Tuesday 08 January' in page
        r = c.post(f"/my/appointments/{soon.code}/cancel/", follow=True)
        assert "It is less than 24 hours away: please call the clinic to cancel." in r.content.decode()
        assert c.post(f"/my/appointments/{theirs.code}/cancel/").status_code == 404  # not theirs: not found
        r = c.post(f"/my/appointments/{later.code}/cancel/", follow=True)
        assert "Cancelled: Tuesday 08 January, 10:00 with Alice Archer." in r.content.decode()
    soon.refresh_from_db()
    later.refresh_from_db()
    theirs.refresh_from_db()
    assert (soon.status, later.status, theirs.status) == ("booked", "cancelled", "booked")
    assert later.cancel_reason == "Cancelled by the patient online"
    assert WaitlistOffer.objects.get().entry.patient == ann  # the freed time went to the waitlist
    row = AuditEvent.objects.get(action="appointment.cancelled", outcome="ok")
    assert (row.username, row.patient, row.user_id) == ("patient", mine_a.code, None)
    assert AuditEvent.objects.filter(action="appointment.cancelled", outcome="denied", detail="not theirs").exists()


def test_patient_pages_stay_apart_from_a_staff_login(clinic_a, alice, lena):
    staff = client_for(alice)
    page = staff.get("/my/sign-in/").content.decode()
    assert "You are signed in here as a member of staff" in page
    assert staff.get("/my/")["Location"].startswith("/my/sign-in/")
    c = Client()
    sign_in(c)
    assert c.get("/patients/")["Location"].startswith("/login/")  # a patient session is no staff login
    c.post("/my/sign-out/")
    assert c.get("/my/")["Location"].startswith("/my/sign-in/")
    assert Appointment.objects.count() == 0


def test_a_patient_session_ends_when_idle(clinic_a, lena):
    with time_machine.travel(FRIDAY, tick=False) as t:
        c = Client()
        sign_in(c)
        assert c.get("/my/").status_code == 200
        t.shift(16 * 60)  # idle longer than SESSION_IDLE_MINUTES (15 by default)
        r = c.get("/my/")
        assert r.status_code == 302 and r["Location"].startswith("/my/sign-in/")
        assert c.get("/my/")["Location"].startswith("/my/sign-in/")  # signed out for good


def test_a_patient_books_online_only_what_the_clinic_allows(clinic_a, clinic_b, alice, admin, lena):
    from dryneedle.appointments.models import OnlineBooking

    mine_a, mine_b = lena
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12))
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        sign_in(c)
        page = c.get("/my/").content.decode()
        assert "Book an appointment" not in page  # off until the clinic turns it on
        assert "does not take bookings online yet" in c.get("/my/book/").content.decode()
        # The clinic admin turns on dry needling, 45 minutes.
        body = {f"mode_{k}": "off" for k, _ in Appointment.KINDS} | {f"minutes_{k}": 30 for k, _ in Appointment.KINDS}
        body["notice"] = 24
        r = client_for(admin).post("/appointments/online/", {**body, "mode_dry_needling": "instant",
                                                              "minutes_dry_needling": 45})  # fmt: skip
        assert r.status_code == 302 and OnlineBooking.objects.get(kind="dry_needling").minutes == 45
        page = c.get(f"/my/book/?patient={mine_a.code}").content.decode()
        assert "Free times with Alice Archer at Clinic A (45 minutes)" in page and 'value="massage"' not in page
        first = re.search(r'name="slot" value="([^"]+)"', page)[1]
        assert first == "2030-01-04T09:30"  # the next free start after now on the half hour, in her hours
        r = c.post("/my/book/", {"patient": mine_a.code, "kind": "dry_needling", "practitioner": "alice@a.example",
                                 "slot": first}, follow=True)  # fmt: skip
        assert "Booked: Friday 04 January, 09:30 with Alice Archer at Clinic A." in r.content.decode()
        appt = Appointment.objects.get(patient=mine_a)
        assert (appt.start, appt.end - appt.start, appt.created_by) == (
            FRIDAY + timedelta(minutes=30),
            timedelta(minutes=45),
            None,
        )
        sent = mail.outbox[-1]
        assert "your appointment on Friday 04 January is booked" in sent.subject
        name, ics, mimetype = sent.attachments[0]
        assert (name, mimetype) == ("appointment.ics", "text/calendar") and "DTSTART:20300104T163000Z" in ics
        # The same time again (taken), a time not offered, a massage, another patient's record: refused.
        r = c.post("/my/book/", {"patient": mine_a.code, "kind": "dry_needling", "practitioner": "alice@a.example",
                                 "slot": first}, follow=True)  # fmt: skip
        assert "That time has just been taken or is no longer offered" in r.content.decode()
        r = c.post("/my/book/", {"patient": mine_a.code, "kind": "massage", "practitioner": "alice@a.example",
                                 "slot": "2030-01-04T11:00"}, follow=True)  # fmt: skip
        assert "That type of appointment is not booked online here" in r.content.decode()
        assert Appointment.objects.filter(patient=mine_a).count() == 1
        ann = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee",
                                     birth_date=date(1970, 1, 1), sex="female")  # fmt: skip
        assert c.get(f"/my/book/?patient={ann.code}").status_code == 404
        # Clinic B has not turned it on: nothing to book there.
        there = html.unescape(c.get(f"/my/book/?patient={mine_b.code}").content.decode())
        assert f"{clinic_b.name} does not take bookings online yet" in there
    assert AuditEvent.objects.filter(action="appointment.book", outcome="ok", username="patient").count() == 1


def test_a_time_taken_after_the_page_checked_it_is_refused_in_the_patients_words(
    clinic_a, alice, admin, lena, monkeypatch
):
    """The page checks the time is free, then the calendar books it under its lock; in between the front desk may
    take it. The patient reads that in their language, and not the calendar's front-desk message (which names the
    practitioner's other booking); nothing is booked. The same for a change of time and a cancellation."""
    from dryneedle.appointments.models import OnlineBooking
    from dryneedle.mine import booking

    mine_a, _b = lena
    mine_a.preferred_language = "Spanish"
    mine_a.save()
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12))
    OnlineBooking.objects.create(clinic=clinic_a, kind="dry_needling", mode=OnlineBooking.Mode.INSTANT, minutes=45)
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        sign_in(c, "Lena@Mail.example")
        page = c.get(f"/my/book/?patient={mine_a.code}").content.decode()
        first = re.search(r'name="slot" value="([^"]+)"', page)[1]
        seen = booking.free_times(clinic_a, alice, OnlineBooking.objects.get(clinic=clinic_a))
        # The front desk books Ann at that time while Lena reads the page: her page's check still sees it free.
        ann = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee",
                                     birth_date=date(1970, 1, 1), sex="female")  # fmt: skip
        taken = make_appointment(ann, alice, datetime.fromisoformat(first).replace(tzinfo=CLINIC_A_ZONE))
        monkeypatch.setattr(booking, "free_times", lambda *a, **k: seen)
        r = c.post("/my/book/", {"patient": mine_a.code, "kind": "dry_needling", "practitioner": "alice@a.example",
                                 "slot": first}, follow=True)  # fmt: skip
        said = html.unescape(r.content.decode())
        assert r.status_code == 200 and "Esa hora acaba de ocuparse o ya no se ofrece: elija otra." in said
        assert "already booked" not in said and "Ann" not in said
        assert not Appointment.objects.filter(patient=mine_a).exists()
        # Her own appointment: the front desk cancels it while she cancels it too.
        own = make_appointment(mine_a, alice, at(10, 10))
        Appointment.objects.filter(pk=own.pk).update(status=Appointment.Status.CANCELLED, cancel_reason="By phone")
        monkeypatch.setattr(booking, "in_time", lambda appt: True)
        r = c.post(f"/my/appointments/{own.code}/cancel/", follow=True)
        said = html.unescape(r.content.decode())
        assert "Esta cita ya no puede cancelarse en línea: llame a la clínica." in said and "cancelled" not in said
    assert taken.patient == ann


def test_a_patient_reads_the_handouts_of_their_own_signed_visits(clinic_a, alice, insertion, visit):
    from conftest import certify
    from dryneedle.visits import services as visits

    certify(alice, 100)
    visits.remove_needle(insertion, alice)
    visits.sign(visit, alice)
    visit.patient.email = "grace@mail.example"
    visit.patient.save()
    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1),
                                   sex="female", email="ann@mail.example")  # fmt: skip
    c = Client()
    sign_in(c, "grace@mail.example")
    page = c.get("/my/").content.decode()
    link = re.search(r'href="(/my/visits/[^"]+/handout/)"', page)[1]
    r = c.get(link)
    assert r.status_code == 200 and "multifidus" in r.content.decode().lower()
    assert AuditEvent.objects.filter(action="handout.view", username="patient", patient=visit.patient.code).exists()
    ann = Client()
    sign_in(ann, other.email)
    assert ann.get(link).status_code == 404  # someone else's visit: not found
