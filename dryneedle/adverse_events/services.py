"""Record, confirm and close adverse events; serious ones reach the clinic admins."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.accounts.alerts import admin_emails
from dryneedle.adverse_events import rules
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.lib import mail, stats

FIELDS = ("type", "description", "onset", "duration", "action_taken", "outcome", "severity", "causality", "region")


def check(event: AdverseEvent) -> None:
    """Refuse what does not fit the classification, with the reason."""
    if event.entered_in_error:
        raise ValidationError(pgettext("staff", "This report was entered in error and can no longer be changed."))
    problem = rules.severity_problem(event.type, event.severity)
    if problem:
        raise ValidationError({"severity": problem})
    if event.status != AdverseEvent.Status.DRAFT and not event.severity:
        raise ValidationError(
            {"severity": pgettext("staff", "Choose mild, significant or serious to confirm the event.")}
        )
    if (
        event.status == AdverseEvent.Status.CLOSED
        and event.severity == "serious"
        and len(event.review_note.strip()) < 10
    ):
        raise ValidationError({"review_note": pgettext("staff", "A serious event is closed only with a review note.")})


def save(event: AdverseEvent, user, data: dict, action: str = "save") -> AdverseEvent:
    """Apply the form's data; action is "save", "confirm" or "close"."""
    was_serious = event.pk is not None and AdverseEvent.objects.filter(pk=event.pk, severity="serious").exists()
    for f in FIELDS:
        if f in data:
            setattr(event, f, data[f] or "")
    if "review_note" in data:
        event.review_note = data["review_note"] or ""
    if action == "confirm" and event.status == AdverseEvent.Status.DRAFT:
        event.status = AdverseEvent.Status.CONFIRMED
    elif action == "close":
        event.status = AdverseEvent.Status.CLOSED
        event.reviewed_by, event.reviewed_at = user, timezone.now()
    check(event)
    event.updated_by = user
    if event.pk is None:
        event.created_by = user
    event.save()
    if event.severity == "serious" and not was_serious:
        notify_serious(event)
    return event


def notify_serious(event: AdverseEvent) -> None:
    """Email the clinic admins: what and where to look, no patient name (the email leaves the system)."""
    from django.urls import reverse

    link = reverse("adverse_events:detail", args=[event.code])
    context = {"event": event, "link": link}
    mail.send("adverse_events/email/serious.txt", context, admin_emails(event.clinic), event.clinic)


def from_incident(incident, user) -> AdverseEvent:
    """A needle that was not counted out becomes an adverse event for the practitioner to classify."""
    ins = incident.insertion
    return AdverseEvent.objects.create(
        clinic=ins.clinic,
        patient=ins.patient,
        episode=ins.visit.episode,
        visit=ins.visit,
        insertion=ins,
        region=ins.region,
        type="other" if incident.found else "retained_needle",
        description=_incident_description(incident),
        onset="during",
        source=AdverseEvent.Source.INCIDENT,
        occurred=incident.created,
        created_by=user,
        updated_by=user,
    )


def _incident_description(incident) -> str:
    text = "Needle not counted out at the time, found later. " if incident.found else "Needle not found. "
    text += incident.notes
    if len(text) > 2000:  # the event's description holds 2,000; say where the rest is rather than cut silently
        more = " … (the whole note is on the needle incident)"
        text = text[: 2000 - len(more)] + more
    return text


def counts_by_type(events) -> dict[str, int]:
    """Confirmed and closed events of ``events``, as visits with at least one event of each type (a rate per
    visit, as the surveys count treatments with the event); an event without a visit counts on its own.
    One aggregate query."""
    confirmed = events.exclude(status=AdverseEvent.Status.DRAFT).order_by()
    rows = confirmed.values("type").annotate(
        at_visits=Count("visit", distinct=True), alone=Count("id", filter=Q(visit__isnull=True))
    )
    return {r["type"]: r["at_visits"] + r["alone"] for r in rows}


def rates(counts: dict[str, int], visits: int) -> list[dict]:
    """Events per 100 signed visits by type with Wilson 95% intervals, next to the published rates."""
    out = []
    for code, name in rules.TYPES:
        k = counts.get(code, 0)
        r = stats.wilson(min(k, visits), visits)  # an empty interval (None) without visits
        out.append(
            {
                "type": code,
                "name": name,
                "events": k,
                "visits": visits,
                "rate": 100 * k / visits if visits else None,
                "low": 100 * r.low if r.low is not None else None,
                "high": 100 * r.high if r.high is not None else None,
                "published": rules.PUBLISHED.get(code, ()),
                "no_rate": rules.NO_RATE.get(code, ""),
            }
        )
    return out
