"""The public directory: who is shown, search and pages, consultation requests with their spam limits,
and reception turning a request into a patient and an appointment."""

from datetime import time, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import CANARY, CLINIC_A_ZONE, certify, client_for, make_consultation, make_listing, make_user, today_a
from dryneedle.appointments.models import Appointment, Availability
from dryneedle.audit.models import AuditEvent
from dryneedle.directory import services
from dryneedle.directory.models import ConsultationRequest
from dryneedle.patients.models import Patient

pytestmark = pytest.mark.django_db


def old_stamp() -> str:
    with time_machine.travel(timezone.now() - timedelta(minutes=2)):
        return services.form_stamp()


@pytest.fixture
def listed(alice, clinic_a):
    certify(alice)
    return make_listing(alice, clinic_a, city="Denver", languages="English, Spanish", postcode="80202")


def test_only_listed_practitioners_who_may_needle_are_shown(listed, clinic_a, patient):
    c = Client()
    assert c.get("/directory/").context["results"].paginator.count == 1
    r = c.get(f"/directory/{listed.slug}/")
    html = r.content.decode()
    assert r.status_code == 200 and "Dry Needling 1" in html and "Verified by the clinic on" in html
    assert "Grace" not in html and "Hopper" not in html  # no patient, ever
    # Not opted in: gone. Opted in but without the needling right: gone.
    listed.listed = False
    listed.save()
    assert c.get(f"/directory/{listed.slug}/").status_code == 404
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe")
    make_listing(dora, clinic_a)
    assert c.get("/directory/dora/").status_code == 404 and c.get("/directory/").context["results"].paginator.count == 0


def test_search_filters_and_pages(listed, clinic_a, clinic_b, episode):
    people = []
    for i in range(12):
        u = make_user(f"p{i}@a.example", clinic_a, "practitioner", f"Pat{i:02d}", "Smith")
        certify(u)
        people.append(make_listing(u, clinic_a, city="Boulder" if i % 2 else "Denver", languages="English"))
    c = Client()
    r = c.get("/directory/", {"place": "boulder"})
    assert r.context["results"].paginator.count == 6
    r = c.get("/directory/", {"language": "spanish"})
    assert [x.slug for x in r.context["results"]] == [listed.slug]
    r = c.get("/directory/", {"place": "802"})  # postcode prefix
    assert [x.slug for x in r.context["results"]] == [listed.slug]
    # Experience with a condition: alice leads the chronic low back pain episode.
    r = c.get("/directory/", {"condition": "chronic_lbp"})
    assert [x.slug for x in r.context["results"]] == [listed.slug]
    page1 = c.get("/directory/")
    assert page1.context["results"].paginator.count == 13 and len(page1.context["results"]) == services.PAGE_SIZE
    page2 = c.get("/directory/", {"page": 2})
    assert len(page2.context["results"]) == 3
    assert not {x.pk for x in page1.context["results"]} & {x.pk for x in page2.context["results"]}
    assert c.get("/directory/", {"page": "x' or 1=1"}).status_code == 200
    assert c.get("/directory/", {"profession": "astrologer"}).status_code == 400


def test_a_request_lands_in_the_inbox_and_reception_converts_it(listed, bob, alice, clinic_a):
    Availability.objects.create(clinic=clinic_a, user=alice, weekday=0, start=time(9), end=time(17))
    body = {"name": "Sam Rivera", "email": "sam@example.org", "message": "Back pain after lifting, 3 weeks.",
            "preferred_times": "Monday mornings", "stamp": old_stamp(), "website": ""}  # fmt: skip
    r = Client().post(f"/directory/{listed.slug}/", body)
    assert r.status_code == 200 and "Request sent" in r.content.decode()
    cr = ConsultationRequest.objects.get()
    assert cr.sender != "127.0.0.1" and len(cr.sender) == 64
    c = client_for(bob)
    assert "Sam Rivera" in c.get("/directory/requests/").content.decode()
    today = timezone.localdate(timezone=CLINIC_A_ZONE)
    monday = today + timedelta(days=7 - today.weekday())
    r = c.post(f"/directory/requests/{cr.code}/", {"given_name": "Sam", "family_name": "Rivera",
                                                   "birth_date": "1984-03-03", "sex": "male",
                                                   "date": monday.isoformat(), "time": "09:30"})  # fmt: skip
    p = Patient.objects.get(family_name="Rivera")
    assert r["Location"] == f"/patients/{p.code}/" and p.email == "sam@example.org"
    a = Appointment.objects.get(patient=p)
    local_start = timezone.localtime(a.start, CLINIC_A_ZONE).time()
    assert (a.kind, a.practitioner, local_start) == ("consultation", alice, time(9, 30))
    cr.refresh_from_db()
    assert cr.status == "converted" and cr.patient == p and cr.handled_by == bob
    # Handled once.
    c.post(f"/directory/requests/{cr.code}/", {"given_name": "Sam", "family_name": "Rivera",
                                               "birth_date": "1984-03-03", "sex": "male"})  # fmt: skip
    assert Patient.objects.filter(family_name="Rivera").count() == 1


def test_spam_and_floods_are_refused_and_nothing_is_kept(listed):
    c = Client()
    ok = {"name": "Sam", "email": "sam@example.org", "message": "Back pain.", "website": ""}
    cases = [
        ({**ok, "stamp": old_stamp(), "website": "http://spam.example"}, 400, "could not be sent"),
        ({**ok, "stamp": services.form_stamp()}, 400, "That was quick"),
        ({**ok, "stamp": "forged"}, 400, "expired"),
    ]
    with time_machine.travel(timezone.now() - timedelta(hours=3)):
        stale = services.form_stamp()
    cases.append(({**ok, "stamp": stale}, 400, "expired"))
    for body, status, text in cases:
        r = c.post(f"/directory/{listed.slug}/", body)
        assert r.status_code == status and text in r.content.decode(), text
    assert not ConsultationRequest.objects.exists()
    assert AuditEvent.objects.filter(action="consultation.request", outcome="denied").count() == 4
    # Three from one address in an hour, then refused (429) until the hour has passed.
    for _ in range(services.PER_SENDER_PER_HOUR):
        assert c.post(f"/directory/{listed.slug}/", {**ok, "stamp": old_stamp()}).status_code == 200
    r = c.post(f"/directory/{listed.slug}/", {**ok, "stamp": old_stamp()})
    assert r.status_code == 429 and "Too many requests" in r.content.decode()
    assert ConsultationRequest.objects.count() == services.PER_SENDER_PER_HOUR
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(f"/directory/{listed.slug}/", {**ok, "stamp": old_stamp()}).status_code == 200
    # A request needs a way to reply.
    r = c.post(
        f"/directory/{listed.slug}/", {"name": "Sam", "message": "x", "stamp": old_stamp()}, REMOTE_ADDR="1.2.3.4"
    )
    assert r.status_code == 400 and "email address or a phone number" in r.content.decode()


def test_experience_and_credentials_on_the_profile_are_counted_not_claimed(listed, episode):
    make_consultation(listed, message=CANARY)
    html = Client().get(f"/directory/{listed.slug}/").content.decode()
    assert "1 episode of back-pain care led" in html and "0 dry-needling visits" in html
    assert CANARY not in html
    assert "54 hours in person" in html and "5 years since first certified" in html
    # On a phone the page is one column: the way to ask and where and when come before the reviews (issue 18)
    assert (
        html.index('href="#req-h">Ask for a first consultation')
        < html.index("Where and when")
        < html.index("Reviews from patients")
    )


def test_only_a_patient_with_a_completed_episode_reviews_once(
    listed, alice, admin, episode, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    from dryneedle.directory.models import PatientReview
    from dryneedle.portal.models import PatientLink

    # A link for an open episode does not open a review.
    _link, early = PatientLink.issue(episode, PatientLink.Purpose.REVIEW, alice, days=30)
    r = Client().get(f"/p/{early}/")
    assert r.status_code == 410 and "once your care is complete" in r.content.decode()
    # Discharge sends the link.
    episode.patient.email = "grace@example.org"
    episode.patient.save()
    with_time = {"discharge_date": today_a().isoformat(), "discharge_reason": "goals_met"}
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for(alice).post(f"/patients/episodes/{episode.code}/discharge/", with_time)
    assert r.status_code == 302
    (mail,) = [m for m in mailoutbox if "how was your care" in m.subject]
    token = re.search(r"/p/([^/\s]+)/", mail.body).group(1)
    patient = Client()
    assert "How was your care with Alice Archer?" in patient.get(f"/p/{token}/").content.decode()
    assert patient.post(f"/p/{token}/", {"rating": "9"}).status_code == 400
    r = patient.post(f"/p/{token}/", {"rating": "5", "text": "Clear plan, exercises that helped."})
    assert r.status_code == 200 and PatientReview.objects.get().rating == 5
    assert patient.post(f"/p/{token}/", {"rating": "1"}).status_code == 410  # the link is used
    r = Client().get(f"/p/{early}/")  # and the episode has its review now
    assert r.status_code == 410 and PatientReview.objects.count() == 1
    html = Client().get(f"/directory/{listed.slug}/").content.decode()
    assert "5.0 out of 5 from 1 review" in html and "Clear plan" in html and "Grace" not in html
    # The clinic replies, and hides only with a reason (audited).
    review = PatientReview.objects.get()
    c = client_for(admin)
    c.post("/directory/reviews/", {"review": str(review.code), "action": "reply", "reply": "Thank you!"})
    c.post("/directory/reviews/", {"review": str(review.code), "action": "hide", "reason": ""})
    review.refresh_from_db()
    assert review.reply == "Thank you!" and review.hidden_reason == ""
    # A reply too long is refused whole, never cut; line breaks count once, as the browser counts them.
    r = c.post("/directory/reviews/", {"review": str(review.code), "action": "reply", "reply": "x" * 1001}, follow=True)
    assert "at most 1,000 characters" in r.content.decode()
    c.post("/directory/reviews/", {"review": str(review.code), "action": "reply", "reply": "a\r\n" * 499 + "b"})
    review.refresh_from_db()
    assert review.reply == "a\n" * 499 + "b"
    c.post("/directory/reviews/", {"review": str(review.code), "action": "reply", "reply": "Thank you!"})
    assert "Thank you!" in Client().get(f"/directory/{listed.slug}/").content.decode()
    c.post("/directory/reviews/", {"review": str(review.code), "action": "hide", "reason": "personal_data"})
    review.refresh_from_db()
    assert review.hidden_reason == "personal_data" and review.moderated_by == admin
    assert "Clear plan" not in Client().get(f"/directory/{listed.slug}/").content.decode()
    assert AuditEvent.objects.filter(action="review.hide", detail__contains="personal_data").exists()
    assert AuditEvent.objects.filter(action="review.moderate", outcome="invalid").exists()


def test_directory_api_is_public_paginated_and_read_only(listed, alice, clinic_a):
    for i in range(11):
        u = make_user(f"q{i}@a.example", clinic_a, "practitioner", f"Quinn{i:02d}", "Young")
        certify(u)
        make_listing(u, clinic_a, city="Aurora")
    c = Client()
    first = c.get("/api/v1/directory", {"place": "aurora"}).json()
    assert (first["count"], first["pages"], len(first["results"])) == (11, 2, 10)
    second = c.get("/api/v1/directory", {"place": "aurora", "page": 2}).json()
    assert len(second["results"]) == 1
    assert second["results"][0]["url"] == f"http://testserver/directory/{second['results'][0]['slug']}/"
    assert {r["slug"] for r in first["results"]}.isdisjoint({r["slug"] for r in second["results"]})
    assert c.get("/api/v1/directory", {"profession": "astrologer"}).status_code == 422
    assert c.post("/api/v1/directory", {}, content_type="application/json").status_code == 405
    # Credentials: the caller's own through the API, added unverified.
    api = client_for(alice)
    r = api.post("/api/v1/credentials", {"kind": "dn_certification", "profession": "physiotherapist", "title": "DN3",
                                         "issuer": "Course", "issued": "2025-01-01", "hours_in_person": -1},
                 content_type="application/json")  # fmt: skip
    assert r.status_code == 422
    titles = [x["title"] for x in api.get("/api/v1/credentials").json()]
    assert "Dry Needling 1" in titles and all(x["verified_at"] for x in api.get("/api/v1/credentials").json())


def test_reception_closes_a_new_request_but_not_one_already_handled(listed, bob):
    body = {"name": "Jo Bloggs", "email": "jo@example.org", "message": "Wrong clinic, sorry.",
            "preferred_times": "", "stamp": old_stamp(), "website": ""}  # fmt: skip
    Client().post(f"/directory/{listed.slug}/", body)
    cr = ConsultationRequest.objects.get()
    c = client_for(bob)
    r = c.post(f"/directory/requests/{cr.code}/close/")
    cr.refresh_from_db()
    assert r["Location"] == "/directory/requests/" and cr.status == "closed" and cr.handled_by == bob
    # Closing twice, or a converted request, changes nothing.
    cr.status = ConsultationRequest.Status.CONVERTED
    cr.save(update_fields=["status"])
    r = c.post(f"/directory/requests/{cr.code}/close/", follow=True)
    cr.refresh_from_db()
    assert cr.status == "converted" and "already handled" in r.content.decode()
    assert c.get(f"/directory/requests/{cr.code}/close/").status_code == 405


def test_the_directory_speaks_the_visitors_language_and_the_clinics_pages_stay_english(listed, alice):
    import html

    spanish = Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    page = html.unescape(spanish.get("/directory/").content.decode())
    assert '<html lang="es">' in page and "Encuentre un profesional de punción seca" in page
    assert "1 profesional" in page and "habla English, Spanish" in page  # the practitioner's own words as written
    profile = html.unescape(spanish.get(f"/directory/{listed.slug}/").content.decode())
    assert "Credenciales verificadas" in profile and "Verificado por la clínica el" in profile
    assert "Pedir una primera consulta" in profile and "¿Con qué le gustaría recibir ayuda?" in profile
    refused = html.unescape(spanish.post(f"/directory/{listed.slug}/", {"name": "Ana", "message": "Hola"}).content
                            .decode())  # fmt: skip
    assert "El formulario ha caducado. Recargue la página y envíelo de nuevo." in refused  # no stamp: refused
    unanswerable = spanish.post(f"/directory/{listed.slug}/", {"name": "Ana", "message": "Hola", "stamp": old_stamp(),
                                                                "website": ""})  # fmt: skip
    assert "Indique un correo electrónico o un teléfono" in html.unescape(unanswerable.content.decode())
    # Its hours: the weekday in the visitor's language.
    Availability.objects.create(clinic=listed.clinic, user=alice, weekday=0, start=time(9), end=time(17))
    assert "lunes 09:00–17:00" in html.unescape(spanish.get(f"/directory/{listed.slug}/").content.decode()).lower()
    # The visitor picks French on the page: kept for the visit, and the way back is the page they were on.
    r = spanish.post("/my/language/", {"language": "fr-ca", "next": f"/directory/{listed.slug}/"})
    assert r["Location"] == f"/directory/{listed.slug}/"
    assert "Titres vérifiés" in html.unescape(spanish.get(r["Location"]).content.decode())
    # The clinic's own directory pages stay in English.
    staff = client_for(alice)
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    assert "Consultation requests" in staff.get("/directory/requests/").content.decode()
