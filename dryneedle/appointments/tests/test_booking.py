"""Appointments: hours, booking without double-booking (also under concurrency), status, reminders, the feed."""

import re
import threading
from datetime import date, datetime, time, timedelta

import icalendar
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from conftest import CLINIC_A_ZONE, client_for, make_appointment, make_plan
from dryneedle.appointments import services
from dryneedle.appointments.models import Appointment, Availability, AvailabilityException
from dryneedle.patients.models import Patient

pytestmark = pytest.mark.django_db

MONDAY = date(2030, 1, 7)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), CLINIC_A_ZONE)


@pytest.fixture
def hours(alice, clinic_a):
    """Alice works Monday to Friday, 9:00-12:30 and 13:30-17:00."""
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12, 30))
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(13, 30), end=time(17))


def _book(clinic, alice, patient, start, minutes=30, **kw):
    return services.book(clinic, alice, patient=patient, practitioner=alice, start=start,
                         end=start + timedelta(minutes=minutes), kind=kw.pop("kind", "dry_needling"), **kw)  # fmt: skip


def test_hours_with_exceptions(alice, clinic_a, hours):
    assert services.hours_on(clinic_a, alice, MONDAY) == [(time(9), time(12, 30)), (time(13, 30), time(17))]
    assert services.hours_on(clinic_a, alice, MONDAY + timedelta(days=5)) == []  # Saturday
    AvailabilityException.objects.create(clinic=clinic_a, user=alice, date=MONDAY, kind="off", start=time(10),
                                         end=time(11), reason="Dentist")  # fmt: skip
    AvailabilityException.objects.create(clinic=clinic_a, user=alice, date=MONDAY, kind="extra", start=time(17),
                                         end=time(19))  # fmt: skip
    assert services.hours_on(clinic_a, alice, MONDAY) == [
        (time(9), time(10)), (time(11), time(12, 30)), (time(13, 30), time(19))]  # fmt: skip
    AvailabilityException.objects.create(clinic=clinic_a, user=alice, date=MONDAY + timedelta(days=1), kind="off")
    assert services.hours_on(clinic_a, alice, MONDAY + timedelta(days=1)) == []


def test_booking_rules_and_messages(alice, clinic_a, hours, patient):
    a = _book(clinic_a, alice, patient, at(MONDAY, 9))
    assert a.status == "booked"
    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1),
                                   sex="female")  # fmt: skip
    with pytest.raises(ValidationError, match=r"already booked Mon 07 Jan 09:00–09:30: the times overlap"):
        _book(clinic_a, alice, other, at(MONDAY, 9, 15))
    with pytest.raises(ValidationError, match="outside Alice Archer's hours"):
        _book(clinic_a, alice, other, at(MONDAY, 12, 15))  # runs into lunch
    with pytest.raises(ValidationError, match="must end after it starts"):
        services.book(clinic_a, alice, patient=other, practitioner=alice, start=at(MONDAY, 10),
                      end=at(MONDAY, 10), kind="massage")  # fmt: skip
    # An explicit reason books outside hours.
    late = _book(clinic_a, alice, other, at(MONDAY, 18), override="Only time the patient can come")
    assert late.outside_hours_reason.startswith("Only time")
    # Back to back is not an overlap; a cancelled slot is free again.
    _book(clinic_a, alice, other, at(MONDAY, 9, 30))
    services.set_status(a, alice, "cancelled", "Patient unwell")
    _book(clinic_a, alice, other, at(MONDAY, 9))
    assert Appointment.objects.filter(status="booked").count() == 3


def test_the_patient_cannot_be_in_two_places(alice, bob, clinic_a, hours, patient):
    from conftest import make_user

    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe")
    Availability.objects.create(clinic=clinic_a, user=dora, weekday=0, start=time(9), end=time(17))
    _book(clinic_a, alice, patient, at(MONDAY, 10))
    with pytest.raises(ValidationError, match="Grace Hopper already has an appointment Mon 07 Jan 10:00"):
        services.book(clinic_a, bob, patient=patient, practitioner=dora, start=at(MONDAY, 10, 15),
                      end=at(MONDAY, 10, 45), kind="massage")  # fmt: skip


def test_a_series_books_all_or_nothing(alice, clinic_a, hours, patient, episode):
    plan = make_plan(episode, alice)
    comp = plan.components.get()
    make_appointment(patient, alice, start=at(MONDAY + timedelta(days=14), 10))  # blocks the third
    slots = [(at(MONDAY + timedelta(days=7 * i), 10), at(MONDAY + timedelta(days=7 * i), 10, 30)) for i in range(4)]
    with pytest.raises(ValidationError, match=r"Appointment 3 of 4: .* Nothing was booked"):
        services.book_series(clinic_a, alice, patient=patient, practitioner=alice, slots=slots, kind="exercise",
                             episode=episode, component=comp)  # fmt: skip
    assert Appointment.objects.count() == 1
    slots = [(at(MONDAY + timedelta(days=7 * i), 11), at(MONDAY + timedelta(days=7 * i), 11, 30)) for i in range(4)]
    made = services.book_series(clinic_a, alice, patient=patient, practitioner=alice, slots=slots, kind="exercise",
                                episode=episode, component=comp)  # fmt: skip
    assert len(made) == 4
    from dryneedle.plans.services import booked_counts

    assert booked_counts(plan.components.all())[comp.id] == 4


def test_book_page_refuses_overlap_and_keeps_the_form(alice, bob, clinic_a, hours, patient):
    make_appointment(patient, alice, start=at(MONDAY, 10), kind="massage")
    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1),
                                   sex="female")  # fmt: skip
    c = client_for(bob)  # reception books
    body = {"practitioner": "alice@a.example", "kind": "dry_needling", "date": MONDAY.isoformat(), "time": "10:15",
            "minutes": "30", "repeat": "1", "every_days": "7", "note": "Parking at the back"}  # fmt: skip
    r = c.post(f"/appointments/patients/{other.code}/book/", body)
    html = r.content.decode()
    assert r.status_code == 400 and "already booked Mon 07 Jan 10:00–10:30" in html and "Parking at the back" in html
    r = c.post(f"/appointments/patients/{other.code}/book/", body | {"time": "10:30"})
    assert r.status_code == 302 and Appointment.objects.filter(patient=other).count() == 1


def test_free_times_skip_the_busy_the_day_off_and_the_past(alice, clinic_a, hours, patient):
    """Issue 18: the booking form offers the next free times instead of an empty date field."""
    _book(clinic_a, alice, patient, at(MONDAY, 10, 30))  # 10:30-11:00 taken
    AvailabilityException.objects.create(clinic=clinic_a, user=alice, date=MONDAY + timedelta(days=1), kind="off")
    free = services.free_slots(clinic_a, alice, at(MONDAY, 10, 10), n=7)
    assert free == [at(MONDAY, 11), at(MONDAY, 11, 30), at(MONDAY, 12), at(MONDAY, 13, 30), at(MONDAY, 14),
                    at(MONDAY, 14, 30), at(MONDAY, 15)]  # fmt: skip
    later = services.free_slots(clinic_a, alice, at(MONDAY, 16, 40), n=20)
    assert later[0] == at(MONDAY + timedelta(days=2), 9)  # Tuesday is a day off; Monday is over
    assert all(t.weekday() < 5 for t in later)  # no weekend hours
    # An hour-long visit needs the whole hour free
    assert services.free_slots(clinic_a, alice, at(MONDAY, 10, 0), minutes=60, n=1) == [at(MONDAY, 11)]


def test_booking_by_ticking_a_free_time(bob, alice, clinic_a, hours, patient):
    with time_machine.travel(at(MONDAY, 8), tick=False):
        c = client_for(bob)  # signed in at that hour (a session idle for years would have ended)
        page = c.get(f"/appointments/patients/{patient.code}/book/?practitioner=alice@a.example").content.decode()
        assert "Next free times with Alice Archer" in page and 'value="2030-01-07T09:00"' in page
        # The date picker shows its date (a locale-formatted 07/01/2030 showed an empty field)
        assert re.search(r'<input type="date" name="date" value="2030-01-07"', page)
        body = {"practitioner": "alice@a.example", "kind": "dry_needling", "date": MONDAY.isoformat(), "time": "",
                "slot": "2030-01-07T09:30", "minutes": "30", "repeat": "1", "every_days": "7"}  # fmt: skip
        r = c.post(f"/appointments/patients/{patient.code}/book/", body)
        assert r.status_code == 302
        assert Appointment.objects.get(patient=patient).start == at(MONDAY, 9, 30)
        # The time just taken is no longer offered; ticking it again is refused with a plain message
        r = c.post(f"/appointments/patients/{patient.code}/book/", body)
        assert r.status_code == 400 and "That time has just been taken: choose another." in r.content.decode()
        # Neither a free time nor a start time: said so
        r = c.post(f"/appointments/patients/{patient.code}/book/", body | {"slot": ""})
        assert r.status_code == 400 and "Tick one of the free times, or type a start time." in r.content.decode()
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_status_changes(alice, clinic_a, patient):
    future = make_appointment(patient, alice)
    with pytest.raises(ValidationError, match="has not started"):
        services.set_status(future, alice, "no_show")
    with pytest.raises(ValidationError, match="Say why"):
        services.set_status(future, alice, "cancelled", " ")
    past = make_appointment(patient, alice, start=timezone.now() - timedelta(hours=2))
    services.set_status(past, alice, "no_show")
    assert Appointment.objects.get(pk=past.pk).status == "no_show"
    services.set_status(future, alice, "cancelled", "Rebooked by phone")
    with pytest.raises(ValidationError, match="was cancelled"):
        services.set_status(future, alice, "attended")


def test_availability_end_before_start_is_refused(alice, clinic_a):
    c = client_for(alice)
    r = c.post("/appointments/hours/add/", {"h-weekday": "0", "h-start": "17:00", "h-end": "09:00"})
    assert r.status_code == 400 and "The end must be after the start." in r.content.decode()
    r = c.post("/api/v1/availability", {"practitioner": "alice@a.example", "weekday": 0, "start": "17:00",
                                        "end": "09:00"}, content_type="application/json")  # fmt: skip
    assert r.status_code == 422
    # A time with a zone is refused with a message, not a server error (schemathesis found the 500)
    r = c.post("/api/v1/availability", {"practitioner": "alice@a.example", "weekday": 2, "start": "17:16:46.8357Z",
                                        "end": "18:59:28.140Z"}, content_type="application/json")  # fmt: skip
    assert r.status_code == 422 and "without a time zone" in r.content.decode()
    r = c.post("/api/v1/availability", {"practitioner": "alice@a.example", "weekday": 2, "start": "09:00",
                                        "end": "12:30:00"}, content_type="application/json")  # fmt: skip
    assert r.status_code == 201
    Availability.objects.all().delete()
    r = c.post("/appointments/hours/exceptions/add/", {"x-date": "2030-01-07", "x-kind": "extra"})
    assert r.status_code == 400 and "Extra hours need a start and an end." in r.content.decode()
    assert not Availability.objects.exists() and not AvailabilityException.objects.exists()


def test_a_practitioner_edits_only_their_own_hours(alice, admin, clinic_a):
    from conftest import make_user

    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe")
    body = {"h-weekday": "1", "h-start": "09:00", "h-end": "12:00"}
    r = client_for(alice).post("/appointments/hours/add/?practitioner=dora@a.example", body, follow=True)
    assert (
        not Availability.objects.filter(user=dora).exists()
        and "You can change your own hours only." in r.content.decode()
    )
    client_for(admin).post("/appointments/hours/add/?practitioner=dora@a.example", body)
    (hours,) = Availability.objects.filter(user=dora)
    client_for(alice).post(f"/appointments/hours/{hours.code}/remove/?practitioner=dora@a.example")
    assert Availability.objects.filter(user=dora).exists()
    client_for(admin).post(f"/appointments/hours/{hours.code}/remove/?practitioner=dora@a.example")
    assert not Availability.objects.filter(user=dora).exists()
    # Only a clinic admin decides whether feeds show names; a practitioner is refused.
    assert client_for(alice).post("/appointments/hours/feed-names/", {"names": "1"}).status_code == 403
    client_for(admin).post("/appointments/hours/feed-names/", {"names": "1"})
    clinic_a.refresh_from_db()
    assert clinic_a.calendar_feed_names is True


def test_api_booking_conflict_is_409(alice, clinic_a, hours, patient):
    c = client_for(alice)
    body = {"patient": str(patient.code), "practitioner": "alice@a.example", "start": "2030-01-07T10:00:00",
            "end": "2030-01-07T10:30:00"}  # fmt: skip
    r = c.post("/api/v1/appointments", body, content_type="application/json")
    assert r.status_code == 201, r.content
    first = r.json()
    r = c.post("/api/v1/appointments", body | {"start": "2030-01-07T10:15:00", "end": "2030-01-07T10:45:00"},
               content_type="application/json")  # fmt: skip
    assert r.status_code == 409 and "overlap" in r.json()["detail"]
    r = c.post("/api/v1/appointments", body | {"start": "2030-01-07T12:45:00", "end": "2030-01-07T13:15:00"},
               content_type="application/json")  # fmt: skip
    assert r.status_code == 422 and "outside" in r.json()["detail"]
    rows = c.get("/api/v1/appointments?since=2030-01-07T00:00:00&until=2030-01-08T00:00:00").json()
    # Only the first booking was made; the two refused left nothing behind.
    assert rows["count"] == 1 and [x["code"] for x in rows["items"]] == [first["code"]]


@pytest.mark.django_db(transaction=True)
def test_two_bookings_for_one_slot_cannot_both_succeed(alice, clinic_a, patient):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database")
    Availability.objects.create(clinic=clinic_a, user=alice, weekday=0, start=time(9), end=time(17))
    others = [
        Patient.objects.create(
            clinic=clinic_a, given_name=f"P{i}", family_name="Race", birth_date=date(1970, 1, 1), sex="male"
        )
        for i in range(6)
    ]
    barrier = threading.Barrier(len(others))
    results = []
    slot = at(MONDAY, 10)  # here: the threads do not share this thread's time zone

    def run(p):
        try:
            barrier.wait()
            _book(clinic_a, alice, p, slot)
            results.append("ok")
        except ValidationError as e:
            results.append(" ".join(e.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert all("overlap" in r for r in results if r != "ok")
    assert Appointment.objects.filter(start=slot).count() == 1


def test_ical_feed_parses_and_hides_names(alice, clinic_a, patient, client):
    a = make_appointment(patient, alice, kind="massage")
    make_appointment(patient, alice, start=a.start + timedelta(days=1), status="cancelled", cancel_reason="x")
    r = client_for(alice).post("/appointments/hours/calendar-address/")
    url = r.context["feed_url"]
    path = url.split("testserver", 1)[1]
    body = client.get(path)
    assert body.status_code == 200 and body["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(body.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1  # the cancelled one is left out
    ev = events[0]
    assert str(ev["SUMMARY"]) == "Appointment" and ev["DTSTART"].dt == a.start
    assert "Hopper" not in body.content.decode() and "Grace" not in body.content.decode()
    clinic_a.calendar_feed_names = True
    clinic_a.save()
    (ev,) = icalendar.Calendar.from_ical(client.get(path).content).walk("VEVENT")
    assert str(ev["SUMMARY"]) == "Massage: Grace Hopper"
    # A new address ends the old one; a made-up one finds nothing.
    client_for(alice).post("/appointments/hours/calendar-address/")
    assert client.get(path).status_code == 404
    assert client.get("/appointments/feed/not-a-token.ics").status_code == 404


def test_ics_folds_long_lines_and_escapes(alice, clinic_a, patient):
    clinic_a.address = "Suite 4; Building B, 1200 Main St\\ " * 6 + "Denvér"
    clinic_a.save()
    make_appointment(patient, alice, start=timezone.now() + timedelta(days=1))
    feed = services.ics(services.calendar_for(clinic_a, alice), names=False)
    assert all(len(part.encode()) <= 75 for part in feed.split("\r\n"))
    (event,) = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert str(event["location"]) == clinic_a.address and str(event["summary"]) == "Appointment"


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("another_zone")
def test_reminders_go_once_and_say_nothing_clinical(alice, clinic_a, patient, mailoutbox):
    patient.email = "grace@example.org"
    patient.save()
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    make_appointment(patient, alice, start=start, kind="dry_needling")
    with time_machine.travel(start - timedelta(hours=30)):
        assert services.send_reminders()["reminders"] == 0
    with time_machine.travel(start - timedelta(hours=20)):
        assert services.send_reminders()["reminders"] == 1
        assert services.send_reminders()["reminders"] == 0
    (m,) = mailoutbox
    assert "Alice Archer" in m.body and "needl" not in m.body.lower() and "chronic" not in m.body.lower()


@pytest.mark.django_db(transaction=True)  # the email goes when the booking commits
def test_a_desk_booking_of_a_first_visit_sends_the_intake_questions(bob, alice, clinic_a, hours, patient):
    from django.core import mail

    from dryneedle.audit.models import AuditEvent
    from dryneedle.portal.models import Intake

    patient.preferred_language = "Spanish"
    patient.save()
    quiet = Patient.objects.create(clinic=clinic_a, given_name="No", family_name="Email", birth_date=date(1970, 1, 1),
                                   sex="male")  # fmt: skip
    body = {"practitioner": "alice@a.example", "kind": "dry_needling", "date": MONDAY.isoformat(), "time": "",
            "minutes": "30", "repeat": "1", "every_days": "7"}  # fmt: skip
    with time_machine.travel(at(MONDAY, 8), tick=False):
        c = client_for(bob)
        r = c.post(f"/appointments/patients/{patient.code}/book/", body | {"slot": "2030-01-07T09:30"}, follow=True)
        assert "The questions before the visit went to grace@mail.example." in r.content.decode()
        c.post(f"/appointments/patients/{quiet.code}/book/", body | {"slot": "2030-01-07T10:30"})
    asked = Intake.objects.get()
    assert (asked.patient, asked.kind, asked.due) == (patient, "first", at(MONDAY, 9, 30))
    (sent,) = mail.outbox
    assert sent.to == ["grace@mail.example"] and f"/my/before-your-visit/{asked.code}/" in sent.body
    assert "Hola" in sent.body  # in the patient's language
    assert sent.attachments[0][0] == "appointment.ics"
    assert AuditEvent.objects.filter(action="intake.asked", patient=patient.code).exists()
    # Booked again a week later, after the first visit: within 30 days, nothing more is asked.
    Appointment.objects.filter(patient=patient).update(status="attended")
    with time_machine.travel(at(MONDAY + timedelta(days=7), 8), tick=False):
        c = client_for(bob)
        c.post(f"/appointments/patients/{patient.code}/book/",
               body | {"date": (MONDAY + timedelta(days=7)).isoformat(), "slot": "2030-01-14T09:30"})  # fmt: skip
    assert Intake.objects.count() == 1 and len(mail.outbox) == 1
