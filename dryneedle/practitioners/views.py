from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from dryneedle.audit.log import record
from dryneedle.patients.models import Episode, Patient
from dryneedle.policy import CLINICAL, DEMOGRAPHICS
from dryneedle.practitioners.access import allowed
from dryneedle.practitioners.forms import LoginForm, SwitchClinicForm
from dryneedle.practitioners.middleware import SESSION_KEY, memberships_of
from dryneedle.practitioners.models import User


@allowed("login")
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            login(request, user)  # rotates the session key; stamps it (apps.py)
            record(request, "login.success", user=user)
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
        attempted = request.POST.get("username", "")[:150]
        known = User.objects.filter(username=attempted).first()
        record(request, "login.failure", outcome="denied", user=known, detail="" if known else "unknown user")
    return render(
        request,
        "practitioners/login.html",
        {"form": form, "next": request.GET.get("next", ""), "idle_minutes": settings.SESSION_IDLE_SECONDS // 60},
    )


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Answer a locked account (django-axes) the same way whether it exists or not."""
    attempted = (credentials or {}).get("username") if isinstance(credentials, dict) else None
    attempted = (attempted or request.POST.get("username", ""))[:150]
    known = User.objects.filter(username=attempted).first() if attempted else None
    record(request, "login.locked_out", outcome="denied", user=known, detail="" if known else "unknown user")
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "practitioners/locked_out.html", {"minutes": minutes}, status=429)


@allowed("logout")
def logout_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    record(request, "logout")
    user.end_all_sessions()
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("login")


@allowed("switch_clinic")
def switch_clinic(request: HttpRequest) -> HttpResponse:
    form = SwitchClinicForm(request.POST)
    if form.is_valid():
        for m in memberships_of(request.user):
            if m.clinic.code == form.cleaned_data["clinic"]:
                request.session[SESSION_KEY] = str(m.clinic.code)
                record(request, "clinic.switch", clinic=m.clinic)
                messages.info(request, f"You are now working in {m.clinic.name}.")
                return redirect("home")
    messages.error(request, "You are not a member of that clinic.")
    return redirect("home")


@allowed("home")
def home(request: HttpRequest) -> HttpResponse:
    m = request.membership
    ctx: dict = {"memberships": memberships_of(request.user)}
    if m is not None and m.role in CLINICAL:
        ctx["my_episodes"] = (
            Episode.objects.filter(clinic=m.clinic, clinician=request.user, status=Episode.Status.OPEN)
            .select_related("patient")
            .order_by("-start_date")[:15]
        )
        record(request, "episode.list", detail="home: my open episodes")
    if m is not None and m.role in DEMOGRAPHICS:
        ctx["counts"] = Patient.objects.filter(clinic=m.clinic).aggregate(
            patients=Count("id"), active=Count("id", filter=Q(status="active"))
        )
    return render(request, "practitioners/home.html", ctx)


@allowed("healthz")
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})
