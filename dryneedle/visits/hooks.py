"""What visits announce to the apps above them, and the one answer they ask of one (docs/architecture.md).

Aftercare, adverse events and outcomes sit above visits: they react to a
visit, a visit does not reach into them.
"""

from django.dispatch import Signal

from dryneedle.lib.hooks import Hook

# A needling visit was signed (kwargs: visit, base_url). Aftercare answers with
# the patient's handout link. Sent inside the signing transaction: a receiver
# that fails undoes the signature (fail closed).
visit_signed = Signal()

# A needle could not be counted out (kwargs: incident, user). Adverse events
# answers: every incident becomes an adverse event to classify. Same transaction.
needle_incident_recorded = Signal()

# The patient's own pain rating from today's questionnaire, offered as the
# visit's starting rating (outcomes provides it).
pain_rating_today = Hook("visits.pain_rating_today", "(visit) -> the NPRS Response collected that day, or None")
