"""The demo patients' questionnaires over an episode, on the schedule (outcomes/schedule.py): answered or not,
sent by the system or not, and improving as real clinics' patients do rather than as the article claims.

Invented for the demo, tuned so that the clinic's own report looks like a clinic's and not like marketing:
a little under half the patients improve by the minimal important change (trials report about 40-50%,
docs/clinical-sources.md §1.1, §10), a few practitioners differ a little, answers thin out after discharge
(about three in five answer at 3 months, fewer later) and a few patients opt out. None of these numbers is
evidence of anything.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from dryneedle.demo import common
from dryneedle.lib import tokens
from dryneedle.outcomes import schedule, scoring
from dryneedle.outcomes.models import FollowUp, OptOut, Response
from dryneedle.patients.models import Episode
from dryneedle.portal.models import PatientLink

PSFS_ACTIVITIES = (
    "Lifting my child",
    "Gardening for an hour",
    "Sitting through a work meeting",
    "Running 5 km",
    "Putting on socks",
    "Driving to work",
    "Playing golf",
    "Carrying shopping",
    "Sleeping through the night",
    "Vacuuming the house",
)
# How likely an open time point is answered, and how far along recovery a patient is by then (0 baseline,
# 1 the full gain). Invented: follow-up falls away after discharge, as it does in practice.
ANSWERED = {"baseline": 0.93, "4w": 0.72, "12w": 0.68, "discharge": 0.8, "3m": 0.62, "6m": 0.5, "12m": 0.42}
PROGRESS = {"baseline": 0.0, "4w": 0.45, "12w": 0.85, "discharge": 1.0, "3m": 1.0, "6m": 1.0, "12m": 1.0}
# Conditions where the demo's patients do a little better or worse than average (leg pain did worse in
# Koppenhaver 2015, §1.1); invented sizes.
CONDITION_EFFECT = {"sciatica": -0.12, "acute_lbp": 0.12, "myofascial_tp": 0.0, "facet_oa": -0.05}


@dataclass
class Made:
    responses: list = field(default_factory=list)
    links: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)
    opt_outs: list = field(default_factory=list)


EFFECTS = (0.1, -0.08, 0.0, -0.12, 0.05)


def practitioner_effects(rng: random.Random, practitioners) -> dict[int, float]:
    """A small, invented difference between practitioners, so the funnel plot has something to show."""
    return {u.pk: EFFECTS[(i + rng.randrange(len(EFFECTS))) % len(EFFECTS)] for i, u in enumerate(practitioners)}


def outcomes(rng: random.Random, e: Episode, today: date, disability: str, effects: dict[int, float]) -> Made:
    made = Made()
    if e.status == Episode.Status.ENTERED_IN_ERROR or e.start_date > today:
        return made
    severity = rng.uniform(0.35, 0.85)
    p_respond = 0.46 + effects.get(e.clinician_id or 0, 0.0) + CONDITION_EFFECT.get(e.condition, 0.0)
    psycho = rng.random() < severity * 0.7
    if psycho:
        p_respond -= 0.08  # high STarT Back risk did worse in the demo, as the tool predicts
    responder = rng.random() < p_respond
    gain = rng.uniform(0.35, 0.8) if responder else rng.uniform(-0.15, 0.15)
    relapse = rng.random() < 0.18  # some responders lose part of it after discharge
    sex_na = rng.random() < 0.3
    activities = rng.sample(PSFS_ACTIVITIES, rng.randint(2, 3))
    psfs_base = [rng.randint(1, 5) for _ in activities]
    nprs_base = rng.randint(4, 8)
    opt_out_after = rng.choice(("4w", "discharge", "3m")) if rng.random() < 0.04 else None

    def level(progress: float, point: str) -> float:
        g = gain * progress
        if relapse and point in ("6m", "12m"):
            g *= 0.5
        return max(0.0, severity * (1 - g))

    def answers(instrument: str, progress: float, point: str) -> dict:
        lv = level(progress, point)
        if instrument == "nprs":
            base_pain = nprs_base * (1 - gain * progress * (0.5 if relapse and point in ("6m", "12m") else 1))
            return {"score": max(0, min(10, round(base_pain + rng.uniform(-1, 1))))}
        if instrument == "odi":
            return {
                "sections": {
                    s: None if (s == "sex_life" and sex_na) else max(0, min(5, round(lv * 5 + rng.uniform(-0.9, 0.9))))
                    for s in scoring.ODI_SECTIONS
                }
            }
        if instrument == "rmdq":
            return {"ticked": sorted(rng.sample(range(1, 25), max(0, min(24, round(lv * 20)))))}
        if instrument == "startback":
            items: dict[str, bool | str] = {str(i): rng.random() < severity for i in range(1, 5)}
            items |= {str(i): rng.random() < (0.7 if psycho else 0.2) for i in range(5, 9)}
            items["9"] = rng.choice(("very_much", "extremely") if psycho else ("slightly", "moderately"))
            return {"items": items}
        g = gain * progress
        return {"activities": [{"name": a, "score": max(0, min(10, round(b + (10 - b) * g + rng.uniform(-1, 1))))}
                               for a, b in zip(activities, psfs_base, strict=True)]}  # fmt: skip

    has_email = bool(e.patient.email)
    points = schedule.points(e.start_date, e.discharge_date, disability, {}, today)
    stopped = False
    for p in points:
        if p.opens > today:
            break
        if stopped:
            break
        point = p.point.value
        answered = rng.random() < ANSWERED[point]
        when = p.due + timedelta(days=rng.randint(-3, 4) if point != "baseline" else rng.randint(0, 2))
        when = max(p.opens, min(when, p.closes, today))
        sent = (has_email and point != "baseline") or (has_email and rng.random() < 0.5)
        window_open = p.closes >= today
        if sent:
            sent_on = max(p.opens, p.due - timedelta(days=rng.randint(0, 4)))
            if sent_on > today:
                sent_on = p.opens
            state = FollowUp.State.SENT if window_open else FollowUp.State.CLOSED
            if answered and when <= today:
                state = FollowUp.State.ANSWERED
            link = PatientLink(
                code=common.seeded_uuid(rng), clinic=e.clinic, patient=e.patient, episode=e,
                purpose=PatientLink.Purpose.OUTCOMES, digest=tokens.digest(str(common.seeded_uuid(rng))),
                expires=datetime.combine(p.closes + timedelta(days=1), time.min, UTC), bundle=list(p.instruments),
                used_at=_at(rng, when) if state == FollowUp.State.ANSWERED else None,
            )  # fmt: skip
            made.links.append(link)
            made.follow_ups.append(
                FollowUp(
                    code=common.seeded_uuid(rng), clinic=e.clinic, patient=e.patient, episode=e, point=point,
                    due=p.due, closes=p.closes, instruments=list(p.instruments), channel=FollowUp.Channel.EMAIL,
                    link=link, state=state, sent_at=_at(rng, sent_on),
                    reminded_at=_at(rng, sent_on + timedelta(days=3)) if state != FollowUp.State.ANSWERED
                    and sent_on + timedelta(days=3) <= today else None,
                    answered_at=_at(rng, when) if state == FollowUp.State.ANSWERED else None,
                )
            )  # fmt: skip
        if answered and (when < today or not window_open or rng.random() < 0.5):
            source = "patient" if sent else "clinician"
            for inst in p.instruments:
                made.responses.append(_response(rng, e, inst, answers(inst, PROGRESS[point], point), when, source))
        if opt_out_after == point and has_email:
            made.opt_outs.append(
                OptOut(
                    code=common.seeded_uuid(rng),
                    clinic=e.clinic,
                    patient=e.patient,
                    episode=e,
                    source=OptOut.Source.PATIENT,
                    note="Asked from the questionnaire link",
                    at=_at(rng, min(p.closes, today)),
                )
            )
            stopped = True
    return made


def _at(rng: random.Random, day: date) -> datetime:
    at = timezone.make_aware(datetime.combine(day, time.min) + timedelta(hours=rng.randint(8, 19)))
    # Answered today: earlier today, never later (an answer from this evening read as one from the future). The
    # random draw only then, so that a seed for a past day makes the same data as before.
    now = timezone.now()
    return at if at <= now else now - timedelta(minutes=rng.randint(5, 90))


def _response(rng: random.Random, e: Episode, instrument: str, answers: dict, day: date, source: str) -> Response:
    result = scoring.score(instrument, answers)
    d = result.as_dict()
    return Response(
        code=common.seeded_uuid(rng),
        clinic=e.clinic,
        patient=e.patient,
        episode=e,
        instrument=instrument,
        answers=answers,
        collected=_at(rng, day),
        source=source,
        scorable=result.scorable,
        score=result.score if result.scorable else None,
        details={k: d[k] for k in d if k not in ("instrument", "scorable", "score", "reason")},
        reason=result.reason,
    )
