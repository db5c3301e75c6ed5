"""Every API list is paged, never cut short: walking the pages gives every row once, and `count` says how many
there are (the lists used to stop silently at 500, 1,000 or 2,000 rows)."""

from datetime import date

import pytest

from conftest import client_for
from dryneedle.accounts.models import Membership, Role
from dryneedle.demo.seed import seed

TODAY = date(2026, 11, 26)
LISTS = [
    (Role.PRACTITIONER, "/api/v1/patients?sort=name"),
    (Role.PRACTITIONER, "/api/v1/plans"),
    (Role.PRACTITIONER, "/api/v1/adverse-events"),
    (Role.RECEPTION, "/api/v1/appointments?since=2026-11-12T00:00:00Z&until=2026-12-10T00:00:00Z"),
    (Role.RECEPTION, "/api/v1/availability"),
]


def _key(item):
    return item.get("code") or (item["practitioner"], item["weekday"], item["start"])


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "url"), LISTS)
def test_walking_the_pages_gives_every_row_once(role, url):
    seed(patients=24, clinics=1, seed=3, today=TODAY, quiet=True)
    user = Membership.objects.filter(role=role, is_active=True).select_related("user").first().user
    c = client_for(user)
    sep = "&" if "?" in url else "?"
    whole = c.get(f"{url}{sep}limit=500").json()
    assert whole["count"] == len(whole["items"]) > 3, (url, whole["count"])
    walked, offset = [], 0
    while True:
        got = c.get(f"{url}{sep}limit=3&offset={offset}").json()
        assert got["count"] == whole["count"] and len(got["items"]) <= 3
        if not got["items"]:
            break
        walked += got["items"]
        offset += 3
    assert [_key(i) for i in walked] == [_key(i) for i in whole["items"]]
    assert c.get(f"{url}{sep}limit=501").status_code == 422
    assert c.get(f"{url}{sep}offset=-1").status_code == 422
