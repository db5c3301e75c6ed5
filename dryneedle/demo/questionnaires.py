"""The demo patients' questionnaire answers over an episode (synthetic, shaped like recovery)."""

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from dryneedle.demo import common
from dryneedle.outcomes import scoring
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode

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


def outcomes(rng: random.Random, e: Episode, today: date) -> list[Response]:
    """Questionnaires on the default schedule, some left unanswered, scores improving more for some patients.

    Invented for the demo: about half the patients improve a lot and the rest a little, which
    makes the charts and responder figures look like a clinic's, not like evidence.
    """
    if e.status == Episode.Status.ENTERED_IN_ERROR or e.start_date > today:
        return []
    severity = rng.uniform(0.25, 0.8)
    gain = rng.uniform(0.4, 0.75) if rng.random() < 0.5 else rng.uniform(-0.1, 0.3)
    sex_na = rng.random() < 0.3
    activities = rng.sample(PSFS_ACTIVITIES, rng.randint(2, 3))
    psfs_base = [rng.randint(1, 5) for _ in activities]
    out: list[Response] = []

    def add(when: date, instrument: str, answers: dict) -> None:
        result = scoring.score(instrument, answers)
        d = result.as_dict()
        at = timezone.make_aware(datetime.combine(when, datetime.min.time()) + timedelta(hours=rng.randint(8, 18)))
        out.append(
            Response(
                code=common.seeded_uuid(rng),
                clinic=e.clinic,
                patient=e.patient,
                episode=e,
                instrument=instrument,
                answers=answers,
                collected=at,
                source=rng.choice(("patient", "patient", "clinician")),
                scorable=result.scorable,
                score=result.score if result.scorable else None,
                details={k: d[k] for k in d if k not in ("instrument", "scorable", "score", "reason")},
                reason=result.reason,
            )
        )

    def level(progress: float) -> float:
        return max(0.0, severity * (1 - gain * progress))

    def odi(progress: float) -> dict:
        target = level(progress) * 5
        return {
            "sections": {
                sec: None if (sec == "sex_life" and sex_na) else max(0, min(5, round(target + rng.uniform(-0.9, 0.9))))
                for sec in scoring.ODI_SECTIONS
            }
        }

    def rmdq(progress: float) -> dict:
        return {"ticked": sorted(rng.sample(range(1, 25), max(0, min(24, round(level(progress) * 20)))))}

    def psfs(progress: float) -> dict:
        return {
            "activities": [
                {"name": a, "score": max(0, min(10, round(b + (10 - b) * gain * progress + rng.uniform(-1, 1))))}
                for a, b in zip(activities, psfs_base, strict=True)
            ]
        }

    end = min(e.discharge_date or today, today)
    base = e.start_date
    psycho = rng.random() < severity
    sb_items: dict[str, bool | str] = {str(i): rng.random() < severity for i in range(1, 5)}
    sb_items |= {str(i): rng.random() < (0.7 if psycho else 0.2) for i in range(5, 9)}
    sb_items["9"] = rng.choice(("very_much", "extremely") if psycho else ("slightly", "moderately"))
    add(base, "startback", {"items": sb_items})
    add(base, "odi", odi(0))
    add(base, "rmdq", rmdq(0))
    add(base, "psfs", psfs(0))
    for weeks, progress in ((4, 0.6), (12, 1.0)):
        when = base + timedelta(weeks=weeks)
        if when <= end and rng.random() < 0.8:
            add(when, "odi", odi(progress))
            add(when, "rmdq", rmdq(progress))
    if e.discharge_date and e.discharge_date <= today:
        add(e.discharge_date, "odi", odi(1.0))
        add(e.discharge_date, "rmdq", rmdq(1.0))
        add(e.discharge_date, "psfs", psfs(1.0))
        for months in (3, 6, 12):
            when = e.discharge_date + timedelta(days=30 * months)
            if when <= today and rng.random() < 0.6:
                add(when, "nprs", {"score": max(0, min(10, round(level(1.1) * 10)))})
                add(when, "odi", odi(1.1))
    return out
