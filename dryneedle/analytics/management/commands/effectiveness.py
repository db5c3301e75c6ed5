import argparse
import json
import uuid
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from dryneedle.accounts.middleware import clinic_today
from dryneedle.accounts.models import Clinic
from dryneedle.analytics import cohort, report
from dryneedle.analytics.views import csv_text


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = """The clinic's effectiveness figures, as the report shows them: treated and followed-up episodes
    and responders by the minimal important change and by 30% improvement, with Wilson 95% intervals, for
    one measure at one time point, for the whole cohort or by group. Prints JSON (a list, one object per
    group) or, with --csv, the report's CSV with its definitions. Groups of fewer than 10 treated episodes
    carry "suppressed": true and no rates. The definitions are in docs/cli.md and on the report page.
    """

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="The clinic's code (UUID) or its exact name")
        parser.add_argument("--measure", required=True, choices=report.MEASURES, help="The measure judged")
        parser.add_argument("--timepoint", required=True, choices=report.POINTS, help="The follow-up time point")
        parser.add_argument("--by", choices=cohort.GROUPINGS, help="Group the episodes (default: the whole cohort)")
        parser.add_argument("--since", type=_day, help="First episode start date, YYYY-MM-DD (default: 2 years ago)")
        parser.add_argument("--until", type=_day, help="Last episode start date, YYYY-MM-DD (default: today)")
        parser.add_argument("--csv", action="store_true", help="Print the report's CSV instead of JSON")

    def handle(self, clinic, measure, timepoint, by, since, until, csv, **options):
        c = _clinic(clinic)
        today = clinic_today(c)
        default_since, default_until = report.default_period(today)
        since, until = since or default_since, until or default_until
        if since > until:
            raise CommandError("--until: the end of the period cannot be before --since.", returncode=2)
        if csv:
            r = report.build([c], measure, timepoint, since, until, by)
            self.stdout.write(csv_text(r), ending="")
            return
        overall, groups, *_ = report.counted([c], since, until, measure, timepoint, by, extras=False)
        out = [g.as_dict() for g in (groups if by else [overall])]
        self.stdout.write(json.dumps(out, indent=2))


def _clinic(value: str) -> Clinic:
    try:
        c = Clinic.objects.filter(code=uuid.UUID(value)).first()
    except ValueError:
        c = None
    if c is None:
        matches = list(Clinic.objects.filter(name=value)[:2])
        if len(matches) > 1:
            raise CommandError(f"--clinic: more than one clinic is named {value!r}; give its code.", returncode=2)
        c = matches[0] if matches else None
    if c is None:
        raise CommandError(f"--clinic: no clinic with the code or name {value!r}.", returncode=2)
    return c
