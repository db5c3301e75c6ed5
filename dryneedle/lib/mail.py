"""Every email dryneedle sends: written in a template, dated in the clinic's zone, sent after commit.

A template's first line is the subject and the rest the body (plain text:
templates under ``<app>/email/`` start with ``{% autoescape off %}``). The
message goes when the surrounding transaction commits, so a write that is
rolled back sends nothing; outside a transaction it goes at once.
"""

import smtplib
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation


def render(template: str, context: dict, clinic=None, language: str | None = None) -> tuple[str, str]:
    """(subject, body) of ``template``, with dates and times in ``clinic``'s zone when one is given, in
    ``language`` (the recipient's: a patient's from their record or their page; English when not given, whatever
    page sends it, so a patient's Spanish page never writes Spanish to their clinician)."""
    zone = zoneinfo.ZoneInfo(clinic.timezone) if clinic is not None else timezone.get_current_timezone()
    with timezone.override(zone), translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(template, context)
    subject, _, body = text.partition("\n")
    return " ".join(subject.split()), body.strip("\n") + "\n"


def send(template: str, context: dict, to, clinic=None, failed: Callable[[str], None] | None = None,
         attachments: tuple[tuple[str, str | bytes, str], ...] = (), language: str | None = None) -> bool:  # fmt: skip
    """Send ``template`` to every address in ``to`` (empty ones skipped) once the transaction commits.

    ``failed``: called with the reason when the mail server refuses the message (instead of raising), for a
    sender that keeps a record of what did not go (appointment reminders). ``attachments``: (file name, content,
    MIME type), e.g. an appointment's iCalendar file.
    """
    recipients = sorted({a for a in to if a})
    if not recipients:
        return False
    subject, body = render(template, context, clinic, language)

    def go() -> None:
        try:
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            for name, content, mimetype in attachments:
                message.attach(name, content, mimetype)
            message.send()
        except (OSError, smtplib.SMTPException) as e:  # SMTPException is an OSError; both named for the reader
            if failed is None:
                raise
            failed(f"{type(e).__name__}: {e}"[:200])

    transaction.on_commit(go)
    return True
