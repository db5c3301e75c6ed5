"""Who works in a clinic, by role (the lists every booking and plan form offers)."""

from dryneedle.accounts.models import Role, User


def practitioners(clinic):
    """The clinic's active practitioners, by name."""
    return User.objects.filter(
        memberships__clinic=clinic, memberships__role=Role.PRACTITIONER, memberships__is_active=True, is_active=True
    ).order_by("last_name", "first_name")
