"""The waitlist (issue 18): who a freed time is offered to, the one-time link, the first to accept gets it (also
when several accept at once), and the pages that keep the list."""

import html
import re
import threading
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from conftest import CLINIC_A_ZONE, client_for, make_appointment, make_user
from dryneedle.appointments import waitlist
from dryneedle.appointments.models import Appointment, Availability, WaitlistEntry, WaitlistOffer
from dryneedle.audit.models import AuditEvent
from dryneedle.patients.models import Patient

MONDAY = date(2030, 1, 7)
FRIDAY_BEFORE = datetime.combine(MONDAY - timedelta(days=3), time(9), CLINIC_A_ZONE)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), CLINIC_A_ZONE)


def person(clinic, given, email=True):
    return Patient.objects.create(clinic=clinic, given_name=given, family_name="Wait", birth_date=date(1970, 1, 1),
                                  sex="female", email=f"{given.lower()}@mail.example" if email else "")  # fmt: skip


@pytest.fixture
def hours(alice, clinic_a):
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(17))


def join(clinic, user, p, **kw):
    kw.setdefault("earliest", MONDAY - timedelta(days=7))
    return waitlist.add(clinic, user, patient=p, **kw)


@pytest.mark.django_db
def test_a_freed_time_goes_to_those_who_fit_it_in_the_order_they_joined(clinic_a, alice, bob, hours):
    mei = make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka")
    slot = (at(MONDAY, 10), at(MONDAY, 10, 30))
    first = join(clinic_a, bob, person(clinic_a, "First"))
    join(clinic_a, bob, person(clinic_a, "Mei"), practitioner=mei)  # someone else's
    join(clinic_a, bob, person(clinic_a, "Later"), earliest=MONDAY + timedelta(days=1))  # not yet
    join(
        clinic_a, bob, person(clinic_a, "Over"), earliest=MONDAY - timedelta(days=9), latest=MONDAY - timedelta(days=1)
    )
    join(clinic_a, bob, person(clinic_a, "Long"), minutes=60)  # does not fit in 30 minutes
    join(clinic_a, bob, person(clinic_a, "Nomail", email=False))
    busy = person(clinic_a, "Busy")
    join(clinic_a, bob, busy)
    make_appointment(busy, mei, at(MONDAY, 10, 15))
    second = join(clinic_a, bob, person(clinic_a, "Second"), practitioner=alice)
    with time_machine.travel(FRIDAY_BEFORE, tick=False):
        assert waitlist.candidates(clinic_a, alice, *slot) == [first, second]
        # Too soon to come, or outside the practitioner's hours: offered to nobody.
        assert waitlist.candidates(clinic_a, alice, FRIDAY_BEFORE + timedelta(hours=1),
                                   FRIDAY_BEFORE + timedelta(hours=1, minutes=30)) == []  # fmt: skip
        assert waitlist.candidates(clinic_a, alice, at(MONDAY, 18), at(MONDAY, 18, 30)) == []
    more = [join(clinic_a, bob, person(clinic_a, f"More{i}")) for i in range(5)]
    with time_machine.travel(FRIDAY_BEFORE, tick=False):
        assert waitlist.candidates(clinic_a, alice, *slot) == [first, second, *more[:3]]  # the first five


@pytest.mark.django_db
def test_cancelling_offers_the_time_by_email_and_the_first_to_accept_gets_it(
    clinic_a, alice, bob, patient, hours, django_capture_on_commit_callbacks
):
    appt = make_appointment(patient, alice, at(MONDAY, 10))
    ann, bea = person(clinic_a, "Ann"), person(clinic_a, "Bea")
    join(clinic_a, bob, ann)
    join(clinic_a, bob, bea)
    with time_machine.travel(FRIDAY_BEFORE, tick=False):
        c = client_for(bob)
        with django_capture_on_commit_callbacks(execute=True):
            r = c.post(f"/appointments/{appt.code}/", {"status": "cancelled", "reason": "Patient has flu"},
                       follow=True)  # fmt: skip
        assert "The time was offered to 2 patients on the waitlist." in html.unescape(r.content.decode())
        assert [m.to for m in mail.outbox] == [["ann@mail.example"], ["bea@mail.example"]]
        msg = mail.outbox[0]
        assert "an earlier appointment on Monday 07 January" in msg.subject and "Monday 07 January at 10:00" in msg.body
        links = [re.search(r"http://testserver(/appointments/waitlist/offer/\S+/)", m.body)[1] for m in mail.outbox]
        assert AuditEvent.objects.filter(action="waitlist.offer").count() == 2

        anon = c.__class__()
        page = anon.get(links[1]).content.decode()  # looking changes nothing (mail scanners open links)
        assert "Monday 07 January 2030, 10:00" in html.unescape(page) and "Book this time" in page
        assert not Appointment.objects.filter(patient=bea).exists()
        r = anon.post(links[1])
        assert r.status_code == 200 and "Booked: see you then" in r.content.decode()
        booked = Appointment.objects.get(patient=bea)
        assert (booked.start, booked.practitioner, booked.status, booked.created_by) == (at(MONDAY, 10), alice,
                                                                                          "booked", None)  # fmt: skip
        assert WaitlistEntry.objects.get(patient=bea).appointment == booked
        # Ann was a moment late: told so, and still waiting.
        r = anon.post(links[0])
        assert r.status_code == 410 and "someone else took this time first" in r.content.decode()
        assert WaitlistEntry.objects.get(patient=ann).status == "waiting"
        assert "someone else took" in anon.get(links[0]).content.decode()
        # The link works once.
        assert "You accepted this time" in anon.post(links[1]).content.decode()
        assert anon.get("/appointments/waitlist/offer/not-a-token/").status_code == 404
        # Reception sees who got it.
        page = html.unescape(c.get("/appointments/waitlist/").content.decode())
        assert "Bea Wait: booked Mon 7 Jan 10:00" in re.sub(r"<[^>]+>", "", page)
        assert "Mon 7 Jan 10:00: taken by someone else" in page


@pytest.mark.django_db
def test_the_offer_page_is_in_the_language_of_the_patients_record(clinic_a, alice, bob, hours):
    """The waitlist's email goes in the patient's language; the page its link opens is in it too (it was English:
    found checking issue 19's 'every patient-facing page')."""
    ana, ben = person(clinic_a, "Ana"), person(clinic_a, "Ben")
    ana.preferred_language, ben.preferred_language = "Spanish", "French"
    ana.save()
    ben.save()
    join(clinic_a, bob, ana)
    join(clinic_a, bob, ben)
    with time_machine.travel(FRIDAY_BEFORE, tick=False):
        minted = []
        offers = waitlist.offer_freed(clinic_a, alice, at(MONDAY, 10), at(MONDAY, 10, 30), minted.append)
        links = {
            o.entry.patient.given_name: f"/appointments/waitlist/offer/{t}/"
            for o, t in zip(offers, minted, strict=True)
        }
        anon = client_for(bob).__class__()
        page = html.unescape(anon.get(links["Ana"]).content.decode())
        assert '<html lang="es">' in page and "lunes 7 de enero de 2030, 10:00" in page
        assert "Reservar esta hora" in page and "Book this time" not in page
        assert "Réserver cette heure" in html.unescape(anon.get(links["Ben"]).content.decode())
        assert anon.post(links["Ben"]).status_code == 200
        late = html.unescape(anon.post(links["Ana"]).content.decode())
        assert "Lo sentimos, otra persona tomó esta hora primero. Sigue en la lista de espera." in late
        assert "someone else" not in late
        # The clinic reads its audit log in its own language, not in the patient's.
        refused = AuditEvent.objects.get(action="waitlist.accept", outcome="invalid")
        assert refused.detail.startswith("Sorry, someone else took this time first.")


@pytest.mark.django_db(transaction=True)
def test_several_accepting_at_once_book_the_time_once(clinic_a, alice, bob, hours):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database")
    people = [person(clinic_a, f"P{i}") for i in range(5)]
    for p in people:
        join(clinic_a, bob, p)
    with time_machine.travel(FRIDAY_BEFORE, tick=False):
        offers = waitlist.offer_freed(clinic_a, alice, at(MONDAY, 10), at(MONDAY, 10, 30), lambda t: t)
    assert len(offers) == 5
    barrier = threading.Barrier(len(offers))
    results = []

    def run(o):
        try:
            barrier.wait()
            waitlist.accept(o)
            results.append("ok")
        except Exception as e:
            results.append(" ".join(getattr(e, "messages", [str(e)])))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(o,)) for o in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert all("someone else took this time first" in r for r in results if r != "ok"), results
    assert Appointment.objects.filter(start=at(MONDAY, 10)).count() == 1
    assert WaitlistOffer.objects.filter(status="accepted").count() == 1
    assert WaitlistOffer.objects.filter(status="taken").count() == 4


@pytest.mark.django_db
def test_moving_an_appointment_offers_the_old_time(clinic_a, alice, bob, patient, hours):
    appt = make_appointment(patient, alice, at(MONDAY, 10))
    join(clinic_a, bob, person(clinic_a, "Ann"))
    with time_machine.travel(FRIDAY_BEFORE, tick=False):
        r = client_for(bob).post(f"/appointments/{appt.code}/move/",
                                 {"move-practitioner": "alice@a.example", "move-date": MONDAY, "move-time": "14:00"},
                                 follow=True)  # fmt: skip
    assert "The time was offered to 1 patient on the waitlist." in html.unescape(r.content.decode())
    assert WaitlistOffer.objects.get().start == at(MONDAY, 10)


@pytest.mark.django_db
def test_cancelling_by_api_offers_the_time_too(clinic_a, alice, bob, patient, hours):
    appt = make_appointment(patient, alice, at(MONDAY, 10))
    join(clinic_a, bob, person(clinic_a, "Ann"))
    with time_machine.travel(FRIDAY_BEFORE, tick=False):
        r = client_for(bob).patch(f"/api/v1/appointments/{appt.code}", {"status": "cancelled", "reason": "Flu"},
                                  content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and WaitlistOffer.objects.count() == 1


@pytest.mark.django_db
def test_the_pages_that_keep_the_list(clinic_a, alice, bob, patient):
    Patient.objects.filter(pk=patient.pk).update(email="")
    c = client_for(bob)
    url = f"/appointments/patients/{patient.code}/waitlist/"
    page = c.get(url).content.decode()
    assert "has no email address: offers cannot reach them" in page
    r = c.post(url, {"practitioner": "", "kind": "dry_needling", "minutes": 30, "earliest": "2030-01-10",
                     "latest": "2030-01-08"})  # fmt: skip
    assert r.status_code == 400 and "The last day must not be before the first." in r.content.decode()
    r = c.post(url, {"practitioner": "alice@a.example", "kind": "dry_needling", "minutes": 30,
                     "earliest": "2030-01-07", "note": "Mornings only"}, follow=True)  # fmt: skip
    text = html.unescape(r.content.decode())
    assert "Grace Hopper is on the waitlist. They have no email address" in text and "Mornings only" in text
    r = c.post(url, {"practitioner": "alice@a.example", "kind": "dry_needling", "minutes": 30,
                     "earliest": "2030-01-08"})  # fmt: skip
    assert r.status_code == 400 and "already on the waitlist for that" in r.content.decode()
    entry = WaitlistEntry.objects.get()
    r = c.post(f"/appointments/waitlist/{entry.code}/remove/", {"reason": ""}, follow=True)
    assert "Say why the patient comes off the list." in r.content.decode()
    r = c.post(f"/appointments/waitlist/{entry.code}/remove/", {"reason": "Booked by phone"}, follow=True)
    entry.refresh_from_db()
    assert entry.status == "removed" and "taken off (Booked by phone)" in r.content.decode()
    assert "Nobody is waiting." in r.content.decode()


@pytest.mark.django_db
def test_the_waitlist_by_api(clinic_a, alice, bob, patient, hours):
    with time_machine.travel(FRIDAY_BEFORE, tick=False):
        c = client_for(bob)
        body = {"patient": str(patient.code), "practitioner": "alice@a.example", "earliest": "2030-01-07", "note": "x"}
        r = c.post("/api/v1/waitlist", body, content_type="application/json")
        assert r.status_code == 201, r.content
        code = r.json()["code"]
        assert (r.json()["practitioner"], r.json()["status"], r.json()["offers"]) == ("alice@a.example", "waiting", [])
        again = c.post(
            "/api/v1/waitlist",
            {"patient": str(patient.code), "practitioner": "alice@a.example", "earliest": "2030-01-08"},
            content_type="application/json",
        )
        assert again.status_code == 422 and "already on the waitlist" in again.json()["detail"]
        bad = c.post(
            "/api/v1/waitlist",
            {"patient": str(patient.code), "earliest": "2030-01-08", "latest": "2030-01-01"},
            content_type="application/json",
        )
        assert bad.status_code == 422 and "must not be before the first" in bad.json()["detail"]
        appt = make_appointment(
            patient.__class__.objects.create(
                clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1), sex="female"
            ),
            alice,
            at(MONDAY, 10),
        )
        c.post(
            f"/api/v1/appointments/{appt.code}/move",
            {"start": "2030-01-07T11:00:00-07:00"},
            content_type="application/json",
        )
        listed = c.get("/api/v1/waitlist").json()
        assert listed["count"] == 1 and listed["items"][0]["offers"][0]["start"].startswith("2030-01-07T17:00")
        r = c.post(f"/api/v1/waitlist/{code}/remove", {"reason": "Booked by phone"}, content_type="application/json")
        assert r.status_code == 200 and r.json()["status"] == "removed"
        assert c.get("/api/v1/waitlist?status=removed").json()["count"] == 1
        assert (
            c.post(f"/api/v1/waitlist/{code}/remove", {"reason": "again"}, content_type="application/json").status_code
            == 422
        )
