"""The patient's consent to dry needling, signed in their account (issue 19; the form and its rules are
dryneedle/consent)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed
from dryneedle.aftercare import services as aftercare
from dryneedle.audit.log import record
from dryneedle.consent import services as consent
from dryneedle.consent.forms import SignForm, WithdrawForm
from dryneedle.consent.models import SignedConsent
from dryneedle.lib import mail
from dryneedle.lib.forms import add_errors
from dryneedle.mine import signin
from dryneedle.mine.theirs import ACTOR, record_for, their_records
from dryneedle.patients.models import Episode


@allowed
def consent_page(request) -> HttpResponse:
    """The consent to dry needling: the form with the clinic's own numbers beside the published ones, signed with
    the typed name and a drawn signature; the signed ones to download or withdraw."""
    data = request.POST if request.method == "POST" else request.GET
    patient = record_for(request, data, "consent.view", "consent")
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
    clinics, ids = their_records(request)
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
