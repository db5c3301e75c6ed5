"""Marking a clinical record entered in error from a page: one form, one write, one audit row.

Every app's "Entered in error" button posts a reason here through its own URL; the write itself is
``ClinicalRecord.mark_entered_in_error`` (lib/models.py), which the API calls too.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import pgettext

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.audit.models import AuditEvent
from dryneedle.patients import care_team


def mark(request: ClinicRequest, obj, action: str, back: HttpResponse, *, category: str = "") -> HttpResponse:
    """Mark ``obj`` (of a patient the requester may write for) entered in error with the posted reason."""
    patient = obj if obj._meta.label_lower == "patients.patient" else obj.patient
    care_team.require_clinical_write(request, patient)
    try:
        with transaction.atomic():
            obj.mark_entered_in_error(request.user, request.POST.get("reason", ""))
            record(request, action, obj, patient=patient, category=category)
    except ValidationError as e:
        record(request, action, obj, patient=patient, category=category, outcome=AuditEvent.Outcome.INVALID)
        messages.error(request, " ".join(e.messages))
        return back
    messages.success(
        request,
        pgettext("staff", "Marked entered in error: %(record)s. It stays in the history and no longer counts.")
        % {"record": obj},
    )
    return back
