"""Needle stock: a clinic adds its lots; expired and duplicate lots are refused."""

from datetime import timedelta

import pytest

from conftest import today_a
from dryneedle.visits.models import NeedleLot

pytestmark = pytest.mark.django_db
LOT = {
    "manufacturer": "Seirin",
    "diameter_mm": "0.30",
    "length_mm": "50",
    "lot_number": "24B1234",
    "expires": (today_a() + timedelta(days=400)).isoformat(),
}


def test_a_practitioner_adds_a_lot(as_alice, clinic_a):
    r = as_alice.post("/visits/stock/", LOT)
    assert r.status_code == 302
    lot = NeedleLot.objects.get()
    assert lot.clinic == clinic_a and str(lot.diameter_mm) == "0.30"
    assert "24B1234" in as_alice.get("/visits/stock/").content.decode()
    r = as_alice.post("/visits/stock/", LOT)
    assert "already in stock" in r.content.decode() and NeedleLot.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires": "2020-01-01"}, "already expired"),
        ({"diameter_mm": "0.9"}, "less than or equal to 0.5"),
        ({"length_mm": "0"}, "greater than or equal to 5"),
    ],
)
def test_bad_lots_are_refused(as_alice, change, message):
    r = as_alice.post("/visits/stock/", {**LOT, **change})
    assert message in r.content.decode() and not NeedleLot.objects.exists()


def test_reception_and_other_clinics_see_no_stock(as_bob, as_charlie, lot_a):
    assert as_bob.get("/visits/stock/").status_code == 403
    assert "A-100" not in as_charlie.get("/visits/stock/").content.decode()
