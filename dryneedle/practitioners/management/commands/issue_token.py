from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dryneedle.audit.log import record
from dryneedle.practitioners.models import ApiToken, Membership


class Command(BaseCommand):
    help = """Issue an API token for a user's membership of a clinic, or revoke one.

    The token is printed once; only its SHA-256 is stored. Use it as
    `Authorization: Bearer <token>`. It acts with that member's role in that clinic."""

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--clinic", help="clinic name (needed when the user belongs to several)")
        parser.add_argument("--name", default="API token", help="what the token is for")
        parser.add_argument("--revoke", action="store_true", help="revoke every token of this membership instead")

    def handle(self, username, clinic=None, name="API token", revoke=False, **options):
        qs = Membership.objects.filter(user__username=username, is_active=True, user__is_active=True)
        if clinic:
            qs = qs.filter(clinic__name=clinic)
        members = list(qs.select_related("clinic", "user"))
        if not members:
            raise CommandError(f"No active membership for {username!r}" + (f" in {clinic!r}." if clinic else "."))
        if len(members) > 1:
            names = ", ".join(m.clinic.name for m in members)
            raise CommandError(f"{username} belongs to several clinics ({names}): choose one with --clinic.")
        (m,) = members
        if revoke:
            n = ApiToken.objects.filter(membership=m, revoked__isnull=True).update(revoked=timezone.now())
            record(None, "token.revoke", user=m.user, clinic=m.clinic, category="credentials", detail=f"{n} tokens")
            self.stdout.write(f"Revoked {n} token(s) of {username} at {m.clinic.name}.")
            return
        _token, raw = ApiToken.issue(m, name[:100])
        record(None, "token.issue", user=m.user, clinic=m.clinic, category="credentials", detail=name[:100])
        self.stdout.write(f"Token for {username} ({m.get_role_display()}) at {m.clinic.name}, shown once:\n{raw}")
