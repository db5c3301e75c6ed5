"""Care plans end to end: the builder, bad input, the timeline, reassessment, discharge criteria, exercises."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import client_for, make_appointment, make_plan, today_a
from dryneedle.outcomes.scoring import ODI_SECTIONS
from dryneedle.outcomes.services import record_response
from dryneedle.patients.models import Episode, Patient
from dryneedle.plans import services
from dryneedle.plans.models import CarePlan, Component, ExerciseLog, Goal, Review
from dryneedle.portal.models import PatientLink
from dryneedle.visits.models import Visit

pytestmark = pytest.mark.django_db

HIGH_RISK = {"items": {str(i): True for i in range(1, 9)} | {"9": "extremely"}}


def _mgmt(prefix, total, initial):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip


def _signed_visit(episode, user, when=None):
    """A signed visit row, as the reassessment count sees it (the signing rules are tested in visits)."""
    return Visit.objects.create(
        clinic=episode.clinic,
        patient=episode.patient,
        episode=episode,
        practitioner=user,
        started=when or timezone.now(),
        status="signed",
        signed_at=when or timezone.now(),
        sha256="0" * 64,
    )


def test_builder_starts_from_startback_and_psfs_and_saves_everything(alice, episode):
    record_response(episode, "startback", HIGH_RISK, alice)
    record_response(episode, "psfs", {"activities": [{"name": "Walking the dog", "score": 3}]}, alice)
    c = client_for(alice)
    url = f"/plans/episodes/{episode.code}/new/"
    html = c.get(url).content.decode()
    assert "High risk: psychologically informed physiotherapy" in html and "STarT Back" in html
    assert "About 5 dry-needling sessions" in html  # chronic LBP's cited default
    assert 'value="Walking the dog"' in html
    assert "Marketing claim, not evidence" in html and "80% success in 5-7 sessions" in html
    # The template's three rows (PI physio, exercise, education) need their counts before saving.
    body = {"primary_measure": "odi", "expected_dn_visits": "5", **_mgmt("c", 4, 3), **_mgmt("g", 2, 1)}
    body |= {"c-0-modality": "pi_physiotherapy", "c-0-sequence": "separate", "c-0-every_weeks": "1"}
    body |= {"c-1-modality": "exercise", "c-1-sequence": "after", "c-1-every_weeks": "1"}
    body |= {"c-2-modality": "education", "c-2-sequence": "separate", "c-2-every_weeks": "1"}
    body |= {"g-0-activity": "Walking the dog", "g-0-baseline": "3"}
    r = c.post(url, body)
    assert r.status_code == 400 and not CarePlan.objects.exists()
    assert r.content.decode().count("This field is required.") >= 6  # times and count of 3 rows; the goal target
    body |= {"c-0-times": "1", "c-0-count": "6", "c-0-provider": "alice@a.example"}
    body |= {"c-1-times": "3", "c-1-count": "18", "c-1-outside_provider": "Home programme"}
    body |= {"c-2-DELETE": "on", "g-0-target": "8", "g-0-target_date": "2027-01-15"}
    body |= {"c-3-modality": "dry_needling", "c-3-sequence": "needling", "c-3-times": "1", "c-3-every_weeks": "1",
             "c-3-count": "5", "c-3-provider": "alice@a.example"}  # fmt: skip
    r = c.post(url, body)
    assert r.status_code == 302, r.content.decode()[:3000]
    plan = CarePlan.objects.get()
    assert plan.risk_group == "high" and plan.template == "high" and plan.expected_dn_visits == 5
    assert "AFP 2023" in plan.expected_basis
    assert sorted(plan.components.values_list("modality", flat=True)) == [
        "dry_needling",
        "exercise",
        "pi_physiotherapy",
    ]
    goal = plan.goals.get()
    assert (goal.activity, goal.baseline, goal.target) == ("Walking the dog", 3, 8)
    assert c.get(url).status_code == 302  # one plan per episode


def test_bad_components_are_refused_with_precise_messages(alice, episode):
    plan = make_plan(episode, alice)
    c = client_for(alice)
    base = {"new-modality": "massage", "new-sequence": "before", "new-every_weeks": "1", "new-count": "4"}
    r = c.post(f"/plans/{plan.code}/components/", base | {"new-times": "0"})
    assert r.status_code == 400 and "greater than or equal to 1" in r.content.decode()
    r = c.post(f"/plans/{plan.code}/components/", base | {"new-times": "1", "new-provider": "alice@a.example",
                                                          "new-outside_provider": "Jo"})  # fmt: skip
    assert r.status_code == 400 and "Name one provider" in r.content.decode()
    r = c.post(f"/plans/{plan.code}/components/", base | {"new-modality": "dry_needling", "new-times": "1"})
    assert r.status_code == 400 and "expected number of dry-needling visits" in r.content.decode()
    assert plan.components.count() == 1
    # The API says the same.
    r = c.post(f"/api/v1/plans/{plan.code}/components", {"modality": "massage", "times": 0, "count": 2},
               content_type="application/json")  # fmt: skip
    assert r.status_code == 422 and plan.components.count() == 1
    # And the database refuses a zero frequency whatever the code does.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Component.objects.filter(plan=plan).update(times=0)


def test_goal_target_must_be_above_baseline(alice, episode):
    plan = make_plan(episode, alice)
    r = client_for(alice).post(f"/plans/{plan.code}/goals/", {"goal-activity": "Lift", "goal-baseline": "6",
                                                              "goal-target": "5"})  # fmt: skip
    assert r.status_code == 400 and "above the baseline" in r.content.decode()
    assert plan.goals.count() == 1


def test_timeline_orders_a_combined_day_by_the_plan_sequence(alice, episode):
    plan = make_plan(episode, alice)
    massage = services.add_component(plan, alice, {"modality": "massage", "times": 1, "count": 4,
                                                   "outside_provider": "Sam Lee LMT"})  # fmt: skip
    exercise = plan.components.get(modality="exercise")
    day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=3)
    # Booked in the "wrong" clock order: exercise first thing, massage at 11, needling at 10.
    make_appointment(episode.patient, alice, start=day + timedelta(hours=9), kind="exercise", episode=episode,
                     component=exercise)  # fmt: skip
    make_appointment(episode.patient, alice, start=day + timedelta(hours=11), kind="massage", episode=episode,
                     component=massage)  # fmt: skip
    _signed_visit(episode, alice, when=day + timedelta(hours=10))
    labels = [(e.kind, e.label) for e in services.timeline(plan) if e.day == day.date()]
    assert [k for k, _ in labels] == ["appointment", "visit", "appointment"]
    assert "Massage" in labels[0][1] and "Therapeutic exercise" in labels[2][1]
    days = [e.day for e in services.timeline(plan)]
    assert days == sorted(days) and services.timeline(plan)[0].kind == "start"


def test_reassessment_prompts_at_half_and_all(alice, episode):
    plan = make_plan(episode, alice)
    services.update_plan(plan, alice, {"expected_dn_visits": 4})
    c = client_for(alice)
    start = timezone.now() - timedelta(days=30)
    with time_machine.travel(start, tick=False):
        _signed_visit(episode, alice)
        assert services.reassessment(plan) == []
    with time_machine.travel(start + timedelta(days=7), tick=False):
        _signed_visit(episode, alice)
        assert services.reassessment(plan) == [("half", 2)]
    html = c.get(f"/plans/{plan.code}/").content.decode()
    assert "Reassess now" in html and "2 of 4 planned dry-needling visits signed" in html
    assert c.get("/plans/").content.decode().count("Review the plan") == 1
    r = c.post(f"/plans/{plan.code}/review/", {"milestone": "half", "decision": "continue", "note": "Improving"})
    assert r.status_code == 302 and Review.objects.get().visits_signed == 2
    assert "Reassess now" not in c.get(f"/plans/{plan.code}/").content.decode()
    for _ in range(2):
        _signed_visit(episode, alice)
    assert services.reassessment(plan) == [("all", 4)]
    # A discharge decision leads to the discharge page, with the criteria on it.
    r = c.post(f"/plans/{plan.code}/review/", {"milestone": "all", "decision": "discharge"})
    assert r["Location"] == f"/patients/episodes/{episode.code}/discharge/"
    assert "Responder by the minimal important change" in c.get(r["Location"]).content.decode()


def test_the_worklist_shows_a_page_at_a_time_longest_in_care_first(alice, episode, monkeypatch):
    from dryneedle.plans import views

    monkeypatch.setattr(views, "WORKLIST_PAGE", 1)
    later = Episode.objects.create(clinic=episode.clinic, patient=episode.patient, condition="acute_lbp",
                                   start_date=episode.start_date + timedelta(days=3), clinician=alice)  # fmt: skip
    early_course = Episode.objects.create(clinic=episode.clinic, patient=episode.patient, condition="sciatica",
                                          start_date=episode.start_date, clinician=alice)  # fmt: skip
    for e, signed in ((episode, 2), (later, 4), (early_course, 1)):
        plan = make_plan(e, alice)
        services.update_plan(plan, alice, {"expected_dn_visits": 4})
        for _ in range(signed):
            _signed_visit(e, alice)
    c = client_for(alice)
    first = c.get("/plans/").content.decode()
    # One visit of four reaches no milestone: that plan is not on the list at all.
    assert first.count("Review the plan") == 1 and "Half of the planned visits (2 of 4)" in first
    assert "3 due · page 1 of 3" in first and "Sciatica" not in first
    assert 'href="?reviews=2&amp;recalls=1">Next →' in first  # the other list stays on its page
    second = c.get("/plans/?reviews=2&recalls=1").content.decode()
    assert "Half of the planned visits (2 of 4)" in second and "Acute" in second
    third = c.get("/plans/?reviews=3").content.decode()
    assert "All of the planned visits (4 of 4)" in third and "Next →" not in third
    assert c.get("/plans/?reviews=not-a-page").status_code == 200  # the first page, not an error


def test_the_worklist_loads_only_plans_whose_maintenance_is_not_over_and_loses_none_that_is_due(alice, patient):
    # The SQL bound (services.maintenance_not_over) must never drop a plan recalls_due() would list: checked on
    # plans discharged 10 days to 3 years ago, every 1 to 52 weeks, with and without an end of maintenance.
    today = date(2026, 12, 6)
    plans = []
    for ago in (10, 40, 200, 360, 370, 380, 400, 500, 700, 1100):
        for weeks in (1, 3, 8, 13, 52):
            for until in (None, 30, 365, 600):
                discharged = today - timedelta(days=ago)
                e = Episode.objects.create(clinic=patient.clinic, patient=patient, condition="chronic_lbp",
                                           start_date=discharged - timedelta(days=60), status="discharged",
                                           discharge_date=discharged, discharge_reason="goals_met")  # fmt: skip
                plans.append(CarePlan.objects.create(
                    clinic=patient.clinic, patient=patient, episode=e, primary_measure="odi",
                    maintenance_every_weeks=weeks,
                    maintenance_until=None if until is None else discharged + timedelta(days=until),
                ))  # fmt: skip
    everything = CarePlan.objects.filter(pk__in=[p.pk for p in plans]).select_related("episode", "patient")
    kept = services.maintenance_not_over(everything, today)
    due = {plan.pk for plan, _d in services.recalls_due(list(everything), today)}
    assert due and due <= set(kept.values_list("pk", flat=True))
    # And it does leave out what is long over: an end further back than half of the longest step (26 weeks).
    over = {
        p.pk for p in plans
        if (p.maintenance_until or p.episode.discharge_date + timedelta(days=365)) < today - timedelta(weeks=26, days=1)
    }  # fmt: skip
    assert len(over) > 40 and not over & set(kept.values_list("pk", flat=True))


def test_discharge_criteria_from_hand_computed_outcomes(alice, episode):
    plan = make_plan(episode, alice)  # goal "Walk the dog", baseline 3, target 7; primary ODI
    t0 = timezone.now() - timedelta(days=60)
    for days, raw in ((0, 20), (30, 15), (55, 14)):  # ODI 40%, 30%, 28%
        with time_machine.travel(t0 + timedelta(days=days), tick=False):
            # ODI percent = raw total / 50 * 100 (ten sections scored 0-5).
            values = [min(5, max(0, raw - 5 * i)) for i in range(10)]
            r = record_response(episode, "odi", {"sections": dict(zip(ODI_SECTIONS, values, strict=True))}, alice)
            assert r.score == raw * 2
            record_response(episode, "psfs", {"activities": [{"name": "Walk the dog", "score": 3 + days // 10}]},
                            alice)  # fmt: skip
    crit = {c.code: c for c in services.criteria(plan)}
    # ODI 40% -> 28%: 12 points and 30%: a responder on both criteria.
    assert crit["responder_mic"].met is True and crit["responder_mic"].data[0]["change"] == 12
    assert crit["responder_pct30"].met is True
    # The last three ODI scores 40, 30, 28 span 12 >= 10: no plateau.
    assert crit["plateau"].met is False
    # PSFS "Walk the dog" re-rated 3 + 55 // 10 = 8 >= target 7.
    assert crit["goals_met"].met is True and crit["goals_met"].data[0][1] == 8


def test_patient_ticks_exercises_and_adherence_shows(alice, episode, client, clinic_a):
    plan = make_plan(episode, alice)
    _link, token = PatientLink.issue(episode, PatientLink.Purpose.EXERCISES, alice, bundle=[str(plan.code)], days=90)
    a = plan.assignments.get()
    today = today_a()
    html = client.get(f"/p/{token}/").content.decode()
    assert "Knee rolls" in html and "8 to 10 times" in html
    r = client.post(f"/p/{token}/", {"exercise": str(a.code), "day": today.isoformat(), "done": "1"})
    assert r.status_code == 302
    assert ExerciseLog.objects.get().done is True
    row = services.adherence(plan)[0]
    assert (row["done"], row["days"]) == (1, 1)
    # Unticking keeps the row, marked not done.
    client.post(f"/p/{token}/", {"exercise": str(a.code), "day": today.isoformat(), "done": "0"})
    assert services.adherence(plan)[0]["done"] == 0 and ExerciseLog.objects.count() == 1
    # Another patient's exercise, through this patient's link: refused, nothing stored.
    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1),
                                   sex="female")  # fmt: skip
    other_plan = make_plan(Episode.objects.create(clinic=clinic_a, patient=other, condition="acute_lbp"), alice)
    theirs = other_plan.assignments.get()
    r = client.post(f"/p/{token}/", {"exercise": str(theirs.code), "day": today.isoformat(), "done": "1"})
    assert r.status_code == 400 and "not in your programme" in r.content.decode()
    r = client.post(f"/p/{token}/", {"exercise": "not-a-code", "day": today.isoformat(), "done": "1"})
    assert r.status_code == 400
    r = client.post(f"/p/{token}/", {"exercise": str(a.code), "day": (today + timedelta(days=1)).isoformat(),
                                     "done": "1"})  # fmt: skip
    assert r.status_code == 400 and "last 7 days" in r.content.decode()
    assert ExerciseLog.objects.count() == 1
    # The clinician sees adherence on the plan.
    assert "0 of 1 day" in client_for(alice).get(f"/plans/{plan.code}/").content.decode()


def test_exercises_appear_on_the_handout(alice, insertion, lot_a):
    from dryneedle.aftercare.services import handout

    plan = make_plan(insertion.visit.episode, alice)
    services.assign(plan, alice, "bridge", dose="Hold 3 seconds; 10 times")
    names = [a.info.name for a in handout(insertion.visit)["exercises"]]
    assert names == ["Knee rolls", "Bridge"]


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("another_zone")
def test_maintenance_and_recall_keep_the_patient_in_view(alice, episode, settings, mailoutbox):
    from dryneedle.appointments.services import send_reminders

    plan = make_plan(episode, alice)
    episode.patient.email = "grace@example.org"
    episode.patient.save()
    discharged = today_a() - timedelta(days=20)
    Episode.objects.filter(pk=episode.pk).update(status="discharged", discharge_date=discharged,
                                                 discharge_reason="goals_met")  # fmt: skip
    plan.refresh_from_db()
    services.update_plan(plan, alice, {"maintenance_every_weeks": 4})
    dates = services.maintenance_dates(plan)
    assert dates[0] == discharged + timedelta(weeks=4) and dates[-1] <= discharged + timedelta(days=365)
    assert len(dates) == 13
    assert services.next_maintenance(plan) == dates[0]
    with time_machine.travel(datetime.combine(dates[0] - timedelta(days=10), datetime.min.time()).astimezone()):
        assert send_reminders()["recalls"] == 0  # too early
    with time_machine.travel(datetime.combine(dates[0] - timedelta(days=5), datetime.min.time()).astimezone()):
        assert send_reminders()["recalls"] == 1
        assert send_reminders()["recalls"] == 0  # once
    assert "time to book your follow-up" in mailoutbox[0].subject
    # Booking the follow-up covers it: the next one is four weeks later.
    make_appointment(episode.patient, alice, start=timezone.make_aware(datetime.combine(dates[0], datetime.min.time()))
                     + timedelta(hours=10), kind="maintenance")  # fmt: skip
    assert services.next_maintenance(plan) == dates[1]


def test_recurrence_opens_a_linked_episode(alice, episode):
    c = client_for(alice)
    r = c.post(f"/plans/episodes/{episode.code}/recurrence/")
    assert r.status_code == 302 and Episode.objects.count() == 1  # still open: refused
    Episode.objects.filter(pk=episode.pk).update(status="discharged", discharge_date=today_a(),
                                                 discharge_reason="goals_met")  # fmt: skip
    r = c.post(f"/plans/episodes/{episode.code}/recurrence/")
    new = Episode.objects.exclude(pk=episode.pk).get()
    assert r["Location"] == f"/plans/episodes/{new.code}/new/"
    assert new.recurrence_of == episode and new.condition == episode.condition and new.status == "open"
    assert "Recurrence of the" in c.get(f"/patients/episodes/{new.code}/").content.decode()


def test_plan_api_round_trip(alice, episode):
    c = client_for(alice)
    body = {
        "primary_measure": "nprs",
        "expected_dn_visits": 4,
        "components": [
            {"modality": "dry_needling", "times": 1, "count": 4, "provider": "alice@a.example"},
            {"modality": "massage", "times": 1, "count": 4, "outside_provider": "Sam Lee LMT"},
        ],
        "goals": [{"activity": "Sit through a film", "baseline": 2, "target": 7}],
    }
    r = c.post(f"/api/v1/episodes/{episode.code}/plan", body, content_type="application/json")
    assert r.status_code == 201, r.content
    plan = r.json()
    assert [x["sequence"] for x in plan["components"]] == ["needling", "before"]
    assert plan["components"][0]["provider"] == "alice@a.example" and plan["expected_dn_visits"] == 4
    r = c.post(f"/api/v1/plans/{plan['code']}/exercises", {"exercise": "bird_dog"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["dose"].startswith("Hold 4 seconds")
    r = c.patch(f"/api/v1/goals/{plan['goals'][0]['code']}", {"target": 1}, content_type="application/json")
    assert r.status_code == 422 and "above the baseline" in r.json()["detail"]
    assert Goal.objects.get().target == 7
    r = c.patch(f"/api/v1/components/{plan['components'][0]['code']}", {"stopped": True},
                content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json()["stopped"] is True
    assert len(c.get("/api/v1/exercises").json()) >= 8
    assert [p["code"] for p in c.get("/api/v1/plans").json()["items"]] == [plan["code"]]
