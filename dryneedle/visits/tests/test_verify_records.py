"""RT-15: signed visits carry a SHA-256 of their canonical JSON; verify_records finds changes made around the guards."""

import io
import random
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from conftest import ONTO_BONE, _lot, certify
from dryneedle.lib import guards
from dryneedle.screening.services import acknowledge
from dryneedle.visits import services, triggers
from dryneedle.visits.models import Insertion, Visit

pytestmark = pytest.mark.django_db


@contextmanager
def guards_lifted():
    """What someone with the database file or a superuser could do: drop the visit triggers."""
    drops = triggers.SQLITE_DROP if connection.vendor == "sqlite" else triggers.POSTGRES_DROP
    with connection.cursor() as c:
        for sql in drops:
            c.execute(sql)
    try:
        yield
    finally:
        guards.install_all(connection)


def raw(sql, params=()):
    with connection.cursor() as c:
        c.execute(sql, params)


@pytest.fixture
def signed(visit, screening, alice, clinic_a):
    acknowledge(screening, alice, ["diabetes"])
    certify(alice, 100)
    lot = _lot(clinic_a, "RT15")
    visit.pain_chart = [
        {"region": "post_lumbar_l", "intensity": 6, "quality": "aching"},
        {"region": "post_gluteal_l", "intensity": 4, "quality": "sharp"},
    ]
    visit.notes = "Tolerated well; reviewed home stretches."
    visit.pre_nprs, visit.post_nprs = 6, 4
    visit.save()
    for muscle, depth in (("multifidus", 30), ("gluteus_medius", 40), ("quadratus_lumborum", 35)):
        guarded = {} if muscle == "gluteus_medius" else ONTO_BONE
        ins = Insertion.objects.create(
            visit=visit,
            lot=lot,
            muscle=muscle,
            side="left",
            depth_mm=depth,
            created_by=alice,
            updated_by=alice,
            **guarded,
        )
        services.remove_needle(ins, alice, when=timezone.now(), bleeding="spot")
    services.sign(visit, alice)
    return visit


def _flip(text: str, rng: random.Random) -> str:
    """One character changed, as a single-byte edit in the file would."""
    i = rng.randrange(len(text))
    return text[:i] + ("x" if text[i] != "x" else "y") + text[i + 1 :]


def _tamper(v: Visit, rng: random.Random) -> str:
    ins = rng.choice(list(v.insertions.all()))
    kind = rng.choice(("notes", "nprs", "chart", "depth", "muscle", "time_out", "bleeding", "lot", "events"))
    if kind == "notes":
        raw("UPDATE visits_visit SET notes = %s WHERE id = %s", (_flip(v.notes, rng), v.pk))
    elif kind == "nprs":
        raw("UPDATE visits_visit SET post_nprs = %s WHERE id = %s", ((v.post_nprs + 1) % 11, v.pk))
    elif kind == "chart":
        chart = [dict(m) for m in v.pain_chart]
        chart[rng.randrange(len(chart))]["intensity"] = rng.choice([i for i in range(11) if i not in (6, 4)])
        Visit.objects.filter(pk=v.pk).update(pain_chart=chart)
    elif kind == "depth":
        raw("UPDATE visits_insertion SET depth_mm = depth_mm + 1 WHERE id = %s", (ins.pk,))
    elif kind == "muscle":
        raw("UPDATE visits_insertion SET muscle = %s WHERE id = %s", ("piriformis", ins.pk))
    elif kind == "time_out":
        Insertion.objects.filter(pk=ins.pk).update(time_out=ins.time_out + timezone.timedelta(seconds=1))
    elif kind == "bleeding":
        raw("UPDATE visits_insertion SET bleeding = %s WHERE id = %s", ("none", ins.pk))
    elif kind == "lot":
        raw("UPDATE visits_needlelot SET lot_number = %s WHERE id = %s", (_flip(ins.lot.lot_number, rng), ins.lot_id))
    else:
        raw("UPDATE visits_visit SET immediate_events = %s WHERE id = %s", (" ", v.pk))
    return kind


@pytest.mark.owner
def test_a_clean_database_matches_and_every_single_change_is_found(signed):
    assert services.verify_signed() == (1, [])
    rng = random.Random(15)
    found = 0
    for trial in range(100):
        sid = transaction.savepoint()
        with guards_lifted():
            kind = _tamper(signed, rng)
        _checked, bad = services.verify_signed()
        assert [v.pk for v in bad] == [signed.pk], f"trial {trial}: {kind} not detected"
        found += 1
        transaction.savepoint_rollback(sid)
    assert found == 100
    assert services.verify_signed() == (1, [])


@pytest.mark.owner
def test_verify_records_command(signed):
    out = io.StringIO()
    call_command("verify_records", stdout=out)
    assert "1 visits verified" in out.getvalue()
    with guards_lifted():
        raw("UPDATE visits_insertion SET depth_mm = 49 WHERE visit_id = %s", (signed.pk,))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 signed visits do not match"):
        call_command("verify_records", stdout=out, stderr=err)
    assert f"MISMATCH visit {signed.code}" in err.getvalue()
