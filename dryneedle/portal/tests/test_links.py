"""Patient links: one patient, one use, expiring; the answers pre-fill the clinician's screening."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from dryneedle.audit.models import AuditEvent
from dryneedle.portal.models import PatientLink

pytestmark = pytest.mark.django_db
ANSWERS = {"findings": ["diabetes", "vasovagal_history"], "pregnant": "no", "medications": "Apixaban 5 mg\nMetformin"}


def send(client, episode) -> str:
    r = client.post(f"/p/episodes/{episode.code}/send-screening/")
    assert r.status_code == 200
    return (
        re.search(r'value="(http://testserver/p/[^"]+)"', r.content.decode()).group(1).replace("http://testserver", "")
    )


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_sending_creates_a_link_and_emails_only_the_link(as_alice, episode):
    url = send(as_alice, episode)
    (msg,) = mail.outbox
    assert msg.to == ["grace@mail.example"] and url in msg.body
    assert "Chronic" not in msg.body and "back pain" not in msg.body
    link = PatientLink.objects.get()
    assert link.digest != url.split("/")[2] and len(url.split("/")[2]) >= 40  # only the digest is stored


def test_the_patient_answers_once_and_the_screening_starts_from_it(as_alice, episode):
    url = send(as_alice, episode)
    patient = Client()
    r = patient.get(url)
    assert r.status_code == 200 and "Before your appointment" in r.content.decode()
    assert "Grace" not in r.content.decode()  # the page names no one: anyone could be holding the phone
    r = patient.post(url, ANSWERS)
    assert "Thank you" in r.content.decode()
    assert patient.post(url, ANSWERS).status_code == 410
    assert patient.get(url).status_code == 410
    r = as_alice.get(f"/screening/episodes/{episode.code}/new/")
    text = r.content.decode()
    assert (
        "Pre-filled with the patient&#x27;s own answers" in text or "Pre-filled with the patient's own answers" in text
    )
    assert 'value="diabetes" id="id_findings_' in text and "checked" in text
    assert "Apixaban 5 mg" in text
    actions = list(AuditEvent.objects.filter(patient=episode.patient.code).values_list("action", "outcome"))
    assert ("link.submit", "ok") in actions and ("link.refused", "denied") in actions


def test_an_expired_link_is_refused(as_alice, episode):
    with time_machine.travel("2026-11-01 10:00 +0000", tick=False) as t:
        url = send(as_alice, episode)
        t.shift(7 * 86400 + 1)
        r = Client().post(url, ANSWERS)
    assert r.status_code == 410 and "expired" in r.content.decode()
    assert PatientLink.objects.get().used_at is None


def test_an_unknown_link_is_404_and_audited(db):
    r = Client().get("/p/not-a-real-token-at-all-0000000000000000000/")
    assert r.status_code == 404
    assert AuditEvent.objects.filter(action="link.invalid", outcome="denied").count() == 1


def test_reception_cannot_send_links(as_bob, episode):
    assert as_bob.post(f"/p/episodes/{episode.code}/send-screening/").status_code == 403


def test_guessing_links_is_throttled_per_address_and_audited_twice_not_300_times(settings, link):
    # Finding 8: 300 unknown-token lookups wrote 300 audit rows in 3 s.
    settings.LINK_MISSES_PER_ADDRESS = 20
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    # The windows are fixed ten-minute steps of the clock; the 300 tries run
    # with the clock held one minute into a window, or a slow run (CI, on
    # PostgreSQL) crosses into the next window and its count starts again.
    now = timezone.now()
    start = now.replace(minute=now.minute - now.minute % 10, second=0, microsecond=0) + timedelta(minutes=11)
    with time_machine.travel(start, tick=False):
        statuses = [guesser.get(f"/p/guess-{i:04d}-abcdefghijklmnop/").status_code for i in range(300)]
        assert statuses[:20] == [404] * 20 and set(statuses[20:]) == {429}
        rows = AuditEvent.objects.filter(action="link.invalid")
        assert rows.count() == 2 and "20 unknown tokens" in rows.order_by("id").last().detail
        # Another address is not held up, and known links never count.
        assert Client(REMOTE_ADDR="198.51.100.8").get(f"/p/{link.code}/").status_code == 200
    # When the window ends the address may try again, as the message says.
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert guesser.get("/p/guess-again-abcdefghijklmnop/").status_code == 404
