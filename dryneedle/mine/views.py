"""The patient's own pages (issue 19): sign in with a code sent to their email, then their appointments in each
clinic that knows that address, and cancelling one with enough notice. Only that address's records are reachable;
every page a patient opens is audited with the patient as the actor."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed
from dryneedle.accounts.middleware import activate_clinic_timezone
from dryneedle.aftercare import services as aftercare
from dryneedle.appointments.models import Appointment, OnlineBooking
from dryneedle.audit.log import record
from dryneedle.lib.dates import when
from dryneedle.lib.forms import add_errors
from dryneedle.messaging import rules as message_rules
from dryneedle.messaging import services as messaging
from dryneedle.messaging.forms import MessageForm
from dryneedle.mine import language as patient_language
from dryneedle.mine import signin
from dryneedle.mine.booking import CAT, ONLINE, in_time
from dryneedle.mine.forms import CodeForm, EmailForm
from dryneedle.mine.theirs import ACTOR, client_ip, record_for, their_records
from dryneedle.outcomes import charts, followups, instruments, packs, words
from dryneedle.outcomes import services as outcomes
from dryneedle.outcomes.models import NAMES, FollowUp
from dryneedle.patients import texts as patient_texts
from dryneedle.patients.models import Episode
from dryneedle.plans.models import Assignment, CarePlan
from dryneedle.portal import intake as intake_answers
from dryneedle.portal.models import PatientLink
from dryneedle.visits.models import Visit
from dryneedle.web import lookups


@allowed
def signin_page(request) -> HttpResponse:
    """Step 1: the email address. The answer is the same whether the address is known or not."""
    if request.user.is_authenticated:  # a staff login in this browser: the patient's pages stay apart from it
        return render(request, "mine/signin.html", {"staff": True, "form": EmailForm()})
    if signin.email_of(request):
        return redirect("mine:home")
    back = request.GET.get("next", "")
    if back.startswith("/my/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        request.session["mine.next"] = back  # a link from an email (the questions before a visit): back there
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if lookups.throttled(request):
            return render(request, "portal/message.html", {"message": lookups.MESSAGE}, status=429)
        email = form.cleaned_data["email"].lower()
        outcome = signin.ask(email, client_ip(request))
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
            return redirect(request.session.pop("mine.next", "") or "mine:home")
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
        rows = [(a, in_time(a) and a.status in ("booked", "requested")) for a in upcoming]
        rendered = [(a, ok, when(a.start, "long")) for a, ok in rows]
        visits = (
            Visit.objects.filter(clinic=p.clinic_id, patient__in=ids, status=Visit.Status.SIGNED)
            .annotate(n=Count("insertions"))
            .filter(n__gt=0)
            .order_by("-started")[:10]
        )
        handouts = [(v, when(v.started, "short")) for v in visits]
        records.append({"patient": p, "clinic": p.clinic, "notice": p.clinic.online_notice_hours,
                        "texted": patient_texts.texted(p),
                        "intakes": [(i, when(i.due, "day")) for i in intake_answers.pending(ids, [p.clinic_id])],
                        "upcoming": rendered, "handouts": handouts, "past": [
            (a, when(a.start, "short_time")) for a in past]})  # fmt: skip
        record(request, "patient.home", p, actor=ACTOR, category=CAT)
    can_book = OnlineBooking.objects.filter(clinic__in=[r["clinic"] for r in records], mode__in=ONLINE).exists()
    return render(request, "mine/home.html", {"records": records, "email": email, "can_book": can_book})


@allowed
def handout(request, code) -> HttpResponse:
    """The aftercare handout of one of the patient's own signed visits (the same page their link opens)."""
    clinics, ids = their_records(request)
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


def _open_episode(request, code) -> Episode:
    clinics, ids = their_records(request)
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
        pack = packs.english(p.clinic_id)
        language = packs.reader_language(p)
        words = packs.translation(p.clinic_id, language)
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
                "in_english": [NAMES[i] for i in packs.in_english(due.instruments, language, words)]
                if due else [],
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
    patient = record_for(request, data, "message.thread", "messages")
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
@require_POST
def language(request) -> HttpResponse:
    """The language the patient chose for their pages (kept for the visit, mine/language.py)."""
    chosen = request.POST.get("language", "")
    if chosen in patient_language.CODES:
        request.session[patient_language.CHOSEN] = chosen
    back = request.POST.get("next", "")
    ok = patient_language.patient_facing(back.split("?")[0]) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    )
    return redirect(back if ok else "mine:home")
