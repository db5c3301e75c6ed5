"""The demo clinics' needle stock, the needling visits with their needles, and the reactions reported."""

import random
from datetime import UTC, date, datetime, time, timedelta

from django.db import models

from dryneedle.accounts.models import Clinic
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.demo import common, records
from dryneedle.screening.models import Screening
from dryneedle.visits import depth
from dryneedle.visits.models import Insertion, NeedleLot, Visit
from dryneedle.visits.muscles import MUSCLES
from dryneedle.visits.services import note_sha256

# What a clinician writes for the protective technique: over the lungs a pincer grip, in the lumbar region onto
# the lamina or transverse process (docs/clinical-sources.md §4.3).
_PROTECT = {
    False: ("pincer_grip", "Pincer grip over the rib, needle tangential"),
    True: ("bony_backstop", "Directed onto the lamina under palpation"),
}


def lots(rng: random.Random, clinic: Clinic, today: date) -> list[NeedleLot]:
    sizes = (("0.25", 30), ("0.30", 50), ("0.30", 60))
    lots = [
        NeedleLot.objects.create(
            clinic=clinic,
            manufacturer=rng.choice(("Seirin", "Agu-punt", "Dongbang")),
            diameter_mm=d,
            length_mm=n,
            lot_number=f"{rng.randint(10, 99)}{rng.choice('ABCDEFGH')}{rng.randint(1000, 9999)}",
            expires=today + timedelta(days=rng.randint(200, 900)),
        )
        for d, n in sizes
    ]
    NeedleLot.objects.create(
        clinic=clinic,
        manufacturer="Seirin",
        diameter_mm="0.20",
        length_mm=40,
        lot_number=f"OLD{rng.randint(100, 999)}",
        expires=today - timedelta(days=40),
    )
    return lots


def visits(
    rng: random.Random, screenings: list[Screening], lots: dict, today: date, now: datetime | None = None
) -> tuple[list[Visit], list[Visit]]:
    """Weekly visits inside each screening's validity, only where the gate allows needling, as (done, later).

    Done: up to ``now``, signed, but for a few of the last two days still in draft (needles out, the note not yet
    signed), as in any clinic. Later: today's visits still to come, not saved (demo/care.py books them). The whole
    day is drawn from the generator whatever the hour, so the same seed gives the same data all day.

    Insertions go in through the plain QuerySet.bulk_create: the generated data
    satisfies the gate by construction (clear or acknowledged precautions,
    consent, planned regions), which the seed test checks.
    """
    visits, needles = [], []
    for s in screenings:
        e = s.episode
        if s.decision not in ("clear", "precautions") or s.answers["consent"] != "given" or e.clinician is None:
            continue
        regions = s.answers["planned_regions"]
        muscles = [m for m in MUSCLES if m.regions[0] in regions and m.regions[0] not in s.result["excluded_regions"]]
        end = min(e.discharge_date or today, today, s.valid_until.date() - timedelta(days=1))
        # In UTC, as the database gives it back: the signed note's hash covers its isoformat (visits/services.py).
        when = (s.created + timedelta(minutes=25)).astimezone(UTC)
        pain = rng.randint(4, 8)
        side = rng.choice(("left", "right"))
        pool = records.QUALITY_BY_CONDITION.get(e.condition, ("aching", "aching", "sharp", "burning"))
        qualities = list(pool) if e.condition in records.QUALITY_BY_CONDITION else rng.sample(pool, len(pool))
        while when.date() <= end and (now is None or when + timedelta(minutes=40) <= now):
            v = Visit(
                code=common.seeded_uuid(rng),
                clinic=e.clinic,
                patient=e.patient,
                episode=e,
                practitioner=e.clinician,
                started=when,
                status=Visit.Status.SIGNED,
                pre_nprs=pain,
                pain_chart=records.pain_chart(rng, e.condition, side, pain, qualities),
                post_nprs=max(0, pain - rng.randint(0, 3)),
                hand_hygiene=True,
                clean_field=True,
                skin_prep_agent="70% isopropyl alcohol",
                sterile_single_use=True,
                signed_at=when + timedelta(minutes=40),
                signed_by=e.clinician,
                created=when,
                updated=when,
                created_by=e.clinician,
                updated_by=e.clinician,
            )
            mine = []
            for k in range(rng.randint(2, 6)):
                m = rng.choice(muscles)
                lot = rng.choice(lots[e.clinic_id])
                t_in = when + timedelta(minutes=5 + 2 * k)
                depth_mm = rng.randint(10, min(40, lot.length_mm))
                guard = depth.guard_for(m.code, m.regions[0])
                if guard is not None and guard.default is not None:
                    depth_mm = min(depth_mm, guard.default.max_mm)  # within the cited limit
                # Where no safe default depth is known, a clinician records the protective technique, as the
                # depth guard requires on every path (visits/depth.py).
                protect = guard is not None and guard.default is None
                technique, reason = _PROTECT[m.regions[0] == "lumbar"] if protect else ("", "")
                mine.append(
                    Insertion(
                        code=common.seeded_uuid(rng),
                        clinic=e.clinic,
                        patient=e.patient,
                        visit=v,
                        muscle=m.code,
                        region=m.regions[0],
                        # mostly the painful side, as a clinician would
                        side=side if rng.random() < 0.8 else ("right" if side == "left" else "left"),
                        lot=lot,
                        depth_mm=depth_mm,
                        protective_technique=technique,
                        depth_reason=reason,
                        warnings=[depth.protected_note(None, guard, technique, reason)] if protect else [],
                        technique=rng.choice(("pistoning", "pistoning", "static", "rotation")),
                        local_twitch_responses=rng.randint(0, 4),
                        recognition=rng.random() < 0.6,
                        sensations=rng.sample(["twitch", "dull_ache", "pressure", "referral"], rng.randint(1, 2)),
                        pressure_applied=True,
                        bleeding=rng.choices(("none", "spot", "more"), (80, 17, 3))[0],
                        time_in=t_in,
                        time_out=t_in + timedelta(minutes=rng.randint(1, 15)),
                        created=t_in,
                        updated=t_in,
                        created_by=e.clinician,
                        updated_by=e.clinician,
                    )
                )
            v.sha256 = note_sha256(v, mine)
            visits.append(v)
            needles.extend(mine)
            pain = max(0, pain - rng.randint(0, 2))
            when += timedelta(days=7)
    # Draft first, then signed: the database refuses a signed visit whose needles are not all out,
    # and needles cannot be added to a signed visit.
    now = now or datetime.combine(today, time.max, UTC)
    # Adverse events are drawn for every visit (the generator's stream stays the same at any hour), kept for the
    # visits done.
    drawn = events(rng, visits, needles, today)
    later = [v for v in visits if v.started + timedelta(minutes=40) > now]
    if later:
        cut = {v.code for v in later}
        visits = [v for v in visits if v.code not in cut]
        needles = [n for n in needles if n.visit.code not in cut]
        drawn = [ev for ev in drawn if ev.visit not in later]
    # A few of the last two days' notes are not signed yet (chosen by the visit's own code, not the generator).
    recent = now - timedelta(days=2)
    drafts = {v.code for v in visits if v.started >= recent and v.code.int % 100 < 15}
    for v in visits:
        v.status = Visit.Status.DRAFT
        if v.code in drafts:
            v.signed_at, v.signed_by, v.sha256 = None, None, ""
    Visit.objects.bulk_create(visits, batch_size=common.BATCH)
    for n in needles:
        n.visit_id = n.visit.pk
    models.QuerySet(Insertion).bulk_create(needles, batch_size=common.BATCH)  # type: ignore[arg-type]  # an untyped QuerySet(model)
    Visit.objects.filter(pk__in=[v.pk for v in visits if v.code not in drafts]).update(status=Visit.Status.SIGNED)
    for v in visits:
        v.status = Visit.Status.DRAFT if v.code in drafts else Visit.Status.SIGNED
    AdverseEvent.objects.bulk_create(drawn, batch_size=common.BATCH)
    return visits, later


# Reactions the demo records, with roughly the frequencies of Brady 2014 (docs/clinical-sources.md §2.1)
# so the safety page has something to compare; invented data, not a clinic's.
DEMO_REACTIONS = (
    ("bruising", 0.075, "mild", "A small bruise at the needle site."),
    ("pain_during", 0.03, "mild", "Sharp pain on insertion, settled when the needle was withdrawn a little."),
    ("soreness_after", 0.03, "mild", "Sore for a day after the visit."),
    ("aggravation", 0.009, "mild", "Symptoms worse for a day, then better than before."),
    ("drowsiness", 0.003, "mild", "Felt drowsy; waited before driving home."),
    ("fainting", 0.002, "significant", "Felt faint and pale after the third needle; lay down, recovered."),
)


def events(rng: random.Random, visits: list[Visit], needles: list[Insertion], today: date) -> list[AdverseEvent]:
    bled = {n.visit.code for n in needles if n.bleeding == "more"}  # by code: the visits are not saved yet
    out = []
    for v in visits:
        found = (
            [("bleeding", "mild", "Bleeding more than a spot; pressure applied, stopped.")] if v.code in bled else []
        )
        found += [(t, sev, text) for t, p, sev, text in DEMO_REACTIONS if rng.random() < p]
        recent = (today - v.started.date()).days <= 10
        for t, sev, text in found:
            draft = recent and rng.random() < 0.5  # the last days' reports are still to confirm
            out.append(
                AdverseEvent(
                    code=common.seeded_uuid(rng),
                    clinic=v.clinic,
                    patient=v.patient,
                    episode=v.episode,
                    visit=v,
                    type=t,
                    description=text,
                    onset="during" if t in ("bleeding", "pain_during", "fainting") else "within_48h",
                    outcome="resolved",
                    severity="" if draft else sev,
                    causality="" if draft else rng.choice(("certain", "probable")),
                    status="draft" if draft else "closed",
                    source="clinician",
                    occurred=v.started + timedelta(minutes=30),
                    reviewed_by=None if draft else v.practitioner,
                    reviewed_at=None if draft else v.started + timedelta(days=2),
                    review_note="" if draft else "Reviewed at the next visit.",
                    created_by=v.practitioner,
                    updated_by=v.practitioner,
                )
            )
    return out
