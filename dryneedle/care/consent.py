"""The patient's consent to dry needling on the clinic's side: the signed forms, signing on the clinic's device
(the patient reads and signs; the staff member present is recorded), the PDF, and recording a withdrawal.

Here, at the top, because the form shows the clinic's own adverse-event numbers (aftercare.consent_numbers)
and the signed document sits below them (dryneedle/consent).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.aftercare import services as aftercare
from dryneedle.audit.log import record
from dryneedle.consent import services as consent
from dryneedle.consent.forms import SignForm, WithdrawForm
from dryneedle.consent.models import SignedConsent
from dryneedle.lib import languages
from dryneedle.lib.forms import add_errors
from dryneedle.patients.models import Patient, RecordStatus


@allowed
def patient_consent(request: ClinicRequest, code) -> HttpResponse:
    patient = get_for_clinic(request, Patient.objects.select_related("merged_into"), code=code)
    # The patient reads and signs here: the form in their language (their record's), the page around it in English.
    language = languages.of_patient(patient)
    with translation.override(language):
        form_text = consent.render_form(patient.clinic, patient, aftercare.consent_numbers(patient.clinic))
    form = SignForm(request.POST or None, initial={"shown": consent.digest(form_text)})
    can_sign = patient.status == RecordStatus.ACTIVE and patient.merged_into_id is None
    if request.method == "POST":
        if not can_sign:
            form.add_error(
                None, pgettext("staff", "This record cannot take a new consent (merged or entered in error).")
            )
        elif form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic(), translation.override(language):
                    doc = consent.sign(patient.clinic, patient, form_text=form_text, shown=d["shown"],
                                       typed_name=d["typed_name"], signature=d["signature"],
                                       typed_only=d["typed_only"], via=SignedConsent.Via.CLINIC,
                                       witness=request.user)  # fmt: skip
                    record(request, "consent.signed", doc, patient=patient, detail=f"on the clinic's device; "
                           f"version {doc.form_version}; sha256 {doc.sha256}")  # fmt: skip
                    consent.send_copy(doc, language)
            except ValidationError as e:
                add_errors(form, e)
            else:
                copy = " and a copy emailed to the patient" if patient.email else ""
                messages.success(
                    request,
                    pgettext("staff", "Consent signed by %(typed_name)s; the PDF is kept%(copy)s.")
                    % {"typed_name": doc.typed_name, "copy": copy},
                )
                return redirect("patients:consent", patient.code)
        record(request, "consent.signed", patient, outcome="invalid", detail=form.errors.as_text()[:200])
    else:
        record(request, "consent.view", patient)
    return render(request, "care/consent.html", {
        "patient": patient, "docs": consent.of(patient).select_related("witness", "withdrawn_by"),
        "in_force": consent.current(patient),
        "form": form, "form_text": form_text, "can_sign": can_sign, "withdraw_form": WithdrawForm(),
        "patient_language": language,
    }, status=400 if form.errors else 200)  # fmt: skip


def _doc(request: ClinicRequest, code) -> SignedConsent:
    return get_for_clinic(request, SignedConsent.objects.select_related("patient", "clinic"), code=code)


@allowed
def consent_pdf(request: ClinicRequest, code) -> HttpResponse:
    doc = _doc(request, code)
    record(request, "consent.pdf", doc, patient=doc.patient)
    response = HttpResponse(bytes(doc.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="consent-{doc.signed_at:%Y-%m-%d}.pdf"'
    return response


@allowed
@require_POST
def consent_withdraw(request: ClinicRequest, code) -> HttpResponse:
    doc = _doc(request, code)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_text())
        with transaction.atomic():
            consent.withdraw(doc, form.cleaned_data["reason"], request.user)
            record(request, "consent.withdrawn", doc, patient=doc.patient, detail=doc.withdrawn_reason)
    except ValidationError as e:
        record(request, "consent.withdrawn", doc, patient=doc.patient, outcome="invalid")
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request, pgettext("staff", "Withdrawal recorded: needling is blocked until the patient consents again.")
        )
    return redirect("patients:consent", doc.patient.code)


urlpatterns = [
    path("<uuid:code>/consent/", patient_consent, name="consent"),
    path("consent/<uuid:code>/pdf/", consent_pdf, name="consent_pdf"),
    path("consent/<uuid:code>/withdraw/", consent_withdraw, name="consent_withdraw"),
]
