"""The effectiveness report against a cohort counted by hand: who is treated, who is followed up, who
responded by each criterion, and every way the report groups and divides them — on the page, in the CSV,
the API and the CLI alike."""

import hashlib
import json
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CLINIC_A_ZONE, _lot, client_for, make_user
from dryneedle.analytics import cohort, report
from dryneedle.appointments.models import Appointment
from dryneedle.audit.models import AuditEvent
from dryneedle.lib import stats
from dryneedle.outcomes import scoring, services
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode, Patient
from dryneedle.plans.models import CarePlan, Component
from dryneedle.visits.models import Insertion, TriggerPoint, TriggerPointExam, Visit

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)  # every hand-made episode starts here
SINCE, UNTIL = date(2025, 12, 1), date(2026, 2, 1)
DISCHARGE = date(2026, 3, 2)  # 8 weeks in


def at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), CLINIC_A_ZONE)


def visit(e: Episode, user, day: date, needles: int = 1) -> Visit:
    """A signed visit with needles, written as the demo writes them (the gate's own tests are elsewhere)."""
    lot = _lot(e.clinic, f"L{e.pk}-{day}")
    note = hashlib.sha256(b"note").hexdigest()
    v = Visit.objects.create(clinic=e.clinic, patient=e.patient, episode=e, practitioner=user, started=at(day, 9),
                             signed_at=at(day, 10), signed_by=user, sha256=note)  # fmt: skip
    models.QuerySet(Insertion).bulk_create(  # type: ignore[arg-type]
        Insertion(clinic=e.clinic, visit=v, patient=e.patient, lot=lot, muscle="multifidus", region="lumbar",
                  side="left", depth_mm=20, time_in=at(day, 9), time_out=at(day, 9) + timedelta(minutes=10))
        for _ in range(needles)
    )  # fmt: skip
    Visit.objects.filter(pk=v.pk).update(status=Visit.Status.SIGNED)
    return v


def episode(clinic, user, condition="chronic_lbp", *, pain=None, visits=1, discharge=DISCHARGE, start=START):
    """A treated episode: ``pain`` maps days after the start to NPRS answers."""
    p = Patient.objects.create(clinic=clinic, given_name="P", family_name=f"N{Patient.objects.count()}",
                               birth_date=date(1970, 1, 1), sex="female")  # fmt: skip
    e = Episode.objects.create(clinic=clinic, patient=p, condition=condition, clinician=user, start_date=start)
    if discharge:
        Episode.objects.filter(pk=e.pk).update(status="discharged", discharge_date=discharge,
                                               discharge_reason="goals_met")  # fmt: skip
        e.refresh_from_db()
    for k in range(visits):
        visit(e, user, start + timedelta(days=1 + 7 * k))
    for day, score in (pain or {}).items():
        services.record_response(e, "nprs", {"score": score}, user, collected=at(start + timedelta(days=day)))
    return e


D = (DISCHARGE - START).days  # the discharge day, counted from the start


@pytest.fixture
def world(clinic_a, alice, clinic_b, charlie):
    """12 treated episodes of chronic low back pain and the ones that must not count, with pain at discharge:

    baseline 8 -> 6 (2 points, 25%: MIC only)      x2
    baseline 8 -> 5 (3 points, 37.5%: both)         x3
    baseline 5 -> 4 (1 point, 20%: neither)         x2
    baseline 3 -> 2 (1 point, 33%: 30% only)        x1
    baseline 6 -> 7 (worse)                          x1
    baseline 0 -> 0 (no share to reduce)             x1
    baseline 7, no discharge answer                  x2
    """
    with_time = [((8, 6), 2), ((8, 5), 3), ((5, 4), 2), ((3, 2), 1), ((6, 7), 1), ((0, 0), 1), ((7, None), 2)]
    made = []
    for (b, f), n in with_time:
        for _ in range(n):
            pain = {0: b}
            if f is not None:
                pain[D] = f
            made.append(episode(clinic_a, alice, pain=pain, visits=2))
    # Not treated: no needling visit; a baseline outside its window; another clinic's; entered in error.
    episode(clinic_a, alice, pain={0: 8, D: 2}, visits=0)
    episode(clinic_a, alice, pain={20: 8, D: 2})
    episode(clinic_b, charlie, pain={0: 8, D: 2})
    gone = episode(clinic_a, alice, pain={0: 8, D: 2})
    Episode.objects.filter(pk=gone.pk).update(status="entered_in_error", error_reason="duplicate")
    # An answer in error does not count: this one's discharge answer is withdrawn, so it is not followed up.
    late = episode(clinic_a, alice, pain={0: 8, D: 1})
    Response.objects.filter(episode=late, collected__date__gt=START + timedelta(days=5)).update(
        entered_in_error=True, error_reason="typed into the wrong episode"
    )
    made.append(late)
    return made


def build(clinic, **kw):
    args = {"measure": "nprs", "point": "discharge", "since": SINCE, "until": UNTIL} | kw
    return report.build([clinic], args["measure"], args["point"], args["since"], args["until"], args.get("by"))


def test_the_cohort_counted_by_hand(world, clinic_a):
    r = build(clinic_a)
    o = r.overall
    assert (o.treated, o.followed_up) == (13, 10)  # 12 + the one whose follow-up was withdrawn
    assert o.responders_mic == 5  # 8->6 x2, 8->5 x3
    assert o.responders_pct30 == 4  # 8->5 x3, 3->2
    assert o.mic_all == stats.wilson(5, 13) and o.mic_completers == stats.wilson(5, 10)
    assert o.pct30_all == stats.wilson(4, 13) and o.pct30_completers == stats.wilson(4, 10)
    bands = {label: n for label, n, _share in o.immpact_rows}
    assert bands == {
        "Worse than at baseline": 1,
        "Unchanged, or better by less than 10%": 0,
        "10% to under 30% better (about 10-20% is minimally important)": 4,  # 25% x2, 20% x2
        "30% to under 50% better (moderately important)": 4,  # 37.5% x3, 33% x1
        "50% or more better (substantially important)": 0,
        "No pain at baseline (no share to reduce)": 1,
    }


def test_a_small_group_shows_no_rate(world, clinic_a, alice):
    episode(clinic_a, alice, "sciatica", pain={0: 8, D: 2})
    groups = {g.label: g for g in build(clinic_a, by="condition").groups}
    sciatica = groups["Sciatica / radicular pain"]
    assert sciatica.suppressed and sciatica.as_dict()["rate_mic_all_treated"] == {"rate": None, "low": None,
                                                                                  "high": None}  # fmt: skip
    assert not groups["Chronic low back pain"].suppressed


def test_groupings(world, clinic_a, alice):
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe")
    for _ in range(10):
        episode(clinic_a, dora, pain={0: 6, D: 6}, visits=6)
    r = build(clinic_a, by="practitioner")
    by = {g.label: (g.treated, g.responders_mic) for g in r.groups}
    assert by == {"Alice Archer": (13, 5), "Dora Doe": (10, 0)}
    assert {g.key["practitioner"] for g in r.groups} == {"alice@a.example", "dora@a.example"}
    sessions = {g.label: g.treated for g in build(clinic_a, by="sessions").groups}
    assert sessions == {"1 needling visit": 1, "2 needling visits": 12, "5-6 needling visits": 10}
    # The funnel plot puts both on the clinic's rate, never in a ranked table.
    assert r.funnel.overall == pytest.approx(5 / 20) and sorted(p[0] for p in r.funnel.points) == [
        "Alice Archer", "Dora Doe"]  # fmt: skip


def test_modality_and_startback_and_trigger_points(world, clinic_a, alice):
    e = world[0]
    plan = CarePlan.objects.create(clinic=clinic_a, patient=e.patient, episode=e, primary_measure="nprs")
    Component.objects.create(clinic=clinic_a, plan=plan, patient=e.patient, modality="exercise", times=1,
                             every_weeks=1, count=4)  # fmt: skip
    mods = {g.label: g.treated for g in build(clinic_a, by="modality").groups}
    assert mods == {"Needling alone": 12, "Needling with therapeutic exercise": 1}
    services.record_response(e, "startback", {"items": {str(k): True for k in range(1, 9)} | {"9": "extremely"}},
                             alice, collected=at(START))  # fmt: skip
    sb = {g.label: g.treated for g in build(clinic_a, by="startback").groups}
    assert sb == {"High risk": 1, "STarT Back not answered at baseline": 12}
    tp = TriggerPoint.objects.create(clinic=clinic_a, patient=e.patient, episode=e, muscle="multifidus", side="left")
    v1, v2 = e.visits.order_by("started")
    TriggerPointExam.objects.create(clinic=clinic_a, patient=e.patient, trigger_point=tp, visit=v1, taut_band=True,
                                    hypersensitive_spot=True, referred_pain=True, recognition=True)  # fmt: skip
    TriggerPointExam.objects.create(clinic=clinic_a, patient=e.patient, trigger_point=tp, visit=v2, resolved=True)
    tps = {g.label: g.treated for g in build(clinic_a, by="trigger_points").groups}
    assert tps == {"All resolved": 1, "No active trigger point": 12}
    assert build(clinic_a).trigger_points == {"active": 1, "resolved": 1}


def test_long_term_recurrence_maintenance_and_sessions(clinic_a, alice, settings):
    start = date(2025, 1, 6)  # a year earlier, so that 12 months after discharge has come
    discharge = start + timedelta(days=D)
    m6, m12 = D + 180, D + 360
    kw = {"start": start, "discharge": discharge}
    keep = [episode(clinic_a, alice, pain={0: 8, D: 4, m6: 4, m12: 7}, visits=3, **kw) for _ in range(6)]
    for _ in range(6):
        episode(clinic_a, alice, pain={0: 8, D: 4, m6: 4}, visits=1, **kw)
    period = {"since": date(2024, 12, 1), "until": date(2025, 2, 1)}
    r = build(clinic_a, **period)
    assert r.long_term["mic"] == {"discharge": 12, "6m_answered": 12, "6m_still": 12, "12m_answered": 6,
                                  "12m_still": 0}  # fmt: skip
    # The first answer that met the criterion was at discharge, after all the needling visits.
    assert r.sessions["mic"][0] == 12 and r.sessions["mic"][1] == (1.0, 2.0, 3.0)
    recur = Episode.objects.create(clinic=clinic_a, patient=keep[0].patient, condition="chronic_lbp",
                                   recurrence_of=keep[0], start_date=discharge + timedelta(days=200))  # fmt: skip
    assert recur.pk and build(clinic_a, **period).recurrence == {"followed_a_year": 12, "recurred": 1}
    Appointment.objects.create(clinic=clinic_a, patient=keep[1].patient, episode=keep[1], practitioner=alice,
                               kind="maintenance", start=at(discharge + timedelta(days=60)),
                               end=at(discharge + timedelta(days=60), 12), status="attended")  # fmt: skip
    assert build(clinic_a, **period).maintenance == {"attended": 1, "missed": 0, "cancelled": 0}


def test_the_page_csv_api_and_cli_agree(world, clinic_a, admin, alice):
    q = f"measure=nprs&point=discharge&since={SINCE}&until={UNTIL}&by=condition"
    page = client_for(admin).get(f"/analytics/effectiveness/?{q}")
    html = page.content.decode()
    assert page.status_code == 200 and "38.5% (95% CI" in html  # 5 of 13
    assert "50.0% (95% CI 23.7 to 76.3)" in html  # 5 of 10 (Wilson)
    assert "80% effectiveness" in html and "marketing claim" in html and "47.6%" in html
    csv = client_for(admin).get(f"/analytics/effectiveness.csv?{q}").content.decode()
    assert csv.startswith('"# Measure: Pain (NPRS 0-10)') and "\nall,All treated episodes,13,10,5,4,False,0.3846" in csv
    api = client_for(alice).get(f"/api/v1/effectiveness?measure=nprs&timepoint=discharge&since={SINCE}&until={UNTIL}"
                                "&by=condition").json()  # fmt: skip
    out = StringIO()
    call_command("effectiveness", "--clinic", clinic_a.name, "--measure", "nprs", "--timepoint", "discharge",
                 "--since", str(SINCE), "--until", str(UNTIL), "--by", "condition", stdout=out)  # fmt: skip
    cli = json.loads(out.getvalue())
    assert cli == api["groups"] and cli[0]["group"] == {"condition": "chronic_lbp"}
    assert cli[0]["rate_mic_completers"] == stats.wilson(5, 10).as_dict()
    assert AuditEvent.objects.filter(action="analytics.report").count() == 3


def test_the_numbers_open_into_the_episodes_behind_them(world, clinic_a, admin, alice, clinic_b):
    bea = make_user("bea@a.example", clinic_a, "practitioner", "Bea", "Bell")
    q = f"measure=nprs&point=discharge&since={SINCE}&until={UNTIL}"
    r = client_for(admin).get(f"/analytics/effectiveness/episodes/?{q}&cell=responders_mic")
    assert r.status_code == 200 and "5 of 5 episodes shown" in r.content.decode()
    # Another practitioner sees the count, not the patients of a care team they are not on.
    r = client_for(bea).get(f"/analytics/effectiveness/episodes/?{q}&cell=responders_mic")
    assert "0 of 5 episodes shown: the others are outside your care team" in r.content.decode()
    assert client_for(alice).get(f"/analytics/effectiveness/episodes/?{q}&cell=nonsense").status_code == 400


def test_bad_input_is_refused_with_a_message(clinic_a, admin):
    c = client_for(admin)
    r = c.get("/analytics/effectiveness/?measure=sf36")
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    r = c.get("/analytics/effectiveness/?since=2026-05-01&until=2026-01-01")
    assert r.status_code == 400 and "cannot be before its start" in r.content.decode()
    assert c.get("/api/v1/effectiveness?timepoint=tomorrow").status_code == 422
    # A number is not a date (pydantic alone would read 0 as 1970-01-01; schemathesis found it).
    for since in ("0", "1700000000", "2026-5-1"):
        assert c.get(f"/api/v1/effectiveness?since={since}").status_code == 422, since
    r = c.get("/api/v1/effectiveness?since=2026-05-01&until=2026-01-01")
    assert r.status_code == 422 and "cannot be before" in r.json()["detail"]
    for args, says in (
        (["--clinic", "Nowhere"], "--clinic: no clinic"),
        (["--clinic", clinic_a.name, "--since", "2026-05-01", "--until", "2026-01-01"], "--until"),
    ):
        with pytest.raises(CommandError, match=says) as e:
            call_command("effectiveness", *args, "--measure", "nprs", "--timepoint", "3m")
        assert e.value.returncode == 2


# The SQL's responder flags are scoring.change's, exactly, for any pair of scores of any measure.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_responders_match_scoring(clinic_a, alice, data):
    measure = data.draw(st.sampled_from(scoring.MEASURES))
    lo, hi = scoring.RANGES[measure]
    if measure == "odi":  # ODI percentages as the instrument gives them: raw / (5 x sections) x 100
        b = data.draw(st.integers(0, 50)) * 100 / 50
        f = data.draw(st.integers(0, 45)) * 100 / 45
    else:
        b, f = data.draw(st.integers(lo, hi)), data.draw(st.integers(lo, hi))
    expected = scoring.change(measure, b, f)
    mic = float(scoring.MIC_POINTS[measure])
    got = {}
    for crit in ("mic", "pct30"):
        sql, params = cohort.responded(measure, "followup", crit, mic)
        query = f'SELECT CASE WHEN {sql} THEN 1 ELSE 0 END FROM (SELECT %s AS "baseline", %s AS "followup") t'  # noqa: S608
        with connection.cursor() as cur:
            cur.execute(query, [*params, float(b), float(f)])
            got[crit] = bool(cur.fetchone()[0])
    assert got == {"mic": expected["mic_points_met"], "pct30": expected["pct30_met"]}, (measure, b, f)


def _recent(clinic, user, n, before, after):
    """``n`` treated episodes that started 100 days ago, with pain ``before`` and ``after`` at discharge."""
    start = date.today() - timedelta(days=100)
    for _ in range(n):
        episode(clinic, user, pain={0: before, 56: after}, start=start, discharge=start + timedelta(days=56))


def test_the_directory_shows_outcomes_only_when_published_and_with_twenty_episodes(clinic_a, alice, admin):
    from django.test import Client

    from conftest import certify, make_listing
    from dryneedle.outcomes.models import OutcomeSettings

    certify(alice)
    make_listing(alice, clinic_a)
    _recent(clinic_a, alice, 19, 8, 4)
    url = "/directory/alice/"
    assert "Outcomes, counted from records" not in Client().get(url).content.decode()  # not published
    client_for(admin).post("/outcomes/settings/", {"disability": "odi", "reminder_days": "3", "publish_outcomes": "on"})
    assert OutcomeSettings.of(clinic_a).publish_outcomes
    assert "Outcomes, counted from records" not in Client().get(url).content.decode()  # 19 episodes: too few
    _recent(clinic_a, alice, 1, 8, 7)
    html = Client().get(url).content.decode()
    assert "Outcomes, counted from records" in html and "for the 20 episodes" in html
    assert "95.0% (95% CI" in html  # 19 of 20 had at least 30% less pain
    assert html.index("Outcomes, counted from records") < html.index("Reviews from patients")  # apart from reviews


def test_outcome_settings_are_the_admins(clinic_a, alice, admin):
    r = client_for(alice).post("/outcomes/settings/", {"disability": "rmdq", "reminder_days": "3"})
    assert r.status_code == 403
    r = client_for(admin).post("/outcomes/settings/", {"disability": "rmdq", "reminder_days": "9"})
    assert r.status_code == 400 and "less than or equal to 7" in r.content.decode()
    client_for(admin).post("/outcomes/settings/", {"disability": "rmdq", "reminder_days": "5"})
    from dryneedle.outcomes.models import OutcomeSettings

    s = OutcomeSettings.of(clinic_a)
    assert (s.disability, s.reminder_days, s.publish_outcomes) == ("rmdq", 5, False)
    assert AuditEvent.objects.filter(action="outcome_settings.save", outcome="ok").count() == 1


def test_a_clinic_group_sees_its_clinics_side_by_side(clinic_a, alice, admin):
    from dryneedle.accounts.models import Clinic, ClinicGroup, Membership

    group = ClinicGroup.objects.create(name="Front Range Physio")
    north = Clinic.objects.create(name="North", jurisdiction="US-CO", timezone="America/Denver", group=group)
    other = Clinic.objects.create(name="Not mine", jurisdiction="US-CO", timezone="America/Denver", group=group)
    clinic_a.group = group
    clinic_a.save()
    Membership.objects.create(user=admin, clinic=north, role="clinic_admin")
    nina = make_user("nina@n.example", north, "practitioner", "Nina", "North")
    _recent(clinic_a, alice, 12, 8, 4)
    _recent(north, nina, 11, 8, 8)
    _recent(other, make_user("o@o.example", other, "practitioner", "O", "O"), 10, 8, 2)
    r = client_for(admin).get("/analytics/group/")
    html = r.content.decode()
    assert r.status_code == 200 and "Clinic A" in html and "North" in html and "Not mine" not in html
    rows = {g.label: (g.treated, g.responders_pct30) for g in r.context["groups"]}
    assert rows == {"Clinic A": (12, 12), "North": (11, 0)}
    assert r.context["overall"].treated == 23
    assert client_for(alice).get("/analytics/group/").status_code == 403
