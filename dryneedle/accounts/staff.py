"""A clinic's own people and details, kept by its clinic admin: add a member of staff, edit the clinic.

A new person gets an account with no password and an emailed link to choose one (Django's password-reset token:
single use, it stops working once the password is set, and expires after PASSWORD_RESET_TIMEOUT). A person who
already has an account elsewhere (a practitioner working in two clinics) is given a membership here instead.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import pgettext

from dryneedle.accounts.models import Membership, Role, User
from dryneedle.lib import mail


def set_password_link(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("set_password") + f"?u={uid}&t={token}"


def add_member(clinic, by, *, first_name: str, last_name: str, email: str, role: str, base_url: str):
    """Add a person to ``clinic`` with ``role``; returns (membership, whether the account is new)."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": pgettext("staff", "Choose a role.")})
    user = User.objects.filter(username__iexact=email).first()
    new = user is None
    if user is None:
        user = User(username=email, email=email, first_name=first_name.strip(), last_name=last_name.strip())
        user.set_unusable_password()
        user.save()
    m = Membership.objects.filter(user=user, clinic=clinic).first()
    if m is not None and m.is_active:
        raise ValidationError(
            {
                "email": pgettext("staff", "%(display_name)s is already a member of %(name)s.")
                % {"display_name": user.display_name(), "name": clinic.name}
            }
        )
    if m is not None:  # back after leaving: the same membership, active again with the role given now
        m.is_active, m.role = True, role
        m.save(update_fields=["is_active", "role"])
    else:
        m = Membership.objects.create(user=user, clinic=clinic, role=role)
    link = set_password_link(user, base_url) if new else base_url.rstrip("/") + reverse("login")
    context = {"user": user, "clinic": clinic, "by": by, "role": m.get_role_display(), "new": new, "link": link,
               "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}  # fmt: skip
    mail.send("accounts/email/welcome.txt", context, [user.email], clinic)
    return m, new
