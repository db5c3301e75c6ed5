"""Whether a patient is texted (issue 19): they agreed for the phone number on their record, and have not stopped
since. Agreeing and stopping are rows of a trail (patients.TextConsent); the newest counts."""

from django.conf import settings
from django.core import signing
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from dryneedle.lib import languages, sms
from dryneedle.patients.models import Patient, TextConsent

SALT = "texts.stop"


def state(patient) -> TextConsent | None:
    return TextConsent.objects.filter(clinic=patient.clinic_id, patient=patient).order_by("-created", "-id").first()


def texted(patient) -> bool:
    s = state(patient)
    return bool(patient.phone) and s is not None and s.agreed and s.phone == patient.phone


def record(patient, agreed: bool, source: str, user=None) -> TextConsent | None:
    """Record a change (nothing when it is already so)."""
    if texted(patient) == agreed:
        return None
    return TextConsent.objects.create(clinic=patient.clinic, patient=patient, agreed=agreed, phone=patient.phone,
                                      source=source, created_by=user, updated_by=user)  # fmt: skip


def texted_ids(clinic_ids) -> set[int]:
    """Patients of these clinics who are texted now, in one query (for the reminder run)."""
    newest = TextConsent.objects.filter(patient=OuterRef("pk")).order_by("-created", "-id")
    rows = (
        Patient.objects.filter(clinic__in=clinic_ids)
        .exclude(phone="")
        .annotate(agreed=Subquery(newest.values("agreed")[:1]), agreed_phone=Subquery(newest.values("phone")[:1]))
        .filter(agreed=True)
        .values_list("pk", "phone", "agreed_phone")
    )
    return {pk for pk, phone, agreed_phone in rows if phone == agreed_phone}


def stop_token(patient) -> str:
    return signing.dumps(str(patient.code), salt=SALT, compress=True)


def stop_url(patient) -> str:
    """The link each text ends with. The page is the patient's own (dryneedle/mine, above this app): its address is
    looked up by name, the one place a text needs it."""
    return settings.SITE_URL + reverse("mine:texts_stop", args=[stop_token(patient)])


def speaking(patient):
    """The patient's language for what is written to them (their record's, else English): ``with
    texts.speaking(p): texts.send(p, _("..."))``."""
    return translation.override(languages.of_patient(patient))


def with_stop(patient, text: str) -> str:
    """``text`` and the link that stops texts, in the patient's language."""
    with speaking(patient):
        return _("%(text)s Stop texts: %(url)s") % {"text": text, "url": stop_url(patient)}


def send(patient, text: str) -> bool:
    """Text ``text`` (written in the patient's language: ``speaking``) and the stop link to a patient who agreed to
    texts (and when texts are on); whether it went. ``text`` holds no clinical word (lib/sms.check refuses one)."""
    if not sms.enabled() or not texted(patient):
        return False
    return sms.send(patient.phone, with_stop(patient, text))


def from_stop_token(token: str) -> Patient | None:
    try:
        code = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return Patient.objects.filter(code=code).select_related("clinic").first()


def stop_number(phone: str) -> int:
    """A reply of STOP from ``phone``: every record with that number stops being texted (whichever clinic)."""
    n = 0
    for p in Patient.objects.filter(phone=phone).select_related("clinic"):
        n += record(p, False, TextConsent.Source.REPLY) is not None
    return n
