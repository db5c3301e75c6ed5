"""RT-21: a corpus of script payloads stored in every free-text field never runs in any page."""

import json
import subprocess  # nosec B404 - pdftotext reads the generated PDFs

import pytest
from playwright.sync_api import Page

from conftest import certify, client_for, make_checkin, make_event, make_user, today_a
from dryneedle.patients.models import Episode, Patient

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    '"><script>alert(4)</script>',
    "'><img src=x onerror=alert(5)>",
    "<body onload=alert(6)>",
    "<iframe src=javascript:alert(7)>",
    "javascript:alert(8)",
    "<a href=javascript:alert(9)>x</a>",
    "<details open ontoggle=alert(10)>",
    "<input autofocus onfocus=alert(11)>",
    "</textarea><script>alert(12)</script>",
    "</title><script>alert(13)</script>",
    "<math><mi xlink:href=javascript:alert(14)>x",
    "{{7*7}}<script>alert(15)</script>",
    "<style>@import 'javascript:alert(16)';</style>",
    "<object data=javascript:alert(17)>",
    "<video><source onerror=alert(18)>",
    "<marquee onstart=alert(19)>",
    "\u003cscript\u003ealert(20)\u003c/script\u003e",
]
PASSWORD = "a long enough passphrase"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_stored_payloads_never_run(live_server, page: Page, clinic_a):
    # A clinic admin sees every page; the same session (second factor passed)
    # stores the payloads through the API and then browses.
    alice = make_user("alice@a.example", clinic_a, "clinic_admin", "Alice", "Archer", password=PASSWORD)
    api = client_for(alice)

    for i, payload in enumerate(PAYLOADS):
        body = {
            "given_name": payload[:100],
            "family_name": f"X{i} " + payload[:90],
            "birth_date": "1980-01-01",
            "sex": "other",
            "phone": payload[:40],
            "address": payload,
            "preferred_language": payload[:40],
            "emergency_contact_name": payload,
            "emergency_contact_phone": payload[:40],
        }
        r = api.post("/api/v1/patients", json.dumps(body), content_type="application/json")
        assert r.status_code == 201, r.content
        code = r.json()["code"]
        r = api.post(
            f"/api/v1/patients/{code}/episodes",
            json.dumps({"condition": "sciatica", "notes": payload}),
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
    # Everything the API stored comes back verbatim as data, never as markup that runs.
    assert Patient.objects.filter(given_name=PAYLOADS[0]).exists()
    # Visit text (no API writes it as an admin): a draft visit per payload, a trigger point, a depth limit.
    from django.utils import timezone

    from dryneedle.adverse_events.models import AdverseEvent
    from dryneedle.outcomes.models import ObjectiveMeasure
    from dryneedle.visits.models import DepthLimit, TriggerPoint, Visit

    for i, e in enumerate(Episode.objects.order_by("id")):
        payload = PAYLOADS[i % len(PAYLOADS)]
        Visit.objects.create(
            clinic=e.clinic,
            patient=e.patient,
            episode=e,
            practitioner=alice,
            notes=payload,
            immediate_events=payload,
            skin_prep_agent=payload[:60],
            pain_chart=[{"region": "post_lumbar_l", "intensity": 3, "quality": "aching"}],
        )
        TriggerPoint.objects.create(
            clinic=e.clinic, patient=e.patient, episode=e, muscle="multifidus", side="left", location=payload[:120]
        )
        visit = Visit.objects.filter(episode=e).latest("id")
        make_event(visit, description=payload, action_taken=payload)
        c = make_checkin(visit)
        c.answers = {"other": payload, "soreness": 3}
        c.save()
        make_event(visit, type="other", checkin=c)
        ObjectiveMeasure.objects.create(
            clinic=e.clinic, patient=e.patient, episode=e, kind="ppt", trials=[4], value=4, unit="kPa",
            method=payload[:120], site=payload[:120],
        )  # fmt: skip
    DepthLimit.objects.create(clinic=clinic_a, muscle="rhomboid_major", max_mm=15, source=PAYLOADS[0][:300])
    DepthLimit.objects.create(clinic=clinic_a, muscle="rhomboid_major", max_mm=25, source=PAYLOADS[1][:300],
                              status="pending", proposed_by=alice)  # fmt: skip
    # The safety review's new free text: a local-rule attestation on the Team page, the on-call phone.
    from dryneedle.practitioners.models import LocalRuleAttestation

    LocalRuleAttestation.objects.create(clinic=clinic_a, jurisdiction=clinic_a.jurisdiction, profession="physician",
                                        checked_by=PAYLOADS[3][:200], source=PAYLOADS[4][:400],
                                        checked_on=today_a(), recorded_by=alice)  # fmt: skip
    clinic_a.on_call_phone = PAYLOADS[5][:40]
    clinic_a.save()
    # Care plans and appointments: every free-text field of theirs holds a payload.
    from datetime import timedelta

    from dryneedle.appointments.models import Appointment, AvailabilityException
    from dryneedle.plans.models import Assignment, CarePlan, Component, Goal, Review

    dora = make_user("dora@a.example", clinic_a, "practitioner", PAYLOADS[2][:150], "Doe")
    for i, e in enumerate(Episode.objects.order_by("id")[:10]):
        payload = PAYLOADS[i % len(PAYLOADS)]
        plan = CarePlan.objects.create(clinic=e.clinic, patient=e.patient, episode=e, notes=payload,
                                       expected_dn_visits=2, expected_basis=payload[:400])  # fmt: skip
        Goal.objects.create(clinic=e.clinic, plan=plan, patient=e.patient, activity=payload[:200], target=7)
        Component.objects.create(clinic=e.clinic, plan=plan, patient=e.patient, modality="massage", times=1,
                                 count=2, outside_provider=payload[:200], notes=payload[:500])  # fmt: skip
        Assignment.objects.create(clinic=e.clinic, plan=plan, patient=e.patient, exercise="bridge",
                                  dose=payload[:200], notes=payload[:300])  # fmt: skip
        Review.objects.create(clinic=e.clinic, plan=plan, patient=e.patient, milestone="other", decision="continue",
                              visits_signed=0, note=payload)  # fmt: skip
        start = timezone.now() + timedelta(days=1, hours=i)
        Appointment.objects.create(clinic=e.clinic, patient=e.patient, practitioner=dora, kind="massage",
                                   start=start, end=start + timedelta(minutes=30), note=payload[:300],
                                   outside_hours_reason=payload[:200], status="cancelled",
                                   cancel_reason=payload[:200])  # fmt: skip
    # Directory text a practitioner or a visitor writes, and a credential's names.
    from conftest import make_consultation, make_credential, make_listing

    certify(dora)  # listed profiles show while the practitioner may needle
    listing = make_listing(dora, clinic_a, bio=PAYLOADS[3], languages=PAYLOADS[4][:200], city=PAYLOADS[5][:100])
    for p in PAYLOADS[:5]:
        make_consultation(listing, name=p[:200], message=p, preferred_times=p[:300])
    from dryneedle.directory.models import PatientReview
    from dryneedle.portal.models import PatientLink

    for i, e in enumerate(Episode.objects.order_by("id")[:5]):
        Episode.objects.filter(pk=e.pk).update(status="discharged", discharge_date=e.start_date,
                                               discharge_reason="goals_met", clinician=dora)  # fmt: skip
        link, _t = PatientLink.issue(e, "review", dora)
        PatientReview.objects.create(clinic=clinic_a, practitioner=dora, episode=e, link=link, rating=4,
                                     text=PAYLOADS[i], reply=PAYLOADS[i + 5])  # fmt: skip
    cred = make_credential(dora)
    cred.title, cred.issuer, cred.number = PAYLOADS[6][:200], PAYLOADS[7][:200], PAYLOADS[8][:60]
    cred.save()
    AvailabilityException.objects.create(clinic=clinic_a, user=dora, date=today_a() + timedelta(days=2),
                                         kind="off", reason=PAYLOADS[1])  # fmt: skip

    executed: list[str] = []
    page.on("dialog", lambda d: (executed.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: None)
    page.context.add_cookies([{"name": "sessionid", "value": api.cookies["sessionid"].value, "url": live_server.url}])
    urls = ["/", "/patients/", "/audit/", "/outcomes/due/"]
    for p in Patient.objects.all():
        urls += [f"/patients/{p.code}/", f"/patients/{p.code}/edit/"]
    for e in Episode.objects.all():
        urls += [f"/patients/episodes/{e.code}/", f"/patients/episodes/{e.code}/discharge/"]
        urls += [f"/visits/episodes/{e.code}/charts/", f"/outcomes/episodes/{e.code}/"]
    urls += [f"/visits/{v.code}/" for v in Visit.objects.all()] + ["/visits/muscles/", "/adverse-events/"]
    urls += [f"/adverse-events/{a.code}/" for a in AdverseEvent.objects.all()]
    urls += [f"/plans/{p.code}/" for p in CarePlan.objects.all()] + ["/plans/", "/plans/exercises/"]
    from dryneedle.directory.models import ConsultationRequest

    urls += ["/directory/requests/", "/practitioners/team/", "/practitioners/clinic/safety/",
             "/practitioners/credentials/?user=dora@a.example", "/visits/muscles/",
             "/practitioners/jurisdictions/"]  # fmt: skip
    urls += [f"/directory/requests/{r.code}/" for r in ConsultationRequest.objects.all()]
    urls += ["/directory/", f"/directory/{listing.slug}/", "/directory/reviews/"]
    urls += [f"/appointments/{a.code}/" for a in Appointment.objects.all()]
    urls += [f"/appointments/patients/{a.patient.code}/book/" for a in Appointment.objects.all()[:3]]
    day = (timezone.now() + timedelta(days=1)).date().isoformat()
    urls += [f"/appointments/?practitioner=dora@a.example&week={day}",
             f"/appointments/day/?practitioner=dora@a.example&date={day}",
             "/appointments/hours/?practitioner=dora@a.example"]  # fmt: skip
    for url in urls:
        page.goto(live_server.url + url)
        assert page.url.endswith(url), f"not logged in at {url}: {page.url}"
        html = page.content()
        for payload in PAYLOADS:
            if payload.startswith("<") and len(payload) > 12:
                assert payload not in html, f"unescaped payload in {url}"
    page.goto(live_server.url + "/patients/")
    page.wait_for_timeout(300)
    assert executed == [], f"scripts ran: {executed}"
    # PDFs (WeasyPrint runs no script, but markup could still change the document): the payload in the
    # patient's name comes out of the progress report as the same characters, not as markup.
    pdfs = 0
    for e in Episode.objects.select_related("patient")[:5]:
        r = api.get(f"/outcomes/episodes/{e.code}/report.pdf")
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True).stdout  # noqa: S607
        assert e.patient.given_name[:12] in " ".join(text.decode().split()), e.patient.given_name
        pdfs += 1
    print(f"RT-21 pages rendered: {len(urls)}, PDFs: {pdfs}, payloads: {len(PAYLOADS)}")
    assert len(urls) > 80
