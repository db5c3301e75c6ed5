"""The clinic admin's pages for the clinic itself: its details, and adding a member of staff; the newcomer's page to
choose a password from the emailed link (accounts/staff.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from dryneedle.accounts import staff
from dryneedle.accounts.access import allowed
from dryneedle.accounts.forms import ClinicForm, StaffForm
from dryneedle.accounts.models import User
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.forms import add_errors

CAT = "administration"


@allowed
def clinic_details(request: ClinicRequest) -> HttpResponse:
    clinic = request.membership.clinic
    form = ClinicForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        changed = ", ".join(form.changed_data) or "nothing"
        with transaction.atomic():
            form.save()
            record(request, "clinic.update", category=CAT, detail=f"changed: {changed}"[:200])
        messages.success(request, pgettext("staff", "The clinic's details are saved."))
        return redirect("clinic_details")
    if request.method == "POST":
        record(request, "clinic.update", category=CAT, outcome="invalid")
    else:
        record(request, "clinic.view", category=CAT)
    return render(request, "accounts/clinic.html", {"form": form, "staff_form": StaffForm()},
                  status=400 if form.errors else 200)  # fmt: skip


@allowed
@require_POST
def add_member(request: ClinicRequest) -> HttpResponse:
    clinic = request.membership.clinic
    form = StaffForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                base = settings.SITE_URL or request.build_absolute_uri("/")
                m, new = staff.add_member(clinic, request.user, base_url=base, **d)
                record(request, "staff.add", category=CAT, detail=f"{m.user.username} as {m.role}")
        except ValidationError as e:
            add_errors(form, e)
        else:
            how = "an email with a link to choose a password" if new else "an email: they sign in as before"
            messages.success(
                request,
                pgettext("staff", "%(display_name)s is now %(role)s here; they have %(how)s.")
                % {"display_name": m.user.display_name(), "role": m.get_role_display().lower(), "how": how},
            )
            return redirect("clinic_details")
    record(request, "staff.add", category=CAT, outcome="invalid")
    return render(request, "accounts/clinic.html", {"form": ClinicForm(instance=clinic), "staff_form": form},
                  status=400)  # fmt: skip


def _user_from_link(request) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(request.GET.get("u", "")[:40]))
        user = User.objects.get(pk=int(pk), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, request.GET.get("t", "")[:100]) else None


@allowed
def set_password(request: ClinicRequest) -> HttpResponse:
    """The emailed link: choose a password (the strength rules of every password); then sign in."""
    user = _user_from_link(request)
    if user is None:
        record(request, "account.set_password", outcome="denied", detail="bad, used or expired link")
        return render(request, "accounts/set_password.html", {"bad": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(request, "account.set_password", detail=user.username)
        messages.success(request, pgettext("staff", "Your password is set. Sign in with your email and it."))
        return redirect("login")
    return render(
        request, "accounts/set_password.html", {"form": form, "who": user}, status=400 if form.errors else 200
    )
