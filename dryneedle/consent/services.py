"""Signing and withdrawing consent: the one way each is written, for the patient's own pages and the clinic's.

The form's numbers are worked out above this app (aftercare.services.consent_numbers reads the adverse events)
and handed in already rendered: this app freezes what the patient read, never recomputes it.
"""

import hashlib
import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from dryneedle.consent import text
from dryneedle.consent.models import SignedConsent
from dryneedle.lib import languages, mail
from dryneedle.lib.models import at_most

# A drawn signature arrives as SVG path data from consent/static/consent/signature.js: moves and lines in a
# 600 x 200 box, numbers only. Anything else (markup, script, a stray character) is refused, not cleaned.
_PATH = re.compile(r"^(?:[ML] ?-?\d{1,4}(?:\.\d{1,2})? -?\d{1,4}(?:\.\d{1,2})? ?)+$")
SIGNATURE_MAX = 40_000


def render_form(clinic, patient, numbers: dict) -> str:
    """The form's text as the patient reads it (HTML from our template), to show and, once signed, to freeze: in
    the active language, which the caller sets to the patient's (``numbers`` worked out in it too)."""
    return render_to_string("consent/_form.html", {"clinic": clinic, "patient": patient, "version": text.VERSION,
                                                   "risks": numbers["risks"], "own_visits": numbers["visits"],
                                                   "min_visits": numbers["min_visits"],
                                                   "benefit": gettext(text.BENEFIT),
                                                   "benefit_source": text.BENEFIT_SOURCE,
                                                   "alternatives": [gettext(a) for a in text.ALTERNATIVES],
                                                   "right_to_stop": gettext(text.RIGHT_TO_STOP)})  # fmt: skip


def digest(form_text: str) -> str:
    return hashlib.sha256(form_text.encode()).hexdigest()


def check_signature(typed_name: str, signature: str, typed_only: bool) -> tuple[str, str]:
    name = " ".join((typed_name or "").split())
    if not name:
        raise ValidationError({"typed_name": gettext("Type your full name to sign.")})
    at_most("typed_name", name, 200)
    if "\x00" in name:
        raise ValidationError({"typed_name": gettext("The name contains a character that cannot be stored.")})
    signature = (signature or "").strip()
    if typed_only:
        return name, ""
    if not signature:
        raise ValidationError(
            {"signature": gettext("Draw your signature in the box, or tick that your typed name signs.")}
        )
    if len(signature) > SIGNATURE_MAX or not _PATH.match(signature) or signature.count("L") < 2:
        raise ValidationError(
            {"signature": gettext("The drawn signature could not be read: clear it and draw it again.")}
        )
    return name, signature


def sign(clinic, patient, *, form_text: str, shown: str, typed_name: str, signature: str, typed_only: bool,
         via: str, witness=None) -> SignedConsent:  # fmt: skip
    """Freeze the form the patient read, their name and signature, and the PDF of all three with its hash.
    ``shown`` is the digest of the form as it was on their screen: if the clinic's numbers moved meanwhile, they
    read it again rather than sign words they did not see."""
    if shown != digest(form_text):
        raise ValidationError(gettext("The form changed while you were reading it (the clinic's numbers were "
                                      "updated): read it again below, then sign."))  # fmt: skip
    name, signature = check_signature(typed_name, signature, typed_only)
    now = timezone.now()
    doc = SignedConsent(clinic=clinic, patient=patient, form_version=text.VERSION, text=form_text, typed_name=name,
                        signature=signature, typed_only=typed_only, signed_at=now, via=via, witness=witness,
                        created_by=witness, updated_by=witness)  # fmt: skip
    doc.pdf = make_pdf(doc)
    doc.sha256 = hashlib.sha256(doc.pdf).hexdigest()
    doc.save()
    return doc


def make_pdf(doc: SignedConsent) -> bytes:
    from weasyprint import HTML  # a heavy import, for signing only

    html = render_to_string("consent/pdf.html", {"doc": doc, "clinic": doc.clinic, "patient": doc.patient,
                                                 "signed": timezone.localtime(doc.signed_at)})  # fmt: skip
    return HTML(string=html).write_pdf()


def withdraw(doc: SignedConsent, reason: str, user=None) -> None:
    """Record that the patient withdrew this consent (``user`` None: the patient, in their account)."""
    if doc.withdrawn:
        raise ValidationError(gettext("This consent was already withdrawn."))
    reason = " ".join((reason or "").split())
    if user is not None and not reason:
        raise ValidationError(
            {"reason": pgettext("staff", "Say how the patient withdrew (for example, by phone at the desk).")}
        )
    doc.withdrawn_reason = at_most("reason", reason, 500)
    doc.withdrawn_at = timezone.now()
    doc.withdrawn_by = user
    doc.updated_by = user
    doc.save(update_fields=["withdrawn_reason", "withdrawn_at", "withdrawn_by", "updated_by", "updated"])


def of(patient):
    """The patient's signed consents in their clinic (their merged records' too), newest first."""
    return SignedConsent.objects.filter(clinic=patient.clinic_id, patient__in=patient.record_ids()).order_by(
        "-signed_at", "-id"
    )


def current(patient) -> SignedConsent | None:
    """The newest signed consent still in force, if any."""
    return of(patient).filter(withdrawn_at=None).first()


def withdrawn_since(clinic_id: int, patient_id: int, since) -> SignedConsent | None:
    """A consent the patient withdrew after ``since`` (which closes the needling gate until they sign again).
    By ids, for the needling gate, which has the episode's keys and no patient row to hand."""
    theirs = SignedConsent.objects.filter(clinic=clinic_id).filter(
        Q(patient=patient_id) | Q(patient__merged_into=patient_id)
    )
    later = theirs.filter(withdrawn_at__gt=since).order_by("-withdrawn_at").first()
    if later is None:
        return None
    again = theirs.filter(withdrawn_at=None, signed_at__gt=later.withdrawn_at).exists()
    return None if again else later


def send_copy(doc: SignedConsent, language: str | None = None) -> None:
    """Email the patient their copy, the PDF attached (Colorado: the patient signs and receives a copy, §9)."""
    mail.send("consent/email/signed.txt", {"doc": doc, "patient": doc.patient,
                                           "signed": timezone.localtime(doc.signed_at)},
              [doc.patient.email], doc.clinic,
              attachments=((f"consent-{doc.signed_at:%Y-%m-%d}.pdf", bytes(doc.pdf), "application/pdf"),),
              language=language or languages.of_record(doc.patient.preferred_language))  # fmt: skip
