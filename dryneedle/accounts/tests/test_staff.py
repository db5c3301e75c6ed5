"""A clinic admin keeps the clinic's details and adds its people (issue 18, defect 20)."""

import re

import pytest
from django.core import mail

from conftest import client_for, make_user
from dryneedle.accounts.models import Clinic, Membership, User
from dryneedle.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_admin_edits_the_clinics_details(admin, clinic_a):
    c = client_for(admin)
    page = c.get("/clinic/details/").content.decode()
    assert "America/Denver" in page and "Add a member of staff" in page
    r = c.post("/clinic/details/", {"name": "Clinic A Central", "address": "1 Main St", "phone": "+1 303 555 0100",
                                    "timezone": "America/Edmonton"})  # fmt: skip
    assert r.status_code == 302
    clinic = Clinic.objects.get(pk=clinic_a.pk)
    assert (clinic.name, clinic.timezone, clinic.jurisdiction) == ("Clinic A Central", "America/Edmonton", "US-CO")
    assert AuditEvent.objects.filter(action="clinic.update", detail__contains="timezone").exists()
    # Bad input: a form error, nothing saved
    r = c.post("/clinic/details/", {"name": "", "timezone": "Mars/Olympus"})
    assert r.status_code == 400 and Clinic.objects.get(pk=clinic_a.pk).name == "Clinic A Central"
    assert "Select a valid choice" in r.content.decode()


def test_others_cannot_edit_the_clinic(alice, bob):
    for user in (alice, bob):
        assert client_for(user).get("/clinic/details/").status_code == 403
        assert client_for(user).post("/clinic/staff/", {"email": "x@a.example"}).status_code == 403


def test_a_new_member_chooses_a_password_from_the_emailed_link_once(admin, clinic_a, client, settings):
    settings.SITE_URL = "https://records.example"
    c = client_for(admin)
    with pytest.MonkeyPatch.context() as m:
        m.setattr("django.db.transaction.on_commit", lambda f: f())
        r = c.post("/clinic/staff/", {"first_name": "Noor", "last_name": "Haddad", "email": "Noor@A.example",
                                      "role": "reception"})  # fmt: skip
    assert r.status_code == 302
    user = User.objects.get(username="noor@a.example")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user, clinic=clinic_a).role == "reception"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["noor@a.example"]
    link = re.search(r"https://records\.example(/account/set-password/\S+)", mail.outbox[0].body)[1]
    assert "Choose your password" in client.get(link).content.decode()
    r = client.post(link, {"new_password1": "short", "new_password2": "short"})
    assert r.status_code == 400 and not User.objects.get(pk=user.pk).has_usable_password()
    good = "quiet harbour lantern thirty"
    r = client.post(link, {"new_password1": good, "new_password2": good})
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert client.post("/login/", {"username": "noor@a.example", "password": good}).status_code == 302
    # The link works once
    assert client.get(link).status_code == 400


def test_someone_from_another_clinic_gets_a_membership_not_a_second_account(admin, clinic_a, clinic_b):
    chen = make_user("chen@b.example", clinic_b, "practitioner", "Chen", "Li", password="x" * 20)
    c = client_for(admin)
    r = c.post("/clinic/staff/", {"first_name": "Chen", "last_name": "Li", "email": "chen@b.example",
                                  "role": "practitioner"})  # fmt: skip
    assert r.status_code == 302
    assert User.objects.filter(username="chen@b.example").count() == 1
    assert set(Membership.objects.filter(user=chen).values_list("clinic_id", flat=True)) == {clinic_a.pk, clinic_b.pk}
    assert User.objects.get(pk=chen.pk).has_usable_password()  # their password is untouched
    # Adding them again says so, and changes nothing
    r = c.post("/clinic/staff/", {"first_name": "Chen", "last_name": "Li", "email": "chen@b.example",
                                  "role": "reception"})  # fmt: skip
    assert r.status_code == 400 and "is already a member of Clinic A" in r.content.decode()
    assert Membership.objects.get(user=chen, clinic=clinic_a).role == "practitioner"
