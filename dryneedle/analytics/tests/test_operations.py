"""The clinic's running numbers (issue 18): each figure counted by hand on a small week, its definition on the page
and first in the CSV, for clinic admins only."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from conftest import CLINIC_A_ZONE, client_for, make_appointment
from dryneedle.analytics import operations
from dryneedle.appointments.models import Appointment, Availability
from dryneedle.patients import services as patients
from dryneedle.patients.models import Episode, Patient
from dryneedle.visits import services as visits

pytestmark = pytest.mark.django_db
MONDAY = date(2030, 1, 7)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hh, mm), CLINIC_A_ZONE)


@pytest.fixture
def week(alice, clinic_a):
    """Alice works Monday to Friday 9:00-12:30 and 13:30-17:00 (35 hours a week). Monday: a new patient, a first
    visit signed; the week's bookings: attended, missed, attended, cancelled late, cancelled early."""
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12, 30))
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(13, 30), end=time(17))
    with time_machine.travel(at(0, 9, 30), tick=False):
        p = Patient.objects.create(clinic=clinic_a, given_name="Ivy", family_name="Moss", birth_date=date(1980, 1, 1),
                                   sex="female", created_by=alice)  # fmt: skip
        e = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", start_date=MONDAY,
                                   clinician=alice, created_by=alice)  # fmt: skip
        visits.sign(visits.start_visit(e, alice), alice)
    booked = [make_appointment(p, alice, at(d, 9), episode=e) for d in range(5)]
    make_appointment(p, alice, at(7, 9), episode=e)  # next Monday: outside the week
    Appointment.objects.filter(pk=booked[0].pk).update(status="attended")
    Appointment.objects.filter(pk=booked[1].pk).update(status="no_show")
    Appointment.objects.filter(pk=booked[2].pk).update(status="attended")
    Appointment.objects.filter(pk=booked[3].pk).update(status="cancelled", cancel_reason="Ill", updated=at(3, 8))
    Appointment.objects.filter(pk=booked[4].pk).update(status="cancelled", cancel_reason="Away", updated=at(0, 10))
    with time_machine.travel(at(4, 18), tick=False):
        patients.discharge_episode(e, alice, MONDAY + timedelta(days=4), "goals_met")
    return e


def test_each_figure_is_counted_as_its_definition_says(week, alice, clinic_a):
    r = operations.build(clinic_a, MONDAY, MONDAY + timedelta(days=6), at(4, 18))
    (u,) = r.utilisation
    assert (u.booked_minutes, u.working_minutes, u.pct) == (90, 35 * 60, 4.3)  # three of five slots kept the time
    assert (r.no_show.count, r.no_show.of) == (1, 3)  # the cancelled ones are not "started"
    assert (r.late_cancel.count, r.late_cancel.of) == (1, 5)  # Thursday's, an hour before
    assert (r.rebooking.count, r.rebooking.of) == (1, 1)
    assert r.new_patients == [(date(2030, 1, 1), 1)]
    assert (r.visits_mean, r.visits_median, r.episodes_discharged) == (1.0, 1.0, 1)


def test_the_page_and_the_csv_say_what_they_count_for_admins_only(week, admin, alice, bob):
    c = client_for(admin)
    q = {"first": "2030-01-07", "last": "2030-01-13"}
    page = c.get("/analytics/operations/", q).content.decode()
    assert "The clinic's running numbers" in page and "Alice Archer" in page and "4.3%" in page
    for text in operations.DEFINITIONS.values():
        assert text.replace("'", "&#x27;") in page
    body = c.get("/analytics/operations.csv", q).content.decode()
    table = list(csv.reader(io.StringIO(body)))
    assert table[0] == ["figure", "for", "count", "of", "percent"] and table[1][0] == "definition"
    assert ["late_cancel", "", "1", "5", "20.0"] in table
    assert c.get("/analytics/operations/", {"first": "2030-01-13", "last": "2030-01-07"}).status_code == 400
    assert c.get("/analytics/operations/", {"first": "2028-01-01", "last": "2030-01-07"}).status_code == 400
    for user in (alice, bob):
        assert client_for(user).get("/analytics/operations/").status_code == 403
