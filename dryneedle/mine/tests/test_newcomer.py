"""A first visit booked online by someone the clinic does not know yet, and the questions before a visit booked
online (issue 19: "per patient kind — existing only, or new patients too"; "intake on booking")."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client

from conftest import CLINIC_A_ZONE, client_for, make_appointment
from dryneedle.appointments import intake
from dryneedle.appointments.models import Appointment, Availability, OnlineBooking
from dryneedle.audit.models import AuditEvent
from dryneedle.patients.models import Patient
from dryneedle.portal.models import Intake

pytestmark = pytest.mark.django_db(transaction=True)
FRIDAY = datetime.combine(date(2030, 1, 4), time(8), CLINIC_A_ZONE)
DETAILS = {"given_name": "Rosa", "family_name": "Parks", "birth_date": "1971-02-04", "sex": "female",
           "email": "Rosa.Parks@mail.example", "phone": "+1 303 555 0199"}  # fmt: skip


@pytest.fixture
def hours(clinic_a, alice):
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12))


@pytest.fixture
def open_to_new(clinic_a, hours):
    return OnlineBooking.objects.create(clinic=clinic_a, kind="consultation", mode="instant", minutes=45,
                                        new_patients=True)  # fmt: skip


def page(client, url, **kw) -> str:
    return html.unescape(client.get(url, **kw).content.decode())


def first_slot(text: str) -> str:
    return re.search(r'name="slot" value="([^"]+)"', text)[1]


def ask_code(client, clinic, alice, slot, **details):
    return client.post(f"/my/new/{clinic.code}/", {"kind": "consultation", "practitioner": alice.username,
                                                    "slot": slot, **(DETAILS | details)})  # fmt: skip


def code_from_outbox() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]


def test_a_new_patient_books_a_first_visit_and_answers_the_questions_before_it(clinic_a, alice, admin, open_to_new):
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        text = page(c, f"/my/new/{clinic_a.code}/")
        assert "Book your first visit at Clinic A" in text and "Consultation" in text
        slot = first_slot(text)
        assert slot == "2030-01-04T09:00" and "Friday 04 January, 09:00" in text
        r = ask_code(c, clinic_a, alice, slot)
        assert r.status_code == 302 and r["Location"] == f"/my/new/{clinic_a.code}/confirm/"
        # Nothing is kept before the address is proved.
        assert not Patient.objects.exists() and not Appointment.objects.exists()
        (code_mail,) = mail.outbox
        assert code_mail.to == ["rosa.parks@mail.example"] and "Nothing is booked until you enter it" in code_mail.body
        mail.outbox.clear()
        r = c.post(f"/my/new/{clinic_a.code}/confirm/", {"code": code_from_outbox_of(code_mail)})
        rosa = Patient.objects.get()
        assert (rosa.given_name, rosa.family_name, rosa.birth_date, rosa.email, rosa.phone) == (
            "Rosa", "Parks", date(1971, 2, 4), "rosa.parks@mail.example", "+1 303 555 0199")  # fmt: skip
        a = Appointment.objects.get()
        assert (a.patient, a.practitioner, a.kind, a.status) == (rosa, alice, "consultation", "booked")
        assert a.end - a.start == timedelta(minutes=45)
        asked = Intake.objects.get()
        assert (asked.patient, asked.kind, asked.due, asked.answered_at) == (rosa, "first", a.start, None)
        assert r["Location"] == f"/my/before-your-visit/{asked.code}/"
        (confirmation,) = mail.outbox
        assert "is booked" in confirmation.subject and confirmation.attachments[0][2] == "text/calendar"
        assert f"/my/before-your-visit/{asked.code}/" in confirmation.body
        # Signed in: their appointments, with the questions waiting.
        home = page(c, "/my/")
        assert "Friday 04 January 2030, 09:00" in home and "Before your first visit on Friday 04 January" in home
        form = page(c, r["Location"])
        assert "Where is your pain" in form and "Someone to call in an emergency" in form
        r = c.post(r["Location"], {"reason": "Low back, right side, since lifting a box", "started": "6_to_12_weeks",
                                   "findings": ["diabetes"], "pregnant": "no", "medications": "Metformin 500 mg\n",
                                   "address": "12 Elm St, Denver", "emergency_contact_name": "Ray Parks",
                                   "emergency_contact_phone": "+1 303 555 0198"})  # fmt: skip
        assert r["Location"] == "/my/"
        asked.refresh_from_db()
        rosa.refresh_from_db()
        assert asked.answered_at is not None and asked.answers["medications"] == ["Metformin 500 mg"]
        assert (rosa.address, rosa.emergency_contact_name) == ("12 Elm St, Denver", "Ray Parks")
        # Answered once.
        again = c.post(f"/my/before-your-visit/{asked.code}/", {"reason": "x", "started": "over_12_weeks",
                                                                 "pregnant": "no"})  # fmt: skip
        asked.refresh_from_db()
        assert again.status_code == 200 and asked.answers["reason"].startswith("Low back")
        # The clinical record shows the answers (a practitioner's, once the visit opens their episode).
        chart = page(client_for(admin), f"/patients/{rosa.code}/")
        assert "Before visits booked online" in chart and "since lifting a box" in chart and "Metformin 500 mg" in chart
        assert "by the patient, booking a first visit online" in chart
        actions = set(AuditEvent.objects.filter(username="patient").values_list("action", flat=True))
        assert {"patient.create", "appointment.book", "intake.asked", "intake.answered"} <= actions


def code_from_outbox_of(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body)[1]


def test_nothing_is_kept_with_a_wrong_code(clinic_a, alice, open_to_new):
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        ask_code(c, clinic_a, alice, first_slot(page(c, f"/my/new/{clinic_a.code}/")))
        r = c.post(f"/my/new/{clinic_a.code}/confirm/", {"code": "000000" if code_from_outbox() != "000000" else "1"})
        assert r.status_code == 400 and "That code is wrong" in html.unescape(r.content.decode())
        assert not Patient.objects.exists() and not Appointment.objects.exists()
        assert page(c, "/my/", follow=False) == ""  # not signed in: sent to sign in


def test_bad_details_are_refused_with_what_to_fix_and_no_email(clinic_a, alice, open_to_new):
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        slot = first_slot(page(c, f"/my/new/{clinic_a.code}/"))
        r = ask_code(c, clinic_a, alice, slot, birth_date="2031-01-01", email="not an address", given_name="")
        text = html.unescape(r.content.decode())
        assert r.status_code == 400 and "Enter your real date of birth" in text and "valid email" in text
        assert 'value="Parks"' in text  # what was typed stays
        r = ask_code(c, clinic_a, alice, "2030-01-04T03:00")  # not one of the free times
        assert r.status_code == 400 and "Choose one of the free times" in html.unescape(r.content.decode())
        assert not mail.outbox and not Patient.objects.exists()


def test_a_type_open_to_existing_patients_only_is_not_offered(clinic_a, alice, hours):
    OnlineBooking.objects.create(clinic=clinic_a, kind="dry_needling", mode="instant", minutes=30)
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        assert "does not take first bookings online" in page(c, f"/my/new/{clinic_a.code}/")
        r = c.post(f"/my/new/{clinic_a.code}/", {"kind": "dry_needling", "practitioner": alice.username,
                                                   "slot": "2030-01-04T09:00", **DETAILS})  # fmt: skip
        assert r.status_code == 400 and not mail.outbox


def test_a_known_address_books_on_its_own_record(patient, clinic_a, alice, open_to_new):
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        ask_code(c, clinic_a, alice, first_slot(page(c, f"/my/new/{clinic_a.code}/")), email="GRACE@mail.example")
        c.post(f"/my/new/{clinic_a.code}/confirm/", {"code": code_from_outbox()})
        assert Patient.objects.count() == 1 and Appointment.objects.get().patient == patient
        row = AuditEvent.objects.get(action="appointment.book")
        assert "already known" in row.detail and row.patient == patient.code


def test_a_time_taken_between_the_two_steps_books_nothing(patient, clinic_a, alice, open_to_new):
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        slot = first_slot(page(c, f"/my/new/{clinic_a.code}/"))
        ask_code(c, clinic_a, alice, slot)
        make_appointment(patient, alice, datetime.combine(date(2030, 1, 4), time(9), CLINIC_A_ZONE))
        r = c.post(f"/my/new/{clinic_a.code}/confirm/", {"code": code_from_outbox()}, follow=True)
        assert "That time has just been taken" in html.unescape(r.content.decode())
        assert Patient.objects.count() == 1 and Appointment.objects.count() == 1
        # Their details are still in the form, for another time.
        assert 'value="Rosa"' in r.content.decode()


def test_warning_signs_in_the_answers_show_the_emergency_instructions(clinic_a, alice, admin, open_to_new):
    with time_machine.travel(FRIDAY, tick=False):
        c = Client()
        ask_code(c, clinic_a, alice, first_slot(page(c, f"/my/new/{clinic_a.code}/")))
        r = c.post(f"/my/new/{clinic_a.code}/confirm/", {"code": code_from_outbox()})
        r = c.post(r["Location"], {"reason": "Back", "started": "under_6_weeks", "pregnant": "no",
                                   "findings": ["bladder_dysfunction"]})  # fmt: skip
        text = html.unescape(r.content.decode())
        assert r.status_code == 200 and "go to the emergency department at once" in text and 'role="alert"' in text
        (alert,) = [m for m in mail.outbox if m.to == ["oncall@a.example"]]  # the clinic's on-call address
        assert "warning sign" in alert.subject and "Rosa" not in alert.body and "#intake" in alert.body
        chart = page(client_for(admin), f"/patients/{Patient.objects.get().code}/")
        assert "Warning signs ticked:" in chart and "New difficulty passing urine" in chart


def test_the_screening_form_starts_from_the_answers(patient, episode, alice):
    asked = Intake.objects.create(clinic=patient.clinic, patient=patient, kind="first",
                                  due=datetime(2030, 1, 4, 16, tzinfo=CLINIC_A_ZONE))  # fmt: skip
    from dryneedle.portal import intake as answers

    with transaction.atomic():
        given = {"findings": ["diabetes", "history_of_cancer"], "pregnant": "no", "pregnancy_weeks": None,
                 "medications": ["Apixaban 5 mg"], "reason": "Back"}  # fmt: skip
        answers.answer(asked, given)
    text = page(client_for(alice), f"/screening/episodes/{episode.code}/new/")
    assert "before a visit booked online" in text and "Apixaban 5 mg" in text
    assert re.search(r'value="history_of_cancer"[^>]*checked', text)


def test_someone_elses_questions_are_not_found(patient, clinic_a, alice):
    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Other", birth_date=date(1980, 1, 1),
                                   sex="female", email="ann@mail.example")  # fmt: skip
    theirs = Intake.objects.create(clinic=clinic_a, patient=other, kind="first", due=FRIDAY + timedelta(days=3))
    c = Client()
    c.post("/my/sign-in/", {"email": "grace@mail.example"})
    c.post("/my/sign-in/code/", {"code": code_from_outbox()})
    assert c.get(f"/my/before-your-visit/{theirs.code}/").status_code == 404
    assert c.post(f"/my/before-your-visit/{theirs.code}/", {"changed": "x", "pregnant": "no"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.answered_at is None


def test_the_link_in_the_email_leads_back_to_the_questions_after_signing_in(patient, clinic_a):
    asked = Intake.objects.create(clinic=clinic_a, patient=patient, kind="changes", due=FRIDAY + timedelta(days=3))
    c = Client()
    r = c.get(f"/my/before-your-visit/{asked.code}/")
    assert r.status_code == 302 and "/my/sign-in/" in r["Location"]
    c.get(r["Location"])
    c.post("/my/sign-in/", {"email": "grace@mail.example"})
    r = c.post("/my/sign-in/code/", {"code": code_from_outbox()})
    assert r["Location"] == f"/my/before-your-visit/{asked.code}/"
    assert "What has changed since your last visit?" in page(c, r["Location"])


class TestWhichQuestions:
    """appointments/intake.py: a first booking asks the first questions; after 30 days without a visit, what
    changed; within 30 days, nothing; never two waiting at once."""

    def book(self, patient, alice, days):
        return make_appointment(patient, alice, FRIDAY + timedelta(days=days))

    def test_first_then_nothing_while_one_waits(self, patient, alice):
        with time_machine.travel(FRIDAY, tick=False):
            first = intake.ask(self.book(patient, alice, 3))
            assert first.kind == "first"
            assert intake.ask(self.book(patient, alice, 10)) == first

    def test_a_visit_within_30_days_asks_nothing_after_30_what_changed(self, patient, alice):
        make_appointment(patient, alice, FRIDAY - timedelta(days=20), status="attended")
        with time_machine.travel(FRIDAY, tick=False):
            assert intake.ask(self.book(patient, alice, 9)) is None  # 29 days after
            changes = intake.ask(self.book(patient, alice, 12))  # 32 days after
            assert changes.kind == "changes"

    def test_a_recent_answer_is_enough(self, patient, alice):
        with time_machine.travel(FRIDAY, tick=False):
            Intake.objects.create(clinic=patient.clinic, patient=patient, kind="first", due=FRIDAY,
                                  answered_at=FRIDAY - timedelta(days=2), answers={})  # fmt: skip
            assert intake.ask(self.book(patient, alice, 5)) is None
