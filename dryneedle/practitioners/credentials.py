"""Credential pages: a practitioner's licences, training and authorizations; verification; the clinic's team
with the needling right; the jurisdiction rules (edited by a superuser only)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.accounts.access import allowed
from dryneedle.accounts.models import Clinic, Membership, Role, User
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.forms import DateInput, error_text, no_nul
from dryneedle.practitioners import gate
from dryneedle.practitioners.models import Credential, CredentialVerification, JurisdictionRule, LocalRuleAttestation

MAX_CERTIFICATE = 5 * 1024 * 1024
# Accepted by content, not by name: the first bytes of a PDF, a PNG and a JPEG.
MAGIC = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
CAT = "credentials"


class CredentialForm(forms.Form):
    kind = forms.ChoiceField(choices=Credential.Kind.choices)
    profession = forms.ChoiceField(choices=Credential.Profession.choices)
    title = forms.CharField(label=pgettext_lazy("staff", "Licence or course"), max_length=200, validators=[no_nul])
    issuer = forms.CharField(
        label=pgettext_lazy("staff", "Issuing body or course provider"), max_length=200, validators=[no_nul]
    )
    number = forms.CharField(label=pgettext_lazy("staff", "Number"), required=False, max_length=60, validators=[no_nul])
    jurisdiction = forms.CharField(
        required=False, max_length=10, validators=[no_nul], help_text=pgettext_lazy("staff", "e.g. US-CO, CA-AB")
    )
    hours_in_person = forms.IntegerField(
        label=pgettext_lazy("staff", "Hours in person"), required=False, min_value=0, max_value=5000
    )
    hours_online = forms.IntegerField(
        label=pgettext_lazy("staff", "Hours online"), required=False, min_value=0, max_value=5000
    )
    issued = forms.DateField(widget=DateInput())
    expires = forms.DateField(required=False, widget=DateInput())
    certificate = forms.FileField(required=False, help_text=pgettext_lazy("staff", "PDF, PNG or JPEG, at most 5 MB"))

    def clean_certificate(self):
        f = self.cleaned_data.get("certificate")
        if f is None:
            return None
        if f.size > MAX_CERTIFICATE:
            raise forms.ValidationError(
                pgettext("staff", "The file is %(size)s KB; at most %(limit)s KB.")
                % {"size": f.size // 1024, "limit": MAX_CERTIFICATE // 1024}
            )
        head = f.read(8)
        f.seek(0)
        kind = next((t for sig, t in MAGIC.items() if head.startswith(sig)), None)
        if kind is None:
            raise forms.ValidationError(
                pgettext("staff", "Upload a PDF, PNG or JPEG (the file's content is none of these).")
            )
        f.detected_type = kind
        return f

    def clean(self):
        d = super().clean()
        if d.get("issued") and d.get("expires") and d["expires"] <= d["issued"]:
            self.add_error("expires", pgettext("staff", "The expiry date must be after the date of issue."))
        if d.get("issued") and d["issued"] > timezone.localdate():
            self.add_error("issued", pgettext("staff", "The date of issue cannot be in the future."))
        return d


class VerifyForm(forms.Form):
    method = forms.ChoiceField(choices=Credential.Method.choices)
    note = forms.CharField(required=False, max_length=300, validators=[no_nul])


def member(request: ClinicRequest, username: str | None) -> User:
    """The practitioner whose credentials are shown: oneself, or (for a clinic admin) a member of the clinic."""
    if not username or username == request.user.username:
        return request.user
    if request.membership.role != Role.CLINIC_ADMIN:
        raise PermissionDenied("You can see your own credentials only.")
    user = User.objects.filter(username=username[:150], memberships__clinic=request.membership.clinic).first()
    if user is None:
        raise Http404("Not found")
    return user


@allowed
def credentials(request: ClinicRequest) -> HttpResponse:
    who = member(request, request.GET.get("user"))
    form = CredentialForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            f = d.pop("certificate")
            with transaction.atomic():
                c = Credential.objects.create(
                    user=who,
                    **{k: v for k, v in d.items() if v is not None or k in ("expires",)},
                    certificate=f.read() if f else None,
                    certificate_type=f.detected_type if f else "",
                    certificate_name=(f.name or "")[:200] if f else "",
                )
                record(request, "credential.add", category=CAT, detail=f"{who.username}: {c.kind} {c.code}")
            messages.success(
                request,
                pgettext("staff", "Added: %(credential)s. A clinic admin verifies it before it counts.")
                % {"credential": c},
            )
            return redirect(
                reverse("practitioners:credentials") + (f"?user={who.username}" if who != request.user else "")
            )
        record(request, "credential.add", category=CAT, outcome="invalid", detail=who.username)
    else:
        record(request, "credentials.view", category=CAT, detail=who.username)
    clinic = request.membership.clinic
    creds = list(
        Credential.objects.filter(user=who).prefetch_related("verifications__verified_by").order_by("kind", "-issued")
    )
    for c in creds:
        # This clinic's verification counts here; another clinic's is shown, and counts only there.
        c.here = c.verification_for(clinic)  # type: ignore[attr-defined]  # for the template
        c.elsewhere = any(v.clinic_id != clinic.pk for v in c.verifications.all())  # type: ignore[attr-defined]  # for the template
    m = Membership.objects.filter(user=who, clinic=clinic).first()
    profession = gate.profession_of(who, clinic)
    return render(
        request,
        "practitioners/credentials.html",
        {
            "who": who,
            "form": form,
            "credentials": creds,
            "verify_form": VerifyForm(),
            "is_admin": request.membership.role == Role.CLINIC_ADMIN,
            "experience": gate.experience(who),
            "problems": gate.problems(who, clinic) if m and m.role == Role.PRACTITIONER else [],
            "member": m,
            "rule": gate.rule_for(clinic, profession),
            "profession": profession,
            "expiring": gate.expiring(creds),
        },
        status=400 if form.errors else 200,
    )


def _credential(request, code) -> Credential:
    c = Credential.objects.filter(code=code).select_related("user").first()
    if c is None or not c.user.memberships.filter(clinic=request.membership.clinic).exists():
        record(request, "access.not_found", outcome="denied", detail="practitioners.credential")
        raise Http404("Not found")
    if c.user != request.user and request.membership.role != Role.CLINIC_ADMIN:
        raise PermissionDenied("You can see your own credentials only.")
    return c


@allowed
def verify(request: ClinicRequest, code) -> HttpResponse:
    """A clinic admin records how a credential was verified for this clinic (or withdraws this clinic's
    verification). Other clinics' verifications are theirs: this one neither changes nor relies on them."""
    c = _credential(request, code)
    clinic = request.membership.clinic
    back = reverse("practitioners:credentials") + f"?user={c.user.username}"
    mine = CredentialVerification.objects.filter(credential=c, clinic=clinic)
    if request.POST.get("action") == "unverify":
        with transaction.atomic():
            gone = mine.delete()[0]
            record(request, "credential.unverify", category=CAT, outcome="ok" if gone else "invalid",
                   detail=f"{c.user.username}: {c.code}")  # fmt: skip
        messages.success(
            request,
            pgettext("staff", "Verification withdrawn for %(name)s: %(credential)s.")
            % {"name": clinic.name, "credential": c},
        )
        return redirect(back)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        record(request, "credential.verify", category=CAT, outcome="invalid", detail=str(c.code))
        messages.error(request, pgettext("staff", "Say how the credential was verified."))
        return redirect(back)
    with transaction.atomic():
        CredentialVerification.objects.update_or_create(
            credential=c,
            clinic=clinic,
            defaults={
                "method": form.cleaned_data["method"],
                "note": form.cleaned_data["note"],
                "verified_by": request.user,
                "verified_at": timezone.now(),
            },
        )
        record(request, "credential.verify", category=CAT,
               detail=f"{c.user.username}: {c.code} {form.cleaned_data['method']}")  # fmt: skip
    messages.success(
        request, pgettext("staff", "Verified for %(name)s: %(credential)s.") % {"name": clinic.name, "credential": c}
    )
    return redirect(back)


@allowed
def certificate(request: ClinicRequest, code) -> HttpResponse:
    c = _credential(request, code)
    if not c.certificate:
        raise Http404("No certificate")
    record(request, "credential.certificate", category=CAT, detail=str(c.code))
    response = HttpResponse(bytes(c.certificate), content_type=c.certificate_type)
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[c.certificate_type]
    response["Content-Disposition"] = f'attachment; filename="certificate-{c.code}.{ext}"'
    return response


@allowed
def team(request: ClinicRequest) -> HttpResponse:
    """The clinic's practitioners: credentials, warnings, experience and the needling right (admin)."""
    clinic = request.membership.clinic
    members = Membership.objects.filter(clinic=clinic, role=Role.PRACTITIONER, is_active=True).select_related("user")
    if request.method == "POST" and request.POST.get("action") == "attest":
        return _attest(request, clinic)
    if request.method == "POST":
        m = members.filter(user__username=request.POST.get("user", "")[:150]).first()
        if m is None:
            raise Http404("Not found")
        if request.POST.get("action") == "revoke":
            gate.revoke(m)
            record(request, "needling.revoke", category=CAT, detail=m.user.username)
            messages.success(
                request,
                pgettext("staff", "%(display_name)s can no longer sign needling visits here.")
                % {"display_name": m.user.display_name()},
            )
        else:
            refused = gate.grant(m)
            if refused:
                record(request, "needling.grant", category=CAT, outcome="invalid", detail=m.user.username)
                messages.error(
                    request,
                    pgettext("staff", "Not given to %(display_name)s: %(refused)s")
                    % {"display_name": m.user.display_name(), "refused": " ".join(refused)},
                )
            else:
                record(request, "needling.grant", category=CAT, detail=m.user.username)
                messages.success(
                    request,
                    pgettext("staff", "%(display_name)s may needle in %(name)s.")
                    % {"display_name": m.user.display_name(), "name": clinic.name},
                )
        return redirect("practitioners:team")
    record(request, "team.view", category=CAT)
    rows = []
    for m in members.order_by("user__last_name"):
        creds = list(Credential.objects.filter(user=m.user).prefetch_related("verifications"))
        unverified = sum(1 for c in creds if c.verification_for(clinic) is None)
        rows.append({"m": m, "problems": gate.problems(m.user, clinic), "expiring": gate.expiring(creds),
                     "experience": gate.experience(m.user), "unverified": unverified})  # fmt: skip
    professions = sorted({p for m in members if (p := gate.profession_of(m.user, clinic))})
    local = [
        {"profession": p, "rule": r, "attestation": gate.current_attestation(clinic, p)}
        for p in professions
        if gate.needs_attestation(r := gate.rule_for(clinic, p))
    ]
    return render(
        request,
        "practitioners/team.html",
        {
            "rows": rows,
            "local": local,
            "attest_form": AttestationForm(),
            "clinic": clinic,
            "experience_definition": gate.EXPERIENCE_DEFINITION,
        },
    )


class AttestationForm(forms.Form):
    profession = forms.ChoiceField(choices=Credential.Profession.choices)
    checked_by = forms.CharField(
        label=pgettext_lazy("staff", "Who checked the local rule"), max_length=200, validators=[no_nul]
    )
    source = forms.CharField(
        label=pgettext_lazy("staff", "The rule and where it was read (statute, board page, letter)"),
        min_length=10,
        max_length=400,
        validators=[no_nul],
    )
    checked_on = forms.DateField(label=pgettext_lazy("staff", "Checked on"), widget=DateInput())

    def clean_checked_on(self):
        d = self.cleaned_data["checked_on"]
        if d > timezone.localdate():
            raise forms.ValidationError(pgettext("staff", "The date the rule was checked cannot be in the future."))
        return d


def _attest(request: ClinicRequest, clinic) -> HttpResponse:
    """A clinic admin records who checked the local rule where dryneedle holds none (the gate fails closed)."""
    form = AttestationForm(request.POST)
    if not form.is_valid():
        record(request, "jurisdiction.attest", category=CAT, outcome="invalid")
        messages.error(request, error_text(form))
        return redirect("practitioners:team")
    d = form.cleaned_data
    with transaction.atomic():
        a = LocalRuleAttestation.objects.create(
            clinic=clinic, jurisdiction=clinic.jurisdiction, recorded_by=request.user, **d
        )
        record(
            request, "jurisdiction.attest", category=CAT, detail=f"{a.jurisdiction} {a.profession}: {a.source}"[:200]
        )
    messages.success(
        request,
        pgettext("staff", "Recorded: the %(profession)s rule in %(jurisdiction)s, checked by %(checked_by)s.")
        % {"profession": a.profession, "jurisdiction": a.jurisdiction, "checked_by": a.checked_by},
    )
    return redirect("practitioners:team")


def changes(before: dict, obj) -> dict:
    """What an edit changed, field by field, for the audit row: {field: [before, after]}."""
    return {f: [old, getattr(obj, f)] for f, old in before.items() if old != getattr(obj, f)}


class RuleForm(forms.ModelForm):
    class Meta:
        model = JurisdictionRule
        fields = ["status", "min_hours_in_person", "min_hours_total", "prior_practice_years", "written_consent",
                  "separate_note", "extra_authorization", "source", "note"]  # fmt: skip


@allowed
def jurisdictions_page(request: ClinicRequest) -> HttpResponse:
    """The rules, for everyone to read; a superuser edits one (laws change), and every edit is audited."""
    rules = JurisdictionRule.objects.select_related("updated_by")
    form = None
    if request.method == "POST":
        pk = request.POST.get("rule", "")[:12]
        rule = rules.filter(pk=pk).first() if pk.isdigit() else None
        if rule is None:
            raise Http404("Not found")
        before = {f: getattr(rule, f) for f in RuleForm.Meta.fields}
        form = RuleForm(request.POST, instance=rule)
        if form.is_valid():
            rule = form.save(commit=False)
            rule.updated_by = request.user
            rule.save()
            changed = changes(before, rule)
            record(request, "jurisdiction.edit", category=CAT, detail=f"{rule.jurisdiction} {rule.profession}: "
                   f"{changed}"[:500])  # fmt: skip
            messages.success(request, pgettext("staff", "Saved: %(rule)s.") % {"rule": rule})
            return redirect("practitioners:jurisdictions")
        record(request, "jurisdiction.edit", category=CAT, outcome="invalid")
    else:
        record(request, "jurisdictions.view", category=CAT)
    return render(
        request,
        "practitioners/jurisdictions.html",
        {"rules": rules, "form": form, "editable": request.user.is_superuser, "edit_form": RuleForm()},
        status=400 if form is not None and form.errors else 200,
    )


class ClinicSafetyForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = ["on_call_email", "on_call_phone", "spinal_surgery_defer_weeks", "emergency_access_per_hour"]
        labels = {
            "on_call_email": pgettext_lazy("staff", "On-call address for urgent check-in answers"),
            "on_call_phone": pgettext_lazy(
                "staff", "On-call phone (for the text-message hook, when one is configured)"
            ),
            "spinal_surgery_defer_weeks": pgettext_lazy(
                "staff", "Weeks to defer needling after spinal surgery or a spinal injection"
            ),
            "emergency_access_per_hour": pgettext_lazy(
                "staff", "Emergency-access openings allowed per person per hour"
            ),
        }
        help_texts = {
            "on_call_email": pgettext_lazy(
                "staff", "Required to send aftercare check-ins: a red answer is emailed here at once."
            ),
            "spinal_surgery_defer_weeks": pgettext_lazy(
                "staff", "No published window is held, so there is no default: set your clinic's."
            ),
            "emergency_access_per_hour": pgettext_lazy(
                "staff",
                "No published number exists; 5 is dryneedle's choice. Admins are emailed when someone reaches it, and"
                " further openings that hour are refused.",
            ),
        }

    def clean_on_call_phone(self):
        value = self.cleaned_data["on_call_phone"]
        no_nul(value)
        return value.strip()

    def clean_emergency_access_per_hour(self):
        value = self.cleaned_data["emergency_access_per_hour"]
        if value is None or not 1 <= value <= 20:
            raise forms.ValidationError(pgettext("staff", "Give a number from 1 to 20."))
        return value

    def clean_spinal_surgery_defer_weeks(self):
        value = self.cleaned_data["spinal_surgery_defer_weeks"]
        if value is not None and not 1 <= value <= 104:
            raise forms.ValidationError(pgettext("staff", "Give a number of weeks from 1 to 104, or leave it empty."))
        return value


@allowed
def clinic_safety(request: ClinicRequest) -> HttpResponse:
    """The clinic's safety settings: where urgent check-ins go, and its window after spinal surgery (audited)."""
    clinic = request.membership.clinic
    form = ClinicSafetyForm(request.POST or None, instance=clinic)
    if request.method == "POST":
        before = {f: getattr(clinic, f) for f in ClinicSafetyForm.Meta.fields}
        if form.is_valid():
            with transaction.atomic():
                form.save()
                record(request, "clinic.safety", category=CAT, detail=str(changes(before, clinic))[:300])
            messages.success(request, pgettext("staff", "Saved."))
            return redirect("practitioners:clinic_safety")
        record(request, "clinic.safety", category=CAT, outcome="invalid")
    else:
        record(request, "clinic.view", category=CAT)
    return render(
        request,
        "practitioners/clinic_safety.html",
        {"form": form, "clinic": clinic},
        status=400 if form.errors else 200,
    )
