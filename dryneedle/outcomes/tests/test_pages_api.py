"""Outcomes through the pages, the API and a patient link: stored as scored, refused when wrong, audited."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conftest import client_for, today_a
from dryneedle.audit.models import AuditEvent
from dryneedle.outcomes import bundle, services
from dryneedle.outcomes.models import FollowUp, Response
from dryneedle.portal.models import PatientLink

pytestmark = pytest.mark.django_db
ODI_16 = {
    "pain_intensity": "3",
    "personal_care": "1",
    "lifting": "2",
    "walking": "1",
    "sitting": "2",
    "standing": "2",
    "sleeping": "1",
    "sex_life": "",
    "social_life": "2",
    "travelling": "2",
}


def test_clinician_records_and_sees_change(alice, episode):
    c = client_for(alice)
    url = f"/outcomes/episodes/{episode.code}/responses/"
    assert c.post(url, {"instrument": "odi", **ODI_16}).status_code == 302
    r = Response.objects.get()
    assert r.scorable and r.score == pytest.approx(16 / 45 * 100) and r.details["band"] == "moderate"
    r.collected = timezone.now() - timedelta(days=30)
    r.save()
    assert (
        c.post(url, {"instrument": "odi", **ODI_16, "lifting": "0", "standing": "0", "sitting": "0"}).status_code == 302
    )
    html = c.get(f"/outcomes/episodes/{episode.code}/").content.decode()
    # 35.6% → 22.2%: 13.3 points (MIC 10 met), 37.5% (30% met)
    assert "35.6" in html and "22.2" in html and "13.3 (37.5%)" in html
    # The chart is its own image, named by a digest of what it draws.
    src = re.search(r'<img class="chart" src="([^"]+measure=odi[^"]*)"', html).group(1).replace("&amp;", "&")
    chart = c.get(src)
    assert chart["Content-Type"] == "image/svg+xml" and "frame-ancestors 'none'" in chart["Content-Security-Policy"]
    assert b"<svg" in chart.content and "within ±10 of baseline (MIC)" in chart.content.decode()
    assert c.get(src).content == chart.content  # the same data: the same figure
    # Both scores are in the figure, and readable as text by a screen reader.
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", chart.content.decode()).group(1)
    assert "35.5556" in desc or "35.6" in desc
    assert desc.count("questionnaire") == 2
    c.post(url, {"instrument": "odi", **ODI_16, "lifting": "0"})
    again = c.get(f"/outcomes/episodes/{episode.code}/").content.decode()
    assert src.replace("&", "&amp;") not in again  # a new score, a new address
    assert c.get(f"/outcomes/episodes/{episode.code}/chart.svg?measure=psfs").status_code == 404  # no PSFS yet
    assert c.get(f"/outcomes/episodes/{episode.code}/chart.svg?measure=sf36").status_code == 400
    # Safety review §14: IMMPACT as trial benchmarks, PSFS 2 points as a detectable change.
    assert "benchmarks for interpreting group results in clinical trials" in html
    assert "minimal detectable change (Stratford 1995)" in html


def test_bad_answers_are_refused_and_kept_on_the_form(alice, episode):
    c = client_for(alice)
    before = AuditEvent.objects.count()
    r = c.post(f"/outcomes/episodes/{episode.code}/responses/", {"instrument": "odi", **ODI_16, "lifting": "7"})
    # In a clinician's words on the form (issue 18); the API keeps the key (below)
    assert r.status_code == 400 and "Lifting must be from 0 to 5; 7 was entered." in r.content.decode()
    assert '<option value="3" selected>' in r.content.decode()  # what was chosen stays chosen
    assert not Response.objects.exists()
    assert AuditEvent.objects.filter(id__gt=before, action="response.create", outcome="invalid").exists()
    r = c.post(f"/outcomes/episodes/{episode.code}/responses/", {"instrument": "sf36"})
    assert r.status_code == 400 and not Response.objects.exists()


def test_entered_in_error_no_longer_counts(alice, episode):
    r = services.record_response(episode, "nprs", {"score": 8}, alice)
    c = client_for(alice)
    # Without a reason: refused, nothing changes, and the page says why.
    page = c.post(f"/outcomes/responses/{r.code}/in-error/", follow=True).content.decode()
    r.refresh_from_db()
    assert not r.entered_in_error and "Say why this" in page
    c.post(f"/outcomes/responses/{r.code}/in-error/", {"reason": "Wrong patient's pain score"})
    r.refresh_from_db()
    assert r.entered_in_error and r.error_reason == "Wrong patient's pain score"
    assert services.series(episode)["nprs"].points == []
    assert "Wrong patient&#x27;s pain score" in c.get(f"/outcomes/episodes/{episode.code}/").content.decode()


def test_api_scores_and_stores(alice, episode):
    c = client_for(alice)
    r = c.post("/api/v1/instruments/startback/score", json.dumps(
        {"items": {"1": True, "2": False, "3": True, "4": True, "5": True, "6": True, "7": True, "8": False,
                   "9": "very_much"}}), content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json() == {
        "instrument": "startback",
        "scorable": True,
        "score": 7,
        "psychosocial": 4,
        "risk": "high",
    }
    r = c.post("/api/v1/instruments/nprs/score", json.dumps({"score": 12}), content_type="application/json")
    assert r.status_code == 422 and "score: 12 is out of range 0-10" in r.content.decode()
    url = f"/api/v1/episodes/{episode.code}/responses"
    r = c.post(
        url, json.dumps({"instrument": "rmdq", "answers": {"ticked": [1, 5, 9]}}), content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["score"] == 3
    code = r.json()["code"]
    r = c.post(url, json.dumps({"instrument": "rmdq", "answers": {"ticked": [25]}}), content_type="application/json")
    assert r.status_code == 422 and "ticked[0]" in r.content.decode()
    assert [x["score"] for x in c.get(url).json()] == [3]
    r = c.patch(f"/api/v1/responses/{code}", json.dumps({"entered_in_error": True}), content_type="application/json")
    assert r.status_code == 422 and "reason" in r.content.decode()  # the reason is required
    body = json.dumps({"entered_in_error": True, "reason": "Typed into the wrong episode"})
    r = c.patch(f"/api/v1/responses/{code}", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["entered_in_error"] is True
    assert r.json()["error_reason"] == "Typed into the wrong episode"
    r = c.patch(f"/api/v1/responses/{code}", body, content_type="application/json")
    assert r.status_code == 422 and "already" in r.content.decode()
    r = c.patch(f"/api/v1/responses/{code}", json.dumps({"score": 1}), content_type="application/json")
    assert r.status_code == 422 and Response.objects.get(code=code).score == 3  # answers are never rewritten


def _send(c, episode):
    r = c.post(f"/outcomes/episodes/{episode.code}/send/")
    assert r.status_code == 200
    token = r.content.decode().split("/p/")[1].split("/")[0]
    return PatientLink.objects.get(digest=PatientLink.digest_of(token)), f"/p/{token}/"


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_a_patient_answers_screen_by_screen_and_cannot_send_twice(alice, episode, client, odi_pack):
    episode.patient.email = "lee@example.org"
    episode.patient.save()
    episode.start_date = today_a() - timedelta(days=3)  # the baseline window is open
    episode.save()
    link, url = _send(client_for(alice), episode)
    # Only what the baseline asks, with the clinic's one disability measure (ODI by default).
    assert link.bundle == ["nprs", "startback", "odi", "psfs"] and len(mail.outbox) == 1 and url in mail.outbox[0].body
    n = len(bundle.screens(link.bundle, odi_pack.pack))
    assert n == 1 + 9 + 10 + 1  # pain, STarT Back, ODI, PSFS: one question per screen (45 before issue 17)
    r = client.get(url)
    assert r.status_code == 200 and "Question 1 of 21" in r.content.decode()
    assert client.post(url + "?step=0", {"answer": "12"}).status_code == 400  # not an option
    answers = ["6"] + ["agree", "disagree"] * 4 + ["very_much"] + ["2"] * 8 + ["skip", "3"]
    for i, a in enumerate(answers):
        r = client.post(f"{url}?step={i}", {"answer": a})
        assert r.status_code == 302, (i, r.content[:300])
    # progress is saved: a fresh visit resumes at the PSFS screen
    assert "Activities that matter to you" in client.get(url).content.decode()
    r = client.post(f"{url}?step={n - 1}", {"activity_1": "Lift my son", "score_1": "11"})
    assert r.status_code == 400 and "choose a rating from 0 to 10" in r.content.decode()
    # The fields come back with what was typed, to correct in place (issue 18: they vanished until "Back")
    html = r.content.decode()
    assert 'name="activity_1"' in html and 'value="Lift my son"' in html and 'value="11"' in html
    assert 'name="activity_5"' in html
    client.post(
        f"{url}?step={n - 1}", {"activity_1": "Lift my son", "score_1": "3", "activity_2": "Golf", "score_2": "5"}
    )
    assert not Response.objects.exists()  # nothing is stored before the patient sends
    r = client.post(f"{url}?step={n}")
    assert "Your answers were sent" in r.content.decode()
    got = {x.instrument: x for x in Response.objects.all()}
    assert set(got) == {"nprs", "startback", "odi", "psfs"}
    assert got["nprs"].score == 6 and got["psfs"].score == 4
    assert got["odi"].details == {"raw": 19, "answered": 9, "band": "severe"}  # 8 × 2 + 3 of 45: 42.2%
    assert got["startback"].details == {"psychosocial": 3, "risk": "medium"} and got["startback"].score == 5
    assert all(x.source == "patient" for x in got.values())
    r = client.post(f"{url}?step={n}")
    assert r.status_code == 410 and Response.objects.count() == 4  # no replay
    assert client.get(url).status_code == 410
    # The time point is answered: the episode says so, and nothing more goes out for it.
    f = FollowUp.objects.get()
    assert f.state == FollowUp.State.ANSWERED and f.point == "baseline"
    assert "answered" in client_for(alice).get(f"/outcomes/episodes/{episode.code}/").content.decode()


def test_the_follow_up_link_asks_the_same_activities(alice, episode, client, odi_pack):
    episode.start_date = today_a() - timedelta(days=84)  # 12 weeks: pain, ODI and the PSFS again
    episode.save()
    earlier = timezone.now() - timedelta(days=80)
    services.record_response(episode, "psfs", {"activities": [{"name": "Lift my son", "score": 3}]}, alice,
                             collected=earlier)  # fmt: skip
    link, url = _send(client_for(alice), episode)
    assert link.bundle == ["nprs", "odi", "psfs"]
    n = len(bundle.screens(link.bundle, odi_pack.pack))
    html = client.get(f"{url}?step={n - 1}").content.decode()
    assert 'value="Lift my son"' in html


def test_due_worklist_and_episode_page(alice, episode):
    episode.start_date = today_a() - timedelta(days=30)  # 4 weeks open; the baseline window closed
    episode.save()
    c = client_for(alice)
    html = c.get("/outcomes/due/").content.decode()
    assert episode.patient.name in html and "4 weeks" in html and "goes out with the next run" in html
    episode.patient.email = ""
    episode.patient.save()
    assert "no email address" in c.get("/outcomes/due/").content.decode()
    html = c.get(f"/patients/episodes/{episode.code}/").content.decode()
    assert "12 weeks" in html and "to come" in html and "missed" in html  # the baseline was never answered


def test_progress_report_is_a_pdf(alice, episode):
    services.record_response(episode, "nprs", {"score": 7}, alice, collected=timezone.now() - timedelta(days=14))
    services.record_response(episode, "nprs", {"score": 3}, alice)
    r = client_for(alice).get(f"/outcomes/episodes/{episode.code}/report.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="outcomes.report").exists()


def test_objective_measures_keep_method_unit_and_site(alice, episode):
    from dryneedle.outcomes.models import ObjectiveMeasure

    c = client_for(alice)
    url = f"/outcomes/episodes/{episode.code}/measures/"
    r = c.post(url, {"kind": "ppt", "trials": "4.1, 4.5, 4.3", "unit": "deg", "method": "Wagner FPX"})
    html = r.content.decode()
    assert r.status_code == 400 and "kg/cm², kPa or N/cm²" in html and "Say where the threshold was measured" in html
    r = c.post(url, {"kind": "rom_flexion", "trials": "40, 400", "unit": "deg", "method": "dual inclinometer"})
    assert r.status_code == 400 and "between 0 and 180 deg" in r.content.decode()
    assert not ObjectiveMeasure.objects.exists()
    r = c.post(url, {"kind": "ppt", "trials": "4.1, 4.5, 4.3", "unit": "kg/cm2", "method": "Wagner FPX",
                     "site": "L4 multifidus, left"})  # fmt: skip
    m = ObjectiveMeasure.objects.get()
    assert r.status_code == 302 and m.value == pytest.approx(4.3) and m.trials == [4.1, 4.5, 4.3]
    assert "4.3 kg/cm²" in c.get(f"/outcomes/episodes/{episode.code}/").content.decode()


def test_a_clinic_sets_its_own_threshold(admin, alice, episode):
    services.record_response(episode, "nprs", {"score": 6}, alice, collected=timezone.now() - timedelta(days=20))
    services.record_response(episode, "nprs", {"score": 5}, alice)
    assert services.series(episode)["nprs"].change["mic_points_met"] is False  # 1 point < 2
    c = client_for(admin)
    r = c.post("/outcomes/thresholds/", {"measure": "nprs", "points": "1", "source": ""})
    assert r.status_code == 400 and "Say where the clinic&#x27;s threshold comes from" in r.content.decode()
    assert services.thresholds(episode.clinic)["nprs"] == 2  # refused without a source
    c.post("/outcomes/thresholds/", {"measure": "nprs", "points": "1", "source": "Clinic governance 2026"})
    assert services.series(episode)["nprs"].change["mic_points_met"] is True
    assert client_for(alice).post("/outcomes/thresholds/", {"measure": "nprs"}).status_code == 403
    assert "Clinic governance 2026" in client_for(alice).get("/outcomes/thresholds/").content.decode()


def test_the_visit_offers_todays_pain_rating_from_the_patient(alice, episode):
    from dryneedle.visits.models import Visit

    services.record_response(episode, "nprs", {"score": 7}, None, source="patient")
    v = Visit.objects.create(clinic=episode.clinic, patient=episode.patient, episode=episode, practitioner=alice)
    html = client_for(alice).get(f"/visits/{v.code}/").content.decode()
    assert 'name="pre_nprs" value="7"' in html and "Filled in from the patient's own rating today" in html


def test_load_text_pack(tmp_path, clinic_a, alice, episode):
    from django.core.management import CommandError, call_command

    from dryneedle.outcomes.scoring import ODI_SECTIONS

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"odi": {"lifting": ["a"] * 6}}))
    with pytest.raises(CommandError, match="odi needs exactly the sections"):
        call_command("load_text_pack", str(clinic_a.code), str(bad), "--source", "x")
    good = tmp_path / "pack.json"
    pack = {
        "odi": {s: [f"{s} statement {i}" for i in range(6)] for s in ODI_SECTIONS},
        "rmdq": [f"Item text {n}" for n in range(1, 25)],
    }
    good.write_text(json.dumps(pack))
    call_command("load_text_pack", str(clinic_a.code), str(good), "--source", "Licence 2026-17")
    html = client_for(alice).get(f"/outcomes/episodes/{episode.code}/?instrument=odi").content.decode()
    assert "lifting statement 3" in html and "Placeholder wording" not in html
    html = client_for(alice).get(f"/outcomes/episodes/{episode.code}/?instrument=rmdq").content.decode()
    assert "Item text 24" in html


def test_after_discharge_the_follow_up_asks_what_is_due(alice, episode, odi_pack):
    discharged = today_a() - timedelta(days=90)  # 3 months after discharge is today
    episode.start_date = discharged - timedelta(days=60)
    episode.status, episode.discharge_date, episode.discharge_reason = "discharged", discharged, "goals_met"
    episode.save()
    start = timezone.make_aware(timezone.datetime.combine(episode.start_date, timezone.datetime.min.time()))
    for inst in ("startback", "odi", "rmdq", "psfs"):
        services.record_response(episode, inst, _baseline_answers(inst), alice, collected=start + timedelta(hours=10))
    link, _url = _send(client_for(alice), episode)
    # The discharge time point was missed; 3 months after it is open: pain, the ODI and the PSFS.
    assert link.bundle == ["nprs", "odi", "psfs"]
    assert FollowUp.objects.get().point == "3m"


def _baseline_answers(inst):
    return {
        "startback": {"items": {**{str(i): False for i in range(1, 9)}, "9": "slightly"}},
        "odi": {"sections": {"lifting": 2, "walking": 1, "sitting": 2, "standing": 1, "sleeping": 1, "social_life": 1,
                             "travelling": 1, "pain_intensity": 2, "personal_care": 1, "sex_life": None}},
        "rmdq": {"ticked": [1, 2]},
        "psfs": {"activities": [{"name": "Walk the dog", "score": 4}]},
    }[inst]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_without_the_licensed_wording_the_patient_is_not_asked_the_odi(alice, episode, client):
    """Issue 18, defect 3: patients were shown "Placeholder wording" ODI statements. Without a licensed text pack
    the link asks what the patient can read; the ODI stays for the clinic, and the patient's chart says so."""
    episode.patient.email = "lee@example.org"
    episode.patient.save()
    episode.start_date = today_a() - timedelta(days=3)
    episode.save()
    c = client_for(alice)
    link, url = _send(c, episode)
    assert link.bundle == ["nprs", "startback", "psfs"]
    seen = ""
    for i in range(len(bundle.screens(link.bundle)) + 1):
        seen += client.get(f"{url}?step={i}").content.decode()
    assert "Placeholder" not in seen and "statement 1 of 0-5" not in seen and "Back pain and daily life" not in seen
    chart = c.get(f"/patients/{episode.patient.code}/").content.decode()
    assert "ODI on paper at the visit: the patient's link leaves it out, as no licensed wording is loaded." in chart
    # A link issued before (with the ODI in it) does not show the placeholders either.
    assert [s.instrument for s in bundle.screens(["nprs", "odi"])] == ["nprs"]
