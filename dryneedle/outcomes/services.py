"""Record responses and follow each measure over an episode."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.lib.models import at_most
from dryneedle.outcomes import packs, scoring
from dryneedle.outcomes.models import NAMES, Response, TextPack, Threshold
from dryneedle.visits.models import Visit


def record_response(episode, instrument: str, answers: dict, user=None, *, source="clinician", **extra) -> Response:
    """Score and store one response; bad answers are refused with the key they concern, nothing stored."""
    try:
        result = scoring.score(instrument, answers)
    except scoring.InputError as e:
        raise ValidationError({"answers": str(e)}) from None
    collected = extra.pop("collected", None) or timezone.now()
    if collected > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"collected": pgettext("staff", "A questionnaire cannot be answered in the future.")})
    d = result.as_dict()
    return Response.objects.create(
        clinic=episode.clinic,
        patient=episode.patient,
        episode=episode,
        instrument=instrument,
        answers=answers,
        collected=collected,
        source=source,
        scorable=result.scorable,
        score=result.score if result.scorable else None,
        details={k: d[k] for k in d if k not in ("instrument", "scorable", "score", "reason")},
        reason=result.reason[:200],
        created_by=user,
        updated_by=user,
        **extra,
    )


def record_total(episode, instrument: str, total, collected, user=None) -> Response:
    """Store a questionnaire's total without its answers: one imported from another system (fhir/importing.py).
    The total must lie in the instrument's range; the ODI's band follows from it (scoring.odi_band). STarT Back is
    refused: its risk group needs the psychosocial subscore, which a total does not carry. An NPRS rating is a
    whole answer, not a total: it goes through ``record_response``."""
    if instrument not in ("odi", "rmdq", "psfs"):
        raise ValidationError(
            {
                "instrument": pgettext("staff", "A %(instrument)s total alone cannot be kept: it needs its answers.")
                % {"instrument": instrument}
            }
        )
    lo, hi = scoring.RANGES[instrument]
    if isinstance(total, bool) or not isinstance(total, int | float) or not lo <= total <= hi:
        raise ValidationError(
            {
                "score": pgettext("staff", "%(total)s is not a %(name)s total (%(lo)s-%(hi)s).")
                % {"total": repr(total), "name": NAMES[instrument], "lo": lo, "hi": hi}
            }
        )
    if instrument == "rmdq" and total != int(total):
        raise ValidationError(
            {
                "score": pgettext("staff", "%(total)s is not a whole number of ticked statements.")
                % {"total": repr(total)}
            }
        )
    if collected > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"collected": pgettext("staff", "A questionnaire cannot be answered in the future.")})
    return Response.objects.create(
        clinic=episode.clinic, patient_id=episode.patient_id, episode=episode, instrument=instrument, answers={},
        collected=collected, source=Response.Source.IMPORTED, scorable=True, score=float(total),
        details={"band": scoring.odi_band(total)} if instrument == "odi" else {}, created_by=user, updated_by=user,
    )  # fmt: skip


def thresholds(clinic) -> dict:
    """The clinic's MIC points per measure: its own where set, else the cited defaults."""
    own = {t.measure: t.points for t in Threshold.objects.filter(clinic=clinic)}
    return {m: own.get(m, scoring.MIC_POINTS[m]) for m in scoring.MEASURES}


@dataclass
class Series:
    measure: str
    points: list[tuple] = field(default_factory=list)  # (datetime, score, label)
    change: dict | None = None  # baseline to latest, scoring.change()

    @property
    def baseline(self):
        return self.points[0] if self.points else None

    @property
    def latest(self):
        return self.points[-1] if len(self.points) > 1 else None


def series(episode) -> dict[str, Series]:
    """Each measure over the episode, oldest first: responses, and for pain the visits' NPRS before needling."""
    mic = thresholds(episode.clinic)
    out: dict[str, Series] = {m: Series(m) for m in scoring.MEASURES}
    for r in Response.objects.filter(episode=episode, entered_in_error=False, scorable=True).order_by("collected"):
        if r.instrument in out:
            out[r.instrument].points.append((r.collected, r.score, "questionnaire"))

    for v in Visit.objects.filter(episode=episode, pre_nprs__isnull=False).order_by("started"):
        out["nprs"].points.append((v.started, v.pre_nprs, "before needling"))
    for s in out.values():
        s.points.sort(key=lambda p: p[0])
        if len(s.points) > 1:
            s.change = scoring.change(s.measure, s.points[0][1], s.points[-1][1], mic=mic)
    return out


def pain_rating_today(visit):
    """The patient's own pain rating from the visit day's questionnaire, if any (visits.hooks.pain_rating_today)."""
    day = timezone.localtime(visit.started).date()
    return (
        Response.objects.filter(episode=visit.episode, instrument="nprs", scorable=True, entered_in_error=False)
        .filter(collected__date=day)
        .order_by("-collected")
        .first()
    )


def load_text_pack(clinic, language: str, pack, source: str) -> list[str]:
    """Keep ``pack`` as the clinic's wording of the questionnaires in ``language`` (replacing the one it had):
    the English licensed statements, or a validated translation worded instrument by instrument (packs.py).
    Refused whole, with what is wrong, when it does not fit; returns the instruments it words. The caller audits."""
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise ValidationError({"language": pgettext("staff", "Choose one of the languages dryneedle ships.")})
    source = " ".join((source or "").split())
    if not source:
        raise ValidationError({"source": pgettext("staff", "Say where the wording comes from (the licence, the "
                                                  "edition).")})  # fmt: skip
    at_most("source", source, packs.SOURCE_MAX)
    wrong = packs.problems(pack, language)
    if wrong:
        raise ValidationError({"file": wrong})
    TextPack.objects.update_or_create(clinic=clinic, language=language, defaults={"pack": pack, "source": source})
    return packs.worded(pack, language)


def remove_text_pack(clinic, language: str) -> bool:
    """Remove the clinic's wording in ``language``: its patients are then asked in English (and told so), or, for
    English, the ODI and RMDQ show their placeholders. Returns whether there was one."""
    deleted, _ = TextPack.objects.filter(clinic=clinic, language=language).delete()
    return bool(deleted)
