"""Signed consent to dry needling (issue 19): the form with the clinic's own numbers beside the published ones,
signed by the patient in their account or on the clinic's device, frozen with its PDF and hash, a copy emailed,
withdrawable — and what the needling gate and Colorado's rule make of it."""

import hashlib
import html
import re

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.test import Client

from conftest import certify, client_for, make_event, screened, signed_consent
from dryneedle.aftercare import rules as aftercare_rules
from dryneedle.aftercare.services import consent_numbers
from dryneedle.audit.models import AuditEvent
from dryneedle.consent import services
from dryneedle.consent.models import SignedConsent
from dryneedle.screening.gate import needling_gate
from dryneedle.visits import services as visits

pytestmark = pytest.mark.django_db(transaction=True)  # the copy is emailed when the transaction commits
SIGNATURE = "M10 20 L30 40 L50 45 M60 20 L80 60"


def sign_in(client, email="grace@mail.example") -> None:
    client.post("/my/sign-in/", {"email": email})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    assert client.post("/my/sign-in/code/", {"code": code})["Location"] == "/my/"


def shown(page: str) -> str:
    return re.search(r'name="shown" value="([0-9a-f]{64})"', page)[1]


def test_the_patient_reads_the_numbers_signs_and_gets_a_copy(patient, alice):
    c = Client()
    sign_in(c)
    page = html.unescape(c.get("/my/consent/").content.decode())
    # The seven risks the article names, the published figures with their sources, and why no clinic rate yet.
    for risk in ("Soreness", "Bruising", "Bleeding", "Tiredness", "Infection", "Nerve injury", "pneumothorax"):
        assert risk in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "7.6 in 100 treatments (Brady 2014)" in text and "16 in 100 treatments (Boyce 2020)" in text
    assert "No published rate found" in page  # nerve injury
    assert f"once it has recorded {aftercare_rules.OWN_RATE_MIN_VISITS} treatments with needles (it has 0" in page
    assert "NICE NG59" in page and "No needling at all" in page and "ask to stop at any moment" in page
    mail.outbox.clear()
    r = c.post("/my/consent/", {"read": "on", "typed_name": "Grace Hopper", "signature": SIGNATURE,
                                "shown": shown(page)})  # fmt: skip
    assert r.status_code == 302
    doc = SignedConsent.objects.get()
    assert (doc.patient, doc.via, doc.typed_name, doc.signature, doc.witness) == (
        patient, "account", "Grace Hopper", SIGNATURE, None)  # fmt: skip
    assert bytes(doc.pdf).startswith(b"%PDF") and doc.sha256 == hashlib.sha256(bytes(doc.pdf)).hexdigest()
    assert "Brady 2014" in doc.text and doc.form_version
    (copy,) = mail.outbox
    assert copy.to == ["grace@mail.example"] and "your signed consent" in copy.subject
    (_name, content, mimetype) = copy.attachments[0]
    assert mimetype == "application/pdf" and content == bytes(doc.pdf)
    r = c.get(f"/my/consent/{doc.code}/pdf/")
    assert r["Content-Type"] == "application/pdf" and r.content == bytes(doc.pdf)
    row = AuditEvent.objects.get(action="consent.signed", outcome="ok")
    assert (row.username, row.patient, doc.sha256 in row.detail) == ("patient", patient.code, True)
    # Signed: the page offers the PDF and withdrawal, not a second form.
    page = c.get("/my/consent/").content.decode()
    assert "Withdraw this consent" in page and 'name="shown"' not in page


def test_refused_input_saves_nothing(patient):
    c = Client()
    sign_in(c)
    page = html.unescape(c.get("/my/consent/").content.decode())
    digest = shown(page)
    cases = [
        ({"read": "on", "typed_name": "", "signature": SIGNATURE, "shown": digest}, "Your full name"),
        ({"read": "on", "typed_name": "Grace", "signature": "", "shown": digest}, "Draw your signature"),
        ({"read": "on", "typed_name": "Grace", "signature": '<path d="M1 1"/><script>', "shown": digest},
         "could not be read"),
        ({"typed_name": "Grace", "signature": SIGNATURE, "shown": digest}, "This field is required"),
        ({"read": "on", "typed_name": "Grace", "signature": SIGNATURE, "shown": "0" * 64},
         "The form changed while you were reading it"),
    ]  # fmt: skip
    for body, says in cases:
        r = c.post("/my/consent/", body)
        assert r.status_code == 400 and says in html.unescape(r.content.decode()), says
    assert not SignedConsent.objects.exists()
    # Someone who cannot draw signs with the typed name alone, and the record says so.
    r = c.post("/my/consent/", {"read": "on", "typed_name": "Grace Hopper", "typed_only": "on", "shown": digest})
    assert r.status_code == 302 and SignedConsent.objects.get().typed_only


def test_the_clinics_own_rates_appear_beside_the_published_ones(patient, insertion, alice, monkeypatch):
    monkeypatch.setattr(aftercare_rules, "OWN_RATE_MIN_VISITS", 1)
    certify(alice)
    visits.remove_needle(insertion, alice)
    visits.sign(insertion.visit, alice)
    before = consent_numbers(patient.clinic)
    assert next(r for r in before["risks"] if r["code"] == "bruising")["own"]["k"] == 0
    make_event(insertion.visit)  # a draft: not counted until confirmed
    assert next(r for r in consent_numbers(patient.clinic)["risks"] if r["code"] == "bruising")["own"]["k"] == 0
    make_event(insertion.visit, status="confirmed", severity="mild")
    numbers = consent_numbers(patient.clinic)
    bruising = next(r for r in numbers["risks"] if r["code"] == "bruising")
    assert bruising["own"]["k"] == 1 and bruising["own"]["n"] == numbers["visits"] == 1
    text = services.render_form(patient.clinic, patient, numbers)
    assert "this clinic has recorded it in its own 1 treatments" in text and "1 in 1 treatments" in text


def test_a_signed_form_cannot_change_and_a_withdrawal_is_added_once(patient, alice):
    doc = signed_consent(patient, typed_name="Grace Hopper")
    with pytest.raises(DatabaseError), transaction.atomic():
        SignedConsent.objects.filter(pk=doc.pk).update(text="<p>Other words</p>")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_signedconsent")
    services.withdraw(doc, "Said so at the desk", alice)
    with pytest.raises(Exception, match="already withdrawn"):
        services.withdraw(doc, "again", alice)
    with pytest.raises(DatabaseError), transaction.atomic():
        SignedConsent.objects.filter(pk=doc.pk).update(withdrawn_reason="changed later")


def test_withdrawal_closes_the_needling_gate_until_consent_is_given_again(patient, episode, alice, screening):
    assert needling_gate(episode).allowed is False  # diabetes not yet acknowledged (the fixture leaves it)
    from dryneedle.screening.services import acknowledge

    acknowledge(screening, alice, ["diabetes"])
    assert needling_gate(episode).allowed
    doc = services.current(patient)
    assert screening.consent_document == doc  # the screening's written consent is that form
    c = Client()
    sign_in(c)
    mail.outbox.clear()
    r = c.post(f"/my/consent/{doc.code}/withdraw/", {"reason": "I would rather not"})
    assert r.status_code == 302
    gate = needling_gate(episode)
    assert not gate.allowed and "withdrew their consent" in gate.message
    (note,) = mail.outbox  # the clinician leading the episode hears, without the patient's name
    assert note.to == [alice.email] and "Grace" not in note.body and "Hopper" not in note.body
    # On the clinic's side it shows, and the practitioner cannot sign a visit with needles.
    page = client_for(alice).get(f"/patients/{patient.code}/consent/").content.decode()
    assert "Withdrawn" in page and "(by the patient, online)" in page and "I would rather not" in page
    # A new signed form opens it again.
    signed_consent(patient, typed_name="Grace Hopper")
    assert needling_gate(episode).allowed


def test_signing_on_the_clinics_device_records_who_was_present(patient, bob, episode):
    c = client_for(bob)  # the front desk hands over the tablet
    page = html.unescape(c.get(f"/patients/{patient.code}/consent/").content.decode())
    assert "No signed form yet." in page
    r = c.post(f"/patients/{patient.code}/consent/", {"read": "on", "typed_name": "Grace Hopper",
                                                      "signature": SIGNATURE, "shown": shown(page)})  # fmt: skip
    assert r.status_code == 302
    doc = SignedConsent.objects.get()
    assert (doc.via, doc.witness) == ("clinic", bob)
    signed = c.get(f"/patients/{patient.code}/consent/").content.decode()
    assert "Bob Baker present" in signed and 'name="shown"' not in signed  # no second form while one is in force
    assert "Consent (signed" in c.get(f"/patients/{patient.code}/").content.decode()
    r = c.post(f"/patients/consent/{doc.code}/withdraw/", {"reason": ""})
    assert r.status_code == 302 and services.current(patient) == doc  # a reason is needed from staff
    c.post(f"/patients/consent/{doc.code}/withdraw/", {"reason": "Phoned to say no more needling"})
    doc.refresh_from_db()
    assert doc.withdrawn and doc.withdrawn_by == bob


def test_colorado_asks_for_the_signed_form(alice, episode, insertion):
    from conftest import certify
    from dryneedle.screening.services import acknowledge

    certify(alice)
    s = episode.screenings.get()
    acknowledge(s, alice, ["diabetes"])
    visits.remove_needle(insertion, alice)
    services.withdraw(services.current(episode.patient), "asked to stop", alice)
    problems = visits.can_sign(alice, insertion.visit)
    assert any("no signed consent form is on file" in p for p in problems)
    signed_consent(episode.patient, typed_name="Grace Hopper")
    assert visits.can_sign(alice, insertion.visit) == []


def test_nobody_else_reaches_a_patients_consent(patient, foreign_patient, clinic_a, alice):
    from dryneedle.patients.models import Patient

    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date="1970-01-01",
                                   sex="female", email="ann@mail.example")  # fmt: skip
    theirs = signed_consent(other, typed_name="Ann Lee")
    abroad = signed_consent(foreign_patient)
    c = Client()
    sign_in(c)
    for doc in (theirs, abroad):
        assert c.get(f"/my/consent/{doc.code}/pdf/").status_code == 404
        assert c.post(f"/my/consent/{doc.code}/withdraw/", {}).status_code == 404
    assert c.get(f"/my/consent/?patient={other.code}").status_code == 404
    assert not SignedConsent.objects.exclude(withdrawn_at=None).exists()
    assert client_for(alice).get(f"/patients/consent/{abroad.code}/pdf/").status_code == 404


def test_screened_links_written_consent_to_the_form(episode, alice):
    s = screened(episode, alice, {"consent": "given", "consent_type": "verbal", "findings": [],
                                  "planned_regions": ["lumbar"]})  # fmt: skip
    assert s.consent_document is None  # verbal: no form linked


def test_frequencies_read_as_a_patient_reads_them():
    from dryneedle.consent.text import percent

    assert (percent(7.55), percent(16.0), percent(0.26)) == ("7.6 in 100", "16 in 100", "0.3 in 100")
    assert (percent(5 / 31822 * 100), percent(0.0), percent(None)) == ("about 1 in 6,364", "none recorded", "")


def test_the_form_in_the_patients_language_signed_and_kept_in_it(patient, bob):
    """A reader of Spanish reads and signs the form in Spanish, in their account or on the clinic's device (the
    staff page around it stays English); the frozen text and the PDF are in the language it was signed in."""
    patient.preferred_language = "Spanish"
    patient.save()
    desk = client_for(bob)
    page = html.unescape(desk.get(f"/patients/{patient.code}/consent/").content.decode())
    text = re.sub(r"<[^>]+>", "", page)
    assert "Consentimiento a la punción seca" in page and "7,6 de cada 100 tratamientos (Brady 2014)" in text
    assert "Firmar el consentimiento" in page
    assert "No signed form yet." in page  # the staff page itself
    desk.post(f"/patients/{patient.code}/consent/", {"read": "on", "typed_name": "Grace Hopper",
                                                     "signature": SIGNATURE, "shown": shown(page)})  # fmt: skip
    doc = SignedConsent.objects.get()
    assert "Su derecho a parar" in doc.text and "Your right to stop" not in doc.text
    assert "Firmar el consentimiento" not in doc.text  # the form, not the page's buttons
    c = Client()
    sign_in(c)
    mine = html.unescape(c.get("/my/consent/").content.decode())
    assert "Su derecho a parar" in mine
