"""The calendar as a time grid: the pure layout (appointments/grid.py), the day and week pages, booking from an
empty time, and moving an appointment."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from conftest import CLINIC_A_ZONE, client_for, make_appointment, make_user
from dryneedle.appointments import grid, services
from dryneedle.appointments.models import Appointment, Availability
from dryneedle.audit.models import AuditEvent

MONDAY = date(2030, 1, 7)
TZ = CLINIC_A_ZONE


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), TZ)


def kinds(rows, j=0):
    """Each row's cell in column j as a letter: B busy (start), | covered by it, F free, C closed, P past."""
    letters = {"busy": "B", "free": "F", "closed": "C", "past": "P"}
    return "".join("|" if r.cells[j] is None else letters[r.cells[j].kind] for r in rows)


def test_a_day_in_half_hours_hours_shaded_and_appointments_spanning_their_rows():
    col = grid.Column(MONDAY, [(time(9), time(12)), (time(13), time(15))],
                      [(at(MONDAY, 10), at(MONDAY, 11), "a"), (at(MONDAY, 13, 30), at(MONDAY, 14), "b")])  # fmt: skip
    step, rows = grid.build([col], now=at(MONDAY, 7), tz=TZ)
    assert step == 30
    assert [r.time for r in rows][:2] == [time(9), time(9, 30)] and rows[-1].time == time(14, 30)
    # 09:00 09:30 | 10:00-11:00 busy | 11:00 11:30 | 12:00 12:30 closed (lunch) | 13:00 free, 13:30 busy, 14:00 14:30
    assert kinds(rows) == "FFB|FFCCFBFF"
    assert rows[2].cells[0].rows == 2 and rows[2].cells[0].items == ["a"]


def test_quarter_hours_when_a_time_is_off_the_half_hour_and_the_past_is_not_bookable():
    col = grid.Column(MONDAY, [(time(9), time(10))], [(at(MONDAY, 9, 15), at(MONDAY, 9, 30), "a")])
    step, rows = grid.build([col], now=at(MONDAY, 9, 40), tz=TZ)
    assert step == 15
    assert kinds(rows) == "PBPF"


def test_appointments_rounding_into_the_same_rows_share_a_cell_and_another_clinic_is_busy():
    col = grid.Column(MONDAY, [(time(9), time(11))], [
        (at(MONDAY, 9), at(MONDAY, 9, 20), "a"), (at(MONDAY, 9, 20), at(MONDAY, 9, 40), "b"),
        (at(MONDAY, 10, 15), at(MONDAY, 10, 45), None),
    ])  # fmt: skip
    _, rows = grid.build([col], now=at(MONDAY, 7), tz=TZ, step=30)
    assert kinds(rows) == "B|B|"
    assert rows[0].cells[0].items == ["a", "b"] and rows[2].cells[0].items == [None]


def test_an_empty_day_shows_office_hours_and_columns_keep_their_own_hours():
    cols = [grid.Column(MONDAY, [], [], key="x"), grid.Column(MONDAY, [(time(8), time(9))], [], key="y")]
    _, rows = grid.build(cols, now=at(MONDAY, 7), tz=TZ)
    assert (rows[0].time, len(rows)) == (time(8), 2)
    assert kinds(rows, 0) == "CC" and kinds(rows, 1) == "FF" and rows[0].cells[1].key == "y"
    assert grid.bounds([grid.Column(MONDAY, [], [])]) == (8 * 60, 18 * 60)


def test_an_appointment_past_midnight_is_cut_at_the_end_of_the_day():
    col = grid.Column(MONDAY, [(time(22), time(23, 30))], [(at(MONDAY, 23), at(MONDAY + timedelta(days=1), 1), "a")])
    _, rows = grid.build([col], now=at(MONDAY, 7), tz=TZ)
    assert rows[-1].time == time(23, 30) and kinds(rows) == "FFB|"


@pytest.fixture
def week(clinic_a, alice):
    """Alice works Monday to Friday 9:00-12:00; Mei, a second practitioner, Mondays 13:00-15:00."""
    mei = make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka")
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12))
    Availability.objects.create(clinic=clinic_a, user=mei, weekday=0, start=time(13), end=time(15))
    return mei


@pytest.mark.django_db
def test_the_day_shows_practitioners_side_by_side_with_free_times_to_book(clinic_a, alice, bob, patient, week):
    make_appointment(patient, alice, at(MONDAY, 10))
    make_appointment(patient, week, at(MONDAY, 13), status="cancelled",
                     cancel_reason="Away")  # fmt: skip
    with time_machine.travel(at(MONDAY, 9, 15), tick=False):
        page = client_for(bob).get(f"/appointments/day/?date={MONDAY}").content.decode()
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page, re.S)
    assert [re.sub(r"<[^>]+>", " ", h).split()[:2] for h in heads] == [["Time"], ["Alice", "Archer"], ["Mei", "Tanaka"]]
    # 09:00 past for both; Alice 09:30 free, 10:00 Grace Hopper; Mei works from 13:00 (the cancelled one is free)
    assert "Book Mon 7 Jan 09:30 with Alice Archer" in page and "Book Mon 7 Jan 09:00" not in page
    assert "Book Mon 7 Jan 13:00 with Mei Tanaka" in page and "Book Mon 7 Jan 10:00 with Alice" not in page
    assert "10:00–10:30 Grace Hopper" in html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "Cancelled" in page and "Away" not in page  # listed under the grid (the reason on its own page)
    one = client_for(bob).get(f"/appointments/day/?date={MONDAY}&practitioner=mei@a.example").content.decode()
    assert "Alice Archer" not in one.split("<table")[1]


@pytest.mark.django_db
def test_the_week_is_one_practitioners_days_and_says_busy_elsewhere_without_detail(
    clinic_a, clinic_b, alice, bob, patient, week
):
    from dryneedle.accounts.models import Membership
    from dryneedle.patients.models import Patient

    Membership.objects.create(user=alice, clinic=clinic_b, role="practitioner")
    there = Patient.objects.create(clinic=clinic_b, given_name="Secret", family_name="Person",
                                   birth_date=date(1980, 1, 1), sex="female")  # fmt: skip
    make_appointment(there, alice, at(MONDAY + timedelta(days=1), 9))
    with time_machine.travel(at(MONDAY - timedelta(days=3), 9), tick=False):
        page = client_for(bob).get(f"/appointments/?practitioner=alice@a.example&week={MONDAY}").content.decode()
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "Busy (another clinic)" in text and "Secret" not in page
    assert "Book Tue 8 Jan 09:30 with Alice Archer" in page and "Book Tue 8 Jan 09:00" not in page
    assert "Sat 12 Jan" in text and "Not working" in text


@pytest.mark.django_db
def test_an_empty_time_is_booked_for_a_patient_found_inline(clinic_a, alice, bob, patient, week):
    with time_machine.travel(at(MONDAY - timedelta(days=3), 9), tick=False):
        c = client_for(bob)
        url = f"/appointments/slot/?practitioner=alice@a.example&start={MONDAY}T10:30"
        page = c.get(url + "&q=hopp").content.decode()
        assert "Book Mon 7 Jan 2030, 10:30 with Alice Archer" in html.unescape(page)
        link = html.unescape(re.search(r'href="([^"]+)">Book for Grace Hopper', page)[1])
        # As typed, the search answers with the results alone (htmx).
        part = c.get(url + "&q=grace", headers={"HX-Request": "true"}).content.decode()
        assert "Book for Grace Hopper" in part and "<h1" not in part
        assert "No patient matches" in c.get(url + "&q=zzz").content.decode()
        form = c.get(link).content.decode()
        assert 'name="time" value="10:30"' in form and f'value="{MONDAY}"' in form  # beyond the free times: typed
        soon = c.get(link.replace(f"{MONDAY}T10:30", "2030-01-04T10:30")).content.decode()
        assert 'value="2030-01-04T10:30" checked' in soon  # among the next free times offered: ticked
        r = c.post(link.split("?")[0], {"practitioner": "alice@a.example", "kind": "dry_needling", "date": MONDAY,
                                        "time": "10:30", "minutes": 30, "repeat": 1, "every_days": 7})  # fmt: skip
    assert r.status_code == 302
    assert Appointment.objects.get(patient=patient).start == at(MONDAY, 10, 30)


@pytest.mark.django_db
def test_a_bad_slot_address_says_so(clinic_a, bob):
    c = client_for(bob)
    for url in ("/appointments/slot/", "/appointments/slot/?practitioner=nobody&start=2030-01-07T10:00",
                "/appointments/slot/?practitioner=alice@a.example&start=tomorrow"):  # fmt: skip
        r = c.get(url, follow=True)
        assert r.status_code == 200 and "That time is not on the calendar" in r.content.decode()


@pytest.mark.django_db
def test_moving_an_appointment_to_a_free_time_or_another_practitioner(clinic_a, alice, bob, patient, week):
    appt = make_appointment(patient, alice, at(MONDAY, 10))
    other = make_appointment(patient.__class__.objects.create(
        clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1), sex="female"),
        alice, at(MONDAY, 11))  # fmt: skip
    Appointment.objects.filter(pk=appt.pk).update(reminder_sent=at(MONDAY - timedelta(days=1), 10))
    with time_machine.travel(at(MONDAY - timedelta(days=3), 9), tick=False):
        c = client_for(bob)
        page = c.get(f"/appointments/{appt.code}/").content.decode()
        assert "Move to another time" in page and 'value="2030-01-07T09:00"' in page  # the next free times
        title = re.search(r"<title>(.*?)</title>", page, re.S)[1]
        assert html.unescape(title) == "Dry needling 07 Jan 2030 10:00 · Grace Hopper · dryneedle"
        url = f"/appointments/{appt.code}/move/"
        r = c.post(url, {"move-practitioner": "alice@a.example", "move-date": MONDAY, "move-time": "11:00"})
        assert r.status_code == 400 and "already booked Mon 07 Jan 11:00–11:30" in html.unescape(r.content.decode())
        r = c.post(url, {"move-practitioner": "alice@a.example", "move-date": MONDAY, "move-time": "18:00"})
        assert r.status_code == 400 and "outside Alice Archer's hours" in html.unescape(r.content.decode())
        r = c.post(url, {"move-practitioner": "alice@a.example", "move-slot": f"{MONDAY}T09:00", "move-date": ""})
        assert r.status_code == 302
        appt.refresh_from_db()
        assert (appt.start, appt.end, appt.reminder_sent) == (at(MONDAY, 9), at(MONDAY, 9, 30), None)
        r = c.post(url, {"move-practitioner": "mei@a.example", "move-date": MONDAY, "move-time": "14:00"})
        assert r.status_code == 302
        appt.refresh_from_db()
        assert (appt.practitioner, appt.start) == (week, at(MONDAY, 14))
        ev = AuditEvent.objects.filter(action="appointment.move", outcome="ok").last()
        assert ev.detail == "from 2030-01-07 09:00 alice@a.example to 2030-01-07 14:00 mei@a.example"
    # Attended, cancelled or started: not moved.
    other.status = "cancelled"
    other.cancel_reason = "Away"
    other.save()
    with time_machine.travel(at(MONDAY - timedelta(days=3), 9), tick=False):
        body = {"move-practitioner": "alice@a.example", "move-date": MONDAY, "move-time": "9:30"}
        r = client_for(bob).post(f"/appointments/{other.code}/move/", body)
        assert r.status_code == 400 and "cancelled: it cannot be moved" in r.content.decode()
    with time_machine.travel(at(MONDAY, 14, 5), tick=False):
        with pytest.raises(Exception, match="has started"):
            services.move(appt, bob, practitioner=week, start=at(MONDAY + timedelta(days=7), 13),
                          end=at(MONDAY + timedelta(days=7), 13, 30))  # fmt: skip


def test_another_clinics_bookings_show_inside_the_day_in_view_and_never_widen_it():
    """A practitioner who also works in a clinic seven hours ahead: its night bookings stay out of this day's view."""
    col = grid.Column(MONDAY, [(time(9), time(11))], [
        (at(MONDAY, 1, 30), at(MONDAY, 2), None), (at(MONDAY, 8, 30), at(MONDAY, 9, 30), None),
    ])  # fmt: skip
    _, rows = grid.build([col], now=at(MONDAY, 7), tz=TZ)
    assert rows[0].time == time(9) and kinds(rows) == "BFFF"
    assert rows[0].cells[0].items == [None]
