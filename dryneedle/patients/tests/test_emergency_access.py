"""RT-12: care-team scope and emergency access (break-glass)."""

import pytest
import time_machine
from django.core import mail

from conftest import client_for, make_user
from dryneedle.audit.models import AuditEvent
from dryneedle.patients.models import EmergencyAccess

pytestmark = pytest.mark.django_db
REASON = "Covering for Alice: patient called with worse leg pain"


@pytest.fixture
def dave(clinic_a):
    """A practitioner of the same clinic, not on the patient's care team."""
    return make_user("dave@a.example", clinic_a, "practitioner", "Dave", "Diaz")


def test_outside_the_care_team_the_clinical_record_is_hidden(dave, patient, episode):
    c = client_for(dave)
    r = c.get(f"/patients/{patient.code}/")
    assert r.status_code == 200 and b"Grace Hopper" in r.content
    assert b"Chronic low back pain" not in r.content and b"Open emergency access" in r.content
    assert c.get(f"/patients/episodes/{episode.code}/").status_code == 403
    assert c.get(f"/api/v1/episodes/{episode.code}").status_code == 403


def test_emergency_access_needs_a_reason(dave, patient, episode):
    c = client_for(dave)
    c.post(f"/patients/{patient.code}/emergency-access/", {"reason": "need it"})
    assert not EmergencyAccess.objects.exists()
    assert c.get(f"/patients/episodes/{episode.code}/").status_code == 403


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_emergency_access_opens_reads_flags_notifies_and_expires(dave, admin, patient, episode):
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        c = client_for(dave)
        r = c.post(f"/patients/{patient.code}/emergency-access/", {"reason": REASON})
        assert r.status_code == 302
        r = c.get(f"/patients/{patient.code}/")
        assert (
            b"Chronic low back pain" in r.content and b"Emergency access until 03:00" in r.content
        )  # 10:00 UTC in Denver
        assert c.get(f"/patients/episodes/{episode.code}/").status_code == 200
        assert c.get(f"/api/v1/episodes/{episode.code}").status_code == 200
        # Read, not change.
        r = c.post(
            f"/patients/episodes/{episode.code}/discharge/",
            {"discharge_date": "2026-10-20", "discharge_reason": "goals_met"},
        )
        assert r.status_code == 403
        flagged = AuditEvent.objects.filter(username="dave@a.example", break_glass=True)
        assert {"breakglass.start", "patient.view", "episode.view"} <= set(flagged.values_list("action", flat=True))
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [admin.email]
        assert REASON in mail.outbox[0].body and "Hopper" not in mail.outbox[0].body
        for _ in range(5):  # keep the session active: it ends after 15 idle minutes
            t.shift(10 * 60)
            c.get("/")
        t.shift(9 * 60)
        assert c.get(f"/patients/episodes/{episode.code}/").status_code == 200
        t.shift(2 * 60)
        assert c.get(f"/patients/episodes/{episode.code}/").status_code == 403
    episode.refresh_from_db()
    assert episode.status == "open"


def test_reception_cannot_break_glass(as_bob, patient):
    assert as_bob.post(f"/patients/{patient.code}/emergency-access/", {"reason": REASON}).status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_the_care_team_and_admins_need_no_glass(as_alice, as_admin, patient, episode):
    for c in (as_alice, as_admin):
        assert c.get(f"/patients/episodes/{episode.code}/").status_code == 200
    assert not AuditEvent.objects.filter(break_glass=True).exists()
