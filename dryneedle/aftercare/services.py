"""The handout a signed visit produces, the check-ins that follow it, and what the answers become."""

import json
import logging
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext

from dryneedle.adverse_events import rules as ae_rules
from dryneedle.adverse_events import services as adverse_events
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.aftercare import rules
from dryneedle.aftercare.models import CheckIn
from dryneedle.consent import text as consent_text
from dryneedle.lib import languages, mail, stats
from dryneedle.patients import texts
from dryneedle.portal.models import PatientLink
from dryneedle.visits import bodymap, depth, names
from dryneedle.visits.models import Insertion, Visit


def handout(visit) -> dict:
    """What the handout shows, from what was done at the visit."""
    needles = list(visit.insertions.select_related("lot").order_by("time_in", "id"))
    regions = {n.region for n in needles}
    zones = {g.zone.code for n in needles if (g := depth.guard_for(n.muscle, n.region))}
    sites = sorted({names.site(n.muscle, n.side) for n in needles})  # in the reader's language
    return {
        "visit": visit,
        "clinic": visit.clinic,
        "patient": visit.patient,
        "needles": needles,
        "sites": sites,
        # In the active language: the patient's where a patient reads it (their page, their link), English for staff.
        "normal": [(gettext(what), gettext(how), src) for what, how, src in rules.NORMAL],
        "own": own_rates(visit.clinic),
        "aftercare": [gettext(a) for a in rules.AFTERCARE],
        "exercises": _exercises(visit.episode),
        "warnings": [gettext(w) for w in rules.warnings(regions, zones)],
        "thoracic": bool(regions & rules.THORACIC_REGIONS) or "lung" in zones,
        "site_codes": sorted({bodymap.muscle_site(n.muscle, n.side) for n in needles} - {None}),
    }


def _exercises(episode) -> list:
    """The care plan's home exercises, as given to this patient."""
    plan = getattr(episode, "plan", None)
    if plan is None:
        return []
    return list(plan.assignments.filter(active=True).order_by("start", "id"))


def needled_visits(clinic) -> int:
    """Signed visits with at least one needle: the denominator of the clinic's own rates."""
    needled = Exists(Insertion.objects.filter(visit=OuterRef("pk")))
    return Visit.objects.filter(clinic=clinic, status=Visit.Status.SIGNED).filter(needled).count()


def own_rates(clinic) -> dict | None:
    """The clinic's own rates of the common reactions, once it has enough signed visits with needles."""
    visits = needled_visits(clinic)
    if visits < rules.OWN_RATE_MIN_VISITS:
        return None
    # Visits with at least one confirmed event of each type, in one aggregate (adverse_events.services).
    counts = adverse_events.counts_by_type(
        AdverseEvent.objects.filter(clinic=clinic, entered_in_error=False, visit__isnull=False)
    )
    out: dict[str, float] = {"visits": visits}
    for t in ("bruising", "bleeding", "pain_during", "soreness_after", "fatigue"):
        out[t] = round(100 * counts.get(t, 0) / visits, 1)
    return out


def on_sign(visit, base_url: str) -> PatientLink | None:
    """After signing a visit with needles: a handout link for the patient, emailed when there is an address."""
    if not visit.insertions.exists():
        return None  # no needling, no handout
    link, token = PatientLink.issue(
        visit.episode, PatientLink.Purpose.HANDOUT, visit.signed_by, bundle=[str(visit.code)]
    )
    url = base_url.rstrip("/") + reverse("portal:open", args=[token])
    patient = visit.patient
    mail.send(
        "aftercare/email/handout.txt",
        {"visit": visit, "patient": patient, "url": url},
        [patient.email],
        visit.clinic,
        language=languages.of_record(patient.preferred_language),
    )
    return link


def due_checkins(now=None):
    """(visit, attempt) pairs whose check-in is due now and not yet created.

    First check-ins for visits signed in the last week (older ones are past asking);
    second ones when the first was not answered or reported a problem.
    """

    now = now or timezone.now()
    first_cut = now - timedelta(hours=settings.CHECKIN_HOURS)
    recent = now - timedelta(days=7)
    firsts = (
        Visit.objects.filter(
            status=Visit.Status.SIGNED, signed_at__lte=first_cut, signed_at__gte=recent, insertions__isnull=False
        )
        .exclude(checkins__attempt=1)
        .distinct()
        .select_related("patient", "episode", "clinic", "signed_by")
    )
    for v in firsts:
        yield v, 1
    second_cut = now - timedelta(hours=settings.CHECKIN_SECOND_HOURS)
    seconds = (
        CheckIn.objects.filter(attempt=1, visit__signed_at__lte=second_cut, visit__signed_at__gte=recent)
        .exclude(visit__checkins__attempt=2)
        .select_related("visit__patient", "visit__episode", "visit__clinic", "visit__signed_by")
    )
    for c in seconds:
        if c.answered_at is None or c.problem:
            yield c.visit, 2


def send_due(now=None, stdout=None) -> list[CheckIn]:
    """Create and send each due check-in once: the unique (visit, attempt) row decides who sends."""
    now = now or timezone.now()
    sent = []
    for visit, attempt in list(due_checkins(now)):
        if not visit.clinic.on_call_email:
            # A red answer must reach a person: no check-ins until the clinic names its on-call address.
            if stdout is not None:
                stdout.write(f"SKIPPED {visit.clinic.name}: set the clinic's on-call address to send check-ins\n")
            continue
        try:
            with transaction.atomic():
                # Three days: a check-in is about the first days after needling (our choice, not a rule).
                link, token = PatientLink.issue(visit.episode, PatientLink.Purpose.CHECKIN, None, days=3)
                c = CheckIn.objects.create(
                    clinic=visit.clinic,
                    patient=visit.patient,
                    episode=visit.episode,
                    visit=visit,
                    attempt=attempt,
                    link=link,
                    due_at=now,
                )
        except IntegrityError:
            continue  # another run created it first: it sends, this one does not
        url = settings.SITE_URL + reverse("portal:open", args=[token])
        language = languages.of_record(visit.patient.preferred_language)
        said = mail.send("aftercare/email/checkin.txt", {"visit": visit, "url": url}, [visit.patient.email],
                         visit.clinic, language=language)  # fmt: skip
        if said:
            CheckIn.objects.filter(pk=c.pk).update(emailed=True)
            c.emailed = True
        # By text too, to a patient who agreed to texts (issue 19); the text names no treatment.
        with texts.speaking(visit.patient):
            texts.send(visit.patient, gettext("A few quick questions are waiting for you: %(url)s") % {"url": url})
        c.url = url  # type: ignore[attr-defined]  # for the caller's message
        sent.append(c)
    return sent


def answer(checkin: CheckIn, answers: dict) -> list[AdverseEvent]:
    """Store the patient's answers; each reported problem becomes a draft adverse event for the practitioner."""
    types, red = rules.read(answers)
    now = timezone.now()
    checkin.answers = answers
    checkin.answered_at = now
    checkin.problem = bool(types)
    checkin.red = red
    checkin.save(update_fields=["answers", "answered_at", "problem", "red", "updated"])
    link = checkin.link
    link.answers = answers
    link.used_at = now
    link.save(update_fields=["answers", "used_at", "updated"])
    visit = checkin.visit
    regions = sorted({n.region for n in visit.insertions.all()})
    events = []
    for t in types:
        events.append(
            AdverseEvent.objects.create(
                clinic=visit.clinic,
                patient=visit.patient,
                episode=visit.episode,
                visit=visit,
                checkin=checkin,
                region=regions[0] if len(regions) == 1 else "",
                type=t,
                description=_describe(t, answers),
                onset="within_48h",
                source=AdverseEvent.Source.CHECKIN,
                occurred=now,
            )
        )
    if red:
        transaction.on_commit(lambda: notify_on_call(checkin))
    return events


def notify_on_call(checkin: CheckIn) -> bool:
    """Email the clinic's on-call address about a red answer, and the SMS hook when one is configured.

    The message names no patient and no condition: it says an urgent answer waits in dryneedle, and where.
    Returns whether a message went out (the patient page says exactly what happened).
    """
    clinic = checkin.clinic
    if not clinic.on_call_email:
        return False
    url = settings.SITE_URL + reverse("visits:detail", args=[checkin.visit.code]) if settings.SITE_URL else ""
    mail.send("aftercare/email/on_call.txt", {"clinic": clinic, "url": url}, [clinic.on_call_email], clinic)
    hook = getattr(settings, "ON_CALL_SMS_HOOK", "")
    if hook:
        _sms_hook(hook, clinic)
    return True


def _sms_hook(url: str, clinic) -> None:
    """POST a one-line text to the configured SMS gateway hook (no patient data); failures are logged, not raised."""
    if not url.startswith(("https://", "http://")):
        logging.getLogger(__name__).warning("ON_CALL_SMS_HOOK is not an http(s) address: no text sent")
        return
    body = json.dumps({"to": clinic.on_call_phone, "text": f"{clinic.name}: urgent check-in answer in dryneedle"})
    req = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})  # noqa: S310
    try:
        # The scheme is checked above; the address is the operator's own configured hook.
        urllib.request.urlopen(req, timeout=5).close()  # noqa: S310  # nosec B310
    except OSError:
        logging.getLogger(__name__).warning("on-call SMS hook failed for clinic %s", clinic.code)


def _describe(event_type: str, answers: dict) -> str:
    parts = [f"Reported by the patient at check-in: {event_type.replace('_', ' ')}."]
    if event_type == "soreness_after":
        parts.append(f"Soreness {answers.get('soreness')}/10.")
    if answers.get("other", "").strip():
        parts.append(f"In their words: {answers['other'].strip()}")
    return " ".join(parts)[:2000]


def _rate(x: float) -> str:
    """consent/text.percent in the active language: its words and its way of writing numbers (7,6 in Spanish)."""
    return consent_text.percent(x, gettext, formats.localize, lambda n: formats.number_format(n, force_grouping=True))


def consent_numbers(clinic) -> dict:
    """The consent form's risks (consent/text.py) with the published frequencies and this clinic's own: its
    confirmed events per signed visit with needles, with a Wilson 95% interval, once it has enough visits
    (feature map §6.10: consent with local numbers)."""
    visits = needled_visits(clinic)
    counts = adverse_events.counts_by_type(
        AdverseEvent.objects.filter(
            clinic=clinic, entered_in_error=False, visit__isnull=False, type__in=consent_text.RISK_TYPES
        )
    )
    enough = visits >= rules.OWN_RATE_MIN_VISITS
    risks = []
    for code, name, plain in consent_text.RISKS:
        # In the active language: the patient's, where the form is shown to them (consent/services.render_form).
        published = [
            {"text": gettext("%(rate)s treatments") % {"rate": _rate(p.percent)}, "source": p.source}
            for p in ae_rules.PUBLISHED.get(code, ())
        ]
        if code == "fatigue":  # what patients report, beside what clinicians recorded (aftercare/rules.NORMAL)
            published.append({"text": gettext("24.4 in 100 people after acupuncture, as they reported it"),
                              "source": "MacPherson & Thomas 2005"})  # fmt: skip
        own = None
        if enough:
            k = min(counts.get(code, 0), visits)
            r = stats.wilson(k, visits)
            low, high = 100 * (r.low or 0), 100 * (r.high or 0)
            own = {"k": k, "n": visits, "text": gettext("95%% interval %(low)s–%(high)s in 100")
                   % {"low": formats.number_format(low, 1), "high": formats.number_format(high, 1)}}  # fmt: skip
        risks.append({"code": code, "name": gettext(name), "plain": gettext(plain), "published": published,
                      "no_rate": gettext(consent_text.NO_RATE.get(code, "No published rate found.")),
                      "own": own})  # fmt: skip
    return {"risks": risks, "visits": visits, "min_visits": rules.OWN_RATE_MIN_VISITS}
