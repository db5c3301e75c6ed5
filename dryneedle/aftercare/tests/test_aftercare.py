"""Handouts follow the visit; check-ins are sent once, on time, and their answers become draft adverse events."""

import html
import re
import subprocess  # nosec B404 - pdftotext reads the handout
import threading
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from conftest import ONTO_BONE, certify, client_for, screened
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.aftercare import rules, services
from dryneedle.aftercare.models import CheckIn
from dryneedle.portal.models import PatientLink
from dryneedle.screening.services import acknowledge
from dryneedle.visits import services as visits
from dryneedle.visits.models import Insertion, Visit

pytestmark = pytest.mark.django_db


def _signed(visit, alice, lot, muscles=(("multifidus", "lumbar"),)):
    for muscle, region in muscles:
        ins = Insertion.objects.create(
            visit=visit, lot=lot, muscle=muscle, region=region, side="left", depth_mm=15, created_by=alice, **ONTO_BONE
        )
        visits.remove_needle(ins, alice)
    visits.sign(visit, alice)
    return visit


@pytest.fixture
def ready(alice, screening, lot_a, visit):
    acknowledge(screening, alice, ["diabetes"])
    certify(alice, 100)
    screening.answers["planned_regions"] = ["lumbar", "gluteal", "thoracic"]
    return visit


def test_handout_follows_what_was_done(alice, ready, lot_a):
    _signed(ready, alice, lot_a, (("gluteus_medius", "gluteal"),))
    h = services.handout(ready)
    assert h["sites"] == ["Gluteus medius (left)"] and not h["thoracic"]
    assert rules.WARNING_THORAX not in h["warnings"] and rules.WARNING_ALWAYS[0] in h["warnings"]
    html = client_for(alice).get(f"/aftercare/visits/{ready.code}/handout/").content.decode()
    assert "Gluteus medius (left)" in html and "about 8 in 100 treatments" in html and "pneumothorax" not in html
    # Every back-pain handout gives the cauda equina warning signs (Greenhalgh/Mercer/Finucane cards, §5.2).
    assert "numbness between your legs or around your back passage" in html and "emergency department" in html
    # Soreness as patients report it, and the survey figure labelled as what clinicians recorded (§14).
    assert "most people feel it" in html and "physiotherapists recorded it as a problem" in html


def test_the_breathlessness_warning_follows_the_muscle(alice, ready, lot_a):
    # Multifidus in the lumbar region lies near the pleura at T12-L1 (safety review §14), not only "thoracic".
    _signed(ready, alice, lot_a)
    assert rules.WARNING_LOWER_RIBS in services.handout(ready)["warnings"]


def test_the_pdf_body_chart_shows_the_needled_sites_in_colour(alice, ready, lot_a, tmp_path):
    """Issue 18: WeasyPrint ignored the chart's CSS and drew every region black, so the needle sites were invisible on
    paper. The PDF is rasterised and its colours counted: the regions' pale grey and the needled site's teal."""
    from PIL import Image

    _signed(ready, alice, lot_a, (("gluteus_medius", "gluteal"),))
    pdf = client_for(alice).get(f"/aftercare/visits/{ready.code}/handout.pdf").content
    subprocess.run(["/usr/bin/pdftoppm", "-png", "-r", "110", "-", str(tmp_path / "page")], input=pdf, check=True)

    def near(px, rgb):
        return all(abs(a - b) <= 12 for a, b in zip(px[:3], rgb, strict=True))

    counts = {"region": 0, "site": 0, "needle": 0}
    for png in sorted(tmp_path.glob("page*.png")):
        for px in Image.open(png).convert("RGB").get_flattened_data():
            counts["region"] += near(px, (0xEE, 0xF1, 0xF5))
            counts["site"] += near(px, (0x9F, 0xD3, 0xD8))
            counts["needle"] += near(px, (0x16, 0x54, 0x5B))
    assert counts["region"] > 2000 and counts["site"] > 30 and counts["needle"] > 5, counts


def test_thoracic_needling_adds_the_pneumothorax_warning_and_the_pdf_says_it(alice, ready, lot_a, screening):

    s = screened(
        ready.episode,
        alice,
        {"consent": "given", "consent_type": "written", "findings": [], "planned_regions": ["lumbar", "thoracic"]},
    )
    acknowledge(s, alice, [p["rule"] for p in s.result["precautions"]])  # needling over the thorax
    _signed(ready, alice, lot_a, (("rhomboid_major", "thoracic"),))
    assert rules.WARNING_THORAX in services.handout(ready)["warnings"]
    r = client_for(alice).get(f"/aftercare/visits/{ready.code}/handout.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = " ".join(
        subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=r.content, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    for phrase in (
        "go to emergency care now",
        "collapsed lung",
        "Drink water",
        "Rest from hard exercise",
        "warm pack or a cold pack",
        "Gentle stretching",
        "Redness that spreads",
        "Rhomboid major (left)",
        ready.clinic.name,
    ):
        assert phrase in text, phrase
    # Made once: the second download is the same stored bytes, whatever the clinic's rates do meanwhile.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dryneedle.web.models import StoredDocument

    with CaptureQueriesContext(connection) as q:
        again = client_for(alice).get(f"/aftercare/visits/{ready.code}/handout.pdf")
    assert again.content == r.content and StoredDocument.objects.get().key == ready.sha256
    assert not any("visits_insertion" in x["sql"] and "lot" in x["sql"] for x in q.captured_queries[-3:])


def test_no_needling_no_handout(alice, ready):
    ready.patient.email = "lee@example.org"
    ready.patient.save()
    c = client_for(alice)
    r = c.post(f"/visits/{ready.code}/sign/", follow=True)
    # The message says what happened (issue 18: it said a handout was ready and emailed; none was)
    page = r.content.decode()
    assert "No needle was placed, so there is no aftercare handout." in page
    assert "handout is ready" not in page and len(mail.outbox) == 0
    assert services.on_sign(ready, "http://x") is None
    assert c.get(f"/aftercare/visits/{ready.code}/handout/").status_code == 404


def test_signing_sends_the_handout_link_and_the_patient_reads_it(alice, ready, lot_a, client):
    ready.patient.email = "lee@example.org"
    ready.patient.save()
    for muscle in ("multifidus",):
        ins = Insertion.objects.create(
            visit=ready, lot=lot_a, muscle=muscle, side="left", depth_mm=15, created_by=alice, **ONTO_BONE
        )
        visits.remove_needle(ins, alice)
    with pytest.MonkeyPatch.context() as m:
        m.setattr("django.db.transaction.on_commit", lambda f: f())
        r = client_for(alice).post(f"/visits/{ready.code}/sign/")
    assert r.status_code == 302 and len(mail.outbox) == 1
    url = mail.outbox[0].body.split("http://testserver")[1].split()[0]
    html = client.get(url).content.decode()
    assert "After your dry needling" in html and "Multifidus (left)" in html
    assert client.get(url).status_code == 200  # a handout can be read again


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("another_zone")
def test_send_due_is_on_time_idempotent_and_asks_again_when_needed(alice, ready, lot_a, settings):
    settings.SITE_URL = "https://records.example"
    ready.patient.email = "lee@example.org"
    ready.patient.save()
    with time_machine.travel(timezone.now(), tick=False) as t:
        _signed(ready, alice, lot_a)
        assert services.send_due() == []  # not yet 24 h
        t.shift(timedelta(hours=24, minutes=1))
        out = StringIO()
        call_command("send_due", stdout=out)
        assert "check-in 1 for the visit" in out.getvalue() and "1 check-in sent." in out.getvalue()
        assert len(mail.outbox) == 1 and "https://records.example/p/" in mail.outbox[0].body
        for _ in range(3):
            assert services.send_due() == []  # never twice
        t.shift(timedelta(hours=24))
        assert [c.attempt for c in services.send_due()] == [2]  # the first was not answered
        assert services.send_due() == [] and len(mail.outbox) == 2
    assert CheckIn.objects.count() == 2


def test_no_second_check_in_after_a_fine_answer(alice, ready, lot_a, settings):
    settings.SITE_URL = "https://records.example"
    with time_machine.travel(timezone.now(), tick=False) as t:
        _signed(ready, alice, lot_a)
        t.shift(timedelta(hours=25))
        (c,) = services.send_due()
        services.answer(c, {**{k: "no" for k, _, kind in rules.QUESTIONS if kind == "yesno"}, "soreness": 2})
        t.shift(timedelta(hours=24))
        assert services.send_due() == []
    assert not AdverseEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_send_due_sends_once(alice, clinic_a, settings, django_db_blocker):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database")
    from conftest import _lot
    from dryneedle.patients.models import Episode, Patient

    settings.SITE_URL = "https://records.example"
    certify(alice, 100)
    p = Patient.objects.create(
        clinic=clinic_a, given_name="A", family_name="B", birth_date=date(1980, 1, 1), sex="male"
    )
    p.email = "a@example.org"
    p.save()
    e = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", clinician=alice)
    screened(e, alice, {"consent": "given", "consent_type": "written", "findings": [], "planned_regions": ["lumbar"]})
    lot = _lot(clinic_a, "C1")
    v = Visit.objects.create(clinic=clinic_a, patient=p, episode=e, practitioner=alice)
    _signed(v, alice, lot)
    later = timezone.now() + timedelta(hours=25)
    results = []

    def run():
        try:
            results.append(len(services.send_due(now=later)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(results) == 1 and CheckIn.objects.filter(visit=v).count() == 1 and len(mail.outbox) == 1


def test_send_due_needs_site_url(settings):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="Set SITE_URL"):
        call_command("send_due")


def _checkin(alice, ready, lot_a, settings):
    settings.SITE_URL = "https://records.example"
    _signed(ready, alice, lot_a)
    c = services.send_due(now=timezone.now() + timedelta(hours=25))[0]
    return c, c.url.replace("https://records.example", "")


def _answers(**yes):
    a = {k: "no" for k, _, kind in rules.QUESTIONS if kind == "yesno"}
    return {**a, "soreness": "3", **yes}


def test_a_reported_problem_becomes_a_draft_event(alice, ready, lot_a, settings, client):
    c, url = _checkin(alice, ready, lot_a, settings)
    r = client.post(url, {"soreness": "6", **{k: v for k, v in _answers(bruising="yes").items() if k != "soreness"}})
    assert r.status_code == 200 and "passed what you told us to your practitioner" in r.content.decode()
    events = list(AdverseEvent.objects.order_by("id"))
    assert [(e.type, e.status, e.source) for e in events] == [
        ("soreness_after", "draft", "checkin"),
        ("bruising", "draft", "checkin"),
    ]
    c.refresh_from_db()
    assert c.problem and not c.red
    assert client.post(url, _answers()).status_code == 410  # not replayable
    assert AdverseEvent.objects.count() == 2


def test_red_answers_show_emergency_instructions_and_alert_the_clinic(alice, ready, lot_a, settings, client):
    c, url = _checkin(alice, ready, lot_a, settings)
    r = client.post(url, _answers(breathing="yes"))
    assert "Get help now" in r.content.decode() and "call your emergency number now" in r.content.decode()
    page = client_for(alice).get("/patients/").content.decode()
    assert "Urgent check-in answer" in page and "breathlessness or chest pain" in page
    client_for(alice).post(f"/aftercare/checkins/{c.code}/acknowledge/")
    assert "Urgent check-in answer" not in client_for(alice).get("/patients/").content.decode()
    assert AdverseEvent.objects.get().type == "pneumothorax"


def test_bad_checkin_input(alice, ready, lot_a, settings, client):
    c, url = _checkin(alice, ready, lot_a, settings)
    r = client.post(url, {"soreness": "11"})
    assert r.status_code == 400 and "from 0 to 10" in r.content.decode() and not AdverseEvent.objects.exists()
    c.link.refresh_from_db()
    assert c.link.used_at is None
    PatientLink.objects.filter(pk=c.link.pk).update(expires=timezone.now() - timedelta(minutes=1))
    assert client.get(url).status_code == 410


def _syllables(word: str) -> int:
    word = word.lower().strip(".,:;()!?")
    groups = 0
    prev = False
    for ch in word:
        v = ch in "aeiouy"
        groups += v and not prev
        prev = v
    if word.endswith("e") and groups > 1:
        groups -= 1
    return max(1, groups)


def test_the_handout_reads_at_about_age_12():
    """Flesch-Kincaid grade of the patient text at most 8 (reading age about 13); the aim is about 12."""
    texts = [*rules.AFTERCARE, *rules.WARNING_ALWAYS, rules.WARNING_THORAX, *(f"{a}: {b}." for a, b, _ in rules.NORMAL)]
    sentences = sum(t.count(".") + t.count(":") for t in texts)
    words = [w for t in texts for w in t.split()]
    syllables = sum(_syllables(w) for w in words)
    grade = 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59
    assert grade <= 8, grade


def test_a_red_answer_reaches_the_on_call_address_and_the_patient_is_told_so(
    alice, ready, lot_a, settings, client, mailoutbox, django_capture_on_commit_callbacks
):
    _c, url = _checkin(alice, ready, lot_a, settings)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, _answers(ces="yes"))
    html = r.content.decode()
    assert "Get help now" in html and "We have emailed Clinic A's on-call address" in html
    assert "We have told" not in html
    (mail,) = mailoutbox
    assert mail.to == ["oncall@a.example"] and ready.patient.family_name not in mail.body
    assert "cauda equina" in mail.body
    assert AdverseEvent.objects.get().type == "nerve_injury"


def test_no_check_ins_without_an_on_call_address(alice, ready, lot_a, settings):
    ready.clinic.on_call_email = ""
    ready.clinic.save()
    _signed(ready, alice, lot_a)
    out = StringIO()
    assert services.send_due(now=timezone.now() + timedelta(hours=25), stdout=out) == []
    assert "set the clinic's on-call address" in out.getvalue()


def test_the_alert_names_the_patient_only_to_the_care_team(alice, ready, lot_a, settings, client, clinic_a):
    from conftest import make_user
    from dryneedle.accounts.models import Role

    _c, url = _checkin(alice, ready, lot_a, settings)
    client.post(url, _answers(breathing="yes"))
    other = make_user("other@a.example", clinic_a, Role.PRACTITIONER)

    def alert(user):
        page = client_for(user).get("/").content.decode()
        return page.split('class="notice danger alert-bar', 1)[1].split("</div>", 1)[0]

    assert "outside your care team" in alert(other) and ready.patient.family_name not in alert(other)
    assert ready.patient.family_name in alert(alice)


def test_a_check_in_that_only_describes_something_else_reports_an_other_event():
    # Free text with no yes answer is still a reaction to classify; with a yes answer it only adds detail.
    assert rules.read({"other": "A headache since the evening"}) == (["other"], False)
    assert rules.read({"other": "   "}) == ([], False)


@pytest.mark.django_db(transaction=True)
def test_a_check_in_goes_by_text_to_a_patient_who_agreed(alice, ready, lot_a, settings):
    from dryneedle.lib import sms
    from dryneedle.patients import texts

    settings.SITE_URL = "https://records.example"
    settings.SMS_BACKEND = "memory"
    sms.outbox.clear()
    texts.record(ready.patient, True, "clinic", alice)
    with time_machine.travel(timezone.now(), tick=False) as t:
        _signed(ready, alice, lot_a)
        t.shift(timedelta(hours=24, minutes=1))
        (c,) = services.send_due()
    (text,) = sms.outbox
    assert text["to"] == ready.patient.phone and text["text"].startswith("A few quick questions are waiting for you: ")
    assert c.url in text["text"] and "/my/texts/stop/" in text["text"]
    assert not sms.CLINICAL.search(sms.URL.sub("", text["text"]))


@pytest.mark.django_db(transaction=True)
def test_the_handout_and_the_check_in_in_the_patients_language(alice, ready, lot_a, settings):
    """A reader of Spanish gets the handout and the check-in in Spanish, the emergency instructions included; the
    clinician's copy of the handout stays English."""
    from django.test import Client

    settings.SITE_URL = "https://records.example"
    ready.patient.preferred_language = "Spanish"
    ready.patient.save()
    with time_machine.travel(timezone.now(), tick=False) as t:
        _signed(ready, alice, lot_a)
        link = services.on_sign(ready, "https://records.example")
        handout_url = re.search(r"https://records\.example(/p/\S+/)", mail.outbox[-1].body)[1]
        c = Client()
        page = html.unescape(c.get(handout_url).content.decode())
        assert link is not None and "Después de su punción seca" in page and "Pida ayuda si" in page
        assert "vaya a urgencias de inmediato" in page and "Beba agua como siempre" in page
        staff = html.unescape(client_for(alice).get(f"/aftercare/visits/{ready.code}/handout/").content.decode())
        assert "After your dry needling" in staff and "Después" not in staff
        t.shift(timedelta(hours=24, minutes=1))
        (checkin,) = services.send_due()
        url = checkin.url.removeprefix("https://records.example")
        form = html.unescape(c.get(url).content.decode())
        assert "¿Cómo se encuentra desde el tratamiento?" in form and "¿Tiene fiebre?" in form
        answers = {k: "no" for k, _q, kind in rules.QUESTIONS if kind == "yesno"} | {"soreness": "2",
                                                                                      "breathing": "yes"}  # fmt: skip
        done = html.unescape(c.post(url, answers).content.decode())
        assert "Pida ayuda ahora" in done and "llame ahora a su número de emergencias" in done
