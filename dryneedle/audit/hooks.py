"""Events the audit log announces to the apps above it (docs/architecture.md: hooks, not back-imports)."""

from django.dispatch import Signal

# ``dryneedle checkpoint_audit --email``: a checkpoint line was written and its
# clinics' admins should get their chain's head. accounts answers it (it knows
# who the admins are; the log does not).
checkpoint_to_announce = Signal()  # kwargs: line (the signed checkpoint dict)
