"""The body chart: coded regions, pain drawings kept per visit and frozen when signed, comparison, times."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from conftest import CLINIC_A_ZONE, ONTO_BONE, certify, client_for
from dryneedle.audit.models import AuditEvent
from dryneedle.screening.rules import REGIONS as SCREENING_REGIONS
from dryneedle.visits import bodymap
from dryneedle.visits.models import DepthLimit, Visit
from dryneedle.visits.muscles import BY_CODE as MUSCLES

CODES = [r.code for r in bodymap.REGIONS]


# --- the map itself -------------------------------------------------------------------------


def test_the_regions_the_issue_names_exist_on_both_sides():
    stems = {
        "post_cervical",
        "post_thoracic_upper",
        "post_thoracic_mid",
        "post_thoracic_lower",
        "post_lumbar",
        "post_gluteal",
        "post_hip_side",
        "post_thigh_back",
        "post_thigh_side",
        "ant_thigh_front",
        "post_calf",
        "ant_abdomen_upper",
        "ant_abdomen_lower",
    }
    for stem in stems:
        assert f"{stem}_l" in bodymap.BY_CODE and f"{stem}_r" in bodymap.BY_CODE, stem
    assert bodymap.BY_CODE["post_sacral"].side == "midline"
    assert len(set(CODES)) == len(CODES)
    # every needling region of the screening can be reached from the chart
    assert {r.screening for r in bodymap.REGIONS} - {None} == set(SCREENING_REGIONS)


def test_laterality_is_the_patients():
    # From behind the patient's left is on the viewer's left; from the front it is on the right.
    back_l, back_r = bodymap.BY_CODE["post_lumbar_l"], bodymap.BY_CODE["post_lumbar_r"]
    front_l, front_r = bodymap.BY_CODE["ant_thigh_front_l"], bodymap.BY_CODE["ant_thigh_front_r"]
    assert back_l.centre[0] < 100 < back_r.centre[0]
    assert front_r.centre[0] < 100 < front_l.centre[0]
    assert back_l.area == pytest.approx(back_r.area)


def test_every_muscle_has_a_site_and_its_referral_on_the_same_side():
    assert set(bodymap.MUSCLE_CHART) == set(MUSCLES)
    for m in MUSCLES:
        for side in ("left", "right"):
            site = bodymap.BY_CODE[bodymap.muscle_site(m, side)]
            assert site.side == side
            # the site's screening region is one the muscle is needled in
            assert site.screening in MUSCLES[m].regions, m
            assert all(bodymap.BY_CODE[c].side in (side, "midline") for c in bodymap.referral_zone(m, side))
    # no referral is drawn where the reference does not cover one
    assert bodymap.referral_zone("rhomboid_major", "left") == []
    assert "post_sacral" in bodymap.referral_zone("quadratus_lumborum", "right")
    assert bodymap.muscles_over("post_lumbar_l") == ["quadratus_lumborum", "iliocostalis_lumborum", "multifidus"]


def test_validate_refuses_what_a_person_can_fix():
    with pytest.raises(bodymap.ChartError, match="Unknown body-chart region"):
        bodymap.validate([{"region": "post_elbow_l", "intensity": 3, "quality": "aching"}])
    with pytest.raises(bodymap.ChartError, match="intensity must be a whole number from 0 to 10"):
        bodymap.validate([{"region": "post_lumbar_l", "intensity": 11, "quality": "aching"}])
    with pytest.raises(bodymap.ChartError, match="intensity"):
        bodymap.validate([{"region": "post_lumbar_l", "intensity": True, "quality": "aching"}])
    with pytest.raises(bodymap.ChartError, match="quality must be one of"):
        bodymap.validate([{"region": "post_lumbar_l", "intensity": 3, "quality": "throbbing"}])
    with pytest.raises(bodymap.ChartError, match="marked twice"):
        bodymap.validate([{"region": "post_lumbar_l", "intensity": 3, "quality": "aching"}] * 2)


marks = st.lists(
    st.fixed_dictionaries(
        {
            "region": st.sampled_from(CODES),
            "intensity": st.integers(0, 10),
            "quality": st.sampled_from(bodymap.QUALITY_CODES),
        }
    ),
    unique_by=lambda m: m["region"],
)


@given(marks)
def test_extent_counts_painful_regions_and_stays_a_share(drawing):
    clean = bodymap.validate(drawing)
    assert clean == sorted(clean, key=lambda m: m["region"]) and bodymap.validate(clean) == clean
    ext = bodymap.extent(clean)
    assert ext.regions == sum(1 for m in drawing if m["intensity"] > 0)
    assert 0 <= ext.percent <= 100 + 1e-9
    assert (ext.percent == 0) == (ext.regions == 0)


def test_the_whole_body_marked_is_all_of_it():
    ext = bodymap.extent([{"region": c, "intensity": 5, "quality": "aching"} for c in CODES])
    assert ext.regions == len(CODES) and ext.percent == pytest.approx(100)


def test_compare_region_by_region():
    a = [{"region": "post_lumbar_l", "intensity": 7, "quality": "aching"}]
    b = [
        {"region": "post_lumbar_l", "intensity": 3, "quality": "aching"},
        {"region": "post_gluteal_l", "intensity": 2, "quality": "sharp"},
    ]
    rows = {r["region"].code: r for r in bodymap.compare(a, b)}
    assert rows["post_lumbar_l"]["change"] == -4
    assert rows["post_gluteal_l"]["before"] is None and rows["post_gluteal_l"]["change"] is None


# --- the visit page, API and database -------------------------------------------------------


def _post_chart(**extra):
    return {"pain_region": ["post_lumbar_l", "post_gluteal_l"], **extra}


@pytest.mark.django_db
def test_page_saves_the_drawing_and_the_note_says_it(alice, visit):
    c = client_for(alice)
    body = _post_chart(
        intensity_post_lumbar_l="6",
        quality_post_lumbar_l="aching",
        intensity_post_gluteal_l="3",
        quality_post_gluteal_l="sharp",
        post_massage_stretch="on",
        immediate_events="Felt faint for a minute, settled lying down.",
    )
    r = c.post(f"/visits/{visit.code}/save/", body)
    assert r.status_code == 302
    visit.refresh_from_db()
    assert visit.pain_chart == [
        {"region": "post_gluteal_l", "intensity": 3, "quality": "sharp"},
        {"region": "post_lumbar_l", "intensity": 6, "quality": "aching"},
    ]
    # steps 5's two fields are kept too (they were dropped by the page before)
    assert visit.post_massage_stretch and visit.immediate_events.startswith("Felt faint")
    page = c.get(f"/visits/{visit.code}/").content.decode()
    assert "Pain drawing: 2 painful regions" in page
    assert "low back (lumbar), left 6/10 aching; buttock (gluteal), left 3/10 sharp" in page


@pytest.mark.django_db
def test_page_refuses_a_mark_without_intensity_and_keeps_the_rest(alice, visit):
    c = client_for(alice)
    before = AuditEvent.objects.count()
    r = c.post(
        f"/visits/{visit.code}/save/",
        _post_chart(intensity_post_lumbar_l="6", quality_post_lumbar_l="aching", pre_nprs="5"),
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "Buttock (gluteal), left: choose an intensity from 0 to 10." in html
    assert 'value="post_gluteal_l" checked' in html  # what was ticked stays ticked
    visit.refresh_from_db()
    assert visit.pain_chart == [] and visit.pre_nprs is None  # nothing half-saved
    assert AuditEvent.objects.filter(id__gt=before, outcome="invalid", action="visit.update").exists()
    r = c.post(f"/visits/{visit.code}/save/", {"pain_region": "post_nowhere"})
    assert r.status_code == 400 and "Unknown body-chart region" in r.content.decode()


@pytest.mark.django_db
def test_a_signed_drawing_cannot_change_by_any_path(alice, visit):
    certify(alice, 100)
    visit.pain_chart = [{"region": "post_lumbar_r", "intensity": 5, "quality": "aching"}]
    visit.save()
    c = client_for(alice)
    assert c.post(f"/visits/{visit.code}/sign/").status_code == 302
    visit.refresh_from_db()
    assert visit.status == "signed"
    digest = visit.sha256
    r = c.post(f"/visits/{visit.code}/save/", {"pain_region": "post_lumbar_l", "intensity_post_lumbar_l": "1"})
    assert r.status_code == 302
    r = c.patch(
        f"/api/v1/visits/{visit.code}",
        {"pain_chart": []},
        content_type="application/json",
    )
    assert r.status_code == 422
    with pytest.raises(DatabaseError), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(pain_chart=[])
    visit.refresh_from_db()
    assert visit.pain_chart == [{"region": "post_lumbar_r", "intensity": 5, "quality": "aching"}]
    assert visit.sha256 == digest


@pytest.mark.django_db
def test_api_reads_and_writes_the_drawing(alice, visit):
    c = client_for(alice)
    url = f"/api/v1/visits/{visit.code}"
    good = [{"region": "ant_groin_r", "intensity": 4, "quality": "burning"}]
    r = c.patch(url, {"pain_chart": good}, content_type="application/json")
    assert r.status_code == 200 and r.json()["pain_chart"] == good
    for bad, msg in (
        ([{"region": "post_lumbar_l", "intensity": 4, "quality": "aching"}] * 2, "marked twice"),
        ([{"region": "post_lumbar_l", "intensity": 12, "quality": "aching"}], "less than or equal to 10"),
        ([{"region": "knee", "intensity": 4, "quality": "aching"}], "Input should be"),
    ):
        r = c.patch(url, {"pain_chart": bad}, content_type="application/json")
        assert r.status_code == 422 and msg in r.content.decode(), r.content
    visit.refresh_from_db()
    assert visit.pain_chart == good


@pytest.mark.django_db
def test_compare_page_counts_the_painful_area(alice, visit, episode):
    visit.pain_chart = [{"region": "post_lumbar_l", "intensity": 7, "quality": "aching"}]
    visit.save()
    later = Visit.objects.create(
        clinic=episode.clinic,
        patient=episode.patient,
        episode=episode,
        practitioner=alice,
        started=visit.started + timedelta(days=7),
        pain_chart=[
            {"region": "post_lumbar_l", "intensity": 2, "quality": "aching"},
            {"region": "post_gluteal_l", "intensity": 0, "quality": "aching"},
        ],
    )
    c = client_for(alice)
    html = c.get(f"/visits/episodes/{episode.code}/charts/").content.decode()
    pct = bodymap.extent(visit.pain_chart).percent
    assert f"{pct:.1f}%" in html and html.count("painful region") >= 2
    assert '<span class="change-better">-5</span>' in html
    r = c.get(f"/visits/episodes/{episode.code}/charts/?a={later.code}&b=00000000-0000-0000-0000-000000000000")
    assert r.status_code == 400 and "Choose visits of this episode" in r.content.decode()


@pytest.mark.django_db
def test_needle_times_typed_by_hand(alice, visit, lot_a, screening):
    from dryneedle.screening.services import acknowledge

    acknowledge(screening, alice, ["diabetes"])
    c = client_for(alice)
    now = timezone.localtime(timezone=CLINIC_A_ZONE)  # the times typed are the clinic's
    body = {
        **ONTO_BONE,
        "muscle": "multifidus",
        "side": "left",
        "lot": str(lot_a.code),
        "depth_mm": "20",
        "technique": "static",
        "angle": "perpendicular",
        "position": "prone",
        "guidance": "palpation",
        "local_twitch_responses": "0",
    }
    future = (now + timedelta(minutes=30)).strftime("%H:%M")
    if future > now.strftime("%H:%M"):  # the same day
        r = c.post(f"/visits/{visit.code}/needles/", {**body, "time_in": future})
        assert r.status_code == 400 and "a time still to come" in r.content.decode()
    earlier = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    if earlier.date() == timezone.localtime(visit.started, CLINIC_A_ZONE).date():
        r = c.post(f"/visits/{visit.code}/needles/", {**body, "time_in": earlier.strftime("%H:%M")})
        assert r.status_code == 302
        ins = visit.insertions.get()
        assert timezone.localtime(ins.time_in, CLINIC_A_ZONE) == earlier
        before_in = (earlier - timedelta(minutes=5)).strftime("%H:%M")
        r = c.post(f"/visits/needles/{ins.code}/remove/", {"bleeding": "none", "time_out": before_in})
        ins.refresh_from_db()
        assert ins.time_out is None
        r = c.post(f"/visits/needles/{ins.code}/remove/", {"bleeding": "none", "time_out": "nonsense"})
        ins.refresh_from_db()
        assert ins.time_out is None
    r = c.post(f"/visits/{visit.code}/needles/", {**body, "time_in": "25:99"})
    assert r.status_code == 400 and "Enter a valid time" in r.content.decode()


@pytest.mark.django_db
def test_clinic_admin_sets_a_depth_limit_with_a_source(admin, alice, clinic_a, clinic_b):
    c = client_for(admin)
    r = c.post("/visits/muscles/depth-limit/", {"muscle": "rhomboid_major", "max_mm": "15", "source": ""})
    assert r.status_code == 302 and not DepthLimit.objects.exists()
    r = c.post(
        "/visits/muscles/depth-limit/",
        {"muscle": "rhomboid_major", "max_mm": "15", "source": "Clinic protocol 2026"},
    )
    limit = DepthLimit.objects.get()
    assert (limit.clinic, limit.max_mm) == (clinic_a, 15)
    html = c.get("/visits/muscles/").content.decode()
    assert "15 mm — this clinic's limit (Clinic protocol 2026); cited default 19 mm" in html
    assert AuditEvent.objects.filter(action="depth_limit.set", outcome="ok").count() == 1
    # a practitioner reads it but cannot change it
    assert client_for(alice).post("/visits/muscles/depth-limit/", {"muscle": "rhomboid_major"}).status_code == 403
    c.post("/visits/muscles/depth-limit/", {"muscle": "rhomboid_major", "max_mm": ""})
    assert not DepthLimit.objects.exists()


def test_needle_markers_in_one_region_do_not_cover_each_other():
    """Issue 18, defect 14: two needles in one region were drawn on top of each other (draft, note, handout)."""
    import math
    from types import SimpleNamespace

    from dryneedle.visits.templatetags.bodychart import _markers

    needles = [SimpleNamespace(muscle="multifidus", side="left") for _ in range(19)]
    marks = _markers(needles, "needle")
    assert len(marks) == 19 and [m["n"] for m in marks] == list(range(1, 20))
    for i, a in enumerate(marks):
        for b in marks[i + 1 :]:
            assert math.dist((a["x"], a["y"]), (b["x"], b["y"])) >= 10, (a, b)  # markers have a 5 px radius
