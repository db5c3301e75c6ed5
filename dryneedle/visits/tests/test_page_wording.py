"""What the visit and episode pages say, said once and plainly (issue 18, defects 6-8)."""

import re

import pytest

from conftest import ONTO_BONE, client_for

pytestmark = pytest.mark.django_db


def text(r) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.content.decode()))


def test_a_needle_still_in_is_said_once_when_signing_fails(alice, insertion):
    visit = insertion.visit
    page = text(client_for(alice).post(f"/visits/{visit.code}/sign/", follow=True))
    assert page.count("1 needle is not recorded as removed") == 1
    assert "Not signed: what stops it is listed next to “Sign the note”." in page


def test_the_gate_banner_and_field_labels_do_not_repeat_themselves(alice, insertion, episode):
    c = client_for(alice)
    for url in (f"/patients/episodes/{episode.code}/", f"/visits/{insertion.visit.code}/"):
        page = text(c.get(url))
        assert "Needling allowed. Needling allowed." not in page, url
        assert "(optional) (optional)" not in page, url
    assert "Trigger point (optional)" in text(c.get(f"/visits/{insertion.visit.code}/"))


def test_a_depth_past_the_needle_names_the_needle_length(alice, insertion, lot_a):
    """Issue 18: 500 mm with a 50 mm needle said "≤ 150"; it says the needle's length now, and nothing is saved."""
    body = {**ONTO_BONE, "muscle": "multifidus", "side": "left", "lot": str(lot_a.code), "depth_mm": "500",
            "technique": "static", "angle": "perpendicular", "position": "prone", "guidance": "palpation",
            "local_twitch_responses": "0"}  # fmt: skip
    r = client_for(alice).post(f"/visits/{insertion.visit.code}/needles/", body)
    assert r.status_code == 400
    assert "500 mm is deeper than this needle is long: a 50 mm needle reaches 50 mm at most." in text(r)
    assert insertion.visit.insertions.count() == 1


def test_count_out_together_takes_only_the_ticked_needles(alice, insertion, lot_a):
    """Issue 18: "count all out" for the common case, each needle still confirmed by its own tick."""
    from conftest import _needle

    visit = insertion.visit
    second = _needle(visit, lot_a, alice)
    third = _needle(visit, lot_a, alice)
    c = client_for(alice)
    page = text(c.get(f"/visits/{visit.code}/"))
    assert "Count out 3 needles" in page
    r = c.post(f"/visits/{visit.code}/needles/count-out/", {"needle": [str(insertion.code), str(second.code)]},
               follow=True)  # fmt: skip
    assert "2 needles counted out; 1 still in." in text(r)
    assert set(visit.insertions.filter(time_out__isnull=True).values_list("pk", flat=True)) == {third.pk}
    out = visit.insertions.get(pk=second.pk)
    assert out.pressure_applied and out.bleeding == "none" and out.updated_by == alice
    r = c.post(f"/visits/{visit.code}/needles/count-out/", {}, follow=True)
    assert "Tick the needles to count out." in text(r)
    r = c.post(f"/visits/{visit.code}/needles/count-out/", {"needle": [str(third.code)]}, follow=True)
    assert "1 needle counted out; none still in." in text(r) and "Count out" not in text(r)
