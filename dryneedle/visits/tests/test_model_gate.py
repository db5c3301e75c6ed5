"""The needling gate and the needle count, enforced below the pages: in the model and the database."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ONTO_BONE, certify, screened, today_a
from dryneedle.screening import services as screening
from dryneedle.visits import services
from dryneedle.visits.models import Insertion, NeedleLot, Visit

pytestmark = pytest.mark.django_db
ANSWERS = {"consent": "given", "consent_type": "written", "findings": [], "planned_regions": ["lumbar", "gluteal"]}


@pytest.fixture
def certified(alice):
    certify(alice, 300)
    return alice


@pytest.fixture
def lot(clinic_a):
    return NeedleLot.objects.create(
        clinic=clinic_a,
        manufacturer="Acme",
        diameter_mm="0.30",
        length_mm=50,
        lot_number="L123",
        expires=today_a() + timedelta(days=365),
    )


@pytest.fixture
def visit(episode, alice):
    return Visit.objects.create(clinic=episode.clinic, patient=episode.patient, episode=episode, practitioner=alice)


def needle(visit, lot, **kw):
    if kw.get("muscle", "multifidus") in ("multifidus", "quadratus_lumborum", "iliocostalis_lumborum"):
        for k, v in ONTO_BONE.items():
            kw.setdefault(k, v)
    return Insertion.objects.create(
        visit=visit,
        lot=lot,
        muscle=kw.pop("muscle", "multifidus"),
        side=kw.pop("side", "left"),
        depth_mm=kw.pop("depth_mm", 30),
        **kw,
    )


def test_no_screening_no_needle(visit, lot):
    with pytest.raises(ValidationError, match="No screening yet"):
        needle(visit, lot)
    assert not Insertion.objects.exists()


def test_bulk_create_cannot_skip_the_gate(visit, lot):
    with pytest.raises(ValidationError):
        Insertion.objects.bulk_create([Insertion(visit=visit, lot=lot, muscle="multifidus", side="left", depth_mm=10)])


def test_a_screened_patient_can_be_needled_in_the_planned_regions(visit, lot, episode, alice):
    screened(episode, alice, ANSWERS)
    ins = needle(visit, lot)
    assert ins.region == "lumbar" and ins.clinic == visit.clinic and ins.patient == visit.patient
    with pytest.raises(ValidationError, match="thoracic region was not planned"):
        needle(visit, lot, muscle="rhomboid_major")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"depth_mm": 51}, "more than the needle's 50 mm"),
        ({"muscle": "gluteus_medius", "region": "lumbar"}, "Gluteus medius is needled in: gluteal"),
        ({"muscle": "biceps"}, "Unknown muscle"),
    ],
)
def test_bad_needles_are_refused(visit, lot, episode, alice, changes, message):
    screened(episode, alice, ANSWERS)
    with pytest.raises(ValidationError, match=message):
        needle(visit, lot, **changes)


def test_expired_or_foreign_lots_are_refused(visit, lot, episode, alice, clinic_b):
    screened(episode, alice, ANSWERS)
    lot.expires = today_a() - timedelta(days=1)
    lot.save()
    with pytest.raises(ValidationError, match="expired"):
        needle(visit, lot)
    foreign = NeedleLot.objects.create(
        clinic=clinic_b,
        manufacturer="X",
        diameter_mm="0.25",
        length_mm=30,
        lot_number="B1",
        expires=today_a() + timedelta(days=9),
    )
    with pytest.raises(ValidationError, match="not in this clinic's stock"):
        needle(visit, foreign)


def test_a_visit_cannot_be_signed_while_a_needle_is_in(visit, lot, episode, certified):
    screened(episode, certified, ANSWERS)
    a, b = needle(visit, lot), needle(visit, lot, side="right")
    services.remove_needle(a, certified)
    with pytest.raises(ValidationError, match="1 needle is not recorded as removed"):
        services.sign(visit, certified)
    # Not even by going around the code.
    with pytest.raises(DatabaseError, match="inserted and removed differ"), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(status="signed", signed_at=timezone.now(), sha256="x" * 64)
    with pytest.raises(ValidationError, match="before it went in"):
        services.remove_needle(b, certified, when=b.time_in - timedelta(minutes=1))
    services.remove_needle(b, certified)
    services.sign(visit, certified)
    visit.refresh_from_db()
    assert (
        visit.status == "signed" and visit.sha256 == hashlib.sha256(services.canonical_note(visit).encode()).hexdigest()
    )


def test_a_signed_visit_cannot_change_by_any_path(visit, lot, episode, certified):
    screened(episode, certified, ANSWERS)
    services.remove_needle(needle(visit, lot), certified)
    services.sign(visit, certified)
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(notes="changed later")
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        Insertion.objects.filter(visit=visit).update(depth_mm=5)
    with pytest.raises(ValidationError, match="signed"):
        needle(visit, lot)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM visits_visit WHERE id = %s", [visit.pk])
    with pytest.raises(ValidationError, match="already signed"):
        services.sign(visit, certified)


def test_only_a_certified_practitioner_signs_needling(visit, lot, episode, alice, admin):
    screened(episode, alice, ANSWERS)
    services.remove_needle(needle(visit, lot), alice)
    assert "no current dry-needling certification" in " ".join(services.can_sign(alice, visit))
    assert "Only a practitioner" in " ".join(services.can_sign(admin, visit))
    certify(alice, -1)
    assert "no current dry-needling certification" in " ".join(services.can_sign(alice, visit))


def test_the_database_refuses_a_removal_before_insertion(visit, lot, episode, alice):
    screened(episode, alice, ANSWERS)
    ins = needle(visit, lot)
    with pytest.raises(IntegrityError), transaction.atomic():
        Insertion.objects.filter(pk=ins.pk).update(time_out=ins.time_in - timedelta(seconds=1))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["in", "out"]), st.integers(0, 9)), max_size=25))
def test_the_count_invariant_holds_for_any_sequence(visit, lot, episode, certified, steps):
    screened(episode, certified, ANSWERS)
    sid = transaction.savepoint()
    placed = []
    for action, n in steps:
        if action == "in":
            placed.append(needle(visit, lot, depth_mm=10 + n))
        elif placed:
            ins = placed[n % len(placed)]
            if ins.time_out is None:
                services.remove_needle(ins, certified)
    inside = sum(1 for i in placed if i.time_out is None)
    if inside:
        with pytest.raises(ValidationError):
            services.sign(visit, certified)
        visit.refresh_from_db()
        assert visit.status == "draft"
    else:
        services.sign(visit, certified)
        assert Insertion.objects.filter(visit=visit, time_out__isnull=True).count() == 0
    transaction.savepoint_rollback(sid)
    visit.refresh_from_db()


def test_the_depth_guard_over_the_lung_fields(visit, lot, episode, alice):
    screened(episode, alice, {**ANSWERS, "planned_regions": ["thoracic", "lumbar"]})
    s = episode.screenings.get(status="current")
    screening.acknowledge(s, alice, ["thoracic_region"])
    ok = needle(visit, lot, muscle="rhomboid_major", depth_mm=19)
    assert ok.warnings == []
    with pytest.raises(ValidationError, match="deeper than the 19 mm limit for rhomboid major"):
        needle(visit, lot, muscle="rhomboid_major", depth_mm=25)
    deep = needle(
        visit,
        lot,
        muscle="rhomboid_major",
        depth_mm=25,
        protective_technique="bony_backstop",
        depth_reason="Large build; needle directed onto the rib under palpation",
    )
    assert "Over a rib or lamina" in deep.warnings[0]
    assert "protective_technique" in services.canonical_note(visit)


def test_a_clinic_sets_its_own_depth_limit(visit, lot, episode, alice, clinic_a):
    from dryneedle.visits.models import DepthLimit

    screened(episode, alice, {**ANSWERS, "planned_regions": ["thoracic"]})
    screening.acknowledge(episode.screenings.get(status="current"), alice, ["thoracic_region"])
    DepthLimit.objects.create(clinic=clinic_a, muscle="upper_trapezius", max_mm=15, source="Clinic governance 2026")
    with pytest.raises(ValidationError, match=r"15 mm limit .* \(Clinic governance 2026\)"):
        needle(visit, lot, muscle="upper_trapezius", depth_mm=20)


def test_medial_angles_at_the_thoracolumbar_junction_are_flagged(visit, lot, episode, alice):
    screened(episode, alice, ANSWERS)
    ins = needle(visit, lot, angle="medial")
    assert "spinal canal" in ins.warnings[0] and "Williams 2023" in ins.warnings[0]


def test_amendments_follow_a_signed_note_which_never_changes(visit, lot, episode, certified):
    screened(episode, certified, ANSWERS)
    services.remove_needle(needle(visit, lot), certified)
    with pytest.raises(ValidationError, match="Only a signed visit"):
        services.amend(visit, certified, "x", "typing error")
    services.sign(visit, certified)
    before = visit.sha256
    a = services.amend(visit, certified, "The needle was on the right, not the left.", "typing error")
    visit.refresh_from_db()
    assert visit.sha256 == before == hashlib.sha256(services.canonical_note(visit).encode()).hexdigest()
    with pytest.raises(DatabaseError), transaction.atomic():
        type(a).objects.filter(pk=a.pk).update(text="rewritten")


@pytest.mark.parametrize(("muscles", "code"), [(1, "20560"), (2, "20560"), (3, "20561"), (4, "20561")])
def test_the_us_procedure_code_follows_the_distinct_muscles(visit, lot, episode, alice, muscles, code):
    screened(episode, alice, {**ANSWERS, "planned_regions": ["lumbar", "gluteal"]})
    names = ["multifidus", "quadratus_lumborum", "gluteus_medius", "piriformis"][:muscles]
    needles = [needle(visit, lot, muscle=m) for m in names] + [needle(visit, lot, muscle=names[0], side="right")]
    note = services.soap_note(visit, needles)
    assert f"Procedure code {code} ({muscles} muscle" in " ".join(note["Plan"])


def test_no_procedure_code_outside_the_us(visit, lot, episode, alice):
    visit.clinic.jurisdiction = "GB-ENG"
    visit.clinic.save()
    screened(episode, alice, ANSWERS)
    note = services.soap_note(visit, [needle(visit, lot)])
    assert "Procedure code" not in " ".join(note["Plan"])


def test_a_missing_needle_is_accounted_for_only_by_an_incident(visit, lot, episode, certified):
    screened(episode, certified, ANSWERS)
    lost = needle(visit, lot)
    with pytest.raises(ValidationError, match="not recorded as removed"):
        services.sign(visit, certified)
    with pytest.raises(ValidationError, match="tell the patient"):
        services.record_incident(
            lost, certified, search_done=True, found=False, patient_informed=False, notes="searched"
        )
    services.record_incident(
        lost,
        certified,
        search_done=True,
        found=False,
        patient_informed=True,
        notes="Searched table, floor, gown and sharps box; not found; patient told.",
    )
    services.sign(visit, certified)
    visit.refresh_from_db()
    assert visit.status == "signed" and lost.incident.found is False


def test_the_incident_page(as_alice, visit, lot, episode, alice):
    screened(episode, alice, ANSWERS)
    lost = needle(visit, lot)
    r = as_alice.post(f"/visits/needles/{lost.code}/incident/", {"search_done": "on", "notes": "searched"}, follow=True)
    assert "tell the patient" in r.content.decode()
    as_alice.post(
        f"/visits/needles/{lost.code}/incident/",
        {"search_done": "on", "patient_informed": "on", "found": "yes", "notes": "Found on the couch, patient told."},
    )
    lost.refresh_from_db()
    assert lost.incident.found and "incident: found" in as_alice.get(f"/visits/{visit.code}/").content.decode()


def test_manipulation_and_removal_are_recorded_and_noted(visit, lot, episode, alice):
    screened(episode, alice, ANSWERS)
    with pytest.raises(ValidationError, match="frequency and the intensity"):
        needle(visit, lot, technique="electrical")
    n = needle(
        visit,
        lot,
        technique="electrical",
        estim_frequency_hz=2,
        estim_intensity="to tolerance",
        recognition=True,
        sensations=["twitch", "referral"],
        position="side_lying",
        guidance="ultrasound",
    )
    with pytest.raises(ValidationError, match="none, a spot"):
        services.remove_needle(n, alice, bleeding="lots")
    services.remove_needle(n, alice, pressure_applied=True, bleeding="more")
    note = services.soap_note(visit, [n])
    text = " ".join(note["Assessment"] + note["Plan"])
    assert "recognised by the patient at 1 of 1" in text and "referred sensation, twitch" in text
    assert "Bleeding more than a spot at 1 site" in text


def test_the_visit_form_refuses_a_needle_past_the_screening(as_alice, visit, lot, episode, alice):
    body = {
        "muscle": "multifidus",
        "side": "left",
        "lot": str(lot.code),
        "depth_mm": 20,
        "technique": "static",
        "angle": "perpendicular",
        "position": "prone",
        "guidance": "palpation",
        "local_twitch_responses": 0,
    }
    r = as_alice.post(f"/visits/{visit.code}/needles/", body)
    assert r.status_code == 400 and "No screening yet: screen the patient before needling." in r.content.decode()
    assert "Insertion is locked" in r.content.decode()
    screened(episode, alice, {**ANSWERS, "findings": ["fever", "iv_drug_use"]})
    r = as_alice.post(f"/visits/{visit.code}/needles/", body)
    assert r.status_code == 400 and "urgent referral: do not needle" in r.content.decode()
    assert not Insertion.objects.exists()
    from dryneedle.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="insertion.create", outcome="invalid").count() == 2


GUARDED_BY_THE_REVIEW = [
    # Safety review §14: every muscle over the lung fields, near the apex, and over the pleura/kidney at T12-L1.
    ("lower_trapezius", "thoracic"),
    ("middle_trapezius", "thoracic"),
    ("serratus_posterior_superior", "thoracic"),
    ("serratus_posterior_inferior", "thoracic"),
    ("iliocostalis_thoracis", "thoracic"),
    ("longissimus_thoracis", "thoracic"),
    ("multifidus", "thoracic"),
    ("levator_scapulae", "cervical"),
    ("supraspinatus", "thoracic"),
    ("quadratus_lumborum", "lumbar"),
    ("iliocostalis_lumborum", "lumbar"),
    ("longissimus_thoracis", "lumbar"),
    ("multifidus", "lumbar"),
]


@pytest.mark.parametrize(("muscle", "region"), GUARDED_BY_THE_REVIEW)
def test_muscles_with_no_safe_default_need_a_protective_technique(visit, lot, episode, alice, muscle, region):
    from dryneedle.visits import depth

    guard = depth.guard_for(muscle, region)
    assert guard is not None and guard.default is None
    screened(episode, alice, {**ANSWERS, "planned_regions": ["thoracic", "cervical", "lumbar"]})
    with pytest.raises(ValidationError, match="no safe default known"):
        needle(visit, lot, muscle=muscle, region=region, depth_mm=5, protective_technique="", depth_reason="")
    ok = needle(visit, lot, muscle=muscle, region=region, depth_mm=12, protective_technique="pincer_grip",
                depth_reason="Pincer grip over the rib, tangential")  # fmt: skip
    assert "no safe default depth" in ok.warnings[0] and "Pincer grip" in ok.warnings[0]


def test_a_previous_pneumothorax_asks_for_a_protective_technique_over_the_lungs(visit, lot, episode, alice):
    screened(episode, alice, {**ANSWERS, "findings": ["prior_pneumothorax"], "planned_regions": ["thoracic"]})
    with pytest.raises(ValidationError, match="previous pneumothorax or COPD"):
        needle(visit, lot, muscle="rhomboid_major", depth_mm=10)  # within the 19 mm default
    needle(visit, lot, muscle="rhomboid_major", depth_mm=10, protective_technique="ultrasound",
           depth_reason="Ultrasound: pleura at 24 mm")  # fmt: skip


def test_raising_a_limit_needs_a_reference_a_second_admin_and_stays_under_the_cap(
    visit, lot, episode, alice, admin, clinic_a
):
    from conftest import client_for, make_user
    from dryneedle.audit.models import AuditEvent
    from dryneedle.visits.models import DepthLimit

    url = "/visits/muscles/depth-limit/"
    a = client_for(admin)
    # Five characters are not a reference.
    a.post(url, {"muscle": "rhomboid_major", "max_mm": "25", "source": "Trust"})
    assert not DepthLimit.objects.exists()
    # Above the cap (30 mm over the thorax, Kearns 2022) even with a reference.
    ref = "Kearns GA et al. Musculoskelet Sci Pract 2022;62:102622"
    a.post(url, {"muscle": "rhomboid_major", "max_mm": "35", "source": ref})
    assert not DepthLimit.objects.exists()
    # No depth at all can be set at T12-L1: no source gives one.
    a.post(url, {"muscle": "quadratus_lumborum", "max_mm": "20", "source": ref})
    assert not DepthLimit.objects.exists()
    # A raise within the cap waits for a second admin; the cited default holds meanwhile.
    a.post(url, {"muscle": "rhomboid_major", "max_mm": "25", "source": ref})
    assert DepthLimit.objects.get().status == "pending"
    screened(episode, alice, {**ANSWERS, "planned_regions": ["thoracic"]})
    with pytest.raises(ValidationError, match="19 mm limit"):
        needle(visit, lot, muscle="rhomboid_major", depth_mm=22)
    a.post(url + "approve/", {"muscle": "rhomboid_major"})
    assert DepthLimit.objects.get().status == "pending"  # not by the admin who proposed it
    second = make_user("second@a.example", clinic_a, "clinic_admin", "Sam", "Second")
    client_for(second).post(url + "approve/", {"muscle": "rhomboid_major"})
    limit = DepthLimit.objects.get()
    assert (limit.status, limit.max_mm, limit.approved_by) == ("active", 25, second)
    assert needle(visit, lot, muscle="rhomboid_major", depth_mm=22).warnings == [
        f"Within this clinic's 25 mm limit ({ref})."
    ]
    assert AuditEvent.objects.filter(action="depth_limit.approve", outcome="ok").count() == 1
    assert AuditEvent.objects.filter(action="depth_limit.approve", outcome="denied").count() == 1
    # Lowering takes effect at once.
    a.post(url, {"muscle": "rhomboid_major", "max_mm": "15", "source": "Clinic protocol 2026"})
    assert DepthLimit.objects.get().max_mm == 15
    # The database refuses an approval by the proposer, whatever the path.
    limit = DepthLimit.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        DepthLimit.objects.filter(pk=limit.pk).update(approved_by=limit.proposed_by)


def test_a_visit_is_started_on_an_open_episode_and_takes_its_clinic_and_patient(alice, episode):
    from django.core.exceptions import ValidationError as Invalid

    from dryneedle.visits import services

    v = services.start_visit(episode, alice)
    assert (v.clinic, v.patient, v.episode, v.practitioner, v.created_by, v.status) == (
        episode.clinic, episode.patient, episode, alice, alice, "draft"
    )  # fmt: skip
    episode.status = "discharged"  # not saved: the rule reads the episode it is given
    with pytest.raises(Invalid, match="open episode"):
        services.start_visit(episode, alice)
