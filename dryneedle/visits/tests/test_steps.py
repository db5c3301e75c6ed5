"""The visit page in step order (issue 18, defect 13): steps 1-2 are saved before the needles, step 5 after them,
and saving one part never touches the other."""

import pytest
from django.utils import timezone

from conftest import client_for
from dryneedle.visits.models import Visit

pytestmark = pytest.mark.django_db


def test_each_part_saves_its_own_steps_and_keeps_the_others(alice, visit, screening):
    c = client_for(alice)
    html = c.get(f"/visits/{visit.code}/").content.decode()
    # In order: 1, 2, then the needles (3-4), then 5, then signing
    assert html.index("1. Assessment") < html.index("2. Sterilisation") < html.index("3–4. Insertion")
    assert html.index("3–4. Insertion") < html.index("5. After removal") < html.index("<h2>Sign</h2>")
    before = {"part": "before", "pre_nprs": "7", "hand_hygiene": "on", "clean_field": "on",
              "sterile_single_use": "on", "skin_prep_agent": "70% isopropyl alcohol",
              "pain_region": "post_lumbar_l", "intensity_post_lumbar_l": "6",
              "quality_post_lumbar_l": "aching"}  # fmt: skip
    r = c.post(f"/visits/{visit.code}/save/", before)
    assert r.status_code == 302
    visit.refresh_from_db()
    assert visit.pre_nprs == 7 and visit.hand_hygiene and visit.pain_chart
    r = c.post(f"/visits/{visit.code}/save/", {"part": "after", "post_nprs": "3", "notes": "Tolerated well."})
    assert r.status_code == 302 and r["Location"].endswith("#step-5")
    visit.refresh_from_db()
    assert (visit.post_nprs, visit.notes) == (3, "Tolerated well.")
    assert visit.pre_nprs == 7 and visit.hand_hygiene and visit.clean_field and visit.pain_chart  # untouched
    c.post(f"/visits/{visit.code}/save/", {**before, "pre_nprs": "8"})
    visit.refresh_from_db()
    assert visit.pre_nprs == 8 and visit.notes == "Tolerated well." and visit.post_nprs == 3  # untouched
    # A bad value in step 5 is refused and nothing of it is saved
    r = c.post(f"/visits/{visit.code}/save/", {"part": "after", "post_nprs": "11", "notes": "x"})
    assert r.status_code == 400
    visit.refresh_from_db()
    assert visit.post_nprs == 3 and visit.notes == "Tolerated well."


def test_each_part_saves_as_you_go(alice, visit, screening):
    """The page's script saves a part when a field changes (X-Autosave): a JSON answer, the same checks."""
    c = client_for(alice)
    url = f"/visits/{visit.code}/save/"
    r = c.post(url, {"part": "after", "post_nprs": "2", "notes": "Sore for a minute"}, headers={"X-Autosave": "1"})
    assert r.status_code == 200 and r.json()["saved"]
    visit.refresh_from_db()
    assert (visit.post_nprs, visit.notes) == (2, "Sore for a minute")
    r = c.post(url, {"part": "after", "post_nprs": "11", "notes": "x"}, headers={"X-Autosave": "1"})
    assert r.status_code == 400 and r.json()["detail"].startswith("Pain after")
    visit.refresh_from_db()
    assert visit.post_nprs == 2  # nothing of the refused save
    Visit.objects.filter(pk=visit.pk).update(status="signed", signed_at=timezone.now(), sha256="0" * 64)
    r = c.post(url, {"part": "after", "post_nprs": "1"}, headers={"X-Autosave": "1"})
    assert r.status_code == 409 and "signed" in r.json()["detail"]
