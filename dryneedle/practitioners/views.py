import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from dryneedle.audit.log import record
from dryneedle.patients.models import Episode, Patient
from dryneedle.policy import CLINICAL, DEMOGRAPHICS
from dryneedle.practitioners import mfa
from dryneedle.practitioners.access import allowed
from dryneedle.practitioners.forms import CodeForm, LoginForm, MfaSetupForm, SwitchClinicForm
from dryneedle.practitioners.middleware import SESSION_KEY, memberships_of
from dryneedle.practitioners.models import Credential, Role, User


@allowed("login")
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = settings.LOGIN_REDIRECT_URL
            if mfa.device_of(user) is not None:
                # Password right; the session is not logged in until the code is.
                request.session.cycle_key()
                request.session[mfa.PENDING] = {"user": user.pk, "at": time.time(), "next": target}
                record(request, "login.password_ok", user=user, detail="second factor required")
                return redirect("login_verify")
            login(request, user)  # rotates the session key; stamps it (apps.py)
            record(request, "login.success", user=user)
            return redirect(target)
        attempted = request.POST.get("username", "")[:150]
        known = User.objects.filter(username=attempted).first()
        record(request, "login.failure", outcome="denied", user=known, detail="" if known else "unknown user")
    return render(
        request,
        "practitioners/login.html",
        {"form": form, "next": request.GET.get("next", ""), "idle_minutes": settings.SESSION_IDLE_SECONDS // 60},
    )


@allowed("login_verify")
def login_verify(request: HttpRequest) -> HttpResponse:
    """Second step of login for accounts with a TOTP device."""
    pending = request.session.get(mfa.PENDING)
    if not pending or time.time() - pending["at"] > mfa.PENDING_SECONDS:
        request.session.pop(mfa.PENDING, None)
        messages.info(request, "Log in again.")
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    device = mfa.device_of(user) if user else None
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and device is not None:
        # verify_token refuses a code already used (it keeps the last time step)
        # and slows down repeated failures.
        if device.verify_token(form.cleaned_data["code"]):
            del request.session[mfa.PENDING]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            record(request, "login.success", user=user, detail="with second factor")
            return redirect(pending["next"])
        record(request, "login.mfa_failure", outcome="denied", user=user)
        form.add_error("code", "That code is not valid. Codes change every 30 seconds and work once.")
    return render(request, "practitioners/login_verify.html", {"form": form})


@allowed("mfa_setup")
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Turn on the TOTP second factor (required for clinic admins and superusers)."""
    user = request.user
    confirmed = mfa.device_of(user)
    if confirmed is not None:
        return render(
            request, "practitioners/mfa_setup.html", {"confirmed": confirmed, "required": mfa.required_for(user)}
        )
    device = mfa.pending_device(user)
    form = MfaSetupForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record(request, "mfa.enrolled", user=user)
            messages.success(request, "Two-factor sign-in is on. You will be asked for a code at each login.")
            return redirect("home")
        form.add_error("code", "That code is not valid. Check the time on your phone and try the next code.")
    return render(
        request,
        "practitioners/mfa_setup.html",
        {"form": form, "qr": mfa.qr_svg(device), "secret": mfa.secret_of(device), "required": mfa.required_for(user)},
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
    response = redirect("login")
    # The browser drops its copies of clinical pages and anything in storage (RT-27). Cookies are not in the
    # list: the session already ended on the server, and the "logged out" message travels in one.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


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
    if m is not None and m.role == Role.PRACTITIONER:
        from dryneedle.practitioners import gate

        ctx["expiring"] = gate.expiring(Credential.objects.filter(user=request.user))
        ctx["needling_problems"] = gate.problems(request.user, m.clinic) + (
            [] if m.needling else ["A clinic admin has not given you the needling right here."]
        )
    if m is not None and m.role in DEMOGRAPHICS:
        ctx["counts"] = Patient.objects.filter(clinic=m.clinic).aggregate(
            patients=Count("id"), active=Count("id", filter=Q(status="active"))
        )
    return render(request, "practitioners/home.html", ctx)


@allowed("healthz")
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})
