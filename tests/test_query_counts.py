"""Every list and worklist page makes the same number of queries for a small clinic and one three times its size.

A page whose count grows with the data (one query per row) is a page that
slows down as the clinic grows: at a 50,000-patient group `/plans/` made
4,365 queries (issue 21). The data are the demo seed's, at two sizes, each
rolled back after it is measured.
"""

import time
from datetime import date

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import client_for
from dryneedle.accounts.models import Membership, Role
from dryneedle.demo.seed import seed
from dryneedle.exports.tables import TABLES
from dryneedle.patients.models import Patient
from dryneedle.web.middleware import PATIENT_LAST, PATIENT_SESSION, PATIENT_SINCE

TODAY = date(2026, 11, 26)

# (role, URL): the lists and worklists people open every day, and the API's lists.
PAGES = [
    (Role.PRACTITIONER, "/"),
    (Role.RECEPTION, "/"),
    (Role.CLINIC_ADMIN, "/"),
    (Role.PRACTITIONER, "/appointments/patients/{patient}/book/"),
    (Role.PRACTITIONER, "/patients/"),
    (Role.RECEPTION, "/patients/"),
    (Role.PRACTITIONER, "/plans/"),
    (Role.PRACTITIONER, "/outcomes/due/"),
    (Role.CLINIC_ADMIN, "/outcomes/due/"),
    (Role.CLINIC_ADMIN, "/analytics/effectiveness/?by=practitioner"),
    (Role.PRACTITIONER, "/analytics/effectiveness/?by=modality&measure=odi"),
    (Role.PRACTITIONER, "/analytics/effectiveness/episodes/?cell=followed_up"),
    (Role.PRACTITIONER, "/adverse-events/"),
    (Role.PRACTITIONER, "/appointments/"),
    (Role.RECEPTION, "/appointments/day/?date=2026-11-26"),
    (Role.RECEPTION, "/appointments/waitlist/"),
    (Role.RECEPTION, "/appointments/slot/?practitioner={practitioner}&start=2026-11-27T10:00&q=a"),
    (Role.PRACTITIONER, "/api/v1/waitlist"),
    (Role.PRACTITIONER, "/visits/stock/"),
    (Role.PRACTITIONER, "/practitioners/credentials/"),
    (Role.CLINIC_ADMIN, "/practitioners/team/"),
    (Role.CLINIC_ADMIN, "/audit/"),
    (Role.CLINIC_ADMIN, "/patients/emergency-access/"),
    (Role.CLINIC_ADMIN, "/directory/reviews/"),
    (Role.RECEPTION, "/directory/requests/"),
    (Role.PRACTITIONER, "/api/v1/patients"),
    (Role.PRACTITIONER, "/api/v1/plans"),
    (Role.PRACTITIONER, "/api/v1/adverse-events"),
    (Role.PRACTITIONER, "/api/v1/effectiveness?by=condition"),
    (Role.RECEPTION, "/messages/"),
    (Role.PRACTITIONER, "/messages/"),
    (Role.CLINIC_ADMIN, "/appointments/online/"),
    (Role.CLINIC_ADMIN, "/exports/"),
    (Role.CLINIC_ADMIN, "/imports/"),
    (Role.CLINIC_ADMIN, "/retention/"),
    (Role.CLINIC_ADMIN, "/retention/erasure/{patient}/"),
    (Role.CLINIC_ADMIN, "/exports/subject-access/{patient}/"),
    *((Role.CLINIC_ADMIN, f"/exports/{name}.csv") for name in TABLES),
]
# The patient's own pages (issue 19), opened by a patient of the clinic signed in with their code, and the clinic's
# public first-visit booking page: their cost must not grow with the clinic either.
PATIENT_PAGES = ["/my/", "/my/care/", "/my/messages/", "/my/consent/", "/my/book/", "/my/new/{clinic}/"]


def _counts(patients: int) -> dict:
    """Seed one clinic with ``patients``, open every page, count its queries; then roll it all back."""
    out = {}
    with transaction.atomic():
        seed(patients=patients, clinics=1, seed=3, today=TODAY, quiet=True)
        clinic_users = {
            role: Membership.objects.filter(role=role, is_active=True).select_related("user").first().user
            for role in (Role.PRACTITIONER, Role.RECEPTION, Role.CLINIC_ADMIN)
        }
        clients = {role: client_for(user) for role, user in clinic_users.items()}
        patient = Patient.objects.order_by("id").first()
        # No retention at all (the page allows a year at least), so that the retention page lists most records.
        from dryneedle.retention import services as retention

        retention.set_periods(patient.clinic, clinic_users[Role.CLINIC_ADMIN], {"record": 0},
                              {"record": "test"})  # fmt: skip
        assert len(retention.due(patient.clinic)) > patients // 6
        for role, url in PAGES:
            address = url.format(patient=patient.code, practitioner=clinic_users[Role.PRACTITIONER].username)
            clients[role].get(address)  # warm: sessions, caches and the like are not the page's cost
            with CaptureQueriesContext(connection) as queries:
                r = clients[role].get(address)
                if r.streaming:  # a streamed export reads as it is sent
                    b"".join(r.streaming_content)
            assert r.status_code == 200, (role, url, r.status_code)
            out[(role, url)] = len(queries)
        someone = Patient.objects.filter(episodes__status="open").exclude(email="").order_by("id").first()
        mine = Client()  # signed in as dryneedle/mine/signin.py does once the code is right
        session = mine.session
        session[PATIENT_SESSION] = someone.email.lower()
        session[PATIENT_SINCE] = session[PATIENT_LAST] = time.time()
        session.save()
        for url in PATIENT_PAGES:
            address = url.format(clinic=someone.clinic.code)
            mine.get(address)
            with CaptureQueriesContext(connection) as queries:
                r = mine.get(address)
            assert r.status_code == 200, ("patient", url, r.status_code)
            out[("patient", url)] = len(queries)
        transaction.set_rollback(True)
    return out


@pytest.mark.django_db
def test_list_pages_do_not_grow_with_the_clinic():
    small, large = _counts(12), _counts(36)
    grew = {
        f"{role} {url}": (small[role, url], large[role, url])
        for role, url in [*PAGES, *(("patient", u) for u in PATIENT_PAGES)]
        if large[role, url] > small[role, url]
    }
    assert grew == {}, "queries at 12 and at 36 patients"
