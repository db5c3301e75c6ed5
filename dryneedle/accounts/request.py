"""The request as dryneedle's pages and API see it, known to the type checker."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from dryneedle.accounts.models import Membership, User


class ClinicRequest(HttpRequest):
    """A request after the clinic middleware (accounts/middleware.py) or the API's token check.

    ``membership`` is the signed-in person's membership of the current clinic.
    Every page and operation whose policy row names a role has one (``@allowed``
    and ``policy_check`` refuse otherwise); pages open to anyone read it with
    ``getattr(request, "membership", None)``.
    """

    user: User  # narrower than Django's (AbstractBaseUser | AnonymousUser): @allowed signs in first
    membership: Membership
    htmx: HtmxDetails  # django-htmx's middleware: truthy when htmx sent the request
    memberships: list[Membership]  # all of the user's active ones, by clinic name (the clinic middleware)
    break_glass: bool
    request_id: str
