from django.db import models

from dryneedle.lib import guards
from dryneedle.lib.anonymity import drop
from dryneedle.lib.models import ClinicalRecord


class CheckIn(ClinicalRecord):
    """A question to the patient a day (and, if needed, two days) after needling: how are you?

    One row per visit and attempt, unique, so `send_due` can run any number of times,
    at once or concurrently, and send each only once.
    """

    db_guard = guards.NO_DELETE  # the database refuses DELETE (lib/guards.py)
    # What anonymising removes (lib/anonymity.py, docs/retention.md).
    identifying = {"answers": drop("other")}  # the yes/no and 0-10 answers stay; their own words go

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="checkins")
    episode = models.ForeignKey("patients.Episode", models.PROTECT, related_name="+")
    visit = models.ForeignKey("visits.Visit", models.PROTECT, related_name="checkins")
    attempt = models.PositiveSmallIntegerField()  # 1 at 24 h, 2 at 48 h
    link = models.OneToOneField("portal.PatientLink", models.PROTECT, related_name="checkin")
    due_at = models.DateTimeField()
    emailed = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(null=True, blank=True)
    problem = models.BooleanField(default=False)  # anything reported
    red = models.BooleanField(default=False)  # needs urgent care: top of the worklist
    acknowledged_by = models.ForeignKey("accounts.User", models.PROTECT, null=True, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "attempt"], name="one_checkin_per_attempt")]

    def __str__(self) -> str:
        return f"Check-in {self.attempt} after the visit of {self.visit.started:%d %b %Y}"
