"""Reminders by text (issue 19): the patient turns them on or off; the link in each text and a STOP reply stop
them (patients/texts.py keeps the trail)."""

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed
from dryneedle.audit.log import record
from dryneedle.mine.theirs import ACTOR, record_for
from dryneedle.patients import texts as patient_texts
from dryneedle.patients.models import TextConsent


@allowed
@require_POST
def texts_setting(request) -> HttpResponse:
    """The patient turns appointment reminders by text on or off for the number their clinic has."""
    patient = record_for(request, request.POST, "texts.agreed", "demographics")
    on = request.POST.get("texts") == "on"
    if on and not patient.phone:
        messages.error(request, _("Your clinic has no phone number for you: tell them the number first."))
    elif patient_texts.record(patient, on, TextConsent.Source.ACCOUNT):
        record(request, "texts.agreed" if on else "texts.stopped", patient, actor=ACTOR, category="demographics")
        messages.success(request, _("Reminders by text are on.") if on else _("No more texts."))
    return redirect("mine:home")


@allowed
def texts_stop(request, token) -> HttpResponse:
    """The link in every text: stop texts, with one button (opening the link changes nothing)."""
    patient = patient_texts.from_stop_token(token)
    if patient is None:
        return render(request, "portal/message.html", {"message": _("This link is not valid.")}, status=404)
    stopped = False
    if request.method == "POST":
        if patient_texts.record(patient, False, TextConsent.Source.LINK):
            record(request, "texts.stopped", patient, actor=ACTOR, category="demographics", detail="link")
        stopped = True
    return render(request, "mine/texts_stop.html", {"stopped": stopped or not patient_texts.texted(patient)})


@csrf_exempt  # the gateway's server posts here, with the shared token instead of a browser's cookie
@allowed
@require_POST
def texts_inbound(request) -> HttpResponse:
    """A reply to a text, forwarded by the gateway: STOP (or similar) stops texts to that number."""
    token = settings.SMS_HTTP_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not token or not hmac.compare_digest(given, token):
        return JsonResponse({"detail": "Not allowed."}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        phone, text = str(body["from"]), str(body["text"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "Send JSON with 'from' and 'text'."}, status=400)
    stopped = 0
    if text.strip().upper() in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT", "ALTO"):
        stopped = patient_texts.stop_number(phone)
        record(request, "texts.stopped", actor=ACTOR, category="demographics", detail=f"reply; {stopped} records")
    return JsonResponse({"stopped": stopped})
