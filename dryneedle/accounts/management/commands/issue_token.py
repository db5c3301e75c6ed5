from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dryneedle.accounts.models import ApiToken, Membership
from dryneedle.audit.log import record


class Command(BaseCommand):
    help = """Issue an API token for a user's membership of a clinic, or revoke one.

    The token is printed once; only its SHA-256 is stored. Use it as
    `Authorization: Bearer <token>`. It acts with that member's role in that clinic,
    within its scopes, until it expires. This is the operator's way (it needs
    the server); people make their own on the API tokens page, after the second
    factor."""

    def add_arguments(self, parser):
        parser.add_argument("username", help="the account (its login name)")
        parser.add_argument("--clinic", help="clinic name (needed when the user belongs to several)")
        parser.add_argument("--name", default="API token", help="what the token is for")
        parser.add_argument(
            "--scope",
            default="read,write",
            help="comma-separated: read, write, export (default read,write)",
        )
        parser.add_argument("--days", type=int, default=ApiToken.DEFAULT_DAYS, help="lifetime: 7, 30, 90 or 365 days")
        parser.add_argument("--revoke", action="store_true", help="revoke every token of this membership instead")

    def handle(self, username, clinic=None, name="API token", revoke=False, scope="read,write", days=90, **options):
        qs = Membership.objects.filter(user__username=username, is_active=True, user__is_active=True)
        if clinic:
            qs = qs.filter(clinic__name=clinic)
        members = list(qs.select_related("clinic", "user"))
        if not members:
            where = f" in {clinic!r}." if clinic else "."
            raise CommandError(f"No active membership for {username!r}{where}", returncode=2)
        if len(members) > 1:
            names = ", ".join(m.clinic.name for m in members)
            msg = f"{username} belongs to several clinics ({names}): choose one with --clinic."
            raise CommandError(msg, returncode=2)
        (m,) = members
        if revoke:
            n = ApiToken.objects.filter(membership=m, revoked__isnull=True).update(revoked=timezone.now())
            record(None, "token.revoke", user=m.user, clinic=m.clinic, category="credentials", detail=f"{n} tokens")
            self.stdout.write(f"Revoked {n} token(s) of {username} at {m.clinic.name}.")
            return
        try:
            t, raw = ApiToken.issue(m, name[:100], [s.strip() for s in scope.split(",") if s.strip()], days)
        except ValidationError as e:
            raise CommandError(" ".join(e.messages), returncode=2) from None
        record(
            None,
            "token.issue",
            user=m.user,
            clinic=m.clinic,
            category="credentials",
            detail=f"{name[:80]} ({t.scopes})",
        )
        self.stdout.write(f"Token for {username} ({m.get_role_display()}) at {m.clinic.name}, shown once:\n{raw}")
