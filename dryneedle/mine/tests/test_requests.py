"""Online booking by request (the front desk confirms), changing a time online, and the clinic's own notice
(issue 19)."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from conftest import CLINIC_A_ZONE, client_for, make_appointment
from dryneedle.appointments.models import Appointment, Availability, OnlineBooking, WaitlistEntry

pytestmark = pytest.mark.django_db(transaction=True)
FRIDAY = datetime.combine(date(2030, 1, 4), time(9), CLINIC_A_ZONE)


def sign_in(client, email="grace@mail.example") -> None:
    client.post("/my/sign-in/", {"email": email})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    assert client.post("/my/sign-in/code/", {"code": code})["Location"] == "/my/"


@pytest.fixture
def hours(clinic_a, alice):
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12))


def test_a_request_holds_the_time_until_the_front_desk_answers(patient, clinic_a, alice, bob, hours):
    OnlineBooking.objects.create(clinic=clinic_a, kind="dry_needling", mode="request", minutes=30)
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        sign_in(c)
        page = c.get("/my/book/").content.decode()
        assert "Ask for this time" in page and "confirms this type of appointment itself" in page
        slot = re.search(r'name="slot" value="([^"]+)"', page)[1]
        mail.outbox.clear()
        r = c.post("/my/book/", {"patient": patient.code, "kind": "dry_needling", "practitioner": alice.username,
                                 "slot": slot}, follow=True)  # fmt: skip
        assert "Requested: Friday 04 January, 09:30" in html.unescape(r.content.decode())
        a = Appointment.objects.get()
        assert a.status == "requested" and "held for you" in mail.outbox[-1].body and not mail.outbox[-1].attachments
        # The time is held: nobody else is offered it, and the desk sees the request on its day.
        again = c.get("/my/book/").content.decode()
        assert f'value="{slot}"' not in again
        desk = client_for(bob)
        assert "Online requests to confirm (1)" in desk.get("/").content.decode()
        # It cannot be marked attended while a request; declining needs words for the patient.
        r = desk.post(f"/appointments/{a.code}/request/", {"answer": "decline", "reason": ""}, follow=True)
        assert "Say why" in html.unescape(r.content.decode())
        mail.outbox.clear()
        desk.post(f"/appointments/{a.code}/request/", {"answer": "confirm"})
        a.refresh_from_db()
        assert a.status == "booked"
        (confirmed,) = mail.outbox
        assert "is confirmed" in confirmed.subject and confirmed.attachments[0][2] == "text/calendar"
        r = desk.post(f"/appointments/{a.code}/request/", {"answer": "confirm"}, follow=True)
        assert "not a request" in html.unescape(r.content.decode())


def test_a_declined_request_tells_the_patient_why(patient, clinic_a, alice, bob):
    with time_machine.travel(FRIDAY, tick=False):
        a = make_appointment(patient, alice, FRIDAY + timedelta(days=3), status="requested")
        mail.outbox.clear()
        body = {"answer": "decline", "reason": "Alice is on a course that day"}
        client_for(bob).post(f"/appointments/{a.code}/request/", body)
        a.refresh_from_db()
        assert a.status == "cancelled" and a.cancel_reason == "Alice is on a course that day"
        assert "Alice is on a course that day" in mail.outbox[-1].body


def test_a_patient_changes_a_time_within_the_clinics_notice(patient, clinic_a, alice, hours):
    clinic_a.online_notice_hours = 48
    clinic_a.save()
    WaitlistEntry.objects.create(clinic=clinic_a, patient=make_other(clinic_a), practitioner=alice,
                                 earliest=date(2030, 1, 4))  # fmt: skip
    with time_machine.travel(FRIDAY, tick=False):
        soon = make_appointment(patient, alice, datetime.combine(date(2030, 1, 5), time(10), CLINIC_A_ZONE))
        later = make_appointment(patient, alice, datetime.combine(date(2030, 1, 8), time(10), CLINIC_A_ZONE))
        c = Client()
        sign_in(c)
        home = html.unescape(c.get("/my/").content.decode())
        assert "Less than 48 hours away: call the clinic to change it." in home  # Saturday's, 25 hours ahead
        assert c.post(f"/my/appointments/{soon.code}/cancel/").status_code == 302
        soon.refresh_from_db()
        assert soon.status == "booked"
        page = c.get(f"/my/appointments/{later.code}/change/").content.decode()
        slots = re.findall(r'name="slot" value="([^"]+)"', page)
        assert slots and slots[0] >= "2030-01-07T09:00"  # not within the 48 hours' notice
        mail.outbox.clear()
        r = c.post(f"/my/appointments/{later.code}/change/", {"slot": slots[0]}, follow=True)
        assert "Changed: now" in html.unescape(r.content.decode())
        later.refresh_from_db()
        assert f"{later.start.astimezone(CLINIC_A_ZONE):%Y-%m-%dT%H:%M}" == slots[0]
        assert any(m.attachments for m in mail.outbox)  # the new time with its calendar file
        assert any(m.to == ["wai@mail.example"] for m in mail.outbox)  # the freed time, offered to the waitlist
        r = c.get(f"/my/appointments/{soon.code}/change/")
        assert "cannot be changed online" in html.unescape(r.content.decode())


def make_other(clinic):
    from dryneedle.patients.models import Patient

    return Patient.objects.create(clinic=clinic, given_name="Wai", family_name="Ting", birth_date=date(1980, 1, 1),
                                  sex="female", email="wai@mail.example")  # fmt: skip


def test_another_patients_appointment_cannot_be_changed(patient, clinic_a, alice, hours):
    other = make_other(clinic_a)
    with time_machine.travel(FRIDAY, tick=False):
        theirs = make_appointment(other, alice, datetime.combine(date(2030, 1, 9), time(10), CLINIC_A_ZONE))
        c = Client()
        sign_in(c)
        assert c.get(f"/my/appointments/{theirs.code}/change/").status_code == 404
        assert c.post(f"/my/appointments/{theirs.code}/change/", {"slot": "2030-01-10T09:00"}).status_code == 404
        theirs.refresh_from_db()
        assert theirs.start.astimezone(CLINIC_A_ZONE).day == 9
