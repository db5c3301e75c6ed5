"""The trigger-point registry: Delphi findings, status across visits, reused by later needles."""

import pytest
from django.core.exceptions import ValidationError

from conftest import ONTO_BONE, SCREENING_ANSWERS, screened
from dryneedle.visits import services
from dryneedle.visits.models import Insertion, TriggerPoint, Visit

pytestmark = pytest.mark.django_db
ESSENTIAL = {"taut_band": True, "hypersensitive_spot": True, "referred_pain": True}


@pytest.mark.parametrize(
    ("findings", "status"),
    [
        ({**ESSENTIAL, "recognition": True}, "active"),  # Delphi: recognition of the patient's pain → active
        (ESSENTIAL, "latent"),
        ({"taut_band": True, "hypersensitive_spot": True, "recognition": True}, "not_met"),  # no referral
        ({**ESSENTIAL, "recognition": True, "resolved": True}, "resolved"),
    ],
    ids=["S7-Delphi-active", "S7-Delphi-latent", "S7-Delphi-cluster-incomplete", "resolved"],
)
def test_the_status_follows_the_delphi_criteria(visit, alice, findings, status):
    exam = services.examine_trigger_point(visit, alice, {"muscle": "quadratus_lumborum", "side": "right", **findings})
    assert exam.status == status


def test_a_trigger_point_is_followed_across_visits(visit, alice, episode, as_alice):
    first = services.examine_trigger_point(
        visit, alice, {"muscle": "gluteus_medius", "side": "left", **ESSENTIAL, "recognition": True, "tenderness": 7}
    )
    later = Visit.objects.create(clinic=episode.clinic, patient=episode.patient, episode=episode, practitioner=alice)
    tp = first.trigger_point
    services.examine_trigger_point(later, alice, ESSENTIAL, trigger_point=tp)
    assert [e.status for e in tp.exams.order_by("created")] == ["active", "latent"]
    page = as_alice.get(f"/visits/{later.code}/").content.decode()
    assert "Gluteus medius (left)" in page and ": active</span>" in page and ": latent</span>" in page


def test_the_page_records_a_new_and_a_followed_trigger_point(as_alice, visit):
    as_alice.post(
        f"/visits/{visit.code}/trigger-points/",
        {
            "tp-muscle": "piriformis",
            "tp-side": "right",
            "tp-location": "mid-belly",
            "tp-taut_band": "on",
            "tp-hypersensitive_spot": "on",
            "tp-referred_pain": "on",
            "tp-tenderness": "6",
        },
    )
    tp = TriggerPoint.objects.get()
    assert tp.location == "mid-belly" and tp.exams.get().status == "latent"
    as_alice.post(f"/visits/{visit.code}/trigger-points/", {"tp-trigger_point": str(tp.code), "tp-resolved": "on"})
    assert tp.exams.get().status == "resolved"  # the same visit's findings are updated, not duplicated
    r = as_alice.post(f"/visits/{visit.code}/trigger-points/", {"tp-muscle": "", "tp-side": "right"}, follow=True)
    assert "Choose the muscle." in r.content.decode()


def test_needles_name_trigger_points_of_their_own_episode_only(visit, alice, episode, lot_a, foreign_patient, charlie):
    screened(episode, alice, SCREENING_ANSWERS)
    tp = services.examine_trigger_point(
        visit, alice, {"muscle": "multifidus", "side": "left", **ESSENTIAL}
    ).trigger_point
    ins = Insertion.objects.create(
        visit=visit, lot=lot_a, muscle="multifidus", side="left", depth_mm=20, trigger_point=tp, **ONTO_BONE
    )
    assert ins.trigger_point == tp and str(tp.code) in services.canonical_note(visit)
    other = foreign_patient.episodes.get()
    v2 = Visit.objects.create(clinic=other.clinic, patient=foreign_patient, episode=other, practitioner=charlie)
    foreign_tp = services.examine_trigger_point(v2, charlie, {"muscle": "multifidus", "side": "left"}).trigger_point
    with pytest.raises(ValidationError, match="another episode"):
        Insertion.objects.create(
            visit=visit, lot=lot_a, muscle="multifidus", side="left", depth_mm=20, trigger_point=foreign_tp, **ONTO_BONE
        )
