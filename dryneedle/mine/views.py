"""The patient's own pages (issue 19): sign in with a code sent to their email, then their appointments in each
clinic that knows that address, and cancelling one with enough notice. Only that address's records are reachable;
every page a patient opens is audited with the patient as the actor."""

import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed
from dryneedle.accounts.middleware import activate_clinic_timezone
from dryneedle.accounts.people import practitioners
from dryneedle.aftercare import services as aftercare
from dryneedle.appointments import services as appointments
from dryneedle.appointments import waitlist
from dryneedle.appointments.models import Appointment, OnlineBooking
from dryneedle.audit.log import record
from dryneedle.consent import services as consent
from dryneedle.consent.forms import SignForm, WithdrawForm
from dryneedle.consent.models import SignedConsent
from dryneedle.lib import mail
from dryneedle.lib.forms import add_errors
from dryneedle.messaging import rules as message_rules
from dryneedle.messaging import services as messaging
from dryneedle.messaging.forms import MessageForm
from dryneedle.mine import language as patient_language
from dryneedle.mine import signin
from dryneedle.mine.forms import CodeForm, EmailForm
from dryneedle.outcomes import charts, followups, instruments, words
from dryneedle.outcomes import services as outcomes
from dryneedle.outcomes.models import NAMES, FollowUp, Response, TextPack
from dryneedle.patients import texts as patient_texts
from dryneedle.patients.models import Episode, Patient, TextConsent
from dryneedle.plans.models import Assignment, CarePlan
from dryneedle.portal.models import PatientLink
from dryneedle.visits.models import Insertion, Visit
from dryneedle.visits.muscles import CHOICES as MUSCLE_CHOICES
from dryneedle.web import lookups

CAT = "scheduling"
ACTOR = "patient"
ONLINE = (OnlineBooking.Mode.INSTANT, OnlineBooking.Mode.REQUEST)


def _in_time(appt) -> bool:
    """Far enough ahead to cancel or change online: the clinic's notice (Clinic.online_notice_hours)."""
    return appt.start - timezone.now() >= timedelta(hours=appt.clinic.online_notice_hours)


def _when(t, fmt: str) -> str:
    """A time on the clinic's clock (the active zone), in the page's language: day and month names translated."""
    return dateformat.format(timezone.localtime(t), fmt)


def _confirmation(appt) -> None:
    """The booked time by email, with its calendar file."""
    mail.send("mine/email/booked.txt", {"a": appt, "patient": appt.patient}, [appt.patient.email], appt.clinic,
              attachments=(("appointment.ics", appointments.ics_one(appt), "text/calendar"),),
              language=get_language())  # fmt: skip


def _their_records(request) -> tuple[set[int], list[int]]:
    """(clinic ids, patient ids) of the signed-in address: its records and any merged into them."""
    theirs = list(signin.patients_for(signin.email_of(request)))
    return {p.clinic_id for p in theirs}, [i for p in theirs for i in p.record_ids()]


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@allowed
def signin_page(request) -> HttpResponse:
    """Step 1: the email address. The answer is the same whether the address is known or not."""
    if request.user.is_authenticated:  # a staff login in this browser: the patient's pages stay apart from it
        return render(request, "mine/signin.html", {"staff": True, "form": EmailForm()})
    if signin.email_of(request):
        return redirect("mine:home")
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if lookups.throttled(request):
            return render(request, "portal/message.html", {"message": lookups.MESSAGE}, status=429)
        email = form.cleaned_data["email"].lower()
        outcome = signin.ask(email, _client_ip(request))
        record(request, "patient.signin_code", outcome="ok" if outcome == "sent" else "denied", actor=ACTOR,
               category="demographics", detail=outcome)  # fmt: skip
        request.session["mine.asked"] = email
        return redirect("mine:code")
    return render(request, "mine/signin.html", {"form": form}, status=400 if form.errors else 200)


@allowed
def code_page(request) -> HttpResponse:
    """Step 2: the code from the email."""
    email = request.session.get("mine.asked", "")
    if not email:  # no code asked in this browser yet: ask first
        return render(request, "mine/signin.html", {"form": EmailForm()})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if signin.check(email, form.cleaned_data["code"]):
            signin.sign_in(request, email)
            request.session.pop("mine.asked", None)
            for p in signin.patients_for(email):
                record(request, "patient.signin", p, actor=ACTOR, category="demographics")
            return redirect("mine:home")
        record(request, "patient.signin", outcome="denied", actor=ACTOR, category="demographics",
               detail="wrong or expired code")  # fmt: skip
        form.add_error("code", _("That code is wrong, used or expired. Check the newest email, or ask for a new code."))
    return render(request, "mine/code.html", {"form": form, "email": email}, status=400 if form.errors else 200)


@allowed
@require_POST
def signout(request) -> HttpResponse:
    signin.sign_out(request)
    messages.success(request, _("You are signed out."))
    return redirect("mine:signin")


@allowed
def home(request) -> HttpResponse:
    """Each clinic that knows this address: upcoming appointments (to cancel with enough notice) and recent ones."""
    email = signin.email_of(request)
    now = timezone.now()
    records = []
    for p in signin.patients_for(email):
        activate_clinic_timezone(p.clinic)  # each clinic's times on its own clock, as its staff see them
        ids = p.record_ids()  # with any duplicate merged into it
        appts = Appointment.objects.filter(clinic=p.clinic_id, patient__in=ids).select_related(
            "practitioner", "clinic")  # fmt: skip
        upcoming = list(
            appts.filter(start__gte=now).exclude(status=Appointment.Status.CANCELLED).order_by("start")[:20]
        )
        past = list(appts.filter(start__lt=now).order_by("-start")[:10])
        rows = [(a, _in_time(a) and a.status in ("booked", "requested")) for a in upcoming]
        rendered = [(a, ok, _when(a.start, "l d F Y, H:i")) for a, ok in rows]
        visits = (
            Visit.objects.filter(clinic=p.clinic_id, patient__in=ids, status=Visit.Status.SIGNED)
            .annotate(n=Count("insertions"))
            .filter(n__gt=0)
            .order_by("-started")[:10]
        )
        handouts = [(v, _when(v.started, "d M Y")) for v in visits]
        records.append({"patient": p, "clinic": p.clinic, "notice": p.clinic.online_notice_hours,
                        "texted": patient_texts.texted(p),
                        "upcoming": rendered, "handouts": handouts, "past": [
            (a, _when(a.start, "d M Y, H:i")) for a in past]})  # fmt: skip
        record(request, "patient.home", p, actor=ACTOR, category=CAT)
    can_book = OnlineBooking.objects.filter(clinic__in=[r["clinic"] for r in records], mode__in=ONLINE).exists()
    return render(request, "mine/home.html", {"records": records, "email": email, "can_book": can_book})


@allowed
@require_POST
def cancel(request, code) -> HttpResponse:
    """Cancel one's own booked (or requested) appointment with the clinic's notice; the time goes to the waitlist."""
    clinics, ids = _their_records(request)
    appt = (
        Appointment.objects.filter(clinic__in=clinics, patient__in=ids, code=code)
        .select_related("patient", "practitioner", "clinic")
        .first()
    )
    if appt is None:  # another patient's, or none: not found, whoever asks
        record(request, "appointment.cancelled", outcome="denied", actor=ACTOR, category=CAT, detail="not theirs")
        raise Http404("Not found")
    activate_clinic_timezone(appt.clinic)
    try:
        if not _in_time(appt):
            raise ValidationError(_("It is less than %(hours)s hours away: please call the clinic to cancel.")
                                  % {"hours": appt.clinic.online_notice_hours})  # fmt: skip
        with transaction.atomic():
            appointments.set_status(appt, None, Appointment.Status.CANCELLED, "Cancelled by the patient online")
            record(request, "appointment.cancelled", appt, patient=appt.patient, actor=ACTOR, category=CAT,
                   detail="by the patient")  # fmt: skip
            waitlist.after_freed(request, appt.clinic, appt.practitioner, appt.start, appt.end)
    except ValidationError as e:
        record(request, "appointment.cancelled", appt, patient=appt.patient, actor=ACTOR, category=CAT,
               outcome="invalid")  # fmt: skip
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Cancelled: %(when)s with %(who)s. %(clinic)s has been told.") % {
            "when": _when(appt.start, "l d F, H:i"), "who": appt.practitioner.display_name(),
            "clinic": appt.clinic.name})  # fmt: skip
    return redirect("mine:home")


def _theirs(email: str, code) -> Patient | None:
    """One of the signed-in address's records, by its code (another patient's is simply not found)."""
    return next((p for p in signin.patients_for(email) if str(p.code) == str(code)), None)


@allowed
def book(request) -> HttpResponse:
    """Book a type of appointment the clinic lets patients book online: one of a practitioner's next free times."""
    records = list(signin.patients_for(signin.email_of(request)))
    data = request.POST if request.method == "POST" else request.GET
    patient = _record_for(request, data, "appointment.book", CAT)
    clinic = patient.clinic
    rules = {r.kind: r for r in OnlineBooking.objects.filter(clinic=clinic, mode__in=ONLINE)}
    kinds = [(k, label) for k, label in Appointment.KINDS if k in rules]
    kind = data.get("kind") if data.get("kind") in rules else None
    if kind is None and request.method == "GET" and kinds:  # a page opened plainly offers the first type
        kind = kinds[0][0]
    people = list(practitioners(clinic))
    usual = Episode.objects.filter(clinic=clinic, patient=patient, status=Episode.Status.OPEN).exclude(
        clinician=None).values_list("clinician__username", flat=True).first()  # fmt: skip
    wanted = data.get("practitioner") or usual
    who = next((u for u in people if u.username == wanted), people[0] if people else None)
    free = (
        appointments.free_slots(clinic, who, timezone.now(), minutes=rules[kind].minutes, n=12) if kind and who else []
    )
    if request.method == "POST":
        chosen = next((t for t in free if f"{t:%Y-%m-%dT%H:%M}" == data.get("slot", "")), None)
        try:
            if kind is None or who is None:
                raise ValidationError(_("That type of appointment is not booked online here: please call the clinic."))
            if chosen is None:
                raise ValidationError(_("That time has just been taken or is no longer offered: choose another."))
            asking = rules[kind].mode == OnlineBooking.Mode.REQUEST
            with transaction.atomic():
                appt = appointments.book(clinic, None, patient=patient, practitioner=who, start=chosen,
                                         end=chosen + timedelta(minutes=rules[kind].minutes), kind=kind,
                                         note="Requested online by the patient" if asking else "Booked online by "
                                         "the patient", status=Appointment.Status.REQUESTED if asking
                                         else Appointment.Status.BOOKED)  # fmt: skip
                record(request, "appointment.book", appt, patient=patient, actor=ACTOR, category=CAT,
                       detail="online request" if asking else "online")  # fmt: skip
                if asking:
                    mail.send("mine/email/requested.txt", {"a": appt, "patient": patient}, [patient.email], clinic,
                              language=get_language())  # fmt: skip
                else:
                    _confirmation(appt)
        except ValidationError as e:
            record(request, "appointment.book", patient, actor=ACTOR, category=CAT, outcome="invalid")
            messages.error(request, " ".join(e.messages))
            return redirect(
                f"{request.path}?patient={patient.code}&kind={kind or ''}&practitioner={who.username if who else ''}"
            )
        said = {"when": _when(appt.start, "l d F, H:i"), "who": who.display_name(), "clinic": clinic.name}
        if asking:
            messages.success(request, _("Requested: %(when)s with %(who)s at %(clinic)s. The time is held for you; "
                                        "%(clinic)s confirms it by email.") % said)  # fmt: skip
        else:
            messages.success(request, _("Booked: %(when)s with %(who)s at %(clinic)s. A confirmation is on its way "
                                        "by email.") % said)  # fmt: skip
        return redirect("mine:home")
    record(request, "appointment.new", patient, actor=ACTOR, category=CAT, detail="online")
    return render(request, "mine/book.html", {
        "records": records, "patient": patient, "kinds": kinds, "kind": kind, "people": people, "who": who,
        "free": [(f"{t:%Y-%m-%dT%H:%M}", _when(t, "l d F, H:i")) for t in free],
        "minutes": rules[kind].minutes if kind else None,
        "asking": kind is not None and rules[kind].mode == OnlineBooking.Mode.REQUEST,
    })  # fmt: skip


@allowed
def handout(request, code) -> HttpResponse:
    """The aftercare handout of one of the patient's own signed visits (the same page their link opens)."""
    clinics, ids = _their_records(request)
    visit = (
        Visit.objects.filter(clinic__in=clinics, patient__in=ids, code=code,
                             status=Visit.Status.SIGNED)
        .select_related("clinic", "signed_by", "patient")
        .first()
    )  # fmt: skip
    if visit is None:
        record(request, "handout.view", outcome="denied", actor=ACTOR, category="procedure", detail="not theirs")
        raise Http404("Not found")
    activate_clinic_timezone(visit.clinic)
    record(request, "handout.view", visit, patient=visit.patient, actor=ACTOR, category="procedure")
    return render(request, "aftercare/patient_handout.html", aftercare.handout(visit))


def _record_for(request, data, action: str, category: str) -> Patient:
    """The signed-in address's record named by ``?patient=`` (the first when not named), on its clinic's clock;
    another's is not found, and the refusal audited as ``action``."""
    email = signin.email_of(request)
    records = list(signin.patients_for(email))
    patient = _theirs(email, data.get("patient", "")) if data.get("patient") else (records[0] if records else None)
    if patient is None:
        record(request, action, outcome="denied", actor=ACTOR, category=category, detail="not theirs")
        raise Http404("Not found")
    activate_clinic_timezone(patient.clinic)
    return patient


@allowed
def consent_page(request) -> HttpResponse:
    """The consent to dry needling: the form with the clinic's own numbers beside the published ones, signed with
    the typed name and a drawn signature; the signed ones to download or withdraw."""
    data = request.POST if request.method == "POST" else request.GET
    patient = _record_for(request, data, "consent.view", "consent")
    form_text = consent.render_form(patient.clinic, patient, aftercare.consent_numbers(patient.clinic))
    form = SignForm(request.POST or None, initial={"shown": consent.digest(form_text)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                doc = consent.sign(patient.clinic, patient, form_text=form_text, shown=d["shown"],
                                   typed_name=d["typed_name"], signature=d["signature"], typed_only=d["typed_only"],
                                   via=SignedConsent.Via.ACCOUNT)  # fmt: skip
                record(request, "consent.signed", doc, patient=patient, actor=ACTOR,
                       detail=f"in their account; version {doc.form_version}; sha256 {doc.sha256}")  # fmt: skip
                consent.send_copy(doc, get_language())
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(request, _("Thank you: your consent is signed. A copy is on its way by email, and "
                                        "the PDF is below."))  # fmt: skip
            return redirect(f"{reverse('mine:consent')}?patient={patient.code}")
    if request.method == "POST":
        record(request, "consent.signed", patient, actor=ACTOR, outcome="invalid")
    else:
        record(request, "consent.view", patient, actor=ACTOR)
    docs = list(consent.of(patient))
    return render(request, "mine/consent.html", {
        "patient": patient, "clinic": patient.clinic, "records": list(signin.patients_for(signin.email_of(request))),
        "docs": docs, "in_force": next((d for d in docs if not d.withdrawn), None), "form": form,
        "form_text": form_text, "withdraw_form": WithdrawForm(),
    }, status=400 if form.errors else 200)  # fmt: skip


def _their_consent(request, code) -> SignedConsent:
    clinics, ids = _their_records(request)
    doc = SignedConsent.objects.filter(clinic__in=clinics, patient__in=ids, code=code).select_related(
        "patient", "clinic").first()  # fmt: skip
    if doc is None:
        record(request, "consent.pdf", outcome="denied", actor=ACTOR, category="consent", detail="not theirs")
        raise Http404("Not found")
    return doc


@allowed
def consent_pdf(request, code) -> HttpResponse:
    doc = _their_consent(request, code)
    record(request, "consent.pdf", doc, patient=doc.patient, actor=ACTOR)
    response = HttpResponse(bytes(doc.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consent-{doc.signed_at:%Y-%m-%d}.pdf"'
    return response


@allowed
@require_POST
def consent_withdraw(request, code) -> HttpResponse:
    doc = _their_consent(request, code)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_text())
        with transaction.atomic():
            consent.withdraw(doc, form.cleaned_data["reason"])
            record(request, "consent.withdrawn", doc, patient=doc.patient, actor=ACTOR, detail="by the patient")
            # The clinicians of their open episodes hear of it; the email names no patient (they sign in to see).
            leads = Episode.objects.filter(
                clinic=doc.clinic_id, patient__in=doc.patient.record_ids(), status=Episode.Status.OPEN
            ).values_list("clinician__email", flat=True)
            mail.send("mine/email/consent_withdrawn.txt", {"clinic": doc.clinic}, list(leads), doc.clinic)
    except ValidationError as e:
        record(request, "consent.withdrawn", doc, patient=doc.patient, actor=ACTOR, outcome="invalid")
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Your consent is withdrawn: no needle goes in unless you consent again. The "
                                    "clinic has been told."))  # fmt: skip
    return redirect(f"{reverse('mine:consent')}?patient={doc.patient.code}")


def _open_episode(request, code) -> Episode:
    clinics, ids = _their_records(request)
    e = Episode.objects.filter(clinic__in=clinics, patient__in=ids, code=code, status=Episode.Status.OPEN).first()
    if e is None:
        record(request, "link.create", outcome="denied", actor=ACTOR, category="outcomes", detail="not theirs")
        raise Http404("Not found")
    return e


def _progress(episode) -> list[dict]:
    """Each measure with scores, in plain words, with the chart the clinician sees (no notes on it)."""
    all_series = outcomes.series(episode)
    visit_times: list = []
    mic = outcomes.thresholds(episode.clinic)
    out = []
    for m, s in all_series.items():
        if not s.points:
            continue
        if not visit_times:
            visit_times = list(Visit.objects.filter(clinic=episode.clinic_id, episode=episode).order_by("started")
                               .values_list("started", flat=True))  # fmt: skip
        first, last = s.points[0], s.latest
        text = words.in_words(m, first[1], timezone.localtime(first[0]).date(), last[1] if last else None,
                              timezone.localtime(last[0]).date() if last else None, s.change, mic[m])  # fmt: skip
        out.append({"measure": m, "text": text, "chart": charts.measure_chart(s, visit_times, mic[m])})
    return out


@allowed
def care(request) -> HttpResponse:
    """Their care in each clinic: questionnaires due (answered from here), home exercises, and their progress."""
    records = []
    for p in signin.patients_for(signin.email_of(request)):
        activate_clinic_timezone(p.clinic)
        pack = getattr(TextPack.objects.filter(clinic=p.clinic_id).first(), "pack", None)
        episodes = (
            Episode.objects.filter(clinic=p.clinic_id, patient__in=p.record_ids())
            .exclude(status=Episode.Status.ENTERED_IN_ERROR)
            .select_related("clinic")
            .order_by("-start_date", "-id")[:3]
        )
        rows = []
        for e in episodes:
            due = followups.current(followups.episode_points(e)) if e.status == Episode.Status.OPEN else None
            plan = CarePlan.objects.filter(clinic=e.clinic_id, episode=e).first()
            rows.append({
                "episode": e,
                "due": due,
                "paper": [NAMES[i] for i in instruments.on_paper(due.instruments, pack)] if due else [],
                "exercises": list(Assignment.objects.filter(clinic=e.clinic_id, plan=plan, active=True)
                                  .order_by("start", "id")) if plan else [],
                "progress": _progress(e),
            })  # fmt: skip
        records.append({"patient": p, "clinic": p.clinic, "episodes": rows})
        record(request, "patient.care", p, actor=ACTOR, category="outcomes")
    return render(request, "mine/care.html", {"records": records})


@allowed
@require_POST
def questionnaires(request, code) -> HttpResponse:
    """Answer the questionnaires due now: the same pages a link opens, from a link made for this moment."""
    e = _open_episode(request, code)
    point = followups.current(followups.episode_points(e))
    if point is None:
        messages.info(request, _("Nothing is due just now: thank you."))
        return redirect("mine:care")
    with transaction.atomic():
        _f, token = followups.issue(e, point, None, FollowUp.Channel.ACCOUNT)
        record(request, "link.create", e, patient=e.patient, actor=ACTOR, category="outcomes", detail="questionnaires")
    return redirect("portal:open", token)


@allowed
@require_POST
def exercises(request, code) -> HttpResponse:
    """Tick today's home exercises: the exercise page a link opens, from a link made for this moment."""
    e = _open_episode(request, code)
    plan = CarePlan.objects.filter(clinic=e.clinic_id, episode=e).first()
    if plan is None or not Assignment.objects.filter(clinic=e.clinic_id, plan=plan, active=True).exists():
        raise Http404("No home exercises")
    with transaction.atomic():
        _link, token = PatientLink.issue(e, PatientLink.Purpose.EXERCISES, None, bundle=[str(plan.code)],
                                         days=settings.EXERCISE_LINK_DAYS)  # fmt: skip
        record(request, "link.create", e, patient=e.patient, actor=ACTOR, category="plans", detail="exercises")
    return redirect("portal:open", token)


@allowed
def messages_page(request) -> HttpResponse:
    """Their thread with one clinic: read the clinic's messages, write one. Words that call for the emergency
    instructions show them at once (messaging/rules.py): a message is read in working hours."""
    data = request.POST if request.method == "POST" else request.GET
    patient = _record_for(request, data, "message.thread", "messages")
    form = MessageForm(request.POST or None)
    urgent: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    m = messaging.send(patient, form.cleaned_data["body"], from_patient=True)
                    record(request, "message.sent", m, patient=patient, actor=ACTOR, category="messages")
            except ValidationError as e:
                add_errors(form, e)
            else:
                urgent = message_rules.urgent(m.body)
                if not urgent:
                    messages.success(request, _("Sent. The clinic has been told a message is waiting."))
                    return redirect(f"{reverse('mine:messages')}?patient={patient.code}")
                form = MessageForm()  # sent: the page stays, with the instructions above the thread
        if not urgent:
            record(request, "message.sent", patient, actor=ACTOR, category="messages", outcome="invalid")
    else:
        messaging.mark_read(patient, by_patient=True)
        record(request, "message.thread", patient, actor=ACTOR, category="messages")
    return render(request, "mine/messages.html", {
        "patient": patient, "clinic": patient.clinic, "records": list(signin.patients_for(signin.email_of(request))),
        "thread": messaging.thread(patient), "form": form, "urgent": urgent,
    }, status=400 if form.errors else 200)  # fmt: skip


@allowed
def move(request, code) -> HttpResponse:
    """Change the time of one's own booked appointment, with the clinic's notice: one of the same practitioner's
    next free times of the same length, moved under the front desk's lock; the old time goes to the waitlist."""
    clinics, ids = _their_records(request)
    appt = (
        Appointment.objects.filter(clinic__in=clinics, patient__in=ids, code=code)
        .select_related("patient", "practitioner", "clinic")
        .first()
    )
    if appt is None:
        record(request, "appointment.move", outcome="denied", actor=ACTOR, category=CAT, detail="not theirs")
        raise Http404("Not found")
    clinic = appt.clinic
    activate_clinic_timezone(clinic)
    minutes = int((appt.end - appt.start).total_seconds() // 60)
    movable = appt.status == Appointment.Status.BOOKED and _in_time(appt)
    earliest = timezone.now() + timedelta(hours=clinic.online_notice_hours)
    free = appointments.free_slots(clinic, appt.practitioner, earliest, minutes=minutes, n=12) if movable else []
    if request.method == "POST":
        chosen = next((t for t in free if f"{t:%Y-%m-%dT%H:%M}" == request.POST.get("slot", "")), None)
        old_start, old_end = appt.start, appt.end
        try:
            if not movable:
                state = appt.get_status_display().lower()
                raise ValidationError(_("This appointment cannot be changed online (it is %(state)s, or less than "
                                        "%(hours)s hours away): please call the clinic.")
                                      % {"state": state, "hours": clinic.online_notice_hours})  # fmt: skip
            if chosen is None:
                raise ValidationError(_("That time has just been taken or is no longer offered: choose another."))
            with transaction.atomic():
                appt = appointments.move(appt, None, practitioner=appt.practitioner, start=chosen,
                                         end=chosen + timedelta(minutes=minutes))  # fmt: skip
                record(request, "appointment.move", appt, patient=appt.patient, actor=ACTOR, category=CAT,
                       detail="by the patient")  # fmt: skip
                waitlist.after_freed(request, clinic, appt.practitioner, old_start, old_end)
                _confirmation(appt)
        except ValidationError as e:
            record(request, "appointment.move", appt, patient=appt.patient, actor=ACTOR, category=CAT,
                   outcome="invalid")  # fmt: skip
            messages.error(request, " ".join(e.messages))
            return redirect("mine:move", appt.code)
        said = {"when": _when(appt.start, "l d F, H:i"), "who": appt.practitioner.display_name()}
        messages.success(
            request, _("Changed: now %(when)s with %(who)s. A confirmation is on its way by email.") % said
        )
        return redirect("mine:home")
    record(request, "appointment.view", appt, patient=appt.patient, actor=ACTOR, category=CAT, detail="to change")
    return render(request, "mine/move.html", {
        "a": appt, "clinic": clinic, "movable": movable, "minutes": minutes,
        "when": _when(appt.start, "l d F Y, H:i"),
        "free": [(f"{t:%Y-%m-%dT%H:%M}", _when(t, "l d F, H:i")) for t in free],
    })  # fmt: skip


MUSCLE_NAMES = dict(MUSCLE_CHOICES)


def record_of(patient) -> dict:
    """What the patient's own copy holds, for one clinic (the ONC "view, download" anchor, 170.315(e)(1)): their
    details, appointments, episodes, the visits with what was done (sites, pain before and after), questionnaire
    scores, signed consent forms and messages. Clinicians' free-text notes are not in it: the clinic gives those
    on request (a subject-access request)."""
    ids, clinic = patient.record_ids(), patient.clinic_id
    insertions = Insertion.objects.filter(clinic=clinic, visit__patient__in=ids,
                                          visit__status=Visit.Status.SIGNED)  # fmt: skip
    sites: dict[int, set[str]] = {}
    for visit_id, muscle, side in insertions.values_list("visit_id", "muscle", "side"):
        sites.setdefault(visit_id, set()).add(f"{MUSCLE_NAMES.get(muscle, muscle)} ({side})")
    return {
        "patient": patient,
        "clinic": patient.clinic,
        "appointments": Appointment.objects.filter(clinic=clinic, patient__in=ids).select_related("practitioner")
        .order_by("-start"),
        "episodes": Episode.objects.filter(clinic=clinic, patient__in=ids).exclude(
            status=Episode.Status.ENTERED_IN_ERROR).order_by("-start_date"),
        "visits": [(v, sorted(sites.get(v.pk, ()))) for v in Visit.objects.filter(
            clinic=clinic, patient__in=ids, status=Visit.Status.SIGNED).select_related("practitioner", "episode")
            .order_by("-started")],
        "scores": Response.objects.filter(clinic=clinic, patient__in=ids, entered_in_error=False, scorable=True)
        .order_by("-collected"),
        "consents": consent.of(patient),
        "thread": messaging.thread(patient),
        "made": timezone.localtime(),
    }  # fmt: skip


@allowed
def record_pdf(request) -> HttpResponse:
    """Their record at one clinic as a PDF, made now (it changes with every visit: never stored)."""
    from weasyprint import HTML  # a heavy import, for this download only

    patient = _record_for(request, request.GET, "patient.record_download", "demographics")
    html = render_to_string("mine/record_pdf.html", record_of(patient), request=request)
    pdf = HTML(string=html).write_pdf()
    record(request, "patient.record_download", patient, actor=ACTOR, category="demographics", detail="pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="my-record-{timezone.localdate():%Y-%m-%d}.pdf"'
    return response


@allowed
@require_POST
def language(request) -> HttpResponse:
    """The language the patient chose for their pages (kept for the visit, mine/language.py)."""
    chosen = request.POST.get("language", "")
    if chosen in patient_language.CODES:
        request.session[patient_language.CHOSEN] = chosen
    back = request.POST.get("next", "")
    ok = back.startswith("/my/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    return redirect(back if ok else "mine:home")


@allowed
@require_POST
def texts_setting(request) -> HttpResponse:
    """The patient turns appointment reminders by text on or off for the number their clinic has."""
    patient = _record_for(request, request.POST, "texts.agreed", "demographics")
    on = request.POST.get("texts") == "on"
    if on and not patient.phone:
        messages.error(request, _("Your clinic has no phone number for you: tell them the number first."))
    elif patient_texts.record(patient, on, TextConsent.Source.ACCOUNT):
        record(request, "texts.agreed" if on else "texts.stopped", patient, actor=ACTOR, category="demographics")
        messages.success(request, _("Reminders by text are on.") if on else _("No more texts."))
    return redirect("mine:home")


@allowed
def texts_stop(request, token) -> HttpResponse:
    """The link in every text: stop texts, with one button (opening the link changes nothing)."""
    patient = patient_texts.from_stop_token(token)
    if patient is None:
        return render(request, "portal/message.html", {"message": _("This link is not valid.")}, status=404)
    stopped = False
    if request.method == "POST":
        if patient_texts.record(patient, False, TextConsent.Source.LINK):
            record(request, "texts.stopped", patient, actor=ACTOR, category="demographics", detail="link")
        stopped = True
    return render(request, "mine/texts_stop.html", {"stopped": stopped or not patient_texts.texted(patient)})


@csrf_exempt  # the gateway's server posts here, with the shared token instead of a browser's cookie
@allowed
@require_POST
def texts_inbound(request) -> HttpResponse:
    """A reply to a text, forwarded by the gateway: STOP (or similar) stops texts to that number."""
    token = settings.SMS_HTTP_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not token or not hmac.compare_digest(given, token):
        return JsonResponse({"detail": "Not allowed."}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        phone, text = str(body["from"]), str(body["text"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "Send JSON with 'from' and 'text'."}, status=400)
    stopped = 0
    if text.strip().upper() in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT", "ALTO"):
        stopped = patient_texts.stop_number(phone)
        record(request, "texts.stopped", actor=ACTOR, category="demographics", detail=f"reply; {stopped} records")
    return JsonResponse({"stopped": stopped})
