import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import pgettext
from django_otp import login as otp_login

from dryneedle.accounts import mfa, throttle
from dryneedle.accounts.access import allowed
from dryneedle.accounts.forms import CodeForm, LoginForm, MfaSetupForm, SwitchClinicForm
from dryneedle.accounts.middleware import SESSION_KEY, memberships_of
from dryneedle.accounts.models import Clinic, User
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.audit.models import AuditEvent
from dryneedle.lib import mail


def record_account(request: ClinicRequest, action: str, user, **kw) -> None:
    """An account event, in the audit chain of each clinic the user belongs to (finding 5).

    A sign-in belongs to no one clinic yet; without this the rows had no
    clinic and no clinic's audit report showed them.
    """
    clinics: list[Clinic | None] = [m.clinic for m in memberships_of(user)] if user is not None else []
    for clinic in clinics or [None]:
        record(request, action, user=user, clinic=clinic, **kw)


def send_unlock_link(request: ClinicRequest, username: str) -> None:
    """Email the account's owner a link that clears the lockout, at most once per cool-off."""
    user = User.objects.filter(username=username, is_active=True).exclude(email="").first()
    if user is None:
        return
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    if AuditEvent.objects.filter(action="login.unlock_sent", user_id=user.pk, ts__gte=since).exists():
        return
    link = request.build_absolute_uri(reverse("login_unlock") + "?" + urlencode({"token": throttle.unlock_token(user)}))
    mail.send("accounts/email/unlock.txt", {"user": user, "link": link, "hours": throttle.UNLOCK_HOURS}, [user.email])

    record_account(request, "login.unlock_sent", user)


@allowed
def login_view(request: ClinicRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        attempted = request.POST.get("username", "")[:150]
        wait = throttle.wait_seconds(attempted)
        if wait is None:
            record_account(
                request,
                "login.locked_out",
                User.objects.filter(username=attempted).first(),
                outcome="denied",
                detail="consecutive failures",
            )
            send_unlock_link(request, attempted)
            return render(request, "accounts/locked_out.html", {"minutes": None}, status=429)
        if wait:
            # Refused without checking the password, the same for known and unknown names.
            record_account(request, "login.slowed", User.objects.filter(username=attempted).first(), outcome="denied")
            response = render(
                request,
                "accounts/login.html",
                {
                    "form": LoginForm(request, initial={"username": attempted}),
                    "throttled": f"Too many failed attempts for this account. Wait {wait} seconds, then try again.",
                    "next": request.GET.get("next", ""),
                    "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
                },
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            user = form.get_user()
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = settings.LOGIN_REDIRECT_URL
            if mfa.device_of(user) is not None:
                # Password right; the session is not logged in until the code is.
                request.session.cycle_key()
                request.session[mfa.PENDING] = {"user": user.pk, "at": time.time(), "next": target}
                record_account(request, "login.password_ok", user, detail="second factor required")
                return redirect("login_verify")
            login(request, user)  # rotates the session key; stamps it (apps.py)
            throttle.clear(user.username)
            record_account(request, "login.success", user)
            return redirect(target)
        known = User.objects.filter(username=attempted).first()
        record_account(request, "login.failure", known, outcome="denied", detail="" if known else "unknown user")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", ""), "idle_minutes": settings.SESSION_IDLE_SECONDS // 60},
    )


@allowed
def login_verify(request: ClinicRequest) -> HttpResponse:
    """Second step of login for accounts with a TOTP device."""
    pending = request.session.get(mfa.PENDING)
    if not pending or time.time() - pending["at"] > mfa.PENDING_SECONDS:
        request.session.pop(mfa.PENDING, None)
        messages.info(request, pgettext("staff", "Log in again."))
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    device = mfa.device_of(user) if user else None
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and user is not None and device is not None:
        # verify_token refuses a code already used (it keeps the last time step)
        # and slows down repeated failures.
        if device.verify_token(form.cleaned_data["code"]):
            del request.session[mfa.PENDING]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            throttle.clear(user.username)
            record_account(request, "login.success", user, detail="with second factor")
            return redirect(pending["next"])
        record_account(request, "login.mfa_failure", user, outcome="denied")
        form.add_error(
            "code", pgettext("staff", "That code is not valid. Codes change every 30 seconds and work once.")
        )
    return render(request, "accounts/login_verify.html", {"form": form})


@allowed
def mfa_setup(request: ClinicRequest) -> HttpResponse:
    """Turn on the TOTP second factor (required for clinic admins and superusers)."""
    user = request.user
    confirmed = mfa.device_of(user)
    if confirmed is not None:
        return render(request, "accounts/mfa_setup.html", {"confirmed": confirmed, "required": mfa.required_for(user)})
    device = mfa.pending_device(user)
    form = MfaSetupForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record(request, "mfa.enrolled", user=user)
            messages.success(
                request, pgettext("staff", "Two-factor sign-in is on. You will be asked for a code at each login.")
            )
            return redirect("home")
        form.add_error(
            "code", pgettext("staff", "That code is not valid. Check the time on your phone and try the next code.")
        )
    return render(
        request,
        "accounts/mfa_setup.html",
        {"form": form, "qr": mfa.qr_svg(device), "secret": mfa.secret_of(device), "required": mfa.required_for(user)},
    )


def locked_out(request: ClinicRequest, original_response=None, credentials=None) -> HttpResponse:
    """Answer a locked account (django-axes) the same way whether it exists or not."""
    attempted = (credentials or {}).get("username") if isinstance(credentials, dict) else None
    attempted = (attempted or request.POST.get("username", ""))[:150]
    known = User.objects.filter(username=attempted).first() if attempted else None
    record_account(request, "login.locked_out", known, outcome="denied", detail="" if known else "unknown user")
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@allowed
def login_unlock(request: ClinicRequest) -> HttpResponse:
    """The owner's emailed link: a button (a mail scanner's GET changes nothing) that clears the lockout."""
    user = throttle.user_for_token(request.GET.get("token", ""))
    if user is None:
        record(request, "login.unlock", outcome="denied", detail="bad or expired link")
        return render(request, "accounts/unlock.html", {"bad": True}, status=400)
    if request.method == "POST":
        throttle.clear(user.username)
        record_account(request, "login.unlock", user)
        messages.success(
            request,
            pgettext(
                "staff",
                "Sign-in is open again for your account. If you did not cause the lockout, tell your clinic admin.",
            ),
        )
        return redirect("login")
    return render(request, "accounts/unlock.html", {"bad": False})


@allowed
def logout_view(request: ClinicRequest) -> HttpResponse:
    user = request.user
    record(request, "logout")
    user.end_all_sessions()
    logout(request)
    messages.info(request, pgettext("staff", "You are logged out."))
    response = redirect("login")
    # The browser drops its copies of clinical pages and anything in storage (RT-27). Cookies are not in the
    # list: the session already ended on the server, and the "logged out" message travels in one.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@allowed
def switch_clinic(request: ClinicRequest) -> HttpResponse:
    form = SwitchClinicForm(request.POST)
    if form.is_valid():
        for m in memberships_of(request.user):
            if m.clinic.code == form.cleaned_data["clinic"]:
                request.session[SESSION_KEY] = str(m.clinic.code)
                record(request, "clinic.switch", clinic=m.clinic)
                messages.info(request, pgettext("staff", "You are now working in %(name)s.") % {"name": m.clinic.name})
                return redirect("home")
    messages.error(request, pgettext("staff", "You are not a member of that clinic."))
    return redirect("home")


@allowed
def healthz(request: ClinicRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})
