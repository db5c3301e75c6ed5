"""RT-21: a corpus of script payloads stored in every free-text field never runs in any page."""

import json
import subprocess  # nosec B404 - pdftotext reads the generated PDFs

import pytest
from playwright.sync_api import Page

from conftest import client_for, make_checkin, make_event, make_user
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
