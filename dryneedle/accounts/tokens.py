"""API tokens: made on a page by a person who has just passed the second factor (issue 15, finding 9).

A token is as strong as a password and a second factor together, so it may only
be made from a session that passed the second factor; it carries scopes (read,
write, export) and an expiry, and its owner (or the clinic's admin) sees when it
was last used and can revoke it. The raw token is shown once, in the response
that made it, never stored or put in a message.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.accounts.access import allowed
from dryneedle.accounts.models import ApiToken, Role
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record

CAT = "credentials"


class TokenForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("staff", "What is it for?"),
        max_length=100,
        help_text=pgettext_lazy("staff", "For example: front-desk tablet"),
    )
    scopes = forms.MultipleChoiceField(
        label=pgettext_lazy("staff", "It may"),
        choices=list(ApiToken.SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=["read"],
    )
    days = forms.TypedChoiceField(
        label=pgettext_lazy("staff", "Expires after"),
        choices=[(d, f"{d} days") for d in ApiToken.LIFETIMES],
        coerce=int,
        initial=ApiToken.DEFAULT_DAYS,
    )


def _visible(request: ClinicRequest):
    tokens = ApiToken.objects.filter(membership__clinic=request.membership.clinic).select_related("membership__user")
    if request.membership.role != Role.CLINIC_ADMIN:
        tokens = tokens.filter(membership=request.membership)
    return tokens.order_by("-created")


@allowed
def tokens(request: ClinicRequest) -> HttpResponse:
    verified = request.user.is_verified()
    form = TokenForm(request.POST if request.method == "POST" else None)
    new_token, refused = None, ""
    if request.method == "POST" and request.POST.get("action") == "revoke":
        t = _visible(request).filter(code=request.POST.get("token", "")[:36], revoked__isnull=True).first()
        if t is None:
            messages.error(request, pgettext("staff", "That token is not yours to revoke, or it is revoked already."))
        else:
            ApiToken.objects.filter(pk=t.pk).update(revoked=timezone.now())
            record(request, "token.revoke", category=CAT, detail=f"{t.name[:80]} of {t.membership.user.username}")
            messages.success(
                request, pgettext("staff", "Revoked “%(name)s”. It stops working at once.") % {"name": t.name}
            )
        return redirect("tokens")
    if request.method == "POST":
        if not verified:
            record(request, "token.issue", category=CAT, outcome="denied", detail="no second factor in this session")
            refused = "Sign in with your second factor (an authenticator code) before you make a token."
        elif form.is_valid():
            t, new_token = ApiToken.issue(
                request.membership, form.cleaned_data["name"], form.cleaned_data["scopes"], form.cleaned_data["days"]
            )
            record(
                request,
                "token.issue",
                category=CAT,
                detail=f"{t.name[:80]} ({t.scopes}, {form.cleaned_data['days']} days)",
            )
            form = TokenForm()
    else:
        record(request, "token.view", category=CAT)
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": _visible(request), "new_token": new_token, "verified": verified, "refused": refused},
        status=201 if new_token else (400 if request.method == "POST" else 200),
    )
