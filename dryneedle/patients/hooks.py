"""What the patient record announces to the apps above it (docs/architecture.md)."""

from django.dispatch import Signal

from dryneedle.lib.hooks import Hook

# An episode was discharged (kwargs: request, episode), inside the discharge's
# transaction. The directory answers with the patient's review request.
episode_discharged = Signal()

# The care plan's discharge criteria, shown beside the discharge form (plans provides them).
discharge_criteria = Hook("patients.discharge_criteria", "(plan) -> [(criterion, met)] for the plan's episode")
