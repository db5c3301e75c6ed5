"""Finding 7: emergency access has a ceiling per person per hour, admins hear at once, and a report shows it all."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import client_for, make_user
from dryneedle.audit.models import AuditEvent
from dryneedle.patients.models import EmergencyAccess, Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def dave(clinic_a):
    """A practitioner of the clinic, on no one's care team."""
    return make_user("dave@a.example", clinic_a, "practitioner", "Dave", "Diaz")


REASON = "Patient phoned with new leg weakness; their practitioner is away."


def patients(clinic, n):
    return [
        Patient.objects.create(
            clinic=clinic, given_name=f"P{i}", family_name="Test", birth_date="1970-01-01", sex="female"
        )
        for i in range(n)
    ]


def open_record(client, p):
    return client.post(f"/patients/{p.code}/emergency-access/", {"reason": REASON}, follow=True)


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_openings_stop_at_the_clinics_hourly_limit_and_admins_are_told(dave, admin, clinic_a, mailoutbox):
    clinic_a.emergency_access_per_hour = 3
    clinic_a.save()
    c = client_for(dave)
    records = patients(clinic_a, 6)
    for p in records[:3]:
        assert "Emergency access is open" in open_record(c, p).content.decode()
    assert any("limit reached" in m.subject for m in mailoutbox)
    mailoutbox.clear()
    r = open_record(c, records[3])
    assert "emergency openings for this hour" in r.content.decode()
    assert EmergencyAccess.objects.filter(user=dave).count() == 3
    assert [m.subject for m in mailoutbox if "exceeded" in m.subject] and mailoutbox[0].to == [admin.email]
    open_record(c, records[4])  # refused again: recorded, but admins are not emailed twice
    assert AuditEvent.objects.filter(action="breakglass.refused", username=dave.username).count() == 2
    assert len([m for m in mailoutbox if "exceeded" in m.subject]) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert "Emergency access is open" in open_record(client_for(dave), records[5]).content.decode()


def test_the_report_shows_openings_and_refusals_to_admins_and_auditors(dave, bob, admin, audrey, clinic_a):
    clinic_a.emergency_access_per_hour = 1
    clinic_a.save()
    first, second = patients(clinic_a, 2)
    c = client_for(dave)
    open_record(c, first)
    open_record(c, second)
    page = client_for(admin).get("/patients/emergency-access/").content.decode()
    assert "Test, P0" in page and REASON in page and "Test, P1" not in page
    assert "limit 1/h" in page
    audit_page = client_for(audrey).get("/patients/emergency-access/?days=7").content.decode()
    assert "Test, P0" not in audit_page and str(first.code)[:8] in audit_page
    row = AuditEvent.objects.filter(action="breakglass.report").first()
    assert str(first.code) in row.shown
    assert client_for(bob).get("/patients/emergency-access/").status_code == 403
    assert client_for(admin).get("/patients/emergency-access/?days=9999").status_code == 400


def test_the_patient_list_records_which_patients_it_showed(alice, clinic_a, patient):
    # Finding 5: a list or search row said "12 rows" but not whose.
    client_for(alice).get("/patients/")
    row = AuditEvent.objects.filter(action="patient.list").latest("id")
    assert str(patient.code) in row.shown.split()
